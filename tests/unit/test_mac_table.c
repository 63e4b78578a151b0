/* The (VLAN, MAC) -> port table (vswitch/mac_table.h): learning, static
 * entries, aging, removal, bulk lookup and RCU-deferred reclamation.
 * Needs EAL (rte_hash, rte_malloc). */
#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "eal_fixture.h"
#include "mac_lookup.h"
#include "mac_table.h"
#include "vlan.h"

#define CAPACITY 1024

static struct mac_table *t;

static void setup(void)
{
	test_eal_init();
	t = mac_table_create("unit_macs", CAPACITY, SOCKET_ID_ANY, NULL);
	cr_assert_not_null(t, "mac_table_create: %s", rte_strerror(rte_errno));
}

static void teardown(void)
{
	mac_table_free(t);
	t = NULL;
	test_eal_cleanup();
}

TestSuite(mac_table, .init = setup, .fini = teardown, .timeout = 20);

/* A unicast MAC 02:00:00:xx:xx:xx from a number. */
static struct rte_ether_addr mac_n(uint32_t n)
{
	struct rte_ether_addr a = {{0x02, 0x00, (uint8_t)(n >> 24),
				    (uint8_t)(n >> 16), (uint8_t)(n >> 8),
				    (uint8_t)n}};
	return a;
}

static uint64_t key_n(uint16_t vid, uint32_t n)
{
	struct rte_ether_addr a = mac_n(n);

	return mac_key(vid, &a);
}

static const struct mac_entry *must_find(uint64_t key)
{
	const struct mac_entry *e = mac_table_find(t, key);

	cr_assert_not_null(e, "key %#llx not in the table", (unsigned long long)key);
	return e;
}

/* ---- mac_key ------------------------------------------------------------- */

Test(mac_key, packs_vid_high_and_mac_low_and_round_trips)
{
	struct rte_ether_addr mac = {{0x02, 0x11, 0x22, 0x33, 0x44, 0x55}}, back;
	uint64_t k = mac_key(4094, &mac);

	cr_assert_eq(k, UINT64_C(0x0ffe021122334455), "key %#llx",
		     (unsigned long long)k);
	cr_assert_eq(mac_key_vid(k), 4094);
	memset(&back, 0, sizeof(back));
	mac_key_addr(k, &back);
	cr_assert_eq(memcmp(&back, &mac, sizeof(mac)), 0);
}

Test(mac_key, round_trips_extreme_values)
{
	struct rte_ether_addr ff = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
	struct rte_ether_addr zero = {{0}}, back;
	uint64_t k;

	k = mac_key(VLAN_NONE, &ff);
	cr_assert_eq(k, UINT64_MAX);
	cr_assert_eq(mac_key_vid(k), VLAN_NONE);
	mac_key_addr(k, &back);
	cr_assert_eq(memcmp(&back, &ff, sizeof(ff)), 0);

	k = mac_key(0, &zero);
	cr_assert_eq(k, 0);
	memset(&back, 0xaa, sizeof(back));
	mac_key_addr(k, &back);
	cr_assert_eq(memcmp(&back, &zero, sizeof(zero)), 0);
}

Test(mac_key, same_mac_in_different_vlans_gives_different_keys)
{
	struct rte_ether_addr mac = mac_n(7);

	cr_assert_neq(mac_key(10, &mac), mac_key(20, &mac));
	cr_assert_eq(mac_key_vid(mac_key(20, &mac)), 20);
}

/* ---- learning ------------------------------------------------------------ */

Test(mac_table, learn_new_mac_creates_entry_on_port_with_last_seen)
{
	uint64_t k = key_n(10, 1);

	cr_assert_eq(mac_table_count(t), 0);
	cr_assert_null(mac_table_find(t, k));
	cr_assert_eq(mac_table_learn(t, k, 3, 100), MAC_LEARN_NEW);
	const struct mac_entry *e = must_find(k);
	cr_assert_eq(e->port, 3);
	cr_assert_eq(e->last_seen, 100);
	cr_assert_eq(e->is_static, 0);
	cr_assert_eq(e->in_use, 1);
	cr_assert_eq(mac_table_count(t), 1);
}

