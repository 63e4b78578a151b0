/* VLAN policy: ingress classification, egress action, the allowed-list
 * parser and the describe text (vswitch/vlan.h). Pure functions, no EAL. */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "vlan.h"

static struct vlan_config untagged_port(void)
{
	struct vlan_config c;

	memset(&c, 0xa5, sizeof(c)); /* init must clear everything */
	vlan_config_init(&c);
	return c;
}

static struct vlan_config access_port(uint16_t vid)
{
	struct vlan_config c;

	vlan_config_init(&c);
	c.mode = VLAN_MODE_ACCESS;
	c.access_vid = vid;
	return c;
}

/* Trunk allowing 10 and 20 (bits set directly, independent of the parser). */
static struct vlan_config trunk_port(uint16_t native)
{
	struct vlan_config c;

	vlan_config_init(&c);
	c.mode = VLAN_MODE_TRUNK;
	c.native_vid = native;
	vlan_bitmap_set(c.allowed, 10);
	vlan_bitmap_set(c.allowed, 20);
	return c;
}

/* ---- vlan_config_init ------------------------------------------------- */

Test(vlan_config, init_is_untagged_with_empty_allowed_list)
{
	struct vlan_config c = untagged_port();

	cr_assert_eq(c.mode, VLAN_MODE_UNTAGGED);
	cr_assert_eq(c.access_vid, 0);
	cr_assert_eq(c.native_vid, 0);
	for (unsigned v = 0; v < VLAN_ID_COUNT; v++)
		cr_assert_not(vlan_bitmap_test(c.allowed, (uint16_t)v),
			      "bit %u set after init", v);
}

Test(vlan_config, bitmap_set_sets_only_that_bit)
{
	uint64_t bm[VLAN_ID_COUNT / 64] = {0};

	vlan_bitmap_set(bm, 63);
	vlan_bitmap_set(bm, 64);
	vlan_bitmap_set(bm, 4094);
	for (unsigned v = 0; v < VLAN_ID_COUNT; v++)
		cr_assert_eq(vlan_bitmap_test(bm, (uint16_t)v),
			     v == 63 || v == 64 || v == 4094, "bit %u", v);
}

/* ---- Untagged mode ---------------------------------------------------- */

Test(vlan_untagged, ingress_untagged_frame_is_switched_in_vlan0)
{
	struct vlan_config c = untagged_port();

	cr_assert_eq(vlan_ingress_vid(&c, false, 0), 0);
	/* the vid argument is meaningless for an untagged frame */
	cr_assert_eq(vlan_ingress_vid(&c, false, 77), 0);
}

Test(vlan_untagged, ingress_priority_tagged_frame_counts_as_untagged)
{
	struct vlan_config c = untagged_port();

	cr_assert_eq(vlan_ingress_vid(&c, true, 0), 0);
}

Test(vlan_untagged, ingress_tagged_frame_is_refused)
{
	struct vlan_config c = untagged_port();

	cr_assert_eq(vlan_ingress_vid(&c, true, 1), VLAN_NONE);
	cr_assert_eq(vlan_ingress_vid(&c, true, 10), VLAN_NONE);
	cr_assert_eq(vlan_ingress_vid(&c, true, 4094), VLAN_NONE);
	cr_assert_eq(vlan_ingress_vid(&c, true, 4095), VLAN_NONE);
}

Test(vlan_untagged, egress_sends_vlan0_untagged_and_drops_others)
{
	struct vlan_config c = untagged_port();

	cr_assert_eq(vlan_egress_action(&c, 0), VLAN_EGRESS_UNTAGGED);
	cr_assert_eq(vlan_egress_action(&c, 1), VLAN_EGRESS_DROP);
	cr_assert_eq(vlan_egress_action(&c, 10), VLAN_EGRESS_DROP);
	cr_assert_eq(vlan_egress_action(&c, 4095), VLAN_EGRESS_DROP);
	cr_assert(vlan_port_carries(&c, 0));
	cr_assert_not(vlan_port_carries(&c, 10));
}

/* ---- Access mode ------------------------------------------------------ */

