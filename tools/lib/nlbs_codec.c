// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * nlbs_nl: attribute encoding and decoding, names. No socket here.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/genetlink.h>

#include "nlbs_nl.h"

/* The present bitmasks are u32: every attribute id must fit. */
_Static_assert(NLBS_A_MAX < 32, "NLBS_A_* beyond a u32 present mask");
_Static_assert(NLBS_SVC_A_MAX < 32, "NLBS_SVC_A_* beyond a u32 present mask");
_Static_assert(NLBS_SRV_A_MAX < 32, "NLBS_SRV_A_* beyond a u32 present mask");
_Static_assert(NLBS_FLOW_A_MAX < 32, "NLBS_FLOW_A_* beyond a u32 present mask");
_Static_assert(NLBS_STATS_A_MAX < 32, "NLBS_STATS_A_* beyond a u32 present mask");

/* ---- encode --------------------------------------------------------------- */

void nlbs_put_config(struct nlmsghdr *nlh, const struct nlbs_config *cfg)
{
	uint32_t p = cfg->present;

	if (p & NLBS_BIT(NLBS_A_ACCESS_IFINDEX))
		mnl_attr_put_u32(nlh, NLBS_A_ACCESS_IFINDEX, cfg->access_ifindex);
	if (p & NLBS_BIT(NLBS_A_SERVER_IFINDEX))
		mnl_attr_put_u32(nlh, NLBS_A_SERVER_IFINDEX, cfg->server_ifindex);
	if (p & NLBS_BIT(NLBS_A_NLBS_ADDR_BE))
		mnl_attr_put_u32(nlh, NLBS_A_NLBS_ADDR_BE, cfg->nlbs_addr);
	if (p & NLBS_BIT(NLBS_A_NLBS_ADDR6))
		mnl_attr_put(nlh, NLBS_A_NLBS_ADDR6, 16, cfg->nlbs_addr6);
	if (p & NLBS_BIT(NLBS_A_GARP_COUNT))
		mnl_attr_put_u32(nlh, NLBS_A_GARP_COUNT, cfg->garp_count);
	if (p & NLBS_BIT(NLBS_A_GARP_INTERVAL))
		mnl_attr_put_u32(nlh, NLBS_A_GARP_INTERVAL, cfg->garp_interval);
	if (p & NLBS_BIT(NLBS_A_HASH_SEED))
		mnl_attr_put_u32(nlh, NLBS_A_HASH_SEED, cfg->hash_seed);
	if (p & NLBS_BIT(NLBS_A_FLOW_MAX))
		mnl_attr_put_u32(nlh, NLBS_A_FLOW_MAX, cfg->flow_max);
	if (p & NLBS_BIT(NLBS_A_FLOW_TIMEOUT_TCP))
		mnl_attr_put_u32(nlh, NLBS_A_FLOW_TIMEOUT_TCP,
				 cfg->flow_timeout_tcp);
	if (p & NLBS_BIT(NLBS_A_FLOW_TIMEOUT_TCP_FIN))
		mnl_attr_put_u32(nlh, NLBS_A_FLOW_TIMEOUT_TCP_FIN,
				 cfg->flow_timeout_tcp_fin);
	if (p & NLBS_BIT(NLBS_A_FLOW_TIMEOUT_UDP))
		mnl_attr_put_u32(nlh, NLBS_A_FLOW_TIMEOUT_UDP,
				 cfg->flow_timeout_udp);
	if (p & NLBS_BIT(NLBS_A_FLOW_TIMEOUT_SYN))
		mnl_attr_put_u32(nlh, NLBS_A_FLOW_TIMEOUT_SYN,
				 cfg->flow_timeout_syn);
}

