// SPDX-License-Identifier: GPL-2.0
/*
 * The "nlbs" generic netlink family: parse and validate, then call into
 * instance.c under RTNL. Every rejection carries an extack message and
 * changes nothing. Each request acts on the instance of the requester's
 * network namespace.
 */
#include <linux/if_arp.h>
#include <linux/rtnetlink.h>
#include <net/genetlink.h>
#include <net/sock.h>
#include "flow.h"
#include "instance.h"
#include "netlink.h"
#include "notify.h"

/* A required attribute: its absence is reported with a message and the type. */
static bool nlbs_missing(struct netlink_ext_ack *extack, struct nlattr *nest,
			 struct nlattr **tb, u16 type, const char *msg)
{
	if (tb[type])
		return false;
	NL_SET_ERR_ATTR_MISS(extack, nest, type);
	if (extack)
		extack->_msg = msg;
	return true;
}

static struct netlink_range_validation nlbs_garp_interval_range = {
	.min = 10,
	.max = 60000,
};

static struct netlink_range_validation nlbs_weight_range = {
	.max = NLBS_WEIGHT_MAX,
};

static struct netlink_range_validation nlbs_lease_range = {
	.max = 3600 * 1000,
};

static const struct nla_policy nlbs_svc_policy[NLBS_SVC_A_MAX + 1] = {
	[NLBS_SVC_A_VIP_BE]	= { .type = NLA_BE32 },
	[NLBS_SVC_A_PROTO]	= { .type = NLA_U8 },
	[NLBS_SVC_A_PORT]	= NLA_POLICY_MIN(NLA_U16, 1),
};

static const struct nla_policy nlbs_srv_policy[NLBS_SRV_A_MAX + 1] = {
	[NLBS_SRV_A_ADDR_BE]	= { .type = NLA_BE32 },
	[NLBS_SRV_A_WEIGHT]	= NLA_POLICY_FULL_RANGE(NLA_U32, &nlbs_weight_range),
	[NLBS_SRV_A_MAC]	= NLA_POLICY_ETH_ADDR,
};

static const struct nla_policy nlbs_config_policy[NLBS_A_MAX + 1] = {
	[NLBS_A_ACCESS_IFINDEX]	= NLA_POLICY_MIN(NLA_U32, 1),
	[NLBS_A_SERVER_IFINDEX]	= NLA_POLICY_MIN(NLA_U32, 1),
	[NLBS_A_NLBS_ADDR_BE]	= { .type = NLA_BE32 },
	[NLBS_A_GARP_COUNT]	= NLA_POLICY_MAX(NLA_U32, 100),
	[NLBS_A_GARP_INTERVAL]	= NLA_POLICY_FULL_RANGE(NLA_U32,
							&nlbs_garp_interval_range),
	[NLBS_A_HASH_SEED]	= { .type = NLA_U32 },
};

static const struct nla_policy nlbs_state_policy[NLBS_A_MAX + 1] = {
	[NLBS_A_STATE]		= NLA_POLICY_MAX(NLA_U8, NLBS_STATE_MAX),
	[NLBS_A_LEASE_MS]	= NLA_POLICY_FULL_RANGE(NLA_U32, &nlbs_lease_range),
	[NLBS_A_ANNOUNCE]	= { .type = NLA_FLAG },
};

static const struct nla_policy nlbs_service_policy[NLBS_A_MAX + 1] = {
	[NLBS_A_SERVICE]	= NLA_POLICY_NESTED(nlbs_svc_policy),
};

static const struct nla_policy nlbs_server_policy[NLBS_A_MAX + 1] = {
	[NLBS_A_SERVICE]	= NLA_POLICY_NESTED(nlbs_svc_policy),
	[NLBS_A_SERVER]		= NLA_POLICY_NESTED(nlbs_srv_policy),
};

/* Requests without attributes: any attribute is refused. */
static const struct nla_policy nlbs_empty_policy[NLBS_A_MAX + 1] = {
};