Test(mac_table, learn_on_same_port_refreshes_last_seen)
{
	uint64_t k = key_n(10, 1);

	cr_assert_eq(mac_table_learn(t, k, 3, 100), MAC_LEARN_NEW);
	const struct mac_entry *e = must_find(k);
	cr_assert_eq(mac_table_learn(t, k, 3, 150), MAC_LEARN_REFRESHED);
	cr_assert_eq(must_find(k), e, "refresh must keep the same entry");
	cr_assert_eq(e->port, 3);
	cr_assert_eq(e->last_seen, 150);
	cr_assert_eq(mac_table_count(t), 1);
}

Test(mac_table, learn_on_other_port_moves_entry)
{
	uint64_t k = key_n(10, 1);

	cr_assert_eq(mac_table_learn(t, k, 3, 100), MAC_LEARN_NEW);
	cr_assert_eq(mac_table_learn(t, k, 5, 120), MAC_LEARN_MOVED);
	const struct mac_entry *e = must_find(k);
	cr_assert_eq(e->port, 5);
	cr_assert_eq(e->last_seen, 120);
	cr_assert_eq(e->is_static, 0);
	cr_assert_eq(mac_table_count(t), 1);
}

Test(mac_table, static_entry_is_not_moved_by_learning)
{
	uint64_t k = key_n(10, 1);

	cr_assert_eq(mac_table_add_static(t, k, 1), 0);
	cr_assert_eq(mac_table_learn(t, k, 2, 50), MAC_LEARN_STATIC_KEPT);
	const struct mac_entry *e = must_find(k);
	cr_assert_eq(e->port, 1);
	cr_assert_eq(e->is_static, 1);
	cr_assert_eq(mac_table_learn(t, k, 1, 60), MAC_LEARN_REFRESHED);
	cr_assert_eq(e->port, 1);
	cr_assert_eq(mac_table_count(t), 1);
}

Test(mac_table, add_static_takes_over_a_learned_entry)
{
	uint64_t k = key_n(10, 1);

	cr_assert_eq(mac_table_learn(t, k, 2, 50), MAC_LEARN_NEW);
	cr_assert_eq(mac_table_add_static(t, k, 1), 0);
	const struct mac_entry *e = must_find(k);
	cr_assert_eq(e->port, 1);
	cr_assert_eq(e->is_static, 1);
	cr_assert_eq(mac_table_learn(t, k, 2, 60), MAC_LEARN_STATIC_KEPT);
	cr_assert_eq(e->port, 1);
	cr_assert_eq(mac_table_count(t), 1);
}

Test(mac_table, same_mac_in_two_vlans_is_two_separate_entries)
{
	uint64_t k10 = key_n(10, 1), k20 = key_n(20, 1);

	cr_assert_eq(mac_table_learn(t, k10, 1, 5), MAC_LEARN_NEW);
	cr_assert_eq(mac_table_learn(t, k20, 2, 6), MAC_LEARN_NEW);
	cr_assert_eq(mac_table_count(t), 2);
	cr_assert_eq(must_find(k10)->port, 1);
	cr_assert_eq(must_find(k20)->port, 2);
	cr_assert_neq(must_find(k10), must_find(k20));

	/* learning in one VLAN does not move the other */
	cr_assert_eq(mac_table_learn(t, k20, 3, 7), MAC_LEARN_MOVED);
	cr_assert_eq(must_find(k10)->port, 1);

	cr_assert_eq(mac_table_remove(t, k10), 0);
	cr_assert_null(mac_table_find(t, k10));
	cr_assert_eq(must_find(k20)->port, 3);
}

/* ---- aging --------------------------------------------------------------- */