void nlbs_put_service(struct nlmsghdr *nlh, const struct nlbs_service *svc)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, NLBS_A_SERVICE);

	if (svc->present & NLBS_BIT(NLBS_SVC_A_VIP6))
		mnl_attr_put(nlh, NLBS_SVC_A_VIP6, 16, svc->vip6);
	else
		mnl_attr_put_u32(nlh, NLBS_SVC_A_VIP_BE, svc->vip);
	mnl_attr_put_u8(nlh, NLBS_SVC_A_PROTO, svc->proto);
	if (svc->proto)
		mnl_attr_put_u16(nlh, NLBS_SVC_A_PORT, svc->port);
	if (svc->present & NLBS_BIT(NLBS_SVC_A_TABLE_SIZE))
		mnl_attr_put_u32(nlh, NLBS_SVC_A_TABLE_SIZE, svc->table_size);
	if (svc->present & NLBS_BIT(NLBS_SVC_A_NODEST))
		mnl_attr_put_u8(nlh, NLBS_SVC_A_NODEST, svc->nodest);
	mnl_attr_nest_end(nlh, nest);
}

void nlbs_put_server(struct nlmsghdr *nlh, const struct nlbs_server *srv)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, NLBS_A_SERVER);

	if (srv->present & NLBS_BIT(NLBS_SRV_A_ADDR6))
		mnl_attr_put(nlh, NLBS_SRV_A_ADDR6, 16, srv->addr6);
	else
		mnl_attr_put_u32(nlh, NLBS_SRV_A_ADDR_BE, srv->addr);
	if (srv->present & NLBS_BIT(NLBS_SRV_A_WEIGHT))
		mnl_attr_put_u32(nlh, NLBS_SRV_A_WEIGHT, srv->weight);
	if (srv->present & NLBS_BIT(NLBS_SRV_A_MAC))
		mnl_attr_put(nlh, NLBS_SRV_A_MAC, sizeof(srv->mac), srv->mac);
	mnl_attr_nest_end(nlh, nest);
}

void nlbs_put_flow(struct nlmsghdr *nlh, const struct nlbs_flow *flow)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, NLBS_A_FLOW);

	bool v6 = flow->present & NLBS_BIT(NLBS_FLOW_A_SADDR6);

	if (v6) {
		mnl_attr_put(nlh, NLBS_FLOW_A_SADDR6, 16, flow->saddr6);
		mnl_attr_put(nlh, NLBS_FLOW_A_DADDR6, 16, flow->daddr6);
	} else {
		mnl_attr_put_u32(nlh, NLBS_FLOW_A_SADDR_BE, flow->saddr);
		mnl_attr_put_u32(nlh, NLBS_FLOW_A_DADDR_BE, flow->daddr);
	}
	mnl_attr_put_u8(nlh, NLBS_FLOW_A_PROTO, flow->proto);
	mnl_attr_put_u16(nlh, NLBS_FLOW_A_SPORT, flow->sport);
	mnl_attr_put_u16(nlh, NLBS_FLOW_A_DPORT, flow->dport);
	if (v6)
		mnl_attr_put(nlh, NLBS_FLOW_A_SERVER6, 16, flow->server6);
	else
		mnl_attr_put_u32(nlh, NLBS_FLOW_A_SERVER_BE, flow->server);
	if (flow->present & NLBS_BIT(NLBS_FLOW_A_IDLE_MS))
		mnl_attr_put_u32(nlh, NLBS_FLOW_A_IDLE_MS, flow->idle_ms);
	if (flow->present & NLBS_BIT(NLBS_FLOW_A_FLAGS))
		mnl_attr_put_u32(nlh, NLBS_FLOW_A_FLAGS,
				 flow->flags & ~NLBS_FLOW_F_IMPORTED);
	mnl_attr_nest_end(nlh, nest);
}

void nlbs_put_flow_filter(struct nlmsghdr *nlh,
			  const struct nlbs_flow_filter *f)
{
	struct nlattr *nest;

	if (f && f->has_vip) {
		nest = mnl_attr_nest_start(nlh, NLBS_A_SERVICE);
		if (f->vip_is6)
			mnl_attr_put(nlh, NLBS_SVC_A_VIP6, 16, f->vip6);
		else
			mnl_attr_put_u32(nlh, NLBS_SVC_A_VIP_BE, f->vip);
		if (f->proto)
			mnl_attr_put_u8(nlh, NLBS_SVC_A_PROTO, f->proto);
		if (f->proto && f->port)
			mnl_attr_put_u16(nlh, NLBS_SVC_A_PORT, f->port);
		mnl_attr_nest_end(nlh, nest);
	}
	if (f && f->has_server) {
		nest = mnl_attr_nest_start(nlh, NLBS_A_SERVER);
		if (f->server_is6)
			mnl_attr_put(nlh, NLBS_SRV_A_ADDR6, 16, f->server6);
		else
			mnl_attr_put_u32(nlh, NLBS_SRV_A_ADDR_BE, f->server);
		mnl_attr_nest_end(nlh, nest);
	}
}

