/* WinNAT's event lines (Microsoft-Windows-WinNat ETW wording, SPEC 5.4).
 * Events are recorded as structs on the packet path and only formatted
 * here, when a trace asks for text. */
#include <netinet/in.h>
#include <stdio.h>

#include "winnat_internal.h"

static const char *const tcp_state_text[] = {
	[WINNAT_TCP_CLOSED_NA] = "Closed/NA",
	[WINNAT_TCP_INTERNAL_SYN] = "Internal SYN received",
	[WINNAT_TCP_EXTERNAL_SYN] = "External SYN received",
	[WINNAT_TCP_ESTABLISHED] = "Established",
	[WINNAT_TCP_INTERNAL_FIN] = "Internal FIN received",
	[WINNAT_TCP_EXTERNAL_FIN] = "External FIN received",
	[WINNAT_TCP_BOTH_FIN] = "Internal and external FIN received",
	[WINNAT_TCP_RST] = "Closed by RST",
};

static const char *const drop_text[WINNAT_DROP_COUNT] = {
	[WINNAT_DROP_FILTERED] = "NAT filtered",
	[WINNAT_DROP_TABLE_FULL] = "NAT session table full",
	[WINNAT_DROP_PORT_EXHAUSTED] = "NAT port exhausted",
	[WINNAT_DROP_INVALID] = "Invalid packet",
	[WINNAT_DROP_FRAGMENT] = "NAT fragment without a session",
};

const char *winnat_tcp_state_text(enum winnat_tcp_state s)
{
	return (unsigned)s < RTE_DIM(tcp_state_text) ? tcp_state_text[s] : "Unknown";
}

const char *winnat_drop_text(enum winnat_drop d)
{
	return (unsigned)d < RTE_DIM(drop_text) ? drop_text[d] : "Unknown";
}

static const char *proto_text(uint8_t proto)
{
	return proto == IPPROTO_TCP ? "TCP" : proto == IPPROTO_UDP ? "UDP" : "ICMP";
}

/* a.b.c.d:port of host-order values */
#define ADDR_FMT "%u.%u.%u.%u:%u"
#define ADDR_ARGS(ip, port) (ip) >> 24, ((ip) >> 16) & 0xff, ((ip) >> 8) & 0xff, \
	(ip) & 0xff, (unsigned)(port)

static int format_binding(const struct winnat_event *e, const char *what,
			  char *buf, size_t len)
{
	return snprintf(buf, len, "%s binding %s. Internal transport addr: " ADDR_FMT
			" (CompartmentId %u), External transport addr " ADDR_FMT
			", SessionCount: %u, Configured: %s",
			proto_text(e->proto), what,
			ADDR_ARGS(e->internal.src_ip, e->internal.src_port),
			e->compartment,
			ADDR_ARGS(e->external.src_ip, e->external.src_port),
			e->session_count, e->configured ? "True" : "False");
}

static int format_session(const struct winnat_event *e, const char *what,
			  const char *state_sep, char *buf, size_t len)
{
	return snprintf(buf, len, "%s session %s. Internal source transport addr: "
			ADDR_FMT " (CompartmentId %u), Internal dest transport addr: "
			ADDR_FMT ", External source transport addr " ADDR_FMT
			", External dest transport addr " ADDR_FMT
			", Lifetime: %u seconds, TcpState:%s%s",
			proto_text(e->proto), what,
			ADDR_ARGS(e->internal.src_ip, e->internal.src_port),
			e->compartment,
			ADDR_ARGS(e->internal.dst_ip, e->internal.dst_port),
			ADDR_ARGS(e->external.src_ip, e->external.src_port),
			ADDR_ARGS(e->external.dst_ip, e->external.dst_port),
			e->lifetime, state_sep,
			winnat_tcp_state_text((enum winnat_tcp_state)e->tcp_state));
}

int winnat_event_format(const struct winnat_event *e, char *buf, size_t len)
{
	switch (e->type) {
	case WINNAT_EV_BINDING_CREATED:
		return format_binding(e, "created", buf, len);
	case WINNAT_EV_BINDING_DELETED:
		return format_binding(e, "deleted", buf, len);
	case WINNAT_EV_SESSION_CREATED:
		/* WinNAT writes "TcpState:Closed/NA" without the space here */
		return format_session(e, "created", "", buf, len);
	case WINNAT_EV_SESSION_STATE_UPDATED:
		return format_session(e, "state updated", " ", buf, len);
	case WINNAT_EV_SESSION_DELETED:
		return format_session(e, "deleted", " ", buf, len);
	default:
		return snprintf(buf, len, "WinNAT event %u", e->type);
	}
}

static struct winnat_tuple host_tuple(uint32_t sip, uint16_t sp, uint32_t dip, uint16_t dp)
{
	return (struct winnat_tuple){
		.src_ip = rte_be_to_cpu_32(sip), .dst_ip = rte_be_to_cpu_32(dip),
		.src_port = rte_be_to_cpu_16(sp), .dst_port = rte_be_to_cpu_16(dp),
	};
}

/* Internal = the tuple of the inside side's packets (the original one
 * when the session began inside); external = how the other side sees it:
 * the reverse of the other tuple. */
void wn_session_tuples(const struct wn_session *s, struct winnat_tuple *in,
		       struct winnat_tuple *ext)
{
	int d = wn_key_inside(&s->k[WN_ORIG]) ? WN_ORIG : WN_REPLY;
	const struct wn_key *a = &s->k[d], *b = &s->k[d ^ 1];

	*in = host_tuple(a->src_ip, a->src_port, a->dst_ip, a->dst_port);
	*ext = host_tuple(b->dst_ip, b->dst_port, b->src_ip, b->src_port);
}

static struct winnat_event *ev_next(struct winnat_events *ev)
{
	if (ev == NULL || ev->n >= WINNAT_EVENTS_MAX)
		return NULL;
	return &ev->ev[ev->n++];
}

void wn_ev_session(const struct winnat *n, const struct wn_session *s, uint8_t type,
		   struct winnat_events *ev)
{
	struct winnat_event *e = ev_next(ev);

	if (e == NULL)
		return;
	*e = (struct winnat_event){
		.type = type, .proto = s->proto, .tcp_state = s->tcp_state,
		.configured = (s->flags & WN_S_CONFIGURED) != 0,
		.compartment = n->cfg.compartment, .lifetime = s->lifetime,
		.session_count = s->binding == WN_NONE ? 0 : n->b[s->binding].sessions,
	};
	wn_session_tuples(s, &e->internal, &e->external);
}

void wn_ev_binding(const struct winnat *n, const struct wn_binding *b, uint8_t type,
		   struct winnat_events *ev)
{
	struct winnat_event *e = ev_next(ev);

	if (e == NULL)
		return;
	*e = (struct winnat_event){
		.type = type, .proto = b->proto, .tcp_state = WINNAT_TCP_CLOSED_NA,
		.configured = (b->flags & WN_B_CONFIGURED) != 0,
		.compartment = n->cfg.compartment, .lifetime = 0,
		.session_count = b->sessions,
	};
	e->internal = host_tuple(b->int_ip, b->int_port, 0, 0);
	e->external = host_tuple(b->ext_ip, b->ext_port, 0, 0);
}