Test(mac_table, aging_removes_entries_idle_at_least_max_age_and_keeps_fresher)
{
	uint64_t a = key_n(1, 1), b = key_n(1, 2), c = key_n(1, 3);

	mac_table_learn(t, a, 1, 1000); /* idle 300 at now=1300 */
	mac_table_learn(t, b, 1, 1001); /* idle 299 */
	mac_table_learn(t, c, 2, 1250); /* idle 50 */
	cr_assert_eq(mac_table_age(t, 1300, 300), 1);
	cr_assert_null(mac_table_find(t, a));
	cr_assert_not_null(mac_table_find(t, b));
	cr_assert_not_null(mac_table_find(t, c));
	cr_assert_eq(mac_table_count(t), 2);

	cr_assert_eq(mac_table_age(t, 1301, 300), 1);
	cr_assert_null(mac_table_find(t, b));
	cr_assert_not_null(mac_table_find(t, c));

	cr_assert_eq(mac_table_age(t, 1549, 300), 0);
	cr_assert_eq(mac_table_age(t, 1550, 300), 1);
	cr_assert_eq(mac_table_count(t), 0);
}

Test(mac_table, static_entry_is_never_aged)
{
	uint64_t s = key_n(1, 1), l = key_n(1, 2);

	cr_assert_eq(mac_table_add_static(t, s, 4), 0);
	mac_table_learn(t, l, 4, 0);
	cr_assert_eq(mac_table_age(t, 1000000, 300), 1);
	cr_assert_not_null(mac_table_find(t, s));
	cr_assert_null(mac_table_find(t, l));
	cr_assert_eq(mac_table_age(t, UINT32_MAX, 1), 0);
	cr_assert_eq(must_find(s)->port, 4);
}

Test(mac_table, refresh_by_reader_keeps_entry_from_aging)
{
	uint64_t k = key_n(1, 1);

	mac_table_learn(t, k, 2, 0);
	struct mac_entry *out[1];
	mac_table_lookup_bulk(t, &k, 1, out);
	cr_assert_not_null(out[0]);
	cr_assert_not(mac_entry_needs_learn(out[0], 2, 250));
	cr_assert_eq(mac_table_age(t, 300, 300), 0);
	cr_assert_not_null(mac_table_find(t, k));
	cr_assert_eq(mac_table_age(t, 550, 300), 1);
}

Test(mac_table, aging_more_than_one_batch_removes_all_expired)
{
	/* more entries than remove_matching's internal batch of 256 */
	for (uint32_t i = 0; i < 700; i++)
		cr_assert_eq(mac_table_learn(t, key_n(1, i), 1, i < 600 ? 0 : 500),
			     MAC_LEARN_NEW);
	cr_assert_eq(mac_table_age(t, 600, 300), 600);
	cr_assert_eq(mac_table_count(t), 100);
	for (uint32_t i = 0; i < 700; i++)
		cr_assert_eq(mac_table_find(t, key_n(1, i)) != NULL, i >= 600,
			     "entry %u", i);
}

/* ---- removal ------------------------------------------------------------- */

Test(mac_table, remove_deletes_learned_and_static_entries)
{
	uint64_t l = key_n(1, 1), s = key_n(1, 2), other = key_n(1, 3);

	mac_table_learn(t, l, 1, 0);
	mac_table_learn(t, other, 1, 0);
	cr_assert_eq(mac_table_add_static(t, s, 2), 0);
	cr_assert_eq(mac_table_remove(t, l), 0);
	cr_assert_null(mac_table_find(t, l));
	cr_assert_eq(mac_table_remove(t, s), 0);
	cr_assert_null(mac_table_find(t, s));
	cr_assert_not_null(mac_table_find(t, other));
	cr_assert_eq(mac_table_count(t), 1);
}

Test(mac_table, remove_of_absent_key_returns_enoent)
{
	uint64_t k = key_n(1, 1);

	cr_assert_eq(mac_table_remove(t, k), -ENOENT);
	mac_table_learn(t, k, 1, 0);
	cr_assert_eq(mac_table_remove(t, k), 0);
	cr_assert_eq(mac_table_remove(t, k), -ENOENT);
}

