/* VLAN policy of a switch port, as Set-VMNetworkAdapterVlan defines it.
 *
 * Ingress classification and egress tagging are two pure functions so the
 * pipeline checks VLAN policy in exactly one place on each side (the Linux
 * bridge's br_vlan.c split). A port "carries" a VLAN when egress would not
 * drop it; the flood domain of a VLAN is the set of ports that carry it.
 *   Untagged: VLAN 0, untagged frames only (the Hyper-V default).
 *   Access:   untagged on the wire, switched in AccessVlanId.
 *   Trunk:    untagged frames belong to NativeVlanId and leave untagged;
 *             VLANs in AllowedVlanIdList are carried tagged; others dropped.
 * A priority tag (VID 0) counts as untagged.
 * Layer: vswitch/dataplane/, dataplane layer (worker lcores, per packet). */
#ifndef HVS_VLAN_H
#define HVS_VLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VLAN_ID_MAX 4094
#define VLAN_ID_COUNT 4096
#define VLAN_NONE 0xffff

enum vlan_mode { VLAN_MODE_UNTAGGED, VLAN_MODE_ACCESS, VLAN_MODE_TRUNK };

enum vlan_egress { VLAN_EGRESS_DROP, VLAN_EGRESS_UNTAGGED, VLAN_EGRESS_TAGGED };

struct vlan_config {
	enum vlan_mode mode;
	uint16_t access_vid; /* Access */
	uint16_t native_vid; /* Trunk; untagged frames */
	uint64_t allowed[VLAN_ID_COUNT / 64]; /* Trunk allowed list */
};

static inline bool vlan_bitmap_test(const uint64_t *bm, uint16_t vid)
{
	return (bm[vid >> 6] >> (vid & 63)) & 1;
}

static inline void vlan_bitmap_set(uint64_t *bm, uint16_t vid)
{
	bm[vid >> 6] |= UINT64_C(1) << (vid & 63);
}

/* The default: Untagged. */
void vlan_config_init(struct vlan_config *cfg);

/* Parse an allowed list such as "10,20,100-199" into a bitmap (VLANs 1-4094).
 * Returns 0, or -1 with a message in err. */
int vlan_parse_id_list(const char *text, uint64_t bitmap[VLAN_ID_COUNT / 64],
		       char *err, size_t errlen);

/* The VLAN an arriving frame is switched in, or VLAN_NONE when the port's
 * policy refuses it. tagged/vid describe the frame's outer tag. */
static inline uint16_t vlan_ingress_vid(const struct vlan_config *cfg,
					bool tagged, uint16_t vid)
{
	if (tagged && vid == 0)
		tagged = false; /* priority tag */
	switch (cfg->mode) {
	case VLAN_MODE_UNTAGGED:
		return tagged ? VLAN_NONE : 0;
	case VLAN_MODE_ACCESS:
		return tagged ? VLAN_NONE : cfg->access_vid;
	case VLAN_MODE_TRUNK:
		if (!tagged || vid == cfg->native_vid)
			return cfg->native_vid;
		return vid <= VLAN_ID_MAX && vlan_bitmap_test(cfg->allowed, vid)
			       ? vid
			       : VLAN_NONE;
	}
	return VLAN_NONE;
}

/* How a frame of VLAN vid leaves this port. */
static inline enum vlan_egress vlan_egress_action(const struct vlan_config *cfg,
						  uint16_t vid)
{
	switch (cfg->mode) {
	case VLAN_MODE_UNTAGGED:
		return vid == 0 ? VLAN_EGRESS_UNTAGGED : VLAN_EGRESS_DROP;
	case VLAN_MODE_ACCESS:
		return vid == cfg->access_vid ? VLAN_EGRESS_UNTAGGED
					      : VLAN_EGRESS_DROP;
	case VLAN_MODE_TRUNK:
		if (vid == cfg->native_vid)
			return VLAN_EGRESS_UNTAGGED;
		return vid <= VLAN_ID_MAX && vlan_bitmap_test(cfg->allowed, vid)
			       ? VLAN_EGRESS_TAGGED
			       : VLAN_EGRESS_DROP;
	}
	return VLAN_EGRESS_DROP;
}

static inline bool vlan_port_carries(const struct vlan_config *cfg, uint16_t vid)
{
	return vlan_egress_action(cfg, vid) != VLAN_EGRESS_DROP;
}

/* "Access 10", "Trunk native 0 allowed 10,20,100-199": for logs and JSON. */
void vlan_config_describe(const struct vlan_config *cfg, char *buf, size_t len);

#endif
