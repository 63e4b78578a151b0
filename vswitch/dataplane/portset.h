/* Sets of switch ports: flood domains (VLAN members), Private isolation,
 * an L2Bridge network's endpoints, a worker's ports with buffered frames...
 * A fixed array of 64-bit words, VS_MAX_PORTS bits, passed by value or
 * pointer; every helper is inline and loops over a constant number of
 * words, which the compiler unrolls (two for 128 ports), so a set costs
 * what a uint64_t pair does. Until issue 18 sets were uint32_t masks and
 * a switch had at most 32 ports.
 *
 * Iteration, lowest port first:
 *   PORTSET_FOREACH(p, set) { ... }   (p: a uint16_t port number)
 * walks a copy of the set, so the body may change the set it came from;
 * `continue` goes on to the next port, `break` only past the current
 * 64-port word (leave with return, or use portset_first).
 * Layer: vswitch/dataplane/, dataplane layer (worker lcores, per packet). */
#ifndef HVS_PORTSET_H
#define HVS_PORTSET_H

#include <stdbool.h>
#include <stdint.h>

/* Ports a switch can have (slots, removed ones' holes included). */
#define VS_MAX_PORTS 128
#define PORTSET_WORDS ((VS_MAX_PORTS + 63) / 64)

typedef struct portset {
	uint64_t w[PORTSET_WORDS];
} portset_t;

static inline portset_t portset_empty(void)
{
	return (portset_t){{0}};
}

/* Every port 0..VS_MAX_PORTS-1. */
static inline portset_t portset_full(void)
{
	portset_t s;

	for (unsigned i = 0; i < PORTSET_WORDS; i++)
		s.w[i] = UINT64_MAX;
	if (VS_MAX_PORTS % 64 != 0)
		s.w[PORTSET_WORDS - 1] = (UINT64_C(1) << (VS_MAX_PORTS % 64)) - 1;
	return s;
}

/* {p}; empty for p >= VS_MAX_PORTS (EGRESS_NO_PORT). */
static inline portset_t portset_of(unsigned p)
{
	portset_t s = portset_empty();

	if (p < VS_MAX_PORTS)
		s.w[p / 64] = UINT64_C(1) << (p % 64);
	return s;
}

static inline bool portset_test(const portset_t *s, unsigned p)
{
	return (s->w[p / 64] >> (p % 64)) & 1;
}

static inline void portset_set(portset_t *s, unsigned p)
{
	s->w[p / 64] |= UINT64_C(1) << (p % 64);
}

static inline void portset_clear(portset_t *s, unsigned p)
{
	s->w[p / 64] &= ~(UINT64_C(1) << (p % 64));
}

static inline void portset_assign(portset_t *s, unsigned p, bool member)
{
	if (member)
		portset_set(s, p);
	else
		portset_clear(s, p);
}

static inline bool portset_is_empty(const portset_t *s)
{
	uint64_t any = 0;

	for (unsigned i = 0; i < PORTSET_WORDS; i++)
		any |= s->w[i];
	return any == 0;
}

static inline bool portset_equal(const portset_t *a, const portset_t *b)
{
	uint64_t diff = 0;

	for (unsigned i = 0; i < PORTSET_WORDS; i++)
		diff |= a->w[i] ^ b->w[i];
	return diff == 0;
}

static inline portset_t portset_and(portset_t a, portset_t b)
{
	for (unsigned i = 0; i < PORTSET_WORDS; i++)
		a.w[i] &= b.w[i];
	return a;
}

static inline portset_t portset_or(portset_t a, portset_t b)
{
	for (unsigned i = 0; i < PORTSET_WORDS; i++)
		a.w[i] |= b.w[i];
	return a;
}

/* a less b */
static inline portset_t portset_andnot(portset_t a, portset_t b)
{
	for (unsigned i = 0; i < PORTSET_WORDS; i++)
		a.w[i] &= ~b.w[i];
	return a;
}

/* a less port p (any p: none past VS_MAX_PORTS). Word by word in
 * registers: a set built in memory a word at a time and read back whole
 * (a 16-byte load of two 8-byte stores) stalls store forwarding. */
static inline portset_t portset_without(portset_t a, unsigned p)
{
	for (unsigned i = 0; i < PORTSET_WORDS; i++)
		a.w[i] &= ~((uint64_t)(p / 64 == i) << (p % 64));
	return a;
}

static inline unsigned portset_count(const portset_t *s)
{
	unsigned n = 0;

	for (unsigned i = 0; i < PORTSET_WORDS; i++)
		n += (unsigned)__builtin_popcountll(s->w[i]);
	return n;
}

/* The lowest port in s, or VS_MAX_PORTS when s is empty. */
static inline unsigned portset_first(const portset_t *s)
{
	for (unsigned i = 0; i < PORTSET_WORDS; i++)
		if (s->w[i] != 0)
			return i * 64 + (unsigned)__builtin_ctzll(s->w[i]);
	return VS_MAX_PORTS;
}

/* Shared sets (flood members): one bit set or cleared atomically, the
 * others untouched; readers load the words plainly (each bit is read
 * whole, a set may be read between two such changes). */
static inline void portset_atomic_set(portset_t *s, unsigned p)
{
	__atomic_fetch_or(&s->w[p / 64], UINT64_C(1) << (p % 64), __ATOMIC_RELEASE);
}

static inline void portset_atomic_clear(portset_t *s, unsigned p)
{
	__atomic_fetch_and(&s->w[p / 64], ~(UINT64_C(1) << (p % 64)), __ATOMIC_RELEASE);
}

/* Iteration over a copy of set, lowest port first: per word, the lowest
 * bit is taken and cleared (ctz, blsr), an empty word costs one test. */
#define PORTSET_FOREACH(p, set)                                                     \
	for (portset_t ps_it_ = (set), *ps_once_ = &ps_it_; ps_once_ != NULL;          \
	     ps_once_ = NULL)                                                          \
		for (unsigned ps_w_ = 0; ps_w_ < PORTSET_WORDS; ps_w_++)                \
			for (uint16_t p; ps_it_.w[ps_w_] != 0 &&                        \
					 ((p = (uint16_t)(ps_w_ * 64 +                  \
							  __builtin_ctzll(ps_it_.w[ps_w_]))), \
					  ps_it_.w[ps_w_] &= ps_it_.w[ps_w_] - 1, true);)

#endif