Test(mac_table, removed_mac_is_learned_again_as_new)
{
	uint64_t k = key_n(1, 1);

	mac_table_learn(t, k, 1, 0);
	cr_assert_eq(mac_table_remove(t, k), 0);
	cr_assert_eq(mac_table_learn(t, k, 2, 9), MAC_LEARN_NEW);
	cr_assert_eq(must_find(k)->port, 2);
	cr_assert_eq(must_find(k)->last_seen, 9);
}

Test(mac_table, flush_port_removes_only_that_ports_entries)
{
	uint64_t p1a = key_n(1, 1), p1b = key_n(2, 2), p1s = key_n(1, 3);
	uint64_t p2a = key_n(1, 4), p2s = key_n(1, 5);

	mac_table_learn(t, p1a, 1, 0);
	mac_table_learn(t, p1b, 1, 0);
	cr_assert_eq(mac_table_add_static(t, p1s, 1), 0);
	mac_table_learn(t, p2a, 2, 0);
	cr_assert_eq(mac_table_add_static(t, p2s, 2), 0);

	cr_assert_eq(mac_table_flush_port(t, 1), 3);
	cr_assert_null(mac_table_find(t, p1a));
	cr_assert_null(mac_table_find(t, p1b));
	cr_assert_null(mac_table_find(t, p1s));
	cr_assert_eq(must_find(p2a)->port, 2);
	cr_assert_eq(must_find(p2s)->port, 2);
	cr_assert_eq(mac_table_count(t), 2);
	cr_assert_eq(mac_table_flush_port(t, 1), 0);
	cr_assert_eq(mac_table_flush_port(t, 7), 0);
	cr_assert_eq(mac_table_count(t), 2);
}

Test(mac_table, flush_port_with_more_than_one_batch)
{
	for (uint32_t i = 0; i < 800; i++)
		cr_assert_eq(mac_table_learn(t, key_n(1, i), i < 600 ? 1 : 2, 0),
			     MAC_LEARN_NEW);
	cr_assert_eq(mac_table_flush_port(t, 1), 600);
	cr_assert_eq(mac_table_count(t), 200);
	for (uint32_t i = 0; i < 800; i++)
		cr_assert_eq(mac_table_find(t, key_n(1, i)) != NULL, i >= 600,
			     "entry %u", i);
}

/* ---- reader side --------------------------------------------------------- */

Test(mac_table, lookup_bulk_reports_hits_and_misses_in_one_call)
{
	uint64_t keys[5] = {key_n(1, 1), key_n(1, 99), key_n(2, 2), key_n(2, 1),
			    key_n(3, 3)};
	struct mac_entry *out[5];

	mac_table_learn(t, keys[0], 1, 0);
	mac_table_learn(t, keys[2], 2, 0);
	cr_assert_eq(mac_table_add_static(t, keys[4], 3), 0);
	memset(out, 0xa5, sizeof(out));
	mac_table_lookup_bulk(t, keys, 5, out);
	cr_assert_eq(out[0], mac_table_find(t, keys[0]));
	cr_assert_null(out[1]);
	cr_assert_eq(out[2], mac_table_find(t, keys[2]));
	cr_assert_null(out[3], "same MAC, other VLAN must miss");
	cr_assert_eq(out[4], mac_table_find(t, keys[4]));
	cr_assert_eq(out[0]->port, 1);
	cr_assert_eq(out[2]->port, 2);
	cr_assert_eq(out[4]->port, 3);
}