static bool nlbs_unicast_ipv4(__be32 addr)
{
	return !ipv4_is_zeronet(addr) && !ipv4_is_loopback(addr) &&
	       !ipv4_is_multicast(addr) && !ipv4_is_lbcast(addr);
}

static struct net_device *nlbs_get_dev(struct net *net, struct nlattr *attr,
				       struct netlink_ext_ack *extack)
{
	struct net_device *dev = __dev_get_by_index(net, nla_get_u32(attr));

	if (!dev) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "no such device in this network namespace");
		return ERR_PTR(-ENODEV);
	}
	if (dev->type != ARPHRD_ETHER || dev->addr_len != ETH_ALEN ||
	    (dev->flags & IFF_LOOPBACK)) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "device is not an Ethernet device");
		return ERR_PTR(-EINVAL);
	}
	return dev;
}

static int nlbs_config_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlbs_instance *inst = nlbs_instance(genl_info_net(info));
	struct nlattr **tb = info->attrs;
	struct nlbs_config cfg = {};
	int err;

	if (tb[NLBS_A_NLBS_ADDR_BE]) {
		cfg.set_addr = true;
		cfg.addr = nla_get_in_addr(tb[NLBS_A_NLBS_ADDR_BE]);
		if (!nlbs_unicast_ipv4(cfg.addr)) {
			NL_SET_ERR_MSG_ATTR(info->extack, tb[NLBS_A_NLBS_ADDR_BE],
					    "NLBS address must be a unicast IPv4 address");
			return -EINVAL;
		}
	}
	if (tb[NLBS_A_GARP_COUNT]) {
		cfg.set_garp_count = true;
		cfg.garp_count = nla_get_u32(tb[NLBS_A_GARP_COUNT]);
	}
	if (tb[NLBS_A_GARP_INTERVAL]) {
		cfg.set_garp_interval = true;
		cfg.garp_interval = nla_get_u32(tb[NLBS_A_GARP_INTERVAL]);
	}
	if (tb[NLBS_A_HASH_SEED]) {
		cfg.set_seed = true;
		cfg.seed = nla_get_u32(tb[NLBS_A_HASH_SEED]);
	}

	rtnl_lock();
	if (tb[NLBS_A_ACCESS_IFINDEX]) {
		cfg.set_access = true;
		cfg.access = nlbs_get_dev(inst->net, tb[NLBS_A_ACCESS_IFINDEX],
					  info->extack);
		if (IS_ERR(cfg.access)) {
			err = PTR_ERR(cfg.access);
			goto out;
		}
	}
	if (tb[NLBS_A_SERVER_IFINDEX]) {
		cfg.set_server = true;
		cfg.server = nlbs_get_dev(inst->net, tb[NLBS_A_SERVER_IFINDEX],
					  info->extack);
		if (IS_ERR(cfg.server)) {
			err = PTR_ERR(cfg.server);
			goto out;
		}
	}
	err = nlbs_config_set(inst, &cfg, info->extack);
out:
	rtnl_unlock();
	return err;
}

typedef int (*nlbs_fill_t)(struct sk_buff *skb, struct nlbs_instance *inst);

static int nlbs_reply(struct genl_info *info, u8 cmd, nlbs_fill_t fill)
{
	struct nlbs_instance *inst = nlbs_instance(genl_info_net(info));
	struct sk_buff *msg;
	void *hdr;
	int err;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &nlbs_genl_family, 0, cmd);
	if (!hdr) {
		err = -EMSGSIZE;
		goto err_free;
	}
	rtnl_lock();
	err = fill(msg, inst);
	rtnl_unlock();
	if (err)
		goto err_free;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free:
	nlmsg_free(msg);
	return err;
}

static int nlbs_config_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return nlbs_reply(info, NLBS_CMD_CONFIG_GET, nlbs_put_config);
}

