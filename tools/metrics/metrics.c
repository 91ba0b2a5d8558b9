// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The Prometheus text exposition (format 0.0.4) of an nlbs snapshot.
 *
 * Names follow the Prometheus conventions: the prefix nlbs_, counters end in
 * _total, base units (seconds, bytes), one family per meaning with a label
 * where the kernel has several counters of one kind (the drops by reason,
 * the flows not tracked by reason). Every family is written with its HELP
 * and TYPE lines even when it has no sample, so a dashboard sees the same
 * names on an idle instance.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

#define DROP	"nlbs_dropped_packets_total"
#define UNTRACK	"nlbs_flows_untracked_total"
#define DROP_HELP "VIP datagrams dropped, by reason."
#define UNTRACK_HELP "Flows forwarded but not entered in the flow table, by reason."

static const struct metric_map counter_map[NLBS_STATS_A_MAX + 1] = {
	[NLBS_STATS_A_RX] = { "nlbs_received_packets_total", NULL,
		"IPv4 and IPv6 datagrams for a VIP received on the access device.", false },
	[NLBS_STATS_A_FORWARDED] = { "nlbs_forwarded_packets_total", NULL,
		"VIP datagrams sent to a server.", false },
	[NLBS_STATS_A_ARP_REQUESTS] = { "nlbs_arp_requests_total", NULL,
		"ARP requests for the NLBS address seen, in every state.", false },
	[NLBS_STATS_A_ARP_REPLIES] = { "nlbs_arp_replies_total", NULL,
		"ARP requests for the NLBS address answered (only while active).", false },
	[NLBS_STATS_A_GARP_SENT] = { "nlbs_gratuitous_arps_sent_total", NULL,
		"Gratuitous ARPs sent for the NLBS address.", false },
	[NLBS_STATS_A_DROP_INACTIVE] = { DROP, "inactive", DROP_HELP, false },
	[NLBS_STATS_A_DROP_NO_SERVER] = { DROP, "no_server", DROP_HELP, false },
	[NLBS_STATS_A_NEIGH_MISS] = { "nlbs_neigh_misses_total", NULL,
		"Datagrams queued while a server's MAC address was resolved.", false },
	[NLBS_STATS_A_DROP_NEIGH] = { DROP, "neigh", DROP_HELP, false },
	[NLBS_STATS_A_DROP_MALFORMED] = { DROP, "malformed", DROP_HELP, false },
	[NLBS_STATS_A_DROP_XMIT] = { DROP, "xmit", DROP_HELP, false },
	[NLBS_STATS_A_ARP_CONFLICTS] = { "nlbs_arp_conflicts_total", NULL,
		"Another MAC address claimed the NLBS address while active.", false },
	[NLBS_STATS_A_FLOWS] = { "nlbs_flows", NULL,
		"Entries in the flow table.", true },
	[NLBS_STATS_A_FLOW_NEW] = { "nlbs_flows_created_total", NULL,
		"Flows entered in the flow table.", false },
	[NLBS_STATS_A_FLOW_SKIP_FULL] = { UNTRACK, "full", UNTRACK_HELP, false },
	[NLBS_STATS_A_FLOW_SKIP_NOMEM] = { UNTRACK, "nomem", UNTRACK_HELP, false },
	[NLBS_STATS_A_FLOW_SKIP_FLOOD] = { UNTRACK, "flood", UNTRACK_HELP, false },
	[NLBS_STATS_A_DROP_NODEST] = { DROP, "nodest", DROP_HELP, false },
	[NLBS_STATS_A_DROP_TOOBIG] = { DROP, "toobig", DROP_HELP, false },
	[NLBS_STATS_A_ICMP_FORWARDED] = { "nlbs_icmp_forwarded_total", NULL,
		"ICMP errors for a VIP sent to the server of the flow they quote.", false },
	[NLBS_STATS_A_SYNC_SENT] = { "nlbs_sync_sent_flows_total", NULL,
		"Flows reported to the flows multicast group for the peer.", false },
	[NLBS_STATS_A_SYNC_DROPPED] = { "nlbs_sync_dropped_flows_total", NULL,
		"Flows not reported for the peer (no memory, listener full).", false },
	[NLBS_STATS_A_SYNC_IMPORTED] = { "nlbs_sync_imported_flows_total", NULL,
		"Flows imported from the peer.", false },
	[NLBS_STATS_A_SYNC_REFUSED] = { "nlbs_sync_refused_flows_total", NULL,
		"Flows from the peer refused (unknown service or server, table full).", false },
	[NLBS_STATS_A_NDP_SOLICITS] = { "nlbs_ndp_solicitations_total", NULL,
		"Neighbour solicitations for the IPv6 NLBS address seen, in every state.", false },
	[NLBS_STATS_A_NDP_ADVERTS] = { "nlbs_ndp_advertisements_total", NULL,
		"Neighbour solicitations for the IPv6 NLBS address answered (only while active).", false },
	[NLBS_STATS_A_NDP_UNSOLICITED] = { "nlbs_ndp_unsolicited_sent_total", NULL,
		"Unsolicited neighbour advertisements sent for the IPv6 NLBS address.", false },
	[NLBS_STATS_A_NDP_CONFLICTS] = { "nlbs_ndp_conflicts_total", NULL,
		"Another MAC address claimed the IPv6 NLBS address while active.", false },
};