Test(mac_table, lookup_bulk_of_max_burst_finds_every_other_key)
{
	uint64_t keys[MAC_TABLE_BULK_MAX];
	struct mac_entry *out[MAC_TABLE_BULK_MAX];

	for (unsigned i = 0; i < MAC_TABLE_BULK_MAX; i++) {
		keys[i] = key_n(5, i);
		if (i % 2 == 0)
			mac_table_learn(t, keys[i], (uint16_t)i, 0);
	}
	memset(out, 0xa5, sizeof(out));
	mac_table_lookup_bulk(t, keys, MAC_TABLE_BULK_MAX, out);
	for (unsigned i = 0; i < MAC_TABLE_BULK_MAX; i++) {
		if (i % 2) {
			cr_assert_null(out[i], "key %u", i);
		} else {
			cr_assert_not_null(out[i], "key %u", i);
			cr_assert_eq(out[i]->port, i);
		}
	}
}

Test(mac_table, needs_learn_for_unknown_source)
{
	cr_assert(mac_entry_needs_learn(NULL, 0, 0));
	cr_assert(mac_entry_needs_learn(NULL, 3, 100));
}

Test(mac_table, needs_learn_same_port_refreshes_last_seen_and_returns_false)
{
	uint64_t k = key_n(1, 1);
	struct mac_entry *e;

	mac_table_learn(t, k, 4, 10);
	mac_table_lookup_bulk(t, &k, 1, &e);
	cr_assert_not_null(e);
	cr_assert_not(mac_entry_needs_learn(e, 4, 20));
	cr_assert_eq(e->last_seen, 20);
	cr_assert_eq(must_find(k)->last_seen, 20);
	cr_assert_not(mac_entry_needs_learn(e, 4, 20));
	cr_assert_eq(e->last_seen, 20);
}

Test(mac_table, needs_learn_other_port_true_for_learned_false_for_static)
{
	uint64_t l = key_n(1, 1), s = key_n(1, 2);
	struct mac_entry *el, *es;

	mac_table_learn(t, l, 4, 10);
	cr_assert_eq(mac_table_add_static(t, s, 4), 0);
	mac_table_lookup_bulk(t, &l, 1, &el);
	mac_table_lookup_bulk(t, &s, 1, &es);
	cr_assert_not_null(el);
	cr_assert_not_null(es);
	cr_assert(mac_entry_needs_learn(el, 5, 30));
	cr_assert_eq(el->last_seen, 10, "a move is the writer's job");
	cr_assert_eq(el->port, 4);
	cr_assert_not(mac_entry_needs_learn(es, 5, 30));
	cr_assert_eq(es->port, 4);
}

/* ---- capacity ------------------------------------------------------------ */

/* Learns keys 0.. until the table refuses one; returns how many fit. */
static uint32_t fill(struct mac_table *tab, uint16_t vid, uint32_t first,
		     uint32_t limit)
{
	uint32_t n = 0;

	while (n < limit &&
	       mac_table_learn(tab, key_n(vid, first + n), (uint16_t)(n % 8), 1) ==
		       MAC_LEARN_NEW)
		n++;
	return n;
}

Test(mac_table, table_holds_its_full_capacity)
{
	uint32_t n = fill(t, 1, 0, CAPACITY);

	cr_assert_eq(n, CAPACITY, "only %u of %u entries fit", n, CAPACITY);
	cr_assert_eq(mac_table_count(t), CAPACITY);
}