Test(vlan_access, ingress_untagged_frame_is_switched_in_access_vlan)
{
	struct vlan_config c = access_port(10);

	cr_assert_eq(vlan_ingress_vid(&c, false, 0), 10);
	cr_assert_eq(vlan_ingress_vid(&c, false, 20), 10);
}

Test(vlan_access, ingress_priority_tagged_frame_is_switched_in_access_vlan)
{
	struct vlan_config c = access_port(10);

	cr_assert_eq(vlan_ingress_vid(&c, true, 0), 10);
}

Test(vlan_access, ingress_tagged_frame_is_refused_even_with_access_vid)
{
	struct vlan_config c = access_port(10);

	cr_assert_eq(vlan_ingress_vid(&c, true, 10), VLAN_NONE);
	cr_assert_eq(vlan_ingress_vid(&c, true, 20), VLAN_NONE);
	cr_assert_eq(vlan_ingress_vid(&c, true, 4095), VLAN_NONE);
}

Test(vlan_access, egress_sends_access_vlan_untagged_and_drops_others)
{
	struct vlan_config c = access_port(10);

	cr_assert_eq(vlan_egress_action(&c, 10), VLAN_EGRESS_UNTAGGED);
	cr_assert_eq(vlan_egress_action(&c, 0), VLAN_EGRESS_DROP);
	cr_assert_eq(vlan_egress_action(&c, 11), VLAN_EGRESS_DROP);
	cr_assert_eq(vlan_egress_action(&c, 20), VLAN_EGRESS_DROP);
	cr_assert_eq(vlan_egress_action(&c, 4095), VLAN_EGRESS_DROP);
	cr_assert(vlan_port_carries(&c, 10));
	cr_assert_not(vlan_port_carries(&c, 0));
}

/* ---- Trunk mode, native VLAN 0 ------------------------------------------ */

Test(vlan_trunk_native0, ingress_untagged_frame_is_switched_in_vlan0)
{
	struct vlan_config c = trunk_port(0);

	cr_assert_eq(vlan_ingress_vid(&c, false, 0), 0);
	cr_assert_eq(vlan_ingress_vid(&c, false, 10), 0);
}

Test(vlan_trunk_native0, ingress_priority_tagged_frame_is_switched_in_vlan0)
{
	struct vlan_config c = trunk_port(0);

	cr_assert_eq(vlan_ingress_vid(&c, true, 0), 0);
}

Test(vlan_trunk_native0, ingress_allowed_tagged_frame_keeps_its_vid)
{
	struct vlan_config c = trunk_port(0);

	cr_assert_eq(vlan_ingress_vid(&c, true, 10), 10);
	cr_assert_eq(vlan_ingress_vid(&c, true, 20), 20);
}

Test(vlan_trunk_native0, ingress_tagged_frame_of_vlan_not_allowed_is_refused)
{
	struct vlan_config c = trunk_port(0);

	cr_assert_eq(vlan_ingress_vid(&c, true, 1), VLAN_NONE);
	cr_assert_eq(vlan_ingress_vid(&c, true, 11), VLAN_NONE);
	cr_assert_eq(vlan_ingress_vid(&c, true, 30), VLAN_NONE);
	cr_assert_eq(vlan_ingress_vid(&c, true, 4094), VLAN_NONE);
}

Test(vlan_trunk_native0, egress_native_untagged_allowed_tagged_others_dropped)
{
	struct vlan_config c = trunk_port(0);

	cr_assert_eq(vlan_egress_action(&c, 0), VLAN_EGRESS_UNTAGGED);
	cr_assert_eq(vlan_egress_action(&c, 10), VLAN_EGRESS_TAGGED);
	cr_assert_eq(vlan_egress_action(&c, 20), VLAN_EGRESS_TAGGED);
	cr_assert_eq(vlan_egress_action(&c, 30), VLAN_EGRESS_DROP);
	cr_assert_eq(vlan_egress_action(&c, 4094), VLAN_EGRESS_DROP);
	cr_assert(vlan_port_carries(&c, 20));
	cr_assert_not(vlan_port_carries(&c, 30));
}

/* ---- Trunk mode, native VLAN != 0 --------------------------------------- */

