/* Session and binding tables.
 *
 * Three rte_hash tables map keys to indexes of preallocated entry arrays:
 * the session hash holds both tuples of every session (data: index << 1 |
 * direction), the binding hash both the internal and the external key of
 * every binding, the filter hash (binding, remote IP) -> session count for
 * address-dependent filtering. Only the owner thread touches the hashes,
 * so they are created without concurrency flags; other threads read the
 * entry arrays under the per-entry seqlock (winnat.c). Free entries are
 * kept on stacks, so used indexes stay low and the expiry walk stays short
 * (it covers [0, high-water mark) only). */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <rte_hash_crc.h>
#include <rte_malloc.h>

#include "winnat_internal.h"

static unsigned hash_instance;

static struct rte_hash *hash_create(const char *what, uint32_t entries,
				    uint32_t key_len, int socket)
{
	char name[RTE_HASH_NAMESIZE];

	snprintf(name, sizeof(name), "wn%s_%u", what,
		 __atomic_fetch_add(&hash_instance, 1, __ATOMIC_RELAXED));
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = RTE_MAX(entries, 16u),
		.key_len = key_len,
		.hash_func = rte_hash_crc,
		.socket_id = socket,
		/* buckets overflow into an extra table instead of failing
		 * early: the table then really holds `entries` keys */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	return rte_hash_create(&hp);
}

static uint32_t *stack_create(uint32_t count, int socket)
{
	uint32_t *st = rte_malloc_socket("winnat_free", (size_t)count * sizeof(*st), 0, socket);

	if (st != NULL)
		for (uint32_t i = 0; i < count; i++)
			st[i] = count - 1 - i;  /* pop gives 0 first */
	return st;
}

int wn_tables_create(struct winnat *n, int socket)
{
	uint32_t ns = n->cfg.max_sessions;

	n->s_max = ns;
	n->b_max = ns;
	n->sh = hash_create("s", 2 * ns, sizeof(struct wn_key), socket);
	n->bh = hash_create("b", 2 * ns, sizeof(struct wn_bkey), socket);
	n->fh = hash_create("f", ns, sizeof(struct wn_fkey), socket);
	n->s = rte_zmalloc_socket("winnat_sessions", (size_t)ns * sizeof(*n->s),
				  RTE_CACHE_LINE_SIZE, socket);
	n->b = rte_zmalloc_socket("winnat_bindings", (size_t)ns * sizeof(*n->b),
				  RTE_CACHE_LINE_SIZE, socket);
	n->s_free = stack_create(ns, socket);
	n->b_free = stack_create(ns, socket);
	if (!n->sh || !n->bh || !n->fh || !n->s || !n->b || !n->s_free || !n->b_free)
		return -ENOMEM;
	n->s_nfree = ns;
	n->b_nfree = ns;
	return 0;
}

void wn_tables_free(struct winnat *n)
{
	rte_hash_free(n->sh);
	rte_hash_free(n->bh);
	rte_hash_free(n->fh);
	rte_free(n->s);
	rte_free(n->b);
	rte_free(n->s_free);
	rte_free(n->b_free);
}

int64_t wn_session_lookup(const struct winnat *n, const struct wn_key *k, hash_sig_t sig)
{
	void *data;

	if (rte_hash_lookup_with_hash_data(n->sh, k, sig, &data) < 0)
		return -1;
	return (int64_t)(uintptr_t)data;
}

uint32_t wn_state_lifetime(const struct winnat *n, uint8_t proto, uint8_t state)
{
	if (proto == IPPROTO_UDP)
		return n->cfg.udp_idle_timeout;
	if (proto == IPPROTO_ICMP)
		return n->cfg.icmp_query_timeout;
	if (state == WINNAT_TCP_CLOSED_NA)
		return WN_TCP_NEW_LIFETIME;
	if (state == WINNAT_TCP_ESTABLISHED)
		return n->cfg.tcp_established_timeout;
	return n->cfg.tcp_transient_timeout;
}

/* ---- address-dependent filtering ---- */

/* The outside peer of a session: the source of its outside tuple. */
static uint32_t session_remote(const struct wn_session *s)
{
	return wn_key_inside(&s->k[WN_REPLY]) ? s->k[WN_ORIG].src_ip : s->k[WN_REPLY].src_ip;
}

static void filter_add(struct winnat *n, uint32_t binding, uint32_t remote, int delta)
{
	struct wn_fkey k = { .binding = binding, .remote_ip = remote };
	hash_sig_t sig = rte_hash_hash(n->fh, &k);
	void *data = NULL;
	uintptr_t cnt = 0;

	if (rte_hash_lookup_with_hash_data(n->fh, &k, sig, &data) >= 0)
		cnt = (uintptr_t)data;
	cnt += (uintptr_t)(intptr_t)delta;
	if (cnt == 0)
		rte_hash_del_key_with_hash(n->fh, &k, sig);
	else
		rte_hash_add_key_with_hash_data(n->fh, &k, sig, (void *)cnt);
}

bool wn_filter_has(const struct winnat *n, uint32_t binding, uint32_t remote_ip)
{
	struct wn_fkey k = { .binding = binding, .remote_ip = remote_ip };

	return rte_hash_lookup(n->fh, &k) >= 0;
}