static int nlbs_state_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return nlbs_reply(info, NLBS_CMD_STATE_GET, nlbs_put_state);
}

static int nlbs_stats_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return nlbs_reply(info, NLBS_CMD_STATS_GET, nlbs_put_stats);
}

static int nlbs_state_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlbs_instance *inst = nlbs_instance(genl_info_net(info));
	struct nlattr **tb = info->attrs;
	u32 lease = 0;
	int err;

	if (nlbs_missing(info->extack, NULL, tb, NLBS_A_STATE,
			 "state attribute required"))
		return -EINVAL;
	if (tb[NLBS_A_LEASE_MS])
		lease = nla_get_u32(tb[NLBS_A_LEASE_MS]);

	rtnl_lock();
	err = nlbs_state_set(inst, nla_get_u8(tb[NLBS_A_STATE]), lease,
			     nla_get_flag(tb[NLBS_A_ANNOUNCE]), info->extack);
	rtnl_unlock();
	return err;
}

static int nlbs_stats_reset_doit(struct sk_buff *skb, struct genl_info *info)
{
	rtnl_lock();
	nlbs_instance_stats_reset(nlbs_instance(genl_info_net(info)));
	rtnl_unlock();
	return 0;
}

struct nlbs_svc_key {
	__be32	vip;
	u8	proto;
	u16	port;
};

static int nlbs_parse_service(struct nlattr *nest, struct nlbs_svc_key *key,
			      struct netlink_ext_ack *extack)
{
	struct nlattr *tb[NLBS_SVC_A_MAX + 1];
	int err;

	err = nla_parse_nested(tb, NLBS_SVC_A_MAX, nest, nlbs_svc_policy, extack);
	if (err)
		return err;
	if (nlbs_missing(extack, nest, tb, NLBS_SVC_A_VIP_BE,
			 "service VIP required"))
		return -EINVAL;
	key->vip = nla_get_in_addr(tb[NLBS_SVC_A_VIP_BE]);
	key->proto = tb[NLBS_SVC_A_PROTO] ? nla_get_u8(tb[NLBS_SVC_A_PROTO]) : 0;
	key->port = tb[NLBS_SVC_A_PORT] ? nla_get_u16(tb[NLBS_SVC_A_PORT]) : 0;

	if (!nlbs_unicast_ipv4(key->vip)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NLBS_SVC_A_VIP_BE],
				    "VIP must be a unicast IPv4 address");
		return -EINVAL;
	}
	if (key->proto && key->proto != IPPROTO_TCP && key->proto != IPPROTO_UDP) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NLBS_SVC_A_PROTO],
				    "protocol must be tcp, udp or absent (whole VIP)");
		return -EINVAL;
	}
	if (key->proto && !key->port) {
		nlbs_missing(extack, nest, tb, NLBS_SVC_A_PORT,
			     "port required with tcp or udp");
		return -EINVAL;
	}
	if (!key->proto && key->port) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NLBS_SVC_A_PORT],
				    "port given without tcp or udp");
		return -EINVAL;
	}
	return 0;
}

/* RTNL held. */
static struct nlbs_service *nlbs_get_service(struct nlbs_instance *inst,
					     struct genl_info *info)
{
	struct nlbs_svc_key key;
	struct nlbs_service *svc;
	int err;

	if (nlbs_missing(info->extack, NULL, info->attrs, NLBS_A_SERVICE,
			 "service attribute required"))
		return ERR_PTR(-EINVAL);
	err = nlbs_parse_service(info->attrs[NLBS_A_SERVICE], &key, info->extack);
	if (err)
		return ERR_PTR(err);
	svc = nlbs_service_find(inst, key.vip, key.proto, key.port);
	if (!svc) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[NLBS_A_SERVICE],
				    "no such service");
		return ERR_PTR(-ENOENT);
	}
	return svc;
}