/* ---- decode --------------------------------------------------------------- */

/*
 * One table per attribute set: the libmnl type of each attribute (MNL_TYPE_
 * UNSPEC: ignore it). A table-driven parse fills tb[]; anything of the wrong
 * size makes the message malformed.
 */
static const enum mnl_attr_data_type top_types[NLBS_A_MAX + 1] = {
	[NLBS_A_ACCESS_IFINDEX]	= MNL_TYPE_U32,
	[NLBS_A_ACCESS_IFNAME]	= MNL_TYPE_NUL_STRING,
	[NLBS_A_SERVER_IFINDEX]	= MNL_TYPE_U32,
	[NLBS_A_SERVER_IFNAME]	= MNL_TYPE_NUL_STRING,
	[NLBS_A_NLBS_ADDR_BE]	= MNL_TYPE_U32,
	[NLBS_A_GARP_COUNT]	= MNL_TYPE_U32,
	[NLBS_A_GARP_INTERVAL]	= MNL_TYPE_U32,
	[NLBS_A_HASH_SEED]	= MNL_TYPE_U32,
	[NLBS_A_STATE]		= MNL_TYPE_U8,
	[NLBS_A_LEASE_MS]	= MNL_TYPE_U32,
	[NLBS_A_REASON]		= MNL_TYPE_NUL_STRING,
	[NLBS_A_SERVICE]	= MNL_TYPE_NESTED,
	[NLBS_A_SERVER]		= MNL_TYPE_NESTED,
	[NLBS_A_STATS]		= MNL_TYPE_NESTED,
	[NLBS_A_FLOW]		= MNL_TYPE_NESTED,
	[NLBS_A_FLOW_MAX]	= MNL_TYPE_U32,
	[NLBS_A_FLOW_TIMEOUT_TCP] = MNL_TYPE_U32,
	[NLBS_A_FLOW_TIMEOUT_TCP_FIN] = MNL_TYPE_U32,
	[NLBS_A_FLOW_TIMEOUT_UDP] = MNL_TYPE_U32,
	[NLBS_A_FLOW_TIMEOUT_SYN] = MNL_TYPE_U32,
	[NLBS_A_NLBS_ADDR6]	= MNL_TYPE_BINARY,
};

static const enum mnl_attr_data_type svc_types[NLBS_SVC_A_MAX + 1] = {
	[NLBS_SVC_A_VIP_BE]	= MNL_TYPE_U32,
	[NLBS_SVC_A_PROTO]	= MNL_TYPE_U8,
	[NLBS_SVC_A_PORT]	= MNL_TYPE_U16,
	[NLBS_SVC_A_SERVERS]	= MNL_TYPE_U32,
	[NLBS_SVC_A_TABLE_SIZE]	= MNL_TYPE_U32,
	[NLBS_SVC_A_EVENT]	= MNL_TYPE_U8,
	[NLBS_SVC_A_NODEST]	= MNL_TYPE_U8,
	[NLBS_SVC_A_VIP6]	= MNL_TYPE_BINARY,
};

static const enum mnl_attr_data_type srv_types[NLBS_SRV_A_MAX + 1] = {
	[NLBS_SRV_A_ADDR_BE]	= MNL_TYPE_U32,
	[NLBS_SRV_A_WEIGHT]	= MNL_TYPE_U32,
	[NLBS_SRV_A_MAC]	= MNL_TYPE_BINARY,
	[NLBS_SRV_A_PACKETS]	= MNL_TYPE_U64,
	[NLBS_SRV_A_BYTES]	= MNL_TYPE_U64,
	[NLBS_SRV_A_EVENT]	= MNL_TYPE_U8,
	[NLBS_SRV_A_ACTIVE_FLOWS] = MNL_TYPE_U32,
	[NLBS_SRV_A_NEW_FLOWS]	= MNL_TYPE_U64,
	[NLBS_SRV_A_ADDR6]	= MNL_TYPE_BINARY,
};