Test(vlan_trunk_native, ingress_untagged_frame_is_switched_in_native_vlan)
{
	struct vlan_config c = trunk_port(5);

	cr_assert_eq(vlan_ingress_vid(&c, false, 0), 5);
	cr_assert_eq(vlan_ingress_vid(&c, false, 10), 5);
}

Test(vlan_trunk_native, ingress_priority_tagged_frame_is_switched_in_native_vlan)
{
	struct vlan_config c = trunk_port(5);

	cr_assert_eq(vlan_ingress_vid(&c, true, 0), 5);
}

Test(vlan_trunk_native, ingress_native_vlan_arriving_tagged_is_accepted_in_native)
{
	/* 5 is not in the allowed list (10,20): accepted because it is native */
	struct vlan_config c = trunk_port(5);

	cr_assert_not(vlan_bitmap_test(c.allowed, 5));
	cr_assert_eq(vlan_ingress_vid(&c, true, 5), 5);
}

Test(vlan_trunk_native, ingress_allowed_and_not_allowed_tagged_frames)
{
	struct vlan_config c = trunk_port(5);

	cr_assert_eq(vlan_ingress_vid(&c, true, 10), 10);
	cr_assert_eq(vlan_ingress_vid(&c, true, 20), 20);
	cr_assert_eq(vlan_ingress_vid(&c, true, 6), VLAN_NONE);
	cr_assert_eq(vlan_ingress_vid(&c, true, 30), VLAN_NONE);
}

Test(vlan_trunk_native, egress_native_untagged_allowed_tagged_vlan0_dropped)
{
	struct vlan_config c = trunk_port(5);

	cr_assert_eq(vlan_egress_action(&c, 5), VLAN_EGRESS_UNTAGGED);
	cr_assert_eq(vlan_egress_action(&c, 10), VLAN_EGRESS_TAGGED);
	cr_assert_eq(vlan_egress_action(&c, 20), VLAN_EGRESS_TAGGED);
	/* VLAN 0 is not the native VLAN of this trunk and never allowed */
	cr_assert_eq(vlan_egress_action(&c, 0), VLAN_EGRESS_DROP);
	cr_assert_eq(vlan_egress_action(&c, 30), VLAN_EGRESS_DROP);
}

Test(vlan_trunk_native, native_vlan_also_in_allowed_list_leaves_untagged)
{
	struct vlan_config c = trunk_port(10);

	cr_assert_eq(vlan_egress_action(&c, 10), VLAN_EGRESS_UNTAGGED);
	cr_assert_eq(vlan_egress_action(&c, 20), VLAN_EGRESS_TAGGED);
	cr_assert_eq(vlan_ingress_vid(&c, true, 10), 10);
	cr_assert_eq(vlan_ingress_vid(&c, false, 0), 10);
}

/* ---- VID 4095 (reserved) ------------------------------------------------ */

