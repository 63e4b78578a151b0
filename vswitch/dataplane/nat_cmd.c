/* A NAT command (l3_internal.h) run by the NAT's owner worker on its next
 * poll, or by the main lcore when no worker runs: the one place a NAT's
 * mappings and proxies change (winnat's single writer). */
#include "winnat.h"

#include "l3_internal.h"

void nat_cmd_run(struct nat_cmd *c)
{
	switch (c->op) {
	case NAT_CMD_MAP_ADD:
		c->result = winnat_mapping_add(c->nat, &c->map, c->err, sizeof(c->err));
		break;
	case NAT_CMD_MAP_DEL:
		c->result = winnat_mapping_del(c->nat, c->map.proto, c->map.external_ip,
					       c->map.external_port);
		break;
	case NAT_CMD_PROXY_ADD:
		c->result = winnat_proxy_add(c->nat, &c->proxy, c->err, sizeof(c->err));
		break;
	case NAT_CMD_PROXY_DEL:
		c->result = winnat_proxy_del(c->nat, c->proxy.listen_ip, c->proxy.listen_port);
		break;
	}
	__atomic_store_n(&c->done, 1, __ATOMIC_RELEASE);
}
