/* The startup config's "LoadBalancers" (config_lb.h). */
#include "config_lb.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr_parse.h"
#include "lb_ctl.h"

#define CFG_LB_MAX_VIPS 16
#define CFG_LB_MAX_MAPPINGS 16
#define CFG_LB_MAX_BACKENDS 256

struct cfg_lb_mapping {
	uint8_t proto;
	uint16_t internal, external;
	enum lb_distribution dist;
	uint32_t flags;     /* HNS PortMapping Flags (LB_PM_*) */
};

struct cfg_lb {
	unsigned nb_vips, nb_maps, nb_backends;
	uint32_t vips[CFG_LB_MAX_VIPS];
	struct cfg_lb_mapping maps[CFG_LB_MAX_MAPPINGS];
	uint32_t backends[CFG_LB_MAX_BACKENDS];
	bool dsr;
	uint32_t source_vip;
};

static int addr_list(const json_t *lb, const char *path, const char *key, bool required,
		     uint32_t *out, unsigned max, unsigned *n, struct json_err *e)
{
	const json_t *arr = NULL, *v;
	char p[160], ip[200];
	size_t i;

	if (json_get_array(lb, path, key, required, &arr, e) < 0)
		return -1;
	json_path_member(p, sizeof(p), path, key);
	*n = 0;
	if (arr == NULL)
		return 0;
	if (json_array_size(arr) > max)
		return json_fail(e, p, "at most %u addresses", max);
	if (required && json_array_size(arr) == 0)
		return json_fail(e, p, "a load balancer needs at least one backend");
	json_array_foreach(arr, i, v) {
		json_path_index(ip, sizeof(ip), p, i);
		if (!json_is_string(v))
			return json_fail(e, ip, "must be a string, not %s", json_type_name(v));
		if (ipv4_parse(json_string_value(v), &out[i]) < 0 || out[i] == 0)
			return json_fail(e, ip, "'%s' is not an IPv4 address",
					 json_string_value(v));
		for (size_t j = 0; j < i; j++)
			if (out[j] == out[i])
				return json_fail(e, ip, "'%s' is given twice", json_string_value(v));
		(*n)++;
	}
	return 0;
}

static int parse_mapping(const json_t *m, const char *path, struct cfg_lb_mapping *out,
			 struct json_err *e)
{
	static const char *const fields[] = {"Protocol", "InternalPort", "ExternalPort",
					     "DistributionType", "Flags", NULL};
	uint64_t proto = 0, in = 0, ext = 0, dist = 0, flags = 0;
	char p[200];

	if (!json_is_object(m))
		return json_fail(e, path, "must be an object, not %s", json_type_name(m));
	if (json_check_members(m, path, fields, e) < 0 ||
	    json_get_uint(m, path, "Protocol", true, 0, 255, &proto, e) < 0 ||
	    json_get_uint(m, path, "InternalPort", true, 1, 65535, &in, e) < 0 ||
	    json_get_uint(m, path, "ExternalPort", true, 1, 65535, &ext, e) < 0 ||
	    json_get_uint(m, path, "DistributionType", false, 0, 2, &dist, e) < 0 ||
	    json_get_uint(m, path, "Flags", false, 0, LB_PM_ALL, &flags, e) < 0)
		return -1;
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP && proto != IPPROTO_SCTP) {
		json_path_member(p, sizeof(p), path, "Protocol");
		return json_fail(e, p, "%u is not TCP (6), UDP (17) or SCTP (132)",
				 (unsigned)proto);
	}
	*out = (struct cfg_lb_mapping){(uint8_t)proto, (uint16_t)in, (uint16_t)ext,
				       (enum lb_distribution)dist, (uint32_t)flags};
	return 0;
}

static int parse_lb(const json_t *lb, const char *path, struct cfg_lb *c, struct json_err *e)
{
	static const char *const fields[] = {"FrontendVIPs", "PortMappings", "Flags",
					     "SourceVIP", "Backends", NULL};
	const json_t *maps = NULL, *m;
	const char *svip = NULL;
	uint64_t flags = 0;
	char p[160], mp[200];
	size_t i;

	memset(c, 0, sizeof(*c));
	if (!json_is_object(lb))
		return json_fail(e, path, "must be an object, not %s", json_type_name(lb));
	if (json_check_members(lb, path, fields, e) < 0 ||
	    addr_list(lb, path, "FrontendVIPs", false, c->vips, CFG_LB_MAX_VIPS, &c->nb_vips,
		      e) < 0 ||
	    json_get_array(lb, path, "PortMappings", true, &maps, e) < 0 ||
	    json_get_uint(lb, path, "Flags", false, 0, 1, &flags, e) < 0 ||
	    json_get_string(lb, path, "SourceVIP", false, &svip, e) < 0 ||
	    addr_list(lb, path, "Backends", true, c->backends, CFG_LB_MAX_BACKENDS,
		      &c->nb_backends, e) < 0)
		return -1;
	json_path_member(p, sizeof(p), path, "PortMappings");
	if (json_array_size(maps) == 0 || json_array_size(maps) > CFG_LB_MAX_MAPPINGS)
		return json_fail(e, p, "1 to %u port mappings", CFG_LB_MAX_MAPPINGS);
	json_array_foreach(maps, i, m) {
		json_path_index(mp, sizeof(mp), p, i);
		if (parse_mapping(m, mp, &c->maps[i], e) < 0)
			return -1;
		c->nb_maps++;
	}
	if (svip != NULL && (ipv4_parse(svip, &c->source_vip) < 0 || c->source_vip == 0)) {
		json_path_member(p, sizeof(p), path, "SourceVIP");
		return json_fail(e, p, "'%s' is not an IPv4 address", svip);
	}
	c->dsr = flags & 1;
	return 0;
}