static const enum mnl_attr_data_type flow_types[NLBS_FLOW_A_MAX + 1] = {
	[NLBS_FLOW_A_SADDR_BE]	= MNL_TYPE_U32,
	[NLBS_FLOW_A_DADDR_BE]	= MNL_TYPE_U32,
	[NLBS_FLOW_A_PROTO]	= MNL_TYPE_U8,
	[NLBS_FLOW_A_SPORT]	= MNL_TYPE_U16,
	[NLBS_FLOW_A_DPORT]	= MNL_TYPE_U16,
	[NLBS_FLOW_A_SERVER_BE]	= MNL_TYPE_U32,
	[NLBS_FLOW_A_IDLE_MS]	= MNL_TYPE_U32,
	[NLBS_FLOW_A_FLAGS]	= MNL_TYPE_U32,
	[NLBS_FLOW_A_SADDR6]	= MNL_TYPE_BINARY,
	[NLBS_FLOW_A_DADDR6]	= MNL_TYPE_BINARY,
	[NLBS_FLOW_A_SERVER6]	= MNL_TYPE_BINARY,
};

struct attr_table {
	const enum mnl_attr_data_type *types;
	unsigned int max;
	const struct nlattr **tb;
	uint32_t present;
};

static int table_cb(const struct nlattr *attr, void *data)
{
	struct attr_table *t = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type > t->max || t->types[type] == MNL_TYPE_UNSPEC)
		return MNL_CB_OK;	/* newer kernel: ignore */
	if (mnl_attr_validate(attr, t->types[type]) < 0)
		return MNL_CB_ERROR;
	t->tb[type] = attr;
	t->present |= NLBS_BIT(type);
	return MNL_CB_OK;
}

static int parse_top(const struct nlmsghdr *nlh, const struct nlattr **tb,
		     uint32_t *present)
{
	struct attr_table t = { top_types, NLBS_A_MAX, tb, 0 };

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct genlmsghdr))
		return -EINVAL;
	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), table_cb, &t) < 0)
		return -EINVAL;
	*present = t.present;
	return 0;
}

static int parse_nest(const struct nlattr *nest,
		      const enum mnl_attr_data_type *types, unsigned int max,
		      const struct nlattr **tb, uint32_t *present)
{
	struct attr_table t = { types, max, tb, 0 };

	if (mnl_attr_parse_nested(nest, table_cb, &t) < 0)
		return -EINVAL;
	*present = t.present;
	return 0;
}

static void copy_str(char *dst, size_t size, const struct nlattr *a)
{
	snprintf(dst, size, "%s", a ? mnl_attr_get_str(a) : "");
}

static uint32_t get_u32(const struct nlattr *a)
{
	return a ? mnl_attr_get_u32(a) : 0;
}

/* An IPv6 address attribute into dst[16]; -EINVAL: not 16 bytes. */
static int get_addr6(const struct nlattr *a, uint8_t *dst)
{
	if (!a)
		return 0;
	if (mnl_attr_get_payload_len(a) != 16)
		return -EINVAL;
	memcpy(dst, mnl_attr_get_payload(a), 16);
	return 0;
}

int nlbs_parse_config(const struct nlmsghdr *nlh, struct nlbs_config *cfg)
{
	const struct nlattr *tb[NLBS_A_MAX + 1] = { NULL };

	memset(cfg, 0, sizeof(*cfg));
	if (parse_top(nlh, tb, &cfg->present) < 0)
		return -EINVAL;
	cfg->access_ifindex = get_u32(tb[NLBS_A_ACCESS_IFINDEX]);
	copy_str(cfg->access_ifname, sizeof(cfg->access_ifname),
		 tb[NLBS_A_ACCESS_IFNAME]);
	cfg->server_ifindex = get_u32(tb[NLBS_A_SERVER_IFINDEX]);
	copy_str(cfg->server_ifname, sizeof(cfg->server_ifname),
		 tb[NLBS_A_SERVER_IFNAME]);
	cfg->nlbs_addr = get_u32(tb[NLBS_A_NLBS_ADDR_BE]);
	if (get_addr6(tb[NLBS_A_NLBS_ADDR6], cfg->nlbs_addr6) < 0)
		return -EINVAL;
	cfg->garp_count = get_u32(tb[NLBS_A_GARP_COUNT]);
	cfg->garp_interval = get_u32(tb[NLBS_A_GARP_INTERVAL]);
	cfg->hash_seed = get_u32(tb[NLBS_A_HASH_SEED]);
	cfg->flow_max = get_u32(tb[NLBS_A_FLOW_MAX]);
	cfg->flow_timeout_tcp = get_u32(tb[NLBS_A_FLOW_TIMEOUT_TCP]);
	cfg->flow_timeout_tcp_fin = get_u32(tb[NLBS_A_FLOW_TIMEOUT_TCP_FIN]);
	cfg->flow_timeout_udp = get_u32(tb[NLBS_A_FLOW_TIMEOUT_UDP]);
	cfg->flow_timeout_syn = get_u32(tb[NLBS_A_FLOW_TIMEOUT_SYN]);
	return 0;
}

