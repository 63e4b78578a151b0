/* NAT object lifecycle, configuration and the readers (any thread).
 *
 * Readers never touch the hashes (rte_hash without concurrency flags is
 * not safe beside its writer); they walk the entry arrays up to their
 * high-water marks and copy each entry under its seqlock, retrying a torn
 * copy a few times and skipping it after that. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_malloc.h>

#include "winnat_internal.h"

#define READ_RETRIES 8

void winnat_config_defaults(struct winnat_config *c)
{
	memset(c, 0, sizeof(*c));
	c->compartment = 1;
	c->tcp_established_timeout = 1800;
	c->tcp_transient_timeout = 120;
	c->udp_idle_timeout = 120;
	c->icmp_query_timeout = 30;
	c->tcp_filtering = WINNAT_ADDRESS_DEPENDENT_FILTERING;
	c->udp_filtering = WINNAT_ADDRESS_DEPENDENT_FILTERING;
	c->udp_inbound_refresh = false;
	c->max_sessions = 65536;
	c->port_min = 1024;
	c->port_max = 65535;
}

static const char *config_error(const struct winnat_config *c)
{
	if ((c->internal_plen == 0 && !c->any_source) || c->internal_plen > 32)
		return "InternalIPInterfaceAddressPrefix";
	if (c->compartment == 0 || c->compartment > WN_COMPARTMENT_MAX)
		return "compartment";
	if (c->external_ip == 0)
		return "external_ip";
	if (c->max_sessions < 1 || c->max_sessions > (1u << 26))
		return "max_sessions";
	if (c->port_min == 0 || c->port_min > c->port_max)
		return "port_min";
	if (c->tcp_established_timeout == 0 || c->tcp_transient_timeout == 0 ||
	    c->udp_idle_timeout == 0 || c->icmp_query_timeout == 0)
		return "timeout";
	return NULL;
}

struct winnat *winnat_create(const struct winnat_config *cfg, int socket,
			     char *err, size_t errlen)
{
	const char *bad = config_error(cfg);
	struct winnat *n;

	if (bad != NULL) {
		snprintf(err, errlen, "invalid %s", bad);
		return NULL;
	}
	n = rte_zmalloc_socket("winnat", sizeof(*n), RTE_CACHE_LINE_SIZE, socket);
	if (n == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	n->cfg = *cfg;
	n->cfg.name[WINNAT_NAME_MAX - 1] = '\0';
	n->mask = cfg->internal_plen == 32 ? UINT32_MAX : ~(UINT32_MAX >> cfg->internal_plen);
	n->prefix = cfg->internal_prefix & n->mask;
	n->ext_ip = rte_cpu_to_be_32(cfg->external_ip);
	n->gw_ip = rte_cpu_to_be_32(cfg->gateway_ip);
	n->cp_in[WN_PIDX_TCP] = wn_cp(cfg->compartment, IPPROTO_TCP);
	n->cp_in[WN_PIDX_UDP] = wn_cp(cfg->compartment, IPPROTO_UDP);
	n->cp_in[WN_PIDX_ICMP] = wn_cp(cfg->compartment, IPPROTO_ICMP);
	for (int i = 0; i < 3; i++)
		n->pool_free[i] = (uint32_t)cfg->port_max - cfg->port_min + 1;
	if (cfg->udp_reserved_port != 0)
		wn_port_take(n, WN_PIDX_UDP, cfg->udp_reserved_port);
	if (wn_tables_create(n, socket) < 0) {
		snprintf(err, errlen, "out of memory for max_sessions %u", cfg->max_sessions);
		winnat_free(n);
		return NULL;
	}
	return n;
}

void winnat_free(struct winnat *n)
{
	if (n == NULL)
		return;
	wn_tables_free(n);
	rte_free(n);
}

const struct winnat_config *winnat_config(const struct winnat *n)
{
	return &n->cfg;
}

void winnat_read_counters(const struct winnat *n, struct winnat_counters *c)
{
	const struct wn_stats *st = &n->st;

#define RD(f) __atomic_load_n(&st->f, __ATOMIC_RELAXED)
	c->sessions = RD(sessions);
	c->bindings = RD(bindings);
	c->sessions_created = RD(sessions_created);
	c->sessions_deleted = RD(sessions_deleted);
	c->bindings_created = RD(bindings_created);
	c->bindings_deleted = RD(bindings_deleted);
	c->translated_out = RD(translated_out);
	c->translated_in = RD(translated_in);
	for (int i = 0; i < WINNAT_DROP_COUNT; i++)
		c->drops[i] = RD(drops[i]);
#undef RD
}

/* Copies entry src (size bytes, seq first) when stable; false if free or
 * torn on every try. */
static bool seq_copy(void *dst, const void *src, size_t size, const uint32_t *seq)
{
	for (int i = 0; i < READ_RETRIES; i++) {
		uint32_t s1 = __atomic_load_n(seq, __ATOMIC_ACQUIRE);

		if (s1 & 1)
			continue;
		memcpy(dst, src, size);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(seq, __ATOMIC_RELAXED) == s1)
			return true;
	}
	return false;
}

int winnat_foreach_session(const struct winnat *n, uint32_t now,
			   int (*fn)(void *ctx, const struct winnat_session_info *s),
			   void *ctx)
{
	uint32_t hwm = __atomic_load_n(&n->s_hwm, __ATOMIC_ACQUIRE);

	for (uint32_t i = 0; i < hwm; i++) {
		struct wn_session s;
		struct winnat_session_info info;
		int rc;

		if (!seq_copy(&s, &n->s[i], sizeof(s), &n->s[i].seq) || !(s.flags & WN_S_USED))
			continue;
		info = (struct winnat_session_info){
			.proto = s.proto, .tcp_state = s.tcp_state,
			.compartment = n->cfg.compartment, .lifetime = s.lifetime,
			.idle = (int32_t)(now - s.last_seen) > 0 ? now - s.last_seen : 0,
			.configured = (s.flags & WN_S_CONFIGURED) != 0,
		};
		wn_session_tuples(&s, &info.internal, &info.external);
		rc = fn(ctx, &info);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int winnat_foreach_binding(const struct winnat *n,
			   int (*fn)(void *ctx, const struct winnat_binding_info *b),
			   void *ctx)
{
	uint32_t hwm = __atomic_load_n(&n->b_hwm, __ATOMIC_ACQUIRE);

	for (uint32_t i = 0; i < hwm; i++) {
		struct wn_binding b;
		struct winnat_binding_info info;
		int rc;

		if (!seq_copy(&b, &n->b[i], sizeof(b), &n->b[i].seq) || !(b.flags & WN_B_USED))
			continue;
		info = (struct winnat_binding_info){
			.proto = b.proto, .compartment = n->cfg.compartment,
			.internal_ip = rte_be_to_cpu_32(b.int_ip),
			.external_ip = rte_be_to_cpu_32(b.ext_ip),
			.internal_port = rte_be_to_cpu_16(b.int_port),
			.external_port = rte_be_to_cpu_16(b.ext_port),
			.session_count = b.sessions,
			.configured = (b.flags & WN_B_CONFIGURED) != 0,
		};
		rc = fn(ctx, &info);
		if (rc != 0)
			return rc;
	}
	return 0;
}