static bool filter_needed(const struct winnat *n, uint8_t proto)
{
	if (proto == IPPROTO_TCP)
		return n->cfg.tcp_filtering == WINNAT_ADDRESS_DEPENDENT_FILTERING;
	if (proto == IPPROTO_UDP)
		return n->cfg.udp_filtering == WINNAT_ADDRESS_DEPENDENT_FILTERING;
	return false;
}

/* ---- sessions ---- */

int64_t wn_session_create(struct winnat *n, const struct wn_key *orig, hash_sig_t orig_sig,
			  const struct wn_key *reply, uint32_t binding, uint8_t flags,
			  uint16_t pool_port, uint32_t now, struct winnat_events *ev)
{
	hash_sig_t reply_sig = rte_hash_hash(n->sh, reply);
	uint32_t idx;
	struct wn_session *s;

	if (n->s_nfree == 0)
		return -(int64_t)WINNAT_DROP_TABLE_FULL - 1;
	idx = n->s_free[n->s_nfree - 1];
	/* rte_hash_add overwrites an existing key: a reply tuple some other
	 * session owns must be refused, not stolen (ports come from one pool
	 * per protocol, so this only guards against the unforeseen) */
	if (rte_hash_lookup_with_hash(n->sh, reply, reply_sig) >= 0)
		return -(int64_t)WINNAT_DROP_FILTERED - 1;
	if (rte_hash_add_key_with_hash_data(n->sh, orig, orig_sig,
					    (void *)(uintptr_t)(idx << 1 | WN_ORIG)) < 0)
		return -(int64_t)WINNAT_DROP_TABLE_FULL - 1;
	if (rte_hash_add_key_with_hash_data(n->sh, reply, reply_sig,
					    (void *)(uintptr_t)(idx << 1 | WN_REPLY)) < 0) {
		rte_hash_del_key_with_hash(n->sh, orig, orig_sig);
		return -(int64_t)WINNAT_DROP_TABLE_FULL - 1;
	}
	n->s_nfree--;
	s = &n->s[idx];
	wn_write_begin(&s->seq);
	s->k[WN_ORIG] = *orig;
	s->k[WN_REPLY] = *reply;
	s->proto = (uint8_t)(orig->cp & 0xff);
	s->tcp_state = WINNAT_TCP_CLOSED_NA;
	s->binding = binding;
	s->pool_port = pool_port;
	s->flags = WN_S_USED | flags;
	s->last_seen = now;
	s->lifetime = wn_state_lifetime(n, s->proto, WINNAT_TCP_CLOSED_NA);
	if (binding != WN_NONE && !(n->b[binding].flags & WN_B_CONFIGURED) &&
	    filter_needed(n, s->proto)) {
		s->flags |= WN_S_FILTER;
		filter_add(n, binding, session_remote(s), 1);
	}
	wn_write_end(&s->seq);
	if (binding != WN_NONE)
		__atomic_store_n(&n->b[binding].sessions, n->b[binding].sessions + 1,
				 __ATOMIC_RELAXED);
	if (idx >= n->s_hwm)
		__atomic_store_n(&n->s_hwm, idx + 1, __ATOMIC_RELEASE);
	n->st.sessions++;
	n->st.sessions_created++;
	wn_ev_session(n, s, WINNAT_EV_SESSION_CREATED, ev);
	return idx;
}

void wn_session_set_state(struct winnat *n, struct wn_session *s, uint8_t state)
{
	/* state and lifetime are single bytes/words: readers may see either
	 * value, both consistent with the entry's identity */
	__atomic_store_n(&s->tcp_state, state, __ATOMIC_RELAXED);
	__atomic_store_n(&s->lifetime, wn_state_lifetime(n, s->proto, state), __ATOMIC_RELAXED);
}

void wn_session_delete(struct winnat *n, uint32_t idx, struct winnat_events *ev)
{
	struct wn_session *s = &n->s[idx];
	uint32_t b = s->binding;

	wn_ev_session(n, s, WINNAT_EV_SESSION_DELETED, ev);
	rte_hash_del_key(n->sh, &s->k[WN_ORIG]);
	rte_hash_del_key(n->sh, &s->k[WN_REPLY]);
	if (s->flags & WN_S_FILTER)
		filter_add(n, b, session_remote(s), -1);
	if (s->pool_port != 0)
		wn_port_free(n, WN_PIDX_TCP, s->pool_port);
	wn_write_begin(&s->seq);
	s->flags = 0;
	wn_write_end(&s->seq);
	n->s_free[n->s_nfree++] = idx;
	n->st.sessions--;
	n->st.sessions_deleted++;
	if (b == WN_NONE)
		return;
	__atomic_store_n(&n->b[b].sessions, n->b[b].sessions - 1, __ATOMIC_RELAXED);
	if (n->b[b].sessions == 0 && !(n->b[b].flags & WN_B_CONFIGURED))
		wn_binding_delete(n, b, ev);
}