int nlbs_parse_state(const struct nlmsghdr *nlh, struct nlbs_state_info *st)
{
	const struct nlattr *tb[NLBS_A_MAX + 1] = { NULL };

	memset(st, 0, sizeof(*st));
	if (parse_top(nlh, tb, &st->present) < 0)
		return -EINVAL;
	if (tb[NLBS_A_STATE])
		st->state = mnl_attr_get_u8(tb[NLBS_A_STATE]);
	st->lease_ms = get_u32(tb[NLBS_A_LEASE_MS]);
	copy_str(st->reason, sizeof(st->reason), tb[NLBS_A_REASON]);
	return 0;
}

static int decode_service(const struct nlattr *nest, struct nlbs_service *svc)
{
	const struct nlattr *tb[NLBS_SVC_A_MAX + 1] = { NULL };

	memset(svc, 0, sizeof(*svc));
	if (!nest)
		return 0;
	if (parse_nest(nest, svc_types, NLBS_SVC_A_MAX, tb, &svc->present) < 0)
		return -EINVAL;
	svc->vip = get_u32(tb[NLBS_SVC_A_VIP_BE]);
	if (get_addr6(tb[NLBS_SVC_A_VIP6], svc->vip6) < 0)
		return -EINVAL;
	if (tb[NLBS_SVC_A_PROTO])
		svc->proto = mnl_attr_get_u8(tb[NLBS_SVC_A_PROTO]);
	if (tb[NLBS_SVC_A_PORT])
		svc->port = mnl_attr_get_u16(tb[NLBS_SVC_A_PORT]);
	svc->servers = get_u32(tb[NLBS_SVC_A_SERVERS]);
	svc->table_size = get_u32(tb[NLBS_SVC_A_TABLE_SIZE]);
	if (tb[NLBS_SVC_A_EVENT])
		svc->event = mnl_attr_get_u8(tb[NLBS_SVC_A_EVENT]);
	if (tb[NLBS_SVC_A_NODEST])
		svc->nodest = mnl_attr_get_u8(tb[NLBS_SVC_A_NODEST]);
	return 0;
}

int nlbs_parse_service(const struct nlmsghdr *nlh, struct nlbs_service *svc)
{
	const struct nlattr *tb[NLBS_A_MAX + 1] = { NULL };
	uint32_t present;

	memset(svc, 0, sizeof(*svc));
	if (parse_top(nlh, tb, &present) < 0)
		return -EINVAL;
	return decode_service(tb[NLBS_A_SERVICE], svc);
}