Test(mac_table, full_table_returns_full_and_existing_entries_keep_working)
{
	uint32_t n = fill(t, 1, 0, CAPACITY + 64);

	cr_assert_leq(n, CAPACITY);
	cr_assert_gt(n, CAPACITY / 2);
	cr_assert_eq(mac_table_count(t), n);
	/* more new keys: still refused, nothing changes */
	for (uint32_t i = 0; i < 16; i++)
		cr_assert_eq(mac_table_learn(t, key_n(2, i), 1, 1), MAC_LEARN_FULL);
	cr_assert_eq(mac_table_add_static(t, key_n(3, 0), 1), -ENOSPC);
	cr_assert_eq(mac_table_count(t), n);
	/* every stored entry still found, on its port */
	for (uint32_t i = 0; i < n; i++)
		cr_assert_eq(must_find(key_n(1, i))->port, i % 8, "entry %u", i);
	/* existing entries still refresh, move and turn static */
	cr_assert_eq(mac_table_learn(t, key_n(1, 0), 0, 5), MAC_LEARN_REFRESHED);
	cr_assert_eq(mac_table_learn(t, key_n(1, 1), 7, 5), MAC_LEARN_MOVED);
	cr_assert_eq(must_find(key_n(1, 1))->port, 7);
	cr_assert_eq(mac_table_add_static(t, key_n(1, 2), 6), 0);
	cr_assert_eq(must_find(key_n(1, 2))->port, 6);
	/* a removed entry frees its place, for a MAC never seen before too */
	cr_assert_eq(mac_table_remove(t, key_n(1, 3)), 0);
	cr_assert_eq(mac_table_count(t), n - 1);
	cr_assert_eq(mac_table_learn(t, key_n(7, 77), 5, 5), MAC_LEARN_NEW);
	cr_assert_eq(must_find(key_n(7, 77))->port, 5);
	cr_assert_eq(mac_table_count(t), n);
	cr_assert_eq(mac_table_learn(t, key_n(1, 3), 5, 5), MAC_LEARN_FULL);
}

Test(mac_table, remove_and_refill_without_rcu_reuses_entries)
{
	uint32_t n = fill(t, 1, 0, CAPACITY);

	cr_assert_gt(n, 0);
	for (int cycle = 0; cycle < 5; cycle++) {
		cr_assert_eq(mac_table_flush_port(t, 0) + mac_table_age(t, 1000, 1) +
				     mac_table_count(t),
			     n, "cycle %d", cycle);
		cr_assert_eq(mac_table_count(t), 0);
		/* the pool has the hash's key slots: capacity + 1/8 + 1 */
		cr_assert_eq(t->free.nb_free, CAPACITY + CAPACITY / 8 + 1,
			     "cycle %d: entries leaked", cycle);
		uint32_t again = fill(t, (uint16_t)(cycle + 2), 0, CAPACITY);
		cr_assert_eq(again, n, "cycle %d: refilled %u of %u", cycle, again, n);
	}
}

/* ---- RCU QSBR ------------------------------------------------------------ */

static struct rte_rcu_qsbr *qsbr;
static struct mac_table *rt;
static const unsigned reader_id = 0;

static void rcu_setup(void)
{
	test_eal_init();
	size_t sz = rte_rcu_qsbr_get_memsize(1);

	qsbr = rte_zmalloc("unit_qsbr", sz, RTE_CACHE_LINE_SIZE);
	cr_assert_not_null(qsbr);
	cr_assert_eq(rte_rcu_qsbr_init(qsbr, 1), 0);
	cr_assert_eq(rte_rcu_qsbr_thread_register(qsbr, reader_id), 0);
	rte_rcu_qsbr_thread_online(qsbr, reader_id);
	rt = mac_table_create("unit_macs_rcu", CAPACITY, SOCKET_ID_ANY, qsbr);
	cr_assert_not_null(rt, "mac_table_create: %s", rte_strerror(rte_errno));
	cr_assert(rt->deferred_free);
}

static void rcu_teardown(void)
{
	mac_table_free(rt);
	rt = NULL;
	rte_rcu_qsbr_thread_offline(qsbr, reader_id);
	rte_rcu_qsbr_thread_unregister(qsbr, reader_id);
	rte_free(qsbr);
	qsbr = NULL;
	test_eal_cleanup();
}

TestSuite(mac_table_rcu, .init = rcu_setup, .fini = rcu_teardown, .timeout = 20);

static uint32_t fill_rt(uint16_t vid, uint32_t limit)
{
	uint32_t n = 0;

	while (n < limit &&
	       mac_table_learn(rt, key_n(vid, n), 1, 1) == MAC_LEARN_NEW)
		n++;
	return n;
}