unsigned winnat_expire(struct winnat *n, uint32_t now, unsigned budget,
		       struct winnat_events *ev)
{
	unsigned deleted = 0;
	uint32_t hwm = n->s_hwm;

	if (hwm == 0)
		return 0;
	if (budget > hwm)
		budget = hwm;
	for (unsigned i = 0; i < budget; i++) {
		struct wn_session *s;
		uint32_t idx;

		if (n->s_cursor >= hwm)
			n->s_cursor = 0;
		idx = n->s_cursor++;
		s = &n->s[idx];
		if ((s->flags & WN_S_USED) && now - s->last_seen >= s->lifetime &&
		    (int32_t)(now - s->last_seen) >= 0) {
			wn_session_delete(n, idx, ev);
			deleted++;
		}
	}
	return deleted;
}

void winnat_flush(struct winnat *n)
{
	for (uint32_t i = 0; i < n->s_hwm; i++)
		if (n->s[i].flags & WN_S_USED)
			wn_session_delete(n, i, NULL);
}

/* ---- bindings ---- */

int64_t wn_binding_find(const struct winnat *n, const struct wn_bkey *k)
{
	void *data;

	if (rte_hash_lookup_data(n->bh, k, &data) < 0)
		return -1;
	return (int64_t)(uintptr_t)data;
}

int64_t wn_binding_add(struct winnat *n, uint8_t proto, uint32_t int_ip, uint16_t int_port,
		       uint32_t ext_ip, uint16_t ext_port, bool configured,
		       struct winnat_events *ev)
{
	struct wn_bkey ki, ke;
	struct wn_binding *b;
	uint32_t idx;

	if (n->b_nfree == 0)
		return -(int64_t)WINNAT_DROP_TABLE_FULL - 1;
	idx = n->b_free[n->b_nfree - 1];
	wn_bkey_int(&ki, n->cfg.compartment, proto, int_ip, int_port);
	wn_bkey_ext(&ke, proto, ext_ip, ext_port);
	if (rte_hash_add_key_data(n->bh, &ki, (void *)(uintptr_t)idx) < 0)
		return -(int64_t)WINNAT_DROP_TABLE_FULL - 1;
	if (rte_hash_add_key_data(n->bh, &ke, (void *)(uintptr_t)idx) < 0) {
		rte_hash_del_key(n->bh, &ki);
		return -(int64_t)WINNAT_DROP_TABLE_FULL - 1;
	}
	n->b_nfree--;
	b = &n->b[idx];
	wn_write_begin(&b->seq);
	b->int_ip = int_ip;
	b->int_port = int_port;
	b->ext_ip = ext_ip;
	b->ext_port = ext_port;
	b->proto = proto;
	b->sessions = 0;
	b->flags = WN_B_USED | (configured ? WN_B_CONFIGURED : 0);
	wn_write_end(&b->seq);
	if (configured)
		n->mapped_ips |= wn_mapped_ip_bit(ext_ip);
	if (idx >= n->b_hwm)
		__atomic_store_n(&n->b_hwm, idx + 1, __ATOMIC_RELEASE);
	n->st.bindings++;
	n->st.bindings_created++;
	wn_ev_binding(n, b, WINNAT_EV_BINDING_CREATED, ev);
	return idx;
}

int64_t wn_binding_get(struct winnat *n, uint8_t proto, uint32_t ip, uint16_t port,
		       struct winnat_events *ev)
{
	struct wn_bkey k;
	int64_t idx;
	int pidx = wn_pidx(proto);
	int ext;

	wn_bkey_int(&k, n->cfg.compartment, proto, ip, port);
	idx = wn_binding_find(n, &k);
	if (idx >= 0)
		return idx;
	if (n->b_nfree == 0)
		return -(int64_t)WINNAT_DROP_TABLE_FULL - 1;
	ext = wn_port_alloc(n, pidx, rte_be_to_cpu_16(port));
	if (ext < 0)
		return -(int64_t)WINNAT_DROP_PORT_EXHAUSTED - 1;
	idx = wn_binding_add(n, proto, ip, port, n->ext_ip, rte_cpu_to_be_16((uint16_t)ext),
			     false, ev);
	if (idx < 0)
		wn_port_free(n, pidx, (uint16_t)ext);
	return idx;
}

void wn_binding_delete(struct winnat *n, uint32_t idx, struct winnat_events *ev)
{
	struct wn_binding *b = &n->b[idx];
	struct wn_bkey ki, ke;

	wn_ev_binding(n, b, WINNAT_EV_BINDING_DELETED, ev);
	wn_bkey_int(&ki, n->cfg.compartment, b->proto, b->int_ip, b->int_port);
	wn_bkey_ext(&ke, b->proto, b->ext_ip, b->ext_port);
	rte_hash_del_key(n->bh, &ki);
	rte_hash_del_key(n->bh, &ke);
	if (b->ext_ip == n->ext_ip)
		wn_port_free(n, wn_pidx(b->proto), rte_be_to_cpu_16(b->ext_port));
	wn_write_begin(&b->seq);
	b->flags = 0;
	wn_write_end(&b->seq);
	n->b_free[n->b_nfree++] = idx;
	n->st.bindings--;
	n->st.bindings_deleted++;
}