static int decode_server(const struct nlattr *nest, struct nlbs_server *srv)
{
	const struct nlattr *stb[NLBS_SRV_A_MAX + 1] = { NULL };

	memset(srv, 0, sizeof(*srv));
	if (parse_nest(nest, srv_types, NLBS_SRV_A_MAX, stb,
		       &srv->present) < 0)
		return -EINVAL;
	srv->addr = get_u32(stb[NLBS_SRV_A_ADDR_BE]);
	if (get_addr6(stb[NLBS_SRV_A_ADDR6], srv->addr6) < 0)
		return -EINVAL;
	srv->weight = get_u32(stb[NLBS_SRV_A_WEIGHT]);
	if (stb[NLBS_SRV_A_MAC]) {
		if (mnl_attr_get_payload_len(stb[NLBS_SRV_A_MAC]) !=
		    sizeof(srv->mac))
			return -EINVAL;
		memcpy(srv->mac, mnl_attr_get_payload(stb[NLBS_SRV_A_MAC]),
		       sizeof(srv->mac));
	}
	if (stb[NLBS_SRV_A_PACKETS])
		srv->packets = mnl_attr_get_u64(stb[NLBS_SRV_A_PACKETS]);
	if (stb[NLBS_SRV_A_BYTES])
		srv->bytes = mnl_attr_get_u64(stb[NLBS_SRV_A_BYTES]);
	if (stb[NLBS_SRV_A_EVENT])
		srv->event = mnl_attr_get_u8(stb[NLBS_SRV_A_EVENT]);
	srv->active_flows = get_u32(stb[NLBS_SRV_A_ACTIVE_FLOWS]);
	if (stb[NLBS_SRV_A_NEW_FLOWS])
		srv->new_flows = mnl_attr_get_u64(stb[NLBS_SRV_A_NEW_FLOWS]);
	return 0;
}

int nlbs_parse_server(const struct nlmsghdr *nlh, struct nlbs_service *svc,
		      struct nlbs_server *srv)
{
	const struct nlattr *tb[NLBS_A_MAX + 1] = { NULL };
	uint32_t present;

	memset(srv, 0, sizeof(*srv));
	if (parse_top(nlh, tb, &present) < 0 ||
	    decode_service(tb[NLBS_A_SERVICE], svc) < 0)
		return -EINVAL;
	if (!tb[NLBS_A_SERVER])
		return 0;
	return decode_server(tb[NLBS_A_SERVER], srv);
}

int nlbs_parse_servers(const struct nlmsghdr *nlh, nlbs_server_cb cb,
		       void *data)
{
	const struct nlattr *a;
	struct nlbs_service svc;
	struct nlbs_server srv;
	bool have_svc = false;
	int ret;

	memset(&svc, 0, sizeof(svc));
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct genlmsghdr))
		return -EINVAL;
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(a)) {
		case NLBS_A_SERVICE:
			if (have_svc || mnl_attr_validate(a, MNL_TYPE_NESTED) < 0 ||
			    decode_service(a, &svc) < 0)
				return -EINVAL;
			have_svc = true;
			break;
		case NLBS_A_SERVER:
			if (!have_svc || mnl_attr_validate(a, MNL_TYPE_NESTED) < 0 ||
			    decode_server(a, &srv) < 0)
				return -EINVAL;
			ret = cb(&svc, &srv, data);
			if (ret)
				return ret;
			break;
		default:	/* newer kernel: ignore */
			break;
		}
	}
	return 0;
}

static int decode_flow(const struct nlattr *nest, struct nlbs_flow *flow)
{
	const struct nlattr *ftb[NLBS_FLOW_A_MAX + 1] = { NULL };

	memset(flow, 0, sizeof(*flow));
	if (parse_nest(nest, flow_types, NLBS_FLOW_A_MAX, ftb,
		       &flow->present) < 0)
		return -EINVAL;
	flow->saddr = get_u32(ftb[NLBS_FLOW_A_SADDR_BE]);
	flow->daddr = get_u32(ftb[NLBS_FLOW_A_DADDR_BE]);
	if (ftb[NLBS_FLOW_A_PROTO])
		flow->proto = mnl_attr_get_u8(ftb[NLBS_FLOW_A_PROTO]);
	if (ftb[NLBS_FLOW_A_SPORT])
		flow->sport = mnl_attr_get_u16(ftb[NLBS_FLOW_A_SPORT]);
	if (ftb[NLBS_FLOW_A_DPORT])
		flow->dport = mnl_attr_get_u16(ftb[NLBS_FLOW_A_DPORT]);
	flow->server = get_u32(ftb[NLBS_FLOW_A_SERVER_BE]);
	if (get_addr6(ftb[NLBS_FLOW_A_SADDR6], flow->saddr6) < 0 ||
	    get_addr6(ftb[NLBS_FLOW_A_DADDR6], flow->daddr6) < 0 ||
	    get_addr6(ftb[NLBS_FLOW_A_SERVER6], flow->server6) < 0)
		return -EINVAL;
	flow->idle_ms = get_u32(ftb[NLBS_FLOW_A_IDLE_MS]);
	flow->flags = get_u32(ftb[NLBS_FLOW_A_FLAGS]);
	return 0;
}