static int nlbs_service_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlbs_instance *inst = nlbs_instance(genl_info_net(info));
	struct nlbs_svc_key key;
	int err;

	if (nlbs_missing(info->extack, NULL, info->attrs, NLBS_A_SERVICE,
			 "service attribute required"))
		return -EINVAL;
	err = nlbs_parse_service(info->attrs[NLBS_A_SERVICE], &key, info->extack);
	if (err)
		return err;
	rtnl_lock();
	err = nlbs_service_add(inst, key.vip, key.proto, key.port, info->extack);
	rtnl_unlock();
	return err;
}

static int nlbs_service_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlbs_instance *inst = nlbs_instance(genl_info_net(info));
	struct nlbs_service *svc;
	int err = 0;

	rtnl_lock();
	svc = nlbs_get_service(inst, info);
	if (IS_ERR(svc))
		err = PTR_ERR(svc);
	else
		nlbs_service_del(inst, svc);
	rtnl_unlock();
	return err;
}

struct nlbs_srv_req {
	__be32		addr;
	u32		weight;
	const u8	*mac;
	bool		has_weight;
};

static int nlbs_parse_server(struct genl_info *info, struct nlbs_srv_req *req)
{
	struct nlattr *nest = info->attrs[NLBS_A_SERVER];
	struct nlattr *tb[NLBS_SRV_A_MAX + 1];
	int err;

	if (nlbs_missing(info->extack, NULL, info->attrs, NLBS_A_SERVER,
			 "server attribute required"))
		return -EINVAL;
	err = nla_parse_nested(tb, NLBS_SRV_A_MAX, nest, nlbs_srv_policy,
			       info->extack);
	if (err)
		return err;
	if (nlbs_missing(info->extack, nest, tb, NLBS_SRV_A_ADDR_BE,
			 "server address required"))
		return -EINVAL;
	req->addr = nla_get_in_addr(tb[NLBS_SRV_A_ADDR_BE]);
	if (!nlbs_unicast_ipv4(req->addr)) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[NLBS_SRV_A_ADDR_BE],
				    "server address must be a unicast IPv4 address");
		return -EINVAL;
	}
	req->has_weight = tb[NLBS_SRV_A_WEIGHT];
	req->weight = req->has_weight ? nla_get_u32(tb[NLBS_SRV_A_WEIGHT]) : 1;
	req->mac = tb[NLBS_SRV_A_MAC] ? nla_data(tb[NLBS_SRV_A_MAC]) : NULL;
	if (req->mac && !is_valid_ether_addr(req->mac)) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[NLBS_SRV_A_MAC],
				    "server MAC must be a unicast Ethernet address");
		return -EINVAL;
	}
	return 0;
}

static int nlbs_server_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlbs_instance *inst = nlbs_instance(genl_info_net(info));
	u8 cmd = info->genlhdr->cmd;
	struct nlbs_service *svc;
	struct nlbs_srv_req req;
	struct nlbs_server *srv;
	int err;

	err = nlbs_parse_server(info, &req);
	if (err)
		return err;
	if (cmd == NLBS_CMD_SERVER_SET && !req.has_weight) {
		NL_SET_ERR_MSG_MOD(info->extack, "weight required");
		return -EINVAL;
	}
	if (cmd != NLBS_CMD_SERVER_ADD && req.mac) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "MAC can only be given when adding a server");
		return -EINVAL;
	}

	rtnl_lock();
	svc = nlbs_get_service(inst, info);
	if (IS_ERR(svc)) {
		err = PTR_ERR(svc);
		goto out;
	}
	if (cmd == NLBS_CMD_SERVER_ADD) {
		err = nlbs_server_add(inst, svc, req.addr, req.weight, req.mac,
				      info->extack);
		goto out;
	}
	srv = nlbs_server_find(inst, svc, req.addr);
	if (!srv) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[NLBS_A_SERVER],
				    "no such server in this service");
		err = -ENOENT;
		goto out;
	}
	if (cmd == NLBS_CMD_SERVER_SET)
		nlbs_server_set_weight(inst, svc, srv, req.weight);
	else
		nlbs_server_del(inst, svc, srv);