const struct metric_map *metrics_counter_map(unsigned int attr)
{
	if (attr > NLBS_STATS_A_MAX || !counter_map[attr].name)
		return NULL;
	return &counter_map[attr];
}

/* ---- snapshot ------------------------------------------------------------ */

void snapshot_reset(struct nlbs_snapshot *s)
{
	s->up = false;
	memset(&s->cfg, 0, sizeof(s->cfg));
	memset(&s->state, 0, sizeof(s->state));
	memset(&s->stats, 0, sizeof(s->stats));
	s->nsvcs = 0;
	s->nsrvs = 0;
}

void snapshot_free(struct nlbs_snapshot *s)
{
	free(s->svcs);
	free(s->srvs);
	free(s->nlbsd_status);
	memset(s, 0, sizeof(*s));
}

static int grow(void **arr, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 64;
	p = realloc(*arr, ncap * size);
	if (!p)
		return -1;
	*arr = p;
	*cap = ncap;
	return 0;
}

int snapshot_add_service(struct nlbs_snapshot *s, const struct nlbs_service *svc)
{
	if (grow((void **)&s->svcs, &s->svcs_cap, s->nsvcs, sizeof(*s->svcs)))
		return -1;
	s->svcs[s->nsvcs++] = *svc;
	return 0;
}

int snapshot_add_server(struct nlbs_snapshot *s, const struct nlbs_service *svc,
			const struct nlbs_server *srv)
{
	struct nlbs_snap_server *e;

	if (grow((void **)&s->srvs, &s->srvs_cap, s->nsrvs, sizeof(*s->srvs)))
		return -1;
	e = &s->srvs[s->nsrvs++];
	e->svc = *svc;
	e->srv = *srv;
	return 0;
}

/* ---- writing ------------------------------------------------------------- */