int nlbs_parse_flow(const struct nlmsghdr *nlh, struct nlbs_flow *flow)
{
	const struct nlattr *tb[NLBS_A_MAX + 1] = { NULL };
	uint32_t present;

	memset(flow, 0, sizeof(*flow));
	if (parse_top(nlh, tb, &present) < 0)
		return -EINVAL;
	if (!tb[NLBS_A_FLOW])
		return 0;
	return decode_flow(tb[NLBS_A_FLOW], flow);
}

/*
 * parse_top() keeps only the last NLBS_A_FLOW of a message; a FLOW_NTF batch
 * has many, so walk the attributes: a first pass checks all of them (so cb
 * sees all of a message or none of it), the second delivers.
 */
int nlbs_parse_flows(const struct nlmsghdr *nlh, nlbs_flow_cb cb, void *data)
{
	const struct nlattr *tb[NLBS_A_MAX + 1] = { NULL };
	const struct nlattr *a;
	struct nlbs_flow flow;
	uint32_t present;
	int pass, ret;

	if (parse_top(nlh, tb, &present) < 0)
		return -EINVAL;
	for (pass = 0; pass < 2; pass++) {
		mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
			if (mnl_attr_get_type(a) != NLBS_A_FLOW)
				continue;
			if (decode_flow(a, &flow) < 0)
				return -EINVAL;
			if (!pass)
				continue;
			ret = cb(&flow, data);
			if (ret)
				return ret;
		}
	}
	return 0;
}

static int stats_cb(const struct nlattr *attr, void *data)
{
	struct nlbs_stats *stats = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type == NLBS_STATS_A_UNSPEC || type == NLBS_STATS_A_PAD ||
	    type > NLBS_STATS_A_MAX)
		return MNL_CB_OK;
	if (mnl_attr_validate(attr, MNL_TYPE_U64) < 0)
		return MNL_CB_ERROR;
	stats->val[type] = mnl_attr_get_u64(attr);
	stats->present |= NLBS_BIT(type);
	return MNL_CB_OK;
}

int nlbs_parse_stats(const struct nlmsghdr *nlh, struct nlbs_stats *stats)
{
	const struct nlattr *tb[NLBS_A_MAX + 1] = { NULL };
	uint32_t present;

	memset(stats, 0, sizeof(*stats));
	if (parse_top(nlh, tb, &present) < 0)
		return -EINVAL;
	if (tb[NLBS_A_STATS] &&
	    mnl_attr_parse_nested(tb[NLBS_A_STATS], stats_cb, stats) < 0)
		return -EINVAL;
	return 0;
}

int nlbs_parse_device(const struct nlmsghdr *nlh,
		      struct nlbs_device_event *dev)
{
	const struct nlattr *tb[NLBS_A_MAX + 1] = { NULL };

	memset(dev, 0, sizeof(*dev));
	if (parse_top(nlh, tb, &dev->present) < 0)
		return -EINVAL;
	dev->access_ifindex = get_u32(tb[NLBS_A_ACCESS_IFINDEX]);
	copy_str(dev->access_ifname, sizeof(dev->access_ifname),
		 tb[NLBS_A_ACCESS_IFNAME]);
	dev->server_ifindex = get_u32(tb[NLBS_A_SERVER_IFINDEX]);
	copy_str(dev->server_ifname, sizeof(dev->server_ifname),
		 tb[NLBS_A_SERVER_IFNAME]);
	copy_str(dev->reason, sizeof(dev->reason), tb[NLBS_A_REASON]);
	return 0;
}

/* ---- names ---------------------------------------------------------------- */

static const char *const state_names[NLBS_STATE_MAX + 1] = {
	[NLBS_STATE_INIT]	= "init",
	[NLBS_STATE_ACTIVE]	= "active",
	[NLBS_STATE_STANDBY]	= "standby",
	[NLBS_STATE_INOP]	= "inop",
};