out:
	rtnl_unlock();
	return err;
}

/*
 * Dumps. The cursor is (service index, server index); a change between two
 * parts of a dump is flagged with NLM_F_DUMP_INTR through the generation.
 */
struct nlbs_dump_ctx {
	long	svc_idx;
	long	srv_idx;
	long	filtered;
	struct nlbs_svc_key key;
};

static struct nlbs_dump_ctx *nlbs_dump_ctx(struct netlink_callback *cb)
{
	BUILD_BUG_ON(sizeof(struct nlbs_dump_ctx) > sizeof(cb->ctx));
	return (struct nlbs_dump_ctx *)cb->ctx;
}

static void *nlbs_dump_put(struct sk_buff *skb, struct netlink_callback *cb,
			   u8 cmd)
{
	void *hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				cb->nlh->nlmsg_seq, &nlbs_genl_family,
				NLM_F_MULTI, cmd);

	if (hdr)
		genl_dump_check_consistent(cb, hdr);
	return hdr;
}

static int nlbs_service_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nlbs_instance *inst = nlbs_instance(sock_net(cb->skb->sk));
	struct nlbs_dump_ctx *ctx = nlbs_dump_ctx(cb);
	struct nlbs_service *svc;
	long idx = 0;
	void *hdr;

	rtnl_lock();
	cb->seq = inst->genid;
	list_for_each_entry(svc, &inst->services, node) {
		if (idx++ < ctx->svc_idx)
			continue;
		hdr = nlbs_dump_put(skb, cb, NLBS_CMD_SERVICE_GET);
		if (!hdr)
			break;
		if (nlbs_put_service(skb, svc, 0)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		ctx->svc_idx = idx;
	}
	rtnl_unlock();
	return skb->len;
}

static int nlbs_server_dump_start(struct netlink_callback *cb)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	struct nlbs_dump_ctx *ctx = nlbs_dump_ctx(cb);
	struct nlattr *nest = info->attrs[NLBS_A_SERVICE];

	memset(ctx, 0, sizeof(*ctx));
	if (!nest)
		return 0;
	ctx->filtered = 1;
	return nlbs_parse_service(nest, &ctx->key, cb->extack);
}

static int nlbs_server_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nlbs_instance *inst = nlbs_instance(sock_net(cb->skb->sk));
	struct nlbs_dump_ctx *ctx = nlbs_dump_ctx(cb);
	struct nlbs_service *svc;
	struct nlbs_server *srv;
	long sidx = 0, ridx;
	void *hdr;

	rtnl_lock();
	cb->seq = inst->genid;
	list_for_each_entry(svc, &inst->services, node) {
		if (sidx++ < ctx->svc_idx)
			continue;
		if (ctx->filtered && (svc->vip != ctx->key.vip ||
				      svc->proto != ctx->key.proto ||
				      svc->port != ctx->key.port))
			goto next_svc;
		ridx = 0;
		list_for_each_entry(srv, &svc->servers, node) {
			if (ridx++ < ctx->srv_idx)
				continue;
			hdr = nlbs_dump_put(skb, cb, NLBS_CMD_SERVER_GET);
			if (!hdr)
				goto out;
			if (nlbs_put_service(skb, svc, 0) ||
			    nlbs_put_server(skb, srv, 0, true)) {
				genlmsg_cancel(skb, hdr);
				goto out;
			}
			genlmsg_end(skb, hdr);
			ctx->srv_idx = ridx;
		}
next_svc:
		ctx->svc_idx = sidx;
		ctx->srv_idx = 0;
	}
out:
	rtnl_unlock();
	return skb->len;
}

static void *nlbs_flow_hdr(struct sk_buff *skb, struct netlink_callback *cb)
{
	return genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			   &nlbs_genl_family, NLM_F_MULTI, NLBS_CMD_FLOW_GET);
}

