/* Drop reasons: the one table shared by the per-port counters, the /stats
 * JSON and (later) trace comments, so a reason is spelled the same way
 * everywhere. Texts follow the Windows vmSwitch wording where one exists.
 * Layer: vswitch/dataplane/, dataplane layer (worker lcores, per packet). */
#ifndef HVS_DROP_REASON_H
#define HVS_DROP_REASON_H

#define FOREACH_DROP_REASON(_)                                                 \
	_(INVALID_PACKET, "Invalid packet")                                    \
	_(VLAN_FILTER, "Packet does not match the packet filter set on the "   \
		       "destination NIC")                                      \
	_(SECURITY_POLICY, "Failed Security Policy")                           \
	_(SOURCE_PORT, "Destination is the source NIC")                        \
	_(TX_RING_FULL, "TX ring full")                                        \
	_(NO_BUFFERS, "Out of packet buffers")                                 \
	_(NAT_FILTERED, "NAT filtered")                                        \
	_(NAT_TABLE_FULL, "NAT session table full")                            \
	_(NAT_PORT_EXHAUSTED, "NAT port exhausted")                            \
	_(NAT_FRAGMENT, "NAT fragment without a session")                      \
	_(NO_ROUTE, "No route to destination")                                 \
	_(NEXT_HOP_UNRESOLVED, "Next hop unresolved")                          \
	_(TTL_EXPIRED, "TTL expired")                                          \
	_(QOS_RATE_EXCEEDED, "QoS rate exceeded")                              \
	_(LB_BACKEND_REMOVED, "LB backend removed")                            \
	_(VXLAN_BAD_HEADER, "VXLAN bad header")                                \
	_(VXLAN_UNKNOWN_VNI, "VXLAN unknown VNI")                              \
	_(OVERLAY_NO_DESTINATION, "Overlay: no local endpoint for the inner "  \
				  "destination")                               \
	_(OVERLAY_TOO_BIG, "Overlay: packet too big for the uplink MTU once "  \
			   "encapsulated")                                     \
	_(SDN_ROUTE_NO_HOST, "No route to the SDNRoute prefix")                \
	_(OFFLOAD_UNSUPPORTED, "Offload request not supported")

enum drop_reason {
#define DROP_REASON_ENUM(sym, text) DROP_##sym,
	FOREACH_DROP_REASON(DROP_REASON_ENUM)
#undef DROP_REASON_ENUM
	DROP_REASON_COUNT
};

/* Human text of a reason, e.g. "Invalid packet". */
const char *drop_reason_text(enum drop_reason reason);

#endif
