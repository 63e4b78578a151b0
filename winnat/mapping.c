/* Static mappings (Add-NetNatStaticMapping) and port proxies (netsh
 * portproxy v4tov4), both changed on the writer thread only.
 *
 * A mapping is a Configured binding: its external key admits inbound
 * packets without filtering, its internal key makes the mapped endpoint's
 * own outbound flows use the mapped port, and on the NAT's external
 * address its port is marked taken so dynamic bindings never get it.
 * Proxies are few and looked up only for packets without a session, so
 * they live in a small array; a listen port on the external address is
 * marked taken as well. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>

#include "winnat_internal.h"

#define ERR(field) (snprintf(err, errlen, "invalid %s", field), -EINVAL)

/* Deletes the sessions fn selects. */
static void delete_sessions(struct winnat *n, bool (*fn)(const struct wn_session *s,
							  const void *arg),
			    const void *arg)
{
	for (uint32_t i = 0; i < n->s_hwm; i++)
		if ((n->s[i].flags & WN_S_USED) && fn(&n->s[i], arg))
			wn_session_delete(n, i, NULL);
}

/* Who holds an external (proto, ip, port) already: 0 nobody, else -errno. */
static int ext_holder(const struct winnat *n, uint8_t proto, uint32_t ip, uint16_t port)
{
	struct wn_bkey k;
	int64_t b;

	wn_bkey_ext(&k, proto, ip, port);
	b = wn_binding_find(n, &k);
	if (b >= 0)
		return (n->b[b].flags & WN_B_CONFIGURED) ? -EEXIST : -EBUSY;
	if (proto == IPPROTO_TCP && wn_proxy_find(n, ip, port) != NULL)
		return -EEXIST;
	if (ip == n->ext_ip && wn_port_taken(n, wn_pidx(proto), rte_be_to_cpu_16(port)))
		return -EBUSY; /* a portproxy session's pool port */
	return 0;
}

int winnat_mapping_add(struct winnat *n, const struct winnat_mapping *mp,
		       char *err, size_t errlen)
{
	uint32_t ext = rte_cpu_to_be_32(mp->external_ip ? mp->external_ip : n->cfg.external_ip);
	uint32_t in_ip = rte_cpu_to_be_32(mp->internal_ip);
	uint16_t ext_port = rte_cpu_to_be_16(mp->external_port);
	uint16_t in_port = rte_cpu_to_be_16(mp->internal_port);
	struct wn_bkey k;
	int64_t b;
	int rc;

	if (mp->proto != IPPROTO_TCP && mp->proto != IPPROTO_UDP)
		return ERR("Protocol");
	if (mp->external_port == 0)
		return ERR("ExternalPort");
	if (mp->internal_ip == 0)
		return ERR("InternalIPAddress");
	if (mp->internal_port == 0)
		return ERR("InternalPort");
	rc = ext_holder(n, mp->proto, ext, ext_port);
	if (rc != 0)
		return rc;
	wn_bkey_int(&k, n->cfg.compartment, mp->proto, in_ip, in_port);
	b = wn_binding_find(n, &k);
	if (b >= 0) /* that endpoint has a binding: one per internal address */
		return (n->b[b].flags & WN_B_CONFIGURED) ? -EEXIST : -EBUSY;
	b = wn_binding_add(n, mp->proto, in_ip, in_port, ext, ext_port, true, NULL);
	if (b < 0) {
		snprintf(err, errlen, "binding table full");
		return -ENOSPC;
	}
	if (ext == n->ext_ip)
		wn_port_take(n, wn_pidx(mp->proto), mp->external_port);
	return 0;
}

struct ext_addr {
	uint32_t ip, binding;
	uint16_t port;
	uint8_t proto;
};

