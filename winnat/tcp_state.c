/* WinNAT's per-session TCP state (SPEC 5.4). Only what the timers need is
 * tracked: a SYN each way makes the session Established (long timeout), a
 * FIN each way or a RST winds it down (transient timeout). Sequence
 * numbers are not checked: the endpoints do that, the NAT only has to
 * forget a connection in time. */
#include <rte_tcp.h>

#include "winnat_internal.h"

static uint8_t on_syn(uint8_t state, bool internal)
{
	switch (state) {
	case WINNAT_TCP_INTERNAL_SYN:
		return internal ? state : WINNAT_TCP_ESTABLISHED;
	case WINNAT_TCP_EXTERNAL_SYN:
		return internal ? WINNAT_TCP_ESTABLISHED : state;
	case WINNAT_TCP_ESTABLISHED:
		return state; /* retransmitted SYN-ACK */
	default:
		/* new, or a closed connection's tuple reused */
		return internal ? WINNAT_TCP_INTERNAL_SYN : WINNAT_TCP_EXTERNAL_SYN;
	}
}

static uint8_t on_fin(uint8_t state, bool internal)
{
	switch (state) {
	case WINNAT_TCP_INTERNAL_FIN:
		return internal ? state : WINNAT_TCP_BOTH_FIN;
	case WINNAT_TCP_EXTERNAL_FIN:
		return internal ? WINNAT_TCP_BOTH_FIN : state;
	case WINNAT_TCP_BOTH_FIN:
	case WINNAT_TCP_RST:
		return state;
	default:
		return internal ? WINNAT_TCP_INTERNAL_FIN : WINNAT_TCP_EXTERNAL_FIN;
	}
}

uint8_t wn_tcp_next(uint8_t state, uint8_t flags, bool internal)
{
	if (flags & RTE_TCP_RST_FLAG)
		return WINNAT_TCP_RST;
	if (flags & RTE_TCP_SYN_FLAG)
		return on_syn(state, internal);
	if (flags & RTE_TCP_FIN_FLAG)
		return on_fin(state, internal);
	return state;
}