static int nlbs_flow_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	return nlbs_flow_dump(skb, cb, nlbs_instance(sock_net(cb->skb->sk)),
			      nlbs_flow_hdr);
}

#define NLBS_OP(_cmd, _doit, _policy, _flags) {				\
	.cmd = (_cmd), .doit = (_doit), .policy = (_policy),		\
	.maxattr = NLBS_A_MAX, .flags = (_flags),			\
}

static const struct genl_ops nlbs_genl_ops[] = {
	NLBS_OP(NLBS_CMD_CONFIG_SET, nlbs_config_set_doit, nlbs_config_policy,
		GENL_UNS_ADMIN_PERM),
	NLBS_OP(NLBS_CMD_CONFIG_GET, nlbs_config_get_doit, nlbs_empty_policy, 0),
	NLBS_OP(NLBS_CMD_STATE_SET, nlbs_state_set_doit, nlbs_state_policy,
		GENL_UNS_ADMIN_PERM),
	NLBS_OP(NLBS_CMD_STATE_GET, nlbs_state_get_doit, nlbs_empty_policy, 0),
	NLBS_OP(NLBS_CMD_SERVICE_ADD, nlbs_service_add_doit, nlbs_service_policy,
		GENL_UNS_ADMIN_PERM),
	NLBS_OP(NLBS_CMD_SERVICE_DEL, nlbs_service_del_doit, nlbs_service_policy,
		GENL_UNS_ADMIN_PERM),
	{
		.cmd = NLBS_CMD_SERVICE_GET,
		.dumpit = nlbs_service_dumpit,
		.policy = nlbs_empty_policy,
		.maxattr = NLBS_A_MAX,
	},
	NLBS_OP(NLBS_CMD_SERVER_ADD, nlbs_server_doit, nlbs_server_policy,
		GENL_UNS_ADMIN_PERM),
	NLBS_OP(NLBS_CMD_SERVER_SET, nlbs_server_doit, nlbs_server_policy,
		GENL_UNS_ADMIN_PERM),
	NLBS_OP(NLBS_CMD_SERVER_DEL, nlbs_server_doit, nlbs_server_policy,
		GENL_UNS_ADMIN_PERM),
	{
		.cmd = NLBS_CMD_SERVER_GET,
		.start = nlbs_server_dump_start,
		.dumpit = nlbs_server_dumpit,
		.policy = nlbs_service_policy,
		.maxattr = NLBS_A_MAX,
	},
	NLBS_OP(NLBS_CMD_STATS_GET, nlbs_stats_get_doit, nlbs_empty_policy, 0),
	NLBS_OP(NLBS_CMD_STATS_RESET, nlbs_stats_reset_doit, nlbs_empty_policy,
		GENL_UNS_ADMIN_PERM),
	{	/* client addresses and ports: not for every local user */
		.cmd = NLBS_CMD_FLOW_GET,
		.dumpit = nlbs_flow_dumpit,
		.policy = nlbs_empty_policy,
		.maxattr = NLBS_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

static const struct genl_multicast_group nlbs_mcgrps[] = {
	{ .name = NLBS_MCGRP_EVENTS, .flags = GENL_MCAST_CAP_NET_ADMIN },
};

struct genl_family nlbs_genl_family __ro_after_init = {
	.name		= NLBS_GENL_NAME,
	.version	= NLBS_GENL_VERSION,
	.maxattr	= NLBS_A_MAX,
	.netnsok	= true,
	.module		= THIS_MODULE,
	.ops		= nlbs_genl_ops,
	.n_ops		= ARRAY_SIZE(nlbs_genl_ops),
	.mcgrps		= nlbs_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(nlbs_mcgrps),
};

int __init nlbs_genl_init(void)
{
	return genl_register_family(&nlbs_genl_family);
}

void nlbs_genl_exit(void)
{
	genl_unregister_family(&nlbs_genl_family);
}
