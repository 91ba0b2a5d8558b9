// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * nlbs_nl: attribute encoding and decoding, names. No socket here.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/genetlink.h>

#include "nlbs_nl.h"

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
	if (p & NLBS_BIT(NLBS_A_GARP_COUNT))
		mnl_attr_put_u32(nlh, NLBS_A_GARP_COUNT, cfg->garp_count);
	if (p & NLBS_BIT(NLBS_A_GARP_INTERVAL))
		mnl_attr_put_u32(nlh, NLBS_A_GARP_INTERVAL, cfg->garp_interval);
	if (p & NLBS_BIT(NLBS_A_HASH_SEED))
		mnl_attr_put_u32(nlh, NLBS_A_HASH_SEED, cfg->hash_seed);
}

void nlbs_put_service(struct nlmsghdr *nlh, const struct nlbs_service *svc)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, NLBS_A_SERVICE);

	mnl_attr_put_u32(nlh, NLBS_SVC_A_VIP_BE, svc->vip);
	mnl_attr_put_u8(nlh, NLBS_SVC_A_PROTO, svc->proto);
	if (svc->proto)
		mnl_attr_put_u16(nlh, NLBS_SVC_A_PORT, svc->port);
	mnl_attr_nest_end(nlh, nest);
}

void nlbs_put_server(struct nlmsghdr *nlh, const struct nlbs_server *srv)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, NLBS_A_SERVER);

	mnl_attr_put_u32(nlh, NLBS_SRV_A_ADDR_BE, srv->addr);
	if (srv->present & NLBS_BIT(NLBS_SRV_A_WEIGHT))
		mnl_attr_put_u32(nlh, NLBS_SRV_A_WEIGHT, srv->weight);
	if (srv->present & NLBS_BIT(NLBS_SRV_A_MAC))
		mnl_attr_put(nlh, NLBS_SRV_A_MAC, sizeof(srv->mac), srv->mac);
	mnl_attr_nest_end(nlh, nest);
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
};

static const enum mnl_attr_data_type svc_types[NLBS_SVC_A_MAX + 1] = {
	[NLBS_SVC_A_VIP_BE]	= MNL_TYPE_U32,
	[NLBS_SVC_A_PROTO]	= MNL_TYPE_U8,
	[NLBS_SVC_A_PORT]	= MNL_TYPE_U16,
	[NLBS_SVC_A_SERVERS]	= MNL_TYPE_U32,
	[NLBS_SVC_A_TABLE_SIZE]	= MNL_TYPE_U32,
	[NLBS_SVC_A_EVENT]	= MNL_TYPE_U8,
};

static const enum mnl_attr_data_type srv_types[NLBS_SRV_A_MAX + 1] = {
	[NLBS_SRV_A_ADDR_BE]	= MNL_TYPE_U32,
	[NLBS_SRV_A_WEIGHT]	= MNL_TYPE_U32,
	[NLBS_SRV_A_MAC]	= MNL_TYPE_BINARY,
	[NLBS_SRV_A_PACKETS]	= MNL_TYPE_U64,
	[NLBS_SRV_A_BYTES]	= MNL_TYPE_U64,
	[NLBS_SRV_A_EVENT]	= MNL_TYPE_U8,
};

static const enum mnl_attr_data_type flow_types[NLBS_FLOW_A_MAX + 1] = {
	[NLBS_FLOW_A_SADDR_BE]	= MNL_TYPE_U32,
	[NLBS_FLOW_A_DADDR_BE]	= MNL_TYPE_U32,
	[NLBS_FLOW_A_PROTO]	= MNL_TYPE_U8,
	[NLBS_FLOW_A_SPORT]	= MNL_TYPE_U16,
	[NLBS_FLOW_A_DPORT]	= MNL_TYPE_U16,
	[NLBS_FLOW_A_SERVER_BE]	= MNL_TYPE_U32,
	[NLBS_FLOW_A_IDLE_MS]	= MNL_TYPE_U32,
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
	cfg->garp_count = get_u32(tb[NLBS_A_GARP_COUNT]);
	cfg->garp_interval = get_u32(tb[NLBS_A_GARP_INTERVAL]);
	cfg->hash_seed = get_u32(tb[NLBS_A_HASH_SEED]);
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
	if (tb[NLBS_SVC_A_PROTO])
		svc->proto = mnl_attr_get_u8(tb[NLBS_SVC_A_PROTO]);
	if (tb[NLBS_SVC_A_PORT])
		svc->port = mnl_attr_get_u16(tb[NLBS_SVC_A_PORT]);
	svc->servers = get_u32(tb[NLBS_SVC_A_SERVERS]);
	svc->table_size = get_u32(tb[NLBS_SVC_A_TABLE_SIZE]);
	if (tb[NLBS_SVC_A_EVENT])
		svc->event = mnl_attr_get_u8(tb[NLBS_SVC_A_EVENT]);
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

int nlbs_parse_server(const struct nlmsghdr *nlh, struct nlbs_service *svc,
		      struct nlbs_server *srv)
{
	const struct nlattr *tb[NLBS_A_MAX + 1] = { NULL };
	const struct nlattr *stb[NLBS_SRV_A_MAX + 1] = { NULL };
	uint32_t present;

	memset(srv, 0, sizeof(*srv));
	if (parse_top(nlh, tb, &present) < 0 ||
	    decode_service(tb[NLBS_A_SERVICE], svc) < 0)
		return -EINVAL;
	if (!tb[NLBS_A_SERVER])
		return 0;
	if (parse_nest(tb[NLBS_A_SERVER], srv_types, NLBS_SRV_A_MAX, stb,
		       &srv->present) < 0)
		return -EINVAL;
	srv->addr = get_u32(stb[NLBS_SRV_A_ADDR_BE]);
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
	return 0;
}

int nlbs_parse_flow(const struct nlmsghdr *nlh, struct nlbs_flow *flow)
{
	const struct nlattr *tb[NLBS_A_MAX + 1] = { NULL };
	const struct nlattr *ftb[NLBS_FLOW_A_MAX + 1] = { NULL };
	uint32_t present;

	memset(flow, 0, sizeof(*flow));
	if (parse_top(nlh, tb, &present) < 0)
		return -EINVAL;
	if (!tb[NLBS_A_FLOW])
		return 0;
	if (parse_nest(tb[NLBS_A_FLOW], flow_types, NLBS_FLOW_A_MAX, ftb,
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
	flow->idle_ms = get_u32(ftb[NLBS_FLOW_A_IDLE_MS]);
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
};

const char *nlbs_stats_name(unsigned int attr)
{
	return attr <= NLBS_STATS_A_MAX ? stats_names[attr] : NULL;
}