static void header(FILE *f, const char *name, const char *type,
		   const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value: backslash, double quote and newline escaped. */
static void label_value(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fprintf(f, "\\%c", *v);
		else if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

static const char *ip4(uint32_t be, char *buf)
{
	struct in_addr a = { .s_addr = be };

	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN) ? buf : "?";
}

/* IPv4 (be) or IPv6 (v6, when is6): buf of INET6_ADDRSTRLEN. */
static const char *ipx(bool is6, uint32_t be, const uint8_t *v6, char *buf)
{
	if (!is6)
		return ip4(be, buf);
	return inet_ntop(AF_INET6, v6, buf, INET6_ADDRSTRLEN) ? buf : "?";
}

static const char *proto_name(uint8_t proto)
{
	return proto == IPPROTO_TCP ? "tcp" : proto == IPPROTO_UDP ? "udp" : "any";
}

/* vip="...",protocol="...",port="..." */
static void svc_labels(FILE *f, const struct nlbs_service *svc)
{
	char buf[INET6_ADDRSTRLEN];

	fprintf(f, "vip=\"%s\",protocol=\"%s\",port=\"%u\"",
		ipx(svc->present & NLBS_BIT(NLBS_SVC_A_VIP6), svc->vip, svc->vip6, buf),
		proto_name(svc->proto), svc->proto ? svc->port : 0);
}

static void srv_labels(FILE *f, const struct nlbs_snap_server *e)
{
	char buf[INET6_ADDRSTRLEN];

	svc_labels(f, &e->svc);
	fprintf(f, ",server=\"%s\"",
		ipx(e->srv.present & NLBS_BIT(NLBS_SRV_A_ADDR6), e->srv.addr,
		    e->srv.addr6, buf));
}

static void write_counters(FILE *f, const struct nlbs_snapshot *s)
{
	const struct metric_map *m, *o;
	unsigned int a, b;
	bool seen;

	for (a = 1; a <= NLBS_STATS_A_MAX; a++) {
		m = metrics_counter_map(a);
		if (!m)
			continue;
		/* One HELP/TYPE block per family, at its first counter. */
		seen = false;
		for (b = 1; b < a && !seen; b++) {
			o = metrics_counter_map(b);
			seen = o && !strcmp(o->name, m->name);
		}
		if (seen)
			continue;
		header(f, m->name, m->gauge ? "gauge" : "counter", m->help);
		for (b = a; b <= NLBS_STATS_A_MAX; b++) {
			o = metrics_counter_map(b);
			if (!o || strcmp(o->name, m->name) ||
			    !(s->stats.present & NLBS_BIT(b)))
				continue;
			if (o->reason)
				fprintf(f, "%s{reason=\"%s\"} %" PRIu64 "\n",
					o->name, o->reason, s->stats.val[b]);
			else
				fprintf(f, "%s %" PRIu64 "\n", o->name,
					s->stats.val[b]);
		}
	}
}

static void write_state(FILE *f, const struct nlbs_snapshot *s)
{
	bool have = s->state.present & NLBS_BIT(NLBS_A_STATE);
	unsigned int st;

	header(f, "nlbs_state", "gauge",
	       "The instance's state: 1 for the state it is in.");
	for (st = 0; have && st <= NLBS_STATE_MAX; st++)
		fprintf(f, "nlbs_state{state=\"%s\"} %d\n", nlbs_state_name(st),
			s->state.state == st);
	header(f, "nlbs_lease_seconds", "gauge",
	       "Lease of the active state: it ends unless renewed (0: none).");
	if (have)
		fprintf(f, "nlbs_lease_seconds %.3f\n",
			(s->state.present & NLBS_BIT(NLBS_A_LEASE_MS)) ?
			s->state.lease_ms / 1000.0 : 0.0);
}

static void write_config(FILE *f, const struct nlbs_snapshot *s)
{
	static const struct {
		const char *flow;
		unsigned int attr;
		size_t off;
	} timeouts[] = {
		{ "tcp", NLBS_A_FLOW_TIMEOUT_TCP,
		  offsetof(struct nlbs_config, flow_timeout_tcp) },
		{ "tcp_fin", NLBS_A_FLOW_TIMEOUT_TCP_FIN,
		  offsetof(struct nlbs_config, flow_timeout_tcp_fin) },
		{ "udp", NLBS_A_FLOW_TIMEOUT_UDP,
		  offsetof(struct nlbs_config, flow_timeout_udp) },
		{ "syn", NLBS_A_FLOW_TIMEOUT_SYN,
		  offsetof(struct nlbs_config, flow_timeout_syn) },
	};
	const struct nlbs_config *c = &s->cfg;
	char buf[INET_ADDRSTRLEN];
	size_t i;

	header(f, "nlbs_config_info", "gauge",
	       "The instance's devices and NLBS address (value 1).");
	if (s->up) {
		fputs("nlbs_config_info{access=\"", f);
		label_value(f, (c->present & NLBS_BIT(NLBS_A_ACCESS_IFNAME)) ?
			    c->access_ifname : "");
		fputs("\",servers=\"", f);
		label_value(f, (c->present & NLBS_BIT(NLBS_A_SERVER_IFNAME)) ?
			    c->server_ifname : "");
		fprintf(f, "\",nlbs_address=\"%s\"} 1\n",
			(c->present & NLBS_BIT(NLBS_A_NLBS_ADDR_BE)) ?
			ip4(c->nlbs_addr, buf) : "");
	}
	header(f, "nlbs_flow_max", "gauge",
	       "Capacity of the flow table in flows (0: no flow table).");
	if (c->present & NLBS_BIT(NLBS_A_FLOW_MAX))
		fprintf(f, "nlbs_flow_max %u\n", c->flow_max);
	header(f, "nlbs_flow_timeout_seconds", "gauge",
	       "Idle time after which a flow is forgotten, by kind of flow.");
	for (i = 0; i < sizeof(timeouts) / sizeof(timeouts[0]); i++)
		if (c->present & NLBS_BIT(timeouts[i].attr))
			fprintf(f, "nlbs_flow_timeout_seconds{flow=\"%s\"} %u\n",
				timeouts[i].flow,
				*(const uint32_t *)((const char *)c +
						    timeouts[i].off));
}

static void write_services(FILE *f, const struct nlbs_snapshot *s)
{
	const char *nd;
	size_t i;

	header(f, "nlbs_service_info", "gauge",
	       "A service, with what becomes of a removed server's flows (value 1).");
	for (i = 0; i < s->nsvcs; i++) {
		nd = nlbs_nodest_name(s->svcs[i].nodest);
		fputs("nlbs_service_info{", f);
		svc_labels(f, &s->svcs[i]);
		fprintf(f, ",nodest=\"%s\"} 1\n",
			(s->svcs[i].present & NLBS_BIT(NLBS_SVC_A_NODEST)) && nd ?
			nd : "");
	}
	header(f, "nlbs_service_servers", "gauge", "Servers of a service.");
	for (i = 0; i < s->nsvcs; i++) {
		fputs("nlbs_service_servers{", f);
		svc_labels(f, &s->svcs[i]);
		fprintf(f, "} %u\n", s->svcs[i].servers);
	}
	header(f, "nlbs_service_table_slots", "gauge",
	       "Slots of a service's Maglev table (2 bytes each).");
	for (i = 0; i < s->nsvcs; i++) {
		if (!(s->svcs[i].present & NLBS_BIT(NLBS_SVC_A_TABLE_SIZE)))
			continue;
		fputs("nlbs_service_table_slots{", f);
		svc_labels(f, &s->svcs[i]);
		fprintf(f, "} %u\n", s->svcs[i].table_size);
	}
}

enum srv_field { F_WEIGHT, F_PACKETS, F_BYTES, F_ACTIVE, F_NEW };

static void write_server_family(FILE *f, const struct nlbs_snapshot *s,
				enum srv_field fld)
{
	static const struct {
		const char *name, *type, *help;
		unsigned int attr;
	} fam[] = {
		[F_WEIGHT] = { "nlbs_server_weight", "gauge",
			"Weight of a server in its service (0: drained).",
			NLBS_SRV_A_WEIGHT },
		[F_PACKETS] = { "nlbs_server_packets_total", "counter",
			"Datagrams forwarded to a server.", NLBS_SRV_A_PACKETS },
		[F_BYTES] = { "nlbs_server_bytes_total", "counter",
			"Bytes of the datagrams forwarded to a server.",
			NLBS_SRV_A_BYTES },
		[F_ACTIVE] = { "nlbs_server_active_flows", "gauge",
			"Flows of the flow table going to a server.",
			NLBS_SRV_A_ACTIVE_FLOWS },
		[F_NEW] = { "nlbs_server_flows_created_total", "counter",
			"New flows the Maglev table sent to a server.",
			NLBS_SRV_A_NEW_FLOWS },
	};
	const struct nlbs_server *v;
	uint64_t val;
	size_t i;

	header(f, fam[fld].name, fam[fld].type, fam[fld].help);
	for (i = 0; i < s->nsrvs; i++) {
		v = &s->srvs[i].srv;
		if (!(v->present & NLBS_BIT(fam[fld].attr)))
			continue;
		switch (fld) {
		case F_WEIGHT: val = v->weight; break;
		case F_PACKETS: val = v->packets; break;
		case F_BYTES: val = v->bytes; break;
		case F_ACTIVE: val = v->active_flows; break;
		default: val = v->new_flows; break;
		}
		fprintf(f, "%s{", fam[fld].name);
		srv_labels(f, &s->srvs[i]);
		fprintf(f, "} %" PRIu64 "\n", val);
	}
}

int metrics_write(FILE *f, const struct nlbs_snapshot *s)
{
	enum srv_field fld;

	header(f, "nlbs_up", "gauge",
	       "1 when the nlbs module answered, 0 when it did not (no other sample then).");
	fprintf(f, "nlbs_up %d\n", s->up);
	if (s->up) {
		write_state(f, s);
		write_config(f, s);
		write_counters(f, s);
		write_services(f, s);
		for (fld = F_WEIGHT; fld <= F_NEW; fld++)
			write_server_family(f, s, fld);
	}
	if (s->nlbsd && nlbsd_metrics_write(f, s->nlbsd_status))
		return -1;
	fflush(f);
	return ferror(f) ? -1 : 0;
}