Test(mac_table_rcu, deleted_entry_is_not_reused_before_quiescent_state)
{
	uint64_t k = key_n(1, 1);

	cr_assert_eq(mac_table_learn(rt, k, 3, 7), MAC_LEARN_NEW);
	const struct mac_entry *e = mac_table_find(rt, k);
	cr_assert_not_null(e);
	uint32_t free_before = rt->free.nb_free;

	cr_assert_eq(mac_table_remove(rt, k), 0);
	cr_assert_null(mac_table_find(rt, k));
	/* a reader may still hold e: it stays intact and out of the pool */
	cr_assert_eq(e->in_use, 1);
	cr_assert_eq(e->port, 3);
	cr_assert_eq(rt->free.nb_free, free_before);
	/* new learning must not hand e out again */
	for (uint32_t i = 0; i < 64; i++) {
		cr_assert_eq(mac_table_learn(rt, key_n(2, i), 4, 8), MAC_LEARN_NEW);
		cr_assert_neq(mac_table_find(rt, key_n(2, i)), e, "entry reused early");
	}
	cr_assert_eq(e->in_use, 1);
	cr_assert_eq(e->port, 3);
}

Test(mac_table_rcu, full_table_deleted_without_quiescent_state_stays_full)
{
	uint32_t n = fill_rt(1, CAPACITY);

	cr_assert_gt(n, CAPACITY / 2);
	cr_assert_eq(mac_table_flush_port(rt, 1), n);
	cr_assert_null(mac_table_find(rt, key_n(1, 0)));
	/* the deleted keys' slots wait for the reader: only the hash's
	 * headroom can be learned into, far fewer than were deleted */
	uint32_t before = 0;
	while (before < n && mac_table_learn(rt, key_n(9, before), 1, 1) == MAC_LEARN_NEW)
		before++;
	cr_assert_lt(before, n, "deleted slots were reused before a quiescent state");
	cr_assert_eq(mac_table_learn(rt, key_n(9, before), 1, 1), MAC_LEARN_FULL);
	/* once the reader reports a quiescent state, slots come back */
	rte_rcu_qsbr_quiescent(qsbr, reader_id);
	cr_assert_eq(mac_table_learn(rt, key_n(9, before), 1, 1), MAC_LEARN_NEW);
}

Test(mac_table_rcu, delete_quiescent_cycles_reclaim_every_entry)
{
	uint32_t n = fill_rt(1, CAPACITY);

	cr_assert_gt(n, CAPACITY / 2);
	for (int cycle = 0; cycle < 6; cycle++) {
		uint32_t removed;

		/* delete all, by each of the three removal paths in turn */
		switch (cycle % 3) {
		case 0:
			removed = mac_table_flush_port(rt, 1);
			break;
		case 1:
			removed = mac_table_age(rt, 10000, 300);
			break;
		default:
			removed = 0;
			for (uint32_t i = 0; i < n; i++)
				removed += mac_table_remove(rt, key_n((uint16_t)(cycle + 1), i)) == 0;
			break;
		}
		cr_assert_eq(removed, n, "cycle %d removed %u of %u", cycle, removed, n);
		cr_assert_null(mac_table_find(rt, key_n((uint16_t)(cycle + 1), 0)));
		rte_rcu_qsbr_quiescent(qsbr, reader_id);

		uint32_t again = fill_rt((uint16_t)(cycle + 2), CAPACITY);
		cr_assert_eq(again, n, "cycle %d: refilled %u of %u entries", cycle,
			     again, n);
		cr_assert_eq(mac_table_learn(rt, key_n(999, 0), 1, 1), MAC_LEARN_FULL,
			     "cycle %d: table took more than it held before", cycle);
	}
	/* the table is full of live entries: the pool holds exactly them plus
	 * its one spare, every other entry came back (none leaked) */
	uint32_t in_use = 0;
	for (uint32_t i = 0; i <= CAPACITY; i++)
		in_use += rt->entries[i].in_use;
	cr_assert_eq(in_use + rt->free.nb_free, CAPACITY + 1, "in_use %u free %u", in_use,
		     rt->free.nb_free);
	cr_assert_eq(in_use, n, "%u entries in use for %u live keys", in_use, n);
}

