/* Port sets (vswitch/dataplane/portset.h) against a plain bool array:
 * set/clear/test, and/or/andnot, empty/equal/count/first, iteration order
 * and changes to the set inside the loop, across every word (ports 0, 63,
 * 64, 127 ...), the atomic forms. No EAL. */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "portset.h"

_Static_assert(VS_MAX_PORTS >= 128, "issue 18: past 110 pods on one switch");

static portset_t from(const bool *in)
{
	portset_t s = portset_empty();

	for (unsigned p = 0; p < VS_MAX_PORTS; p++)
		if (in[p])
			portset_set(&s, p);
	return s;
}

static void same(const portset_t *s, const bool *want, const char *what)
{
	unsigned n = 0, first = VS_MAX_PORTS;

	for (unsigned p = 0; p < VS_MAX_PORTS; p++) {
		cr_assert_eq(portset_test(s, p), want[p], "%s: port %u", what, p);
		n += want[p];
		if (want[p] && first == VS_MAX_PORTS)
			first = p;
	}
	cr_assert_eq(portset_count(s), n, "%s: count", what);
	cr_assert_eq(portset_is_empty(s), n == 0, "%s: empty", what);
	cr_assert_eq(portset_first(s), first, "%s: first", what);
}

static void random_set(bool *out, unsigned density)
{
	for (unsigned p = 0; p < VS_MAX_PORTS; p++)
		out[p] = (unsigned)rand() % 100 < density;
}

Test(portset, ops_match_a_bool_array)
{
	bool a[VS_MAX_PORTS], b[VS_MAX_PORTS], r[VS_MAX_PORTS];

	srand(18);
	for (int round = 0; round < 500; round++) {
		random_set(a, (unsigned)round % 101);
		random_set(b, 50);
		portset_t sa = from(a), sb = from(b), s;

		same(&sa, a, "from");
		s = portset_and(sa, sb);
		for (unsigned p = 0; p < VS_MAX_PORTS; p++)
			r[p] = a[p] && b[p];
		same(&s, r, "and");
		s = portset_or(sa, sb);
		for (unsigned p = 0; p < VS_MAX_PORTS; p++)
			r[p] = a[p] || b[p];
		same(&s, r, "or");
		s = portset_andnot(sa, sb);
		for (unsigned p = 0; p < VS_MAX_PORTS; p++)
			r[p] = a[p] && !b[p];
		same(&s, r, "andnot");
		cr_assert_eq(portset_equal(&sa, &sb), memcmp(a, b, sizeof(a)) == 0);
		cr_assert(portset_equal(&sa, &sa));
	}
}

Test(portset, single_ports_in_every_word)
{
	static const unsigned ports[] = {0, 1, 31, 32, 63, 64, 65, 100, VS_MAX_PORTS - 1};
	portset_t full = portset_full();

	cr_assert_eq(portset_count(&full), VS_MAX_PORTS);
	for (unsigned i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		unsigned p = ports[i];
		portset_t s = portset_of(p), rest = portset_without(full, p);

		cr_assert_eq(portset_count(&s), 1);
		cr_assert(portset_test(&s, p));
		cr_assert_eq(portset_first(&s), p);
		cr_assert_eq(portset_count(&rest), VS_MAX_PORTS - 1);
		cr_assert_not(portset_test(&rest, p));
		portset_clear(&s, p);
		cr_assert(portset_is_empty(&s));
		portset_assign(&s, p, true);
		cr_assert(portset_test(&s, p));
		portset_atomic_clear(&full, p);
		cr_assert_not(portset_test(&full, p));
		portset_atomic_set(&full, p);
		cr_assert(portset_test(&full, p));
	}
	/* no port: EGRESS_NO_PORT is VS_MAX_PORTS */
	portset_t none = portset_of(VS_MAX_PORTS);

	cr_assert(portset_is_empty(&none));
	none = portset_without(full, VS_MAX_PORTS);
	cr_assert(portset_equal(&none, &full));
	cr_assert_eq(portset_first(&(portset_t){{0}}), VS_MAX_PORTS);
}

Test(portset, foreach_walks_a_copy_in_order)
{
	bool a[VS_MAX_PORTS];

	srand(110);
	for (int round = 0; round < 200; round++) {
		random_set(a, (unsigned)round % 101);
		portset_t s = from(a), orig = s;
		unsigned last = 0, n = 0;
		bool started = false;

		PORTSET_FOREACH(p, s) {
			cr_assert(a[p], "port %u not in the set", p);
			cr_assert(!started || p > last, "in order: %u after %u", p, last);
			started = true;
			last = p;
			n++;
			/* the body may change the set it walks: a copy is walked */
			portset_clear(&s, p);
			portset_set(&s, (p + 1) % VS_MAX_PORTS);
		}
		cr_assert_eq(n, portset_count(&orig), "every member once");
	}
}