Test(vlan_4095, never_allowed_on_trunk_allowing_1_to_4094)
{
	struct vlan_config c = trunk_port(0);
	char err[128];

	cr_assert_eq(vlan_parse_id_list("1-4094", c.allowed, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_eq(vlan_ingress_vid(&c, true, 4094), 4094);
	cr_assert_eq(vlan_ingress_vid(&c, true, 4095), VLAN_NONE);
	cr_assert_eq(vlan_egress_action(&c, 4094), VLAN_EGRESS_TAGGED);
	cr_assert_eq(vlan_egress_action(&c, 4095), VLAN_EGRESS_DROP);
}

Test(vlan_4095, egress_never_tags_4095_even_if_its_bitmap_bit_is_set)
{
	struct vlan_config c = trunk_port(0);

	memset(c.allowed, 0xff, sizeof(c.allowed));
	cr_assert_eq(vlan_egress_action(&c, 4095), VLAN_EGRESS_DROP);
}

Test(vlan_4095, ingress_never_accepts_4095_even_if_its_bitmap_bit_is_set)
{
	/* Same guard as egress: a reserved VID is never switched, whatever
	 * the bitmap holds. */
	struct vlan_config c = trunk_port(0);

	memset(c.allowed, 0xff, sizeof(c.allowed));
	cr_assert_eq(vlan_ingress_vid(&c, true, 4095), VLAN_NONE,
		     "trunk ingress switched a frame tagged with reserved VID 4095");
}

/* ---- vlan_parse_id_list ----------------------------------------------- */

Test(vlan_parse_id_list, list_with_range_sets_exactly_those_bits)
{
	uint64_t bm[VLAN_ID_COUNT / 64];
	char err[128] = "";

	memset(bm, 0xff, sizeof(bm)); /* the parser must overwrite, not OR */
	cr_assert_eq(vlan_parse_id_list("10,20,100-199", bm, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_not(vlan_bitmap_test(bm, 9));
	cr_assert(vlan_bitmap_test(bm, 10));
	cr_assert_not(vlan_bitmap_test(bm, 11));
	cr_assert(vlan_bitmap_test(bm, 20));
	cr_assert_not(vlan_bitmap_test(bm, 99));
	cr_assert(vlan_bitmap_test(bm, 100));
	cr_assert(vlan_bitmap_test(bm, 150));
	cr_assert(vlan_bitmap_test(bm, 199));
	cr_assert_not(vlan_bitmap_test(bm, 200));

	unsigned n = 0;
	for (unsigned v = 0; v < VLAN_ID_COUNT; v++)
		n += vlan_bitmap_test(bm, (uint16_t)v);
	cr_assert_eq(n, 102, "expected 10, 20 and 100 VLANs of 100-199, got %u bits", n);
}

Test(vlan_parse_id_list, spaces_around_ids_are_tolerated)
{
	uint64_t bm[VLAN_ID_COUNT / 64];
	char err[128] = "";

	cr_assert_eq(vlan_parse_id_list("10, 20", bm, err, sizeof(err)), 0, "%s", err);
	cr_assert(vlan_bitmap_test(bm, 10));
	cr_assert(vlan_bitmap_test(bm, 20));
	cr_assert_not(vlan_bitmap_test(bm, 15));

	cr_assert_eq(vlan_parse_id_list(" 30 - 32 ,40 ", bm, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_not(vlan_bitmap_test(bm, 10), "old bits must not survive a reparse");
	cr_assert(vlan_bitmap_test(bm, 30));
	cr_assert(vlan_bitmap_test(bm, 31));
	cr_assert(vlan_bitmap_test(bm, 32));
	cr_assert_not(vlan_bitmap_test(bm, 33));
	cr_assert(vlan_bitmap_test(bm, 40));
}

Test(vlan_parse_id_list, single_vlan_and_full_range_limits)
{
	uint64_t bm[VLAN_ID_COUNT / 64];
	char err[128] = "";

	cr_assert_eq(vlan_parse_id_list("1", bm, err, sizeof(err)), 0, "%s", err);
	cr_assert(vlan_bitmap_test(bm, 1));
	cr_assert_not(vlan_bitmap_test(bm, 0));
	cr_assert_not(vlan_bitmap_test(bm, 2));

	cr_assert_eq(vlan_parse_id_list("1-4094", bm, err, sizeof(err)), 0, "%s", err);
	cr_assert_not(vlan_bitmap_test(bm, 0));
	cr_assert(vlan_bitmap_test(bm, 1));
	cr_assert(vlan_bitmap_test(bm, 4094));
	cr_assert_not(vlan_bitmap_test(bm, 4095));
}

static void expect_bad_list(const char *text)
{
	uint64_t bm[VLAN_ID_COUNT / 64], before[VLAN_ID_COUNT / 64];
	char err[128];

	memset(bm, 0x5a, sizeof(bm));
	memcpy(before, bm, sizeof(bm));
	err[0] = '\0';
	cr_assert_eq(vlan_parse_id_list(text, bm, err, sizeof(err)), -1,
		     "list '%s' was accepted", text);
	cr_assert_neq(err[0], '\0', "no message for bad list '%s'", text);
	cr_assert_eq(memcmp(bm, before, sizeof(bm)), 0,
		     "bitmap changed by rejected list '%s'", text);
}

Test(vlan_parse_id_list, empty_list_rejected) { expect_bad_list(""); }
Test(vlan_parse_id_list, vlan_0_rejected) { expect_bad_list("0"); }
Test(vlan_parse_id_list, vlan_4095_rejected) { expect_bad_list("4095"); }
Test(vlan_parse_id_list, reversed_range_rejected) { expect_bad_list("20-10"); }
Test(vlan_parse_id_list, trailing_comma_rejected) { expect_bad_list("10,"); }
Test(vlan_parse_id_list, letters_rejected) { expect_bad_list("a"); }
Test(vlan_parse_id_list, semicolon_separator_rejected) { expect_bad_list("10;20"); }
Test(vlan_parse_id_list, range_ending_at_4095_rejected) { expect_bad_list("1-4095"); }
Test(vlan_parse_id_list, open_range_rejected) { expect_bad_list("10-"); }
Test(vlan_parse_id_list, negative_and_huge_numbers_rejected)
{
	expect_bad_list("-5");
	expect_bad_list("99999999999999999999999");
	expect_bad_list(",10");
}

Test(vlan_parse_id_list, messages_name_the_problem)
{
	uint64_t bm[VLAN_ID_COUNT / 64];
	char err[128];

	vlan_parse_id_list("20-10", bm, err, sizeof(err));
	cr_assert(strstr(err, "20-10") != NULL, "message: %s", err);
	vlan_parse_id_list("4095", bm, err, sizeof(err));
	cr_assert(strstr(err, "4095") != NULL, "message: %s", err);
	vlan_parse_id_list("10;20", bm, err, sizeof(err));
	cr_assert(strstr(err, ";") != NULL, "message: %s", err);
}

/* ---- vlan_config_describe --------------------------------------------- */

Test(vlan_describe, untagged_access_and_trunk_text)
{
	struct vlan_config c = untagged_port();
	char buf[256], err[128];

	vlan_config_describe(&c, buf, sizeof(buf));
	cr_assert_str_eq(buf, "Untagged");

	c = access_port(10);
	vlan_config_describe(&c, buf, sizeof(buf));
	cr_assert_str_eq(buf, "Access 10");

	c = trunk_port(0);
	cr_assert_eq(vlan_parse_id_list("10,20,100-199", c.allowed, err, sizeof(err)), 0);
	vlan_config_describe(&c, buf, sizeof(buf));
	cr_assert_str_eq(buf, "Trunk native 0 allowed 10,20,100-199");

	c.native_vid = 7;
	cr_assert_eq(vlan_parse_id_list("1-4094", c.allowed, err, sizeof(err)), 0);
	vlan_config_describe(&c, buf, sizeof(buf));
	cr_assert_str_eq(buf, "Trunk native 7 allowed 1-4094");

	cr_assert_eq(vlan_parse_id_list("1,2,4094", c.allowed, err, sizeof(err)), 0);
	vlan_config_describe(&c, buf, sizeof(buf));
	cr_assert_str_eq(buf, "Trunk native 7 allowed 1-2,4094");
}

Test(vlan_describe, trunk_with_empty_list_says_none)
{
	struct vlan_config c;
	char buf[128];

	vlan_config_init(&c);
	c.mode = VLAN_MODE_TRUNK;
	c.native_vid = 5;
	vlan_config_describe(&c, buf, sizeof(buf));
	cr_assert_str_eq(buf, "Trunk native 5 allowed (none)");
}

Test(vlan_describe, long_list_is_truncated_within_the_buffer)
{
	struct vlan_config c;
	char buf[4096], small[16];

	vlan_config_init(&c);
	c.mode = VLAN_MODE_TRUNK;
	for (unsigned v = 1; v <= VLAN_ID_MAX; v += 2) /* 1,3,5,...: ~10 KB */
		vlan_bitmap_set(c.allowed, (uint16_t)v);
	memset(buf, 'x', sizeof(buf));
	vlan_config_describe(&c, buf, sizeof(buf));
	cr_assert(memchr(buf, '\0', sizeof(buf)) != NULL, "not NUL-terminated");
	cr_assert(strncmp(buf, "Trunk native 0 allowed 1,3,5,7", 30) == 0, "%s", buf);

	memset(small, 'x', sizeof(small));
	vlan_config_describe(&c, small, sizeof(small));
	cr_assert_eq(strlen(small), sizeof(small) - 1);
	cr_assert_str_eq(small, "Trunk native 0 ");
}