/* The engine LB of VIP index v (or the NodePort) and mapping k. */
static void engine_config(const struct cfg_lb *c, unsigned v, unsigned k,
			  struct lb_backend *b, struct lb_config *out)
{
	for (unsigned i = 0; i < c->nb_backends; i++)
		b[i] = (struct lb_backend){c->backends[i], c->maps[k].internal, 1};
	*out = (struct lb_config){
		.vip = c->nb_vips == 0 ? 0 : c->vips[v],
		.proto = c->maps[k].proto,
		.port = c->maps[k].external,
		.distribution = c->maps[k].dist,
		.dsr = c->dsr,
		.source_vip = c->source_vip,
		.nb_backends = c->nb_backends,
		.backends = b,
	};
	lb_config_set_hns_flags(out, c->maps[k].flags);
}

static bool same_frontend(const struct cfg_lb *a, unsigned av, unsigned ak,
			  const struct cfg_lb *b, unsigned bv, unsigned bk)
{
	uint32_t va = a->nb_vips == 0 ? 0 : a->vips[av], vb = b->nb_vips == 0 ? 0 : b->vips[bv];

	return va == vb && a->maps[ak].proto == b->maps[bk].proto &&
	       a->maps[ak].external == b->maps[bk].external;
}

static unsigned nb_frontend_vips(const struct cfg_lb *c)
{
	return c->nb_vips == 0 ? 1 : c->nb_vips;
}

/* Does an earlier frontend of c (or of the earlier LBs prev[0..np)) equal
 * frontend (v, k) of c? */
static bool frontend_taken(const struct cfg_lb *prev, size_t np, const struct cfg_lb *c,
			   unsigned v, unsigned k)
{
	for (size_t l = 0; l < np; l++)
		for (unsigned pv = 0; pv < nb_frontend_vips(&prev[l]); pv++)
			for (unsigned pk = 0; pk < prev[l].nb_maps; pk++)
				if (same_frontend(&prev[l], pv, pk, c, v, k))
					return true;
	for (unsigned pv = 0; pv <= v; pv++)
		for (unsigned pk = 0; pk < (pv == v ? k : c->nb_maps); pk++)
			if (same_frontend(c, pv, pk, c, v, k))
				return true;
	return false;
}

int config_lb_check(const json_t *lbs, struct json_err *e)
{
	size_t n = json_array_size(lbs), i;
	struct cfg_lb *all;
	const json_t *lb;
	int rc = 0;

	if (n == 0)
		return 0;
	all = calloc(n, sizeof(*all));
	if (all == NULL)
		return json_fail(e, "LoadBalancers", "out of memory");
	json_array_foreach(lbs, i, lb) {
		char p[64];

		json_path_index(p, sizeof(p), "LoadBalancers", i);
		if (parse_lb(lb, p, &all[i], e) < 0) {
			rc = -1;
			break;
		}
		for (unsigned v = 0; v < nb_frontend_vips(&all[i]) && rc == 0; v++)
			for (unsigned k = 0; k < all[i].nb_maps; k++)
				if (frontend_taken(all, i, &all[i], v, k)) {
					char mp[160];

					snprintf(mp, sizeof(mp), "%s.PortMappings[%u]", p, k);
					rc = json_fail(e, mp, "this frontend (VIP, protocol, "
						       "ExternalPort) is given twice");
					break;
				}
		if (rc < 0)
			break;
	}
	free(all);
	return rc;
}

int config_lb_apply(struct vswitch *sw, const json_t *lbs, char *err, size_t errlen)
{
	struct lb_backend *b = calloc(CFG_LB_MAX_BACKENDS, sizeof(*b));
	struct json_err e = {err, errlen};
	struct cfg_lb *c = malloc(sizeof(*c));
	const json_t *lb;
	size_t i;
	int rc = 0;

	if (b == NULL || c == NULL) {
		free(b);
		free(c);
		snprintf(err, errlen, "LoadBalancers: out of memory");
		return -1;
	}
	json_array_foreach(lbs, i, lb) {
		char p[64], lerr[LB_ERR_MAX];

		json_path_index(p, sizeof(p), "LoadBalancers", i);
		if (parse_lb(lb, p, c, &e) < 0) {
			rc = -1;
			break;
		}
		for (unsigned v = 0; v < nb_frontend_vips(c) && rc == 0; v++)
			for (unsigned k = 0; k < c->nb_maps; k++) {
				struct lb_config lc;
				uint32_t handle;

				engine_config(c, v, k, b, &lc);
				if (lb_ctl_add(sw, &lc, &handle, lerr) < 0) {
					snprintf(err, errlen, "%s: %s", p, lerr);
					rc = -1;
					break;
				}
			}
		if (rc < 0)
			break;
	}
	free(b);
	free(c);
	return rc;
}