Test(mac_table_rcu, count_excludes_deleted_entries_awaiting_reclaim)
{
	/* mac_table_count is the table's size in /stats (MacTable.Entries):
	 * a removed MAC must stop counting at once, whether or not its slot
	 * has been reclaimed yet. */
	for (uint32_t i = 0; i < 10; i++)
		cr_assert_eq(mac_table_learn(rt, key_n(1, i), 1, 1), MAC_LEARN_NEW);
	cr_assert_eq(mac_table_count(rt), 10);
	for (uint32_t i = 0; i < 5; i++)
		cr_assert_eq(mac_table_remove(rt, key_n(1, i)), 0);
	cr_assert_eq(mac_table_count(rt), 5, "count after removing 5 of 10: %u",
		     mac_table_count(rt));
	rte_rcu_qsbr_quiescent(qsbr, reader_id);
	cr_assert_eq(mac_table_flush_port(rt, 1), 5);
	rte_rcu_qsbr_quiescent(qsbr, reader_id);
	cr_assert_eq(mac_table_count(rt), 0, "count of an emptied table: %u",
		     mac_table_count(rt));
}

Test(mac_table_rcu, rcu_table_reaches_its_full_capacity_after_cycles)
{
	for (int cycle = 0; cycle < 3; cycle++) {
		uint32_t n = fill_rt((uint16_t)(cycle + 1), CAPACITY);

		cr_assert_eq(n, CAPACITY, "cycle %d: only %u of %u entries fit", cycle,
			     n, CAPACITY);
		cr_assert_eq(mac_table_flush_port(rt, 1), n);
		rte_rcu_qsbr_quiescent(qsbr, reader_id);
	}
}

/* The worker's learn cache (mac_lookup.h): a confirmed source skips the
 * source lookup only for the same key, on the same port, in the same
 * second. */
Test(learn_cache, hit_needs_same_key_port_and_second)
{
	static struct learn_cache cache;
	uint64_t key = key_n(10, 42);
	uint64_t *port3 = learn_cache_port(&cache, 3, 7);

	cr_assert_not(learn_cache_holds(port3, key), "empty cache must miss");
	learn_cache_put(port3, key);
	cr_assert(learn_cache_holds(learn_cache_port(&cache, 3, 7), key));
	cr_assert_not(learn_cache_holds(learn_cache_port(&cache, 4, 7), key),
		      "a move must reach the learner");
	cr_assert_not(learn_cache_holds(port3, key_n(11, 42)), "another VLAN is another key");
	cr_assert_not(learn_cache_holds(learn_cache_port(&cache, 3, 8), key),
		      "a new second must re-check the table");
	cr_assert(learn_cache_holds(learn_cache_port(&cache, 4, 8), key) == false);
}

/* An empty slot holds 0: that is safe because no admitted frame has source
 * key 0 (parse_ethernet drops the all-zero source). */
Test(learn_cache, zero_source_never_admitted)
{
	uint8_t frame[60] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}; /* src 0 */
	struct rte_mbuf m;
	struct pkt_meta pm;

	memset(&m, 0, sizeof(m));
	m.buf_addr = frame;
	m.data_len = m.pkt_len = sizeof(frame);
	cr_assert_eq(parse_ethernet(&m, &pm), DROP_INVALID_PACKET);
}

/* The burst path reads a frame's addresses with one 8-byte load. */
Test(learn_cache, load8_key_equals_mac_key)
{
	uint8_t frame[14] = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55,
			     0x0a, 0xbb, 0xcc, 0xdd, 0xee, 0xf1, 0x08, 0x00};
	const struct rte_ether_hdr *eh = (const void *)frame;

	cr_assert_eq(mac_key_load8(42, frame), mac_key(42, &eh->dst_addr));
	cr_assert_eq(mac_key_load8(4094, frame + 6), mac_key(4094, &eh->src_addr));
}