/* A session of the mapping, or a hairpin session towards it. */
static bool of_mapping(const struct wn_session *s, const void *arg)
{
	const struct ext_addr *a = arg;
	const struct wn_key *o = &s->k[WN_ORIG];

	return s->binding == a->binding ||
	       (s->proto == a->proto && wn_key_inside(o) && wn_key_inside(&s->k[WN_REPLY]) &&
		o->dst_ip == a->ip && o->dst_port == a->port);
}

int winnat_mapping_del(struct winnat *n, uint8_t proto, uint32_t external_ip,
		       uint16_t external_port)
{
	struct ext_addr a = {
		.ip = rte_cpu_to_be_32(external_ip ? external_ip : n->cfg.external_ip),
		.port = rte_cpu_to_be_16(external_port), .proto = proto,
	};
	struct wn_bkey k;
	int64_t b;

	wn_bkey_ext(&k, proto, a.ip, a.port);
	b = wn_binding_find(n, &k);
	if (b < 0 || !(n->b[b].flags & WN_B_CONFIGURED))
		return -ENOENT;
	a.binding = (uint32_t)b;
	delete_sessions(n, of_mapping, &a);
	wn_binding_delete(n, (uint32_t)b, NULL); /* frees its port */
	return 0;
}

/* ---- port proxy ---- */

const struct winnat_proxy *wn_proxy_find(const struct winnat *n, uint32_t ip_be,
					 uint16_t port_be)
{
	uint32_t ip = rte_be_to_cpu_32(ip_be);
	uint16_t port = rte_be_to_cpu_16(port_be);

	for (unsigned i = 0; i < n->nproxy; i++)
		if (n->proxy[i].listen_ip == ip && (port == 0 || n->proxy[i].listen_port == port))
			return &n->proxy[i];
	return NULL;
}

int winnat_proxy_add(struct winnat *n, const struct winnat_proxy *px,
		     char *err, size_t errlen)
{
	uint32_t l_ip = rte_cpu_to_be_32(px->listen_ip);
	uint16_t l_port = rte_cpu_to_be_16(px->listen_port);
	int rc;

	if (px->listen_ip == 0)
		return ERR("listenaddress");
	if (px->listen_port == 0)
		return ERR("listenport");
	if (px->connect_ip == 0)
		return ERR("connectaddress");
	if (px->connect_port == 0)
		return ERR("connectport");
	if (wn_inside(n, rte_cpu_to_be_32(px->connect_ip)) && n->gw_ip == 0)
		return ERR("gateway_ip");
	rc = ext_holder(n, IPPROTO_TCP, l_ip, l_port);
	if (rc != 0)
		return rc;
	if (n->nproxy == WN_PROXY_MAX) {
		snprintf(err, errlen, "too many port proxies (%u)", WN_PROXY_MAX);
		return -ENOSPC;
	}
	n->proxy[n->nproxy++] = *px;
	if (l_ip == n->ext_ip)
		wn_port_take(n, WN_PIDX_TCP, px->listen_port);
	return 0;
}

static bool of_proxy(const struct wn_session *s, const void *arg)
{
	const struct winnat_proxy *px = arg;
	const struct wn_key *o = &s->k[WN_ORIG];

	return s->pool_port != 0 && o->dst_ip == rte_cpu_to_be_32(px->listen_ip) &&
	       o->dst_port == rte_cpu_to_be_16(px->listen_port);
}

int winnat_proxy_del(struct winnat *n, uint32_t listen_ip, uint16_t listen_port)
{
	for (unsigned i = 0; i < n->nproxy; i++) {
		struct winnat_proxy px = n->proxy[i];

		if (px.listen_ip != listen_ip || px.listen_port != listen_port)
			continue;
		delete_sessions(n, of_proxy, &px);
		n->proxy[i] = n->proxy[--n->nproxy];
		if (rte_cpu_to_be_32(listen_ip) == n->ext_ip)
			wn_port_free(n, WN_PIDX_TCP, listen_port);
		return 0;
	}
	return -ENOENT;
}