const char *nlbs_state_name(uint8_t state)
{
	return state <= NLBS_STATE_MAX ? state_names[state] : NULL;
}

int nlbs_state_from_name(const char *name)
{
	int i;

	for (i = 0; i <= NLBS_STATE_MAX; i++)
		if (!strcmp(name, state_names[i]))
			return i;
	return -1;
}

const char *nlbs_event_name(uint8_t event)
{
	switch (event) {
	case NLBS_EVENT_ADD:
		return "add";
	case NLBS_EVENT_DEL:
		return "del";
	case NLBS_EVENT_SET:
		return "set";
	}
	return NULL;
}

static const char *const nodest_names[NLBS_NODEST_MAX + 1] = {
	[NLBS_NODEST_MOVE]	= "move",
	[NLBS_NODEST_DROP]	= "drop",
};

const char *nlbs_nodest_name(uint8_t nodest)
{
	return nodest <= NLBS_NODEST_MAX ? nodest_names[nodest] : NULL;
}

int nlbs_nodest_from_name(const char *name)
{
	int i;

	for (i = 0; i <= NLBS_NODEST_MAX; i++)
		if (!strcmp(name, nodest_names[i]))
			return i;
	return -1;
}

const char *nlbs_flow_flag_name(uint32_t flag)
{
	switch (flag) {
	case NLBS_FLOW_F_FIN:
		return "fin";
	case NLBS_FLOW_F_SYN:
		return "syn";
	case NLBS_FLOW_F_IMPORTED:
		return "imported";
	}
	return NULL;
}

static const char *const stats_names[NLBS_STATS_A_MAX + 1] = {
	[NLBS_STATS_A_RX]		= "rx",
	[NLBS_STATS_A_FORWARDED]	= "forwarded",
	[NLBS_STATS_A_ARP_REQUESTS]	= "arp-requests",
	[NLBS_STATS_A_ARP_REPLIES]	= "arp-replies",
	[NLBS_STATS_A_GARP_SENT]	= "garp-sent",
	[NLBS_STATS_A_DROP_INACTIVE]	= "drop-inactive",
	[NLBS_STATS_A_DROP_NO_SERVER]	= "drop-no-server",
	[NLBS_STATS_A_NEIGH_MISS]	= "neigh-miss",
	[NLBS_STATS_A_DROP_NEIGH]	= "drop-neigh",
	[NLBS_STATS_A_DROP_MALFORMED]	= "drop-malformed",
	[NLBS_STATS_A_DROP_XMIT]	= "drop-xmit",
	[NLBS_STATS_A_ARP_CONFLICTS]	= "arp-conflicts",
	[NLBS_STATS_A_FLOWS]		= "flows",
	[NLBS_STATS_A_FLOW_NEW]		= "flow-new",
	[NLBS_STATS_A_FLOW_SKIP_FULL]	= "flow-skip-full",
	[NLBS_STATS_A_FLOW_SKIP_NOMEM]	= "flow-skip-nomem",
	[NLBS_STATS_A_FLOW_SKIP_FLOOD]	= "flow-skip-flood",
	[NLBS_STATS_A_DROP_NODEST]	= "drop-nodest",
	[NLBS_STATS_A_DROP_TOOBIG]	= "drop-toobig",
	[NLBS_STATS_A_ICMP_FORWARDED]	= "icmp-forwarded",
	[NLBS_STATS_A_SYNC_SENT]	= "sync-sent",
	[NLBS_STATS_A_SYNC_DROPPED]	= "sync-dropped",
	[NLBS_STATS_A_SYNC_IMPORTED]	= "sync-imported",
	[NLBS_STATS_A_SYNC_REFUSED]	= "sync-refused",
	[NLBS_STATS_A_NDP_SOLICITS]	= "ndp-solicits",
	[NLBS_STATS_A_NDP_ADVERTS]	= "ndp-adverts",
	[NLBS_STATS_A_NDP_UNSOLICITED]	= "ndp-unsolicited",
	[NLBS_STATS_A_NDP_CONFLICTS]	= "ndp-conflicts",
};

const char *nlbs_stats_name(unsigned int attr)
{
	return attr <= NLBS_STATS_A_MAX ? stats_names[attr] : NULL;
}
