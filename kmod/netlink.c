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
#include <net/ipv6.h>
#include <net/sock.h>
#include "flow.h"
#include "instance.h"
#include "netlink.h"
#include "hook.h"
#include "notify.h"
#include "sched.h"
#include "stats.h"

/* Every request acts on its namespace's instance, made by the first. */
static int nlbs_pre_doit(const struct genl_ops *ops, struct sk_buff *skb,
			 struct genl_info *info)
{
	struct nlbs_instance *inst = nlbs_instance_get(genl_info_net(info));

	if (IS_ERR(inst)) {
		NL_SET_ERR_MSG_MOD(info->extack, "out of memory for the namespace's instance");
		return PTR_ERR(inst);
	}
	info->user_ptr[0] = inst;
	return 0;
}

static struct nlbs_instance *nlbs_info_instance(struct genl_info *info)
{
	return info->user_ptr[0];
}

/* Dumps have no pre_doit; their start() makes the instance. */
static struct nlbs_instance *nlbs_dump_instance(struct netlink_callback *cb)
{
	return nlbs_instance(sock_net(cb->skb->sk));
}

static int nlbs_dump_start_instance(struct netlink_callback *cb)
{
	struct nlbs_instance *inst = nlbs_instance_get(sock_net(cb->skb->sk));

	if (IS_ERR(inst)) {
		NL_SET_ERR_MSG_MOD(cb->extack, "out of memory for the namespace's instance");
		return PTR_ERR(inst);
	}
	return 0;
}

/*
 * RTNL for a change, with the requester noted so that the events it causes
 * carry its port id (as rtnetlink's do): a daemon tells its own changes
 * from everybody else's.
 */
static void nlbs_lock(struct nlbs_instance *inst, struct genl_info *info)
{
	rtnl_lock();
	inst->req_portid = info->snd_portid;
}

static void nlbs_unlock(struct nlbs_instance *inst)
{
	inst->req_portid = 0;
	rtnl_unlock();
}

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

/* An optional attribute's value, 0 when absent. */
static u32 nlbs_u32(const struct nlattr *nla)
{
	return nla ? nla_get_u32(nla) : 0;
}

static u16 nlbs_u16(const struct nlattr *nla)
{
	return nla ? nla_get_u16(nla) : 0;
}

static u8 nlbs_u8(const struct nlattr *nla)
{
	return nla ? nla_get_u8(nla) : 0;
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

static struct netlink_range_validation nlbs_flow_max_range = {
	.max = 1 << 24,
};

static struct netlink_range_validation nlbs_flow_timeout_range = {
	.min = 1,
	.max = 7 * 24 * 3600,
};

static const struct nla_policy nlbs_svc_policy[NLBS_SVC_A_MAX + 1] = {
	[NLBS_SVC_A_VIP_BE]	= { .type = NLA_BE32 },
	[NLBS_SVC_A_PROTO]	= { .type = NLA_U8 },
	[NLBS_SVC_A_PORT]	= NLA_POLICY_MIN(NLA_U16, 1),
	[NLBS_SVC_A_TABLE_SIZE]	= { .type = NLA_U32 },
	[NLBS_SVC_A_NODEST]	= NLA_POLICY_MAX(NLA_U8, NLBS_NODEST_MAX),
	[NLBS_SVC_A_VIP6]	= NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
};

static const struct nla_policy nlbs_flow_policy[NLBS_FLOW_A_MAX + 1] = {
	[NLBS_FLOW_A_SADDR_BE]	= { .type = NLA_BE32 },
	[NLBS_FLOW_A_DADDR_BE]	= { .type = NLA_BE32 },
	[NLBS_FLOW_A_PROTO]	= { .type = NLA_U8 },
	[NLBS_FLOW_A_SPORT]	= NLA_POLICY_MIN(NLA_U16, 1),
	[NLBS_FLOW_A_DPORT]	= NLA_POLICY_MIN(NLA_U16, 1),
	[NLBS_FLOW_A_SERVER_BE]	= { .type = NLA_BE32 },
	[NLBS_FLOW_A_IDLE_MS]	= { .type = NLA_U32 },
	[NLBS_FLOW_A_FLAGS]	= NLA_POLICY_MASK(NLA_U32, NLBS_FLOW_F_FIN |
							  NLBS_FLOW_F_SYN),
	[NLBS_FLOW_A_SADDR6]	= NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
	[NLBS_FLOW_A_DADDR6]	= NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
	[NLBS_FLOW_A_SERVER6]	= NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
};

static const struct nla_policy nlbs_srv_policy[NLBS_SRV_A_MAX + 1] = {
	[NLBS_SRV_A_ADDR_BE]	= { .type = NLA_BE32 },
	[NLBS_SRV_A_WEIGHT]	= NLA_POLICY_FULL_RANGE(NLA_U32, &nlbs_weight_range),
	[NLBS_SRV_A_MAC]	= NLA_POLICY_ETH_ADDR,
	[NLBS_SRV_A_ADDR6]	= NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
};

static const struct nla_policy nlbs_config_policy[NLBS_A_MAX + 1] = {
	[NLBS_A_ACCESS_IFINDEX]	= NLA_POLICY_MIN(NLA_U32, 1),
	[NLBS_A_SERVER_IFINDEX]	= NLA_POLICY_MIN(NLA_U32, 1),
	[NLBS_A_NLBS_ADDR_BE]	= { .type = NLA_BE32 },
	[NLBS_A_NLBS_ADDR6]	= NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
	[NLBS_A_GARP_COUNT]	= NLA_POLICY_MAX(NLA_U32, 100),
	[NLBS_A_GARP_INTERVAL]	= NLA_POLICY_FULL_RANGE(NLA_U32,
							&nlbs_garp_interval_range),
	[NLBS_A_HASH_SEED]	= { .type = NLA_U32 },
	[NLBS_A_FLOW_MAX]	= NLA_POLICY_FULL_RANGE(NLA_U32, &nlbs_flow_max_range),
	[NLBS_A_FLOW_TIMEOUT_TCP] = NLA_POLICY_FULL_RANGE(NLA_U32,
							  &nlbs_flow_timeout_range),
	[NLBS_A_FLOW_TIMEOUT_TCP_FIN] = NLA_POLICY_FULL_RANGE(NLA_U32,
							      &nlbs_flow_timeout_range),
	[NLBS_A_FLOW_TIMEOUT_UDP] = NLA_POLICY_FULL_RANGE(NLA_U32,
							  &nlbs_flow_timeout_range),
	[NLBS_A_FLOW_TIMEOUT_SYN] = NLA_POLICY_FULL_RANGE(NLA_U32,
							  &nlbs_flow_timeout_range),
};

static const struct nla_policy nlbs_state_policy[NLBS_A_MAX + 1] = {
	[NLBS_A_STATE]		= NLA_POLICY_MAX(NLA_U8, NLBS_STATE_MAX),
	[NLBS_A_LEASE_MS]	= NLA_POLICY_FULL_RANGE(NLA_U32, &nlbs_lease_range),
	[NLBS_A_ANNOUNCE]	= { .type = NLA_FLAG },
};

static const struct nla_policy nlbs_service_policy[NLBS_A_MAX + 1] = {
	[NLBS_A_SERVICE]	= NLA_POLICY_NESTED(nlbs_svc_policy),
	[NLBS_A_BATCH]		= { .type = NLA_U32 },
};

static const struct nla_policy nlbs_server_policy[NLBS_A_MAX + 1] = {
	[NLBS_A_SERVICE]	= NLA_POLICY_NESTED(nlbs_svc_policy),
	[NLBS_A_SERVER]		= NLA_POLICY_NESTED(nlbs_srv_policy),
	[NLBS_A_DEFER]		= { .type = NLA_FLAG },
	[NLBS_A_BATCH]		= { .type = NLA_U32 },
};

static const struct nla_policy nlbs_server_dump_policy[NLBS_A_MAX + 1] = {
	[NLBS_A_SERVICE]	= NLA_POLICY_NESTED(nlbs_svc_policy),
	[NLBS_A_PACK]		= { .type = NLA_FLAG },
};

/* Dumps and flushes of flows: a filter, nothing else. */
static const struct nla_policy nlbs_flow_filter_policy[NLBS_A_MAX + 1] = {
	[NLBS_A_SERVICE]	= NLA_POLICY_NESTED(nlbs_svc_policy),
	[NLBS_A_SERVER]		= NLA_POLICY_NESTED(nlbs_srv_policy),
};

static const struct nla_policy nlbs_flow_add_policy[NLBS_A_MAX + 1] = {
	[NLBS_A_FLOW]		= NLA_POLICY_NESTED(nlbs_flow_policy),
};

/* Requests without attributes: any attribute is refused. */
static const struct nla_policy nlbs_empty_policy[NLBS_A_MAX + 1] = {
};

static bool nlbs_unicast_ipv4(__be32 addr)
{
	return !ipv4_is_zeronet(addr) && !ipv4_is_loopback(addr) &&
	       !ipv4_is_multicast(addr) && !ipv4_is_lbcast(addr);
}

/* NL_SET_ERR_MSG_ATTR() with a message chosen by the caller. */
static void nlbs_bad_attr(struct netlink_ext_ack *extack,
			  const struct nlattr *attr, const char *msg)
{
	NL_SET_BAD_ATTR(extack, attr);
	if (extack)
		extack->_msg = msg;
}

/* Global or unique local, or link-local: anything a host can hold. */
static bool nlbs_unicast_ipv6(const struct in6_addr *addr)
{
	return !ipv6_addr_any(addr) &&
	       !(ipv6_addr_type(addr) & (IPV6_ADDR_MULTICAST |
					 IPV6_ADDR_LOOPBACK |
					 IPV6_ADDR_MAPPED));
}

/*
 * An address given as the IPv4 attribute @type4 or the IPv6 one @type6 of
 * @tb: 0 with *addr and *family set, -ENOENT when neither is there (the
 * caller says whether it was required), -EINVAL with a message when both
 * are or the address is not a unicast one (@msg4, @msg6).
 */
static int nlbs_parse_addr(struct nlattr **tb, u16 type4, u16 type6,
			   union nf_inet_addr *addr, u8 *family,
			   const char *msg4, const char *msg6,
			   struct netlink_ext_ack *extack)
{
	memset(addr, 0, sizeof(*addr));
	if (tb[type4] && tb[type6]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[type6],
				    "an IPv4 or an IPv6 address, not both");
		return -EINVAL;
	}
	if (tb[type4]) {
		*family = AF_INET;
		addr->ip = nla_get_in_addr(tb[type4]);
		if (!nlbs_unicast_ipv4(addr->ip)) {
			nlbs_bad_attr(extack, tb[type4], msg4);
			return -EINVAL;
		}
		return 0;
	}
	if (tb[type6]) {
		*family = AF_INET6;
		addr->in6 = nla_get_in6_addr(tb[type6]);
		if (!nlbs_unicast_ipv6(&addr->in6)) {
			nlbs_bad_attr(extack, tb[type6], msg6);
			return -EINVAL;
		}
		return 0;
	}
	return -ENOENT;
}

/* Required: the missing attribute named is the IPv4 one. */
static int nlbs_parse_addr_req(struct nlattr *nest, struct nlattr **tb,
			       u16 type4, u16 type6, union nf_inet_addr *addr,
			       u8 *family, const char *missing,
			       const char *msg4, const char *msg6,
			       struct netlink_ext_ack *extack)
{
	int err = nlbs_parse_addr(tb, type4, type6, addr, family, msg4, msg6,
				  extack);

	if (err == -ENOENT) {
		nlbs_missing(extack, nest, tb, type4, missing);
		return -EINVAL;
	}
	return err;
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
	struct nlbs_instance *inst = nlbs_info_instance(info);
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
	if (tb[NLBS_A_NLBS_ADDR6]) {
		cfg.set_addr6 = true;
		cfg.addr6 = nla_get_in6_addr(tb[NLBS_A_NLBS_ADDR6]);
		if (!nlbs_unicast_ipv6(&cfg.addr6)) {
			NL_SET_ERR_MSG_ATTR(info->extack, tb[NLBS_A_NLBS_ADDR6],
					    "NLBS address must be a unicast IPv6 address");
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
	if (tb[NLBS_A_FLOW_MAX]) {
		cfg.set_flow_max = true;
		cfg.flow.max = nla_get_u32(tb[NLBS_A_FLOW_MAX]);
	}
	cfg.flow.timeout_tcp = nlbs_u32(tb[NLBS_A_FLOW_TIMEOUT_TCP]);
	cfg.flow.timeout_tcp_fin =
		nlbs_u32(tb[NLBS_A_FLOW_TIMEOUT_TCP_FIN]);
	cfg.flow.timeout_udp = nlbs_u32(tb[NLBS_A_FLOW_TIMEOUT_UDP]);
	cfg.flow.timeout_syn = nlbs_u32(tb[NLBS_A_FLOW_TIMEOUT_SYN]);

	nlbs_lock(inst, info);
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
	nlbs_unlock(inst);
	return err;
}

typedef int (*nlbs_fill_t)(struct sk_buff *skb, struct nlbs_instance *inst,
			   bool admin);

/*
 * What only an administrator of the namespace may read: the hash seed (it
 * lets a client aim its flows at one server), the servers' MACs, the flows.
 */
static bool nlbs_admin(const struct sk_buff *skb, const struct net *net)
{
	return netlink_ns_capable(skb, net->user_ns, CAP_NET_ADMIN);
}

static int nlbs_reply(struct sk_buff *skb, struct genl_info *info, u8 cmd,
		      nlbs_fill_t fill)
{
	struct nlbs_instance *inst = nlbs_info_instance(info);
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
	err = fill(msg, inst, nlbs_admin(skb, inst->net));
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
	return nlbs_reply(skb, info, NLBS_CMD_CONFIG_GET, nlbs_put_config);
}

static int nlbs_state_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return nlbs_reply(skb, info, NLBS_CMD_STATE_GET, nlbs_put_state);
}

static int nlbs_stats_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return nlbs_reply(skb, info, NLBS_CMD_STATS_GET, nlbs_put_stats);
}

static int nlbs_state_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlbs_instance *inst = nlbs_info_instance(info);
	struct nlattr **tb = info->attrs;
	u32 lease = 0;
	int err;

	if (nlbs_missing(info->extack, NULL, tb, NLBS_A_STATE,
			 "state attribute required"))
		return -EINVAL;
	if (tb[NLBS_A_LEASE_MS])
		lease = nla_get_u32(tb[NLBS_A_LEASE_MS]);

	nlbs_lock(inst, info);
	err = nlbs_state_set(inst, nla_get_u8(tb[NLBS_A_STATE]), lease,
			     nla_get_flag(tb[NLBS_A_ANNOUNCE]), info->extack);
	nlbs_unlock(inst);
	return err;
}

/* Without RTNL: the tables are filled outside it. */
static int nlbs_commit_doit(struct sk_buff *skb, struct genl_info *info)
{
	int err = nlbs_rebuild_all(nlbs_info_instance(info));

	if (err)
		NL_SET_ERR_MSG_MOD(info->extack,
				   "cannot rebuild a table (out of memory): retried in a second");
	return err;
}

static int nlbs_stats_reset_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlbs_instance *inst = nlbs_info_instance(info);

	nlbs_lock(inst, info);
	nlbs_instance_stats_reset(inst);
	nlbs_unlock(inst);
	return 0;
}

struct nlbs_svc_req {
	struct nlbs_svc_key	key;
	u8			nodest;
	bool			has_nodest;
	u32			table_size;
};

/* What a request may say of a service besides its key. */
#define NLBS_SVC_TABLE_SIZE	BIT(0)
#define NLBS_SVC_NODEST		BIT(1)

static int nlbs_parse_service(struct nlattr *nest, struct nlbs_svc_req *req,
			      unsigned int allow, struct netlink_ext_ack *extack)
{
	struct nlbs_svc_key *key = &req->key;
	struct nlattr *tb[NLBS_SVC_A_MAX + 1];
	int err;

	err = nla_parse_nested(tb, NLBS_SVC_A_MAX, nest, nlbs_svc_policy, extack);
	if (err)
		return err;
	if (tb[NLBS_SVC_A_TABLE_SIZE] && !(allow & NLBS_SVC_TABLE_SIZE)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NLBS_SVC_A_TABLE_SIZE],
				    "table size is fixed when the service is added");
		return -EINVAL;
	}
	if (tb[NLBS_SVC_A_NODEST] && !(allow & NLBS_SVC_NODEST)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NLBS_SVC_A_NODEST],
				    "nodest applies to service add and set only");
		return -EINVAL;
	}
	req->table_size = nlbs_u32(tb[NLBS_SVC_A_TABLE_SIZE]);
	if (tb[NLBS_SVC_A_TABLE_SIZE] && !nlbs_table_size_valid(req->table_size)) {
		BUILD_BUG_ON(NLBS_TABLE_SIZE_MIN != 251 ||
			     NLBS_TABLE_SIZE_MAX != 4194301);
		NL_SET_ERR_MSG_ATTR(extack, tb[NLBS_SVC_A_TABLE_SIZE],
				    "table size must be a prime within 251..4194301");
		return -EINVAL;
	}
	req->has_nodest = tb[NLBS_SVC_A_NODEST];
	req->nodest = req->has_nodest ? nla_get_u8(tb[NLBS_SVC_A_NODEST]) : 0;
	memset(key, 0, sizeof(*key));
	err = nlbs_parse_addr_req(nest, tb, NLBS_SVC_A_VIP_BE, NLBS_SVC_A_VIP6,
				  &key->vip, &key->family,
				  "service VIP required",
				  "VIP must be a unicast IPv4 address",
				  "VIP must be a unicast IPv6 address", extack);
	if (err)
		return err;
	if (key->family == AF_INET6 && ipv6_addr_type(&key->vip.in6) &
	    IPV6_ADDR_LINKLOCAL) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NLBS_SVC_A_VIP6],
				    "VIP must not be a link-local address");
		return -EINVAL;
	}
	key->proto = tb[NLBS_SVC_A_PROTO] ? nla_get_u8(tb[NLBS_SVC_A_PROTO]) : 0;
	key->port = tb[NLBS_SVC_A_PORT] ? nla_get_u16(tb[NLBS_SVC_A_PORT]) : 0;

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
					     struct genl_info *info,
					     struct nlbs_svc_req *req)
{
	u8 cmd = info->genlhdr->cmd;
	struct nlbs_service *svc;
	int err;

	if (nlbs_missing(info->extack, NULL, info->attrs, NLBS_A_SERVICE,
			 "service attribute required"))
		return ERR_PTR(-EINVAL);
	err = nlbs_parse_service(info->attrs[NLBS_A_SERVICE], req,
				 cmd == NLBS_CMD_SERVICE_SET ? NLBS_SVC_NODEST : 0,
				 info->extack);
	if (err)
		return ERR_PTR(err);
	svc = nlbs_service_find(inst, &req->key);
	if (!svc) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[NLBS_A_SERVICE],
				    "no such service");
		return ERR_PTR(-ENOENT);
	}
	return svc;
}

static int nlbs_service_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlbs_instance *inst = nlbs_info_instance(info);
	struct nlbs_svc_req key;
	int err;

	if (nlbs_missing(info->extack, NULL, info->attrs, NLBS_A_SERVICE,
			 "service attribute required"))
		return -EINVAL;
	err = nlbs_parse_service(info->attrs[NLBS_A_SERVICE], &key,
				 NLBS_SVC_TABLE_SIZE | NLBS_SVC_NODEST,
				 info->extack);
	if (err)
		return err;
	nlbs_lock(inst, info);
	err = nlbs_service_add(inst, &key.key, key.table_size, key.nodest,
			       info->extack);
	nlbs_unlock(inst);
	return err;
}

static int nlbs_service_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlbs_instance *inst = nlbs_info_instance(info);
	struct nlbs_service *svc;
	struct nlbs_svc_req key;
	int err = 0;

	nlbs_lock(inst, info);
	svc = nlbs_get_service(inst, info, &key);
	if (IS_ERR(svc))
		err = PTR_ERR(svc);
	else
		nlbs_service_del(inst, svc);
	nlbs_unlock(inst);
	return err;
}

static int nlbs_service_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlbs_instance *inst = nlbs_info_instance(info);
	struct nlbs_service *svc;
	struct nlbs_svc_req key;
	int err = 0;

	nlbs_lock(inst, info);
	svc = nlbs_get_service(inst, info, &key);
	if (IS_ERR(svc)) {
		err = PTR_ERR(svc);
	} else if (!key.has_nodest) {
		NL_SET_ERR_MSG_MOD(info->extack, "nothing to set: nodest required");
		err = -EINVAL;
	} else {
		nlbs_service_set_nodest(inst, svc, key.nodest);
	}
	nlbs_unlock(inst);
	return err;
}

struct nlbs_srv_req {
	union nf_inet_addr addr;
	u8		family;
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
	err = nlbs_parse_addr_req(nest, tb, NLBS_SRV_A_ADDR_BE,
				  NLBS_SRV_A_ADDR6, &req->addr, &req->family,
				  "server address required",
				  "server address must be a unicast IPv4 address",
				  "server address must be a unicast IPv6 address",
				  info->extack);
	if (err)
		return err;
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
	struct nlbs_instance *inst = nlbs_info_instance(info);
	bool defer = nla_get_flag(info->attrs[NLBS_A_DEFER]);
	u8 cmd = info->genlhdr->cmd;
	struct nlbs_service *svc;
	struct nlbs_srv_req req;
	struct nlbs_server *srv;
	struct nlbs_svc_req key;
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

	nlbs_lock(inst, info);
	svc = nlbs_get_service(inst, info, &key);
	if (IS_ERR(svc)) {
		err = PTR_ERR(svc);
		goto out;
	}
	if (req.family != svc->key.family) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[NLBS_A_SERVER],
				    "server address family must be the VIP's");
		err = -EINVAL;
		goto out;
	}
	if (cmd == NLBS_CMD_SERVER_ADD) {
		err = nlbs_server_add(inst, svc, &req.addr, req.weight, req.mac,
				      defer, info->extack);
		goto out;
	}
	srv = nlbs_server_find(inst, svc, &req.addr);
	if (!srv) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[NLBS_A_SERVER],
				    "no such server in this service");
		err = -ENOENT;
		goto out;
	}
	if (cmd == NLBS_CMD_SERVER_SET)
		nlbs_server_set_weight(inst, svc, srv, req.weight, defer);
	else
		nlbs_server_del(inst, svc, srv, defer);
out:
	nlbs_unlock(inst);
	return err;
}

/*
 * Dumps. Each part resumes after the object it put last: every change to
 * the service and server lists bumps inst->genid under RTNL (64 bits: it
 * never wraps), so while the generation has not moved that object is
 * still listed. When it has moved, genl_dump_check_consistent() flags the
 * dump with NLM_F_DUMP_INTR and the part resumes by position: svc_idx is
 * the index of the service (of the server) put last, srv_idx the number of
 * that service's servers put.
 */
struct nlbs_dump_ctx {
	union {
		struct nlbs_service	*svc;	/* service dump */
		struct nlbs_server	*srv;	/* server dump */
	} last;
	u64			gen;
	u32			svc_idx;
	u32			srv_idx;
	bool			filtered;
	bool			admin;
	bool			pack;
	bool			done;
	struct nlbs_svc_key	key;
};

static struct nlbs_dump_ctx *nlbs_dump_ctx(struct netlink_callback *cb)
{
	BUILD_BUG_ON(sizeof(struct nlbs_dump_ctx) > sizeof(cb->ctx));
	return (struct nlbs_dump_ctx *)cb->ctx;
}

static bool nlbs_dump_valid(struct nlbs_instance *inst,
			    const struct nlbs_dump_ctx *ctx)
{
	return ctx->last.svc && ctx->gen == inst->genid;
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

/* The @idx-th service, or the list head (an empty iteration) past the end. */
static struct nlbs_service *nlbs_dump_nth_service(struct nlbs_instance *inst,
						  u32 idx)
{
	struct nlbs_service *svc;

	list_for_each_entry(svc, &inst->services, node)
		if (!idx--)
			break;
	return svc;
}

static struct nlbs_server *nlbs_dump_nth_server(struct nlbs_service *svc,
						u32 idx)
{
	struct nlbs_server *srv;

	list_for_each_entry(srv, &svc->servers, node)
		if (!idx--)
			break;
	return srv;
}

static int nlbs_service_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nlbs_instance *inst = nlbs_dump_instance(cb);
	struct nlbs_dump_ctx *ctx = nlbs_dump_ctx(cb);
	struct nlbs_service *svc;
	void *hdr;

	rtnl_lock();
	cb->seq = inst->genid;
	if (nlbs_dump_valid(inst, ctx))
		svc = list_next_entry(ctx->last.svc, node);
	else
		svc = nlbs_dump_nth_service(inst, ctx->svc_idx);
	list_for_each_entry_from(svc, &inst->services, node) {
		hdr = nlbs_dump_put(skb, cb, NLBS_CMD_SERVICE_GET);
		if (!hdr)
			break;
		if (nlbs_put_service(skb, svc, 0)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		ctx->last.svc = svc;
		ctx->svc_idx++;
	}
	ctx->gen = inst->genid;
	rtnl_unlock();
	return skb->len;
}

static int nlbs_server_dump_start(struct netlink_callback *cb)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	struct nlbs_dump_ctx *ctx = nlbs_dump_ctx(cb);
	struct nlattr *nest = info->attrs[NLBS_A_SERVICE];
	struct nlbs_svc_req req;
	int err;

	memset(ctx, 0, sizeof(*ctx));
	if (nlbs_dump_start_instance(cb))
		return -ENOMEM;
	ctx->admin = nlbs_admin(cb->skb, sock_net(cb->skb->sk));
	ctx->pack = nla_get_flag(info->attrs[NLBS_A_PACK]);
	if (!nest)
		return 0;
	ctx->filtered = true;
	err = nlbs_parse_service(nest, &req, 0, cb->extack);
	ctx->key = req.key;
	return err;
}

/*
 * Puts the servers of @svc from @srv on (the list head: none), @srv being
 * the @pos-th server of the @idx-th service; one a message or, packed, as
 * many a message as fit. 0 once all are in, -EMSGSIZE when @skb is full.
 */
static int nlbs_dump_servers(struct sk_buff *skb, struct netlink_callback *cb,
			     struct nlbs_service *svc, struct nlbs_server *srv,
			     u32 idx, u32 pos)
{
	struct nlbs_dump_ctx *ctx = nlbs_dump_ctx(cb);
	unsigned int what = NLBS_SRV_PUT_STATS |
			    (ctx->admin ? NLBS_SRV_PUT_MAC : 0);
	void *hdr = NULL;
	int n = 0;

	list_for_each_entry_from(srv, &svc->servers, node) {
		if (!hdr) {
			hdr = nlbs_dump_put(skb, cb, NLBS_CMD_SERVER_GET);
			if (!hdr)
				return -EMSGSIZE;
			if (nlbs_put_service(skb, svc, 0))
				goto full;
		}
		if (nlbs_put_server(skb, srv, 0, what))
			goto full;
		ctx->last.srv = srv;
		ctx->svc_idx = idx;
		ctx->srv_idx = ++pos;
		n++;
		if (!ctx->pack) {
			genlmsg_end(skb, hdr);
			hdr = NULL;
			n = 0;
		}
	}
	if (hdr)
		genlmsg_end(skb, hdr);
	return 0;
full:
	if (n)
		genlmsg_end(skb, hdr);
	else
		genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/* Where this part starts: after the server put last, in its service. */
static struct nlbs_server *nlbs_dump_resume(struct nlbs_instance *inst,
					    struct nlbs_dump_ctx *ctx,
					    struct nlbs_service *svc)
{
	if (nlbs_dump_valid(inst, ctx))
		return list_next_entry(ctx->last.srv, node);
	return nlbs_dump_nth_server(svc, ctx->srv_idx);
}

static int nlbs_server_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nlbs_instance *inst = nlbs_dump_instance(cb);
	struct nlbs_dump_ctx *ctx = nlbs_dump_ctx(cb);
	struct nlbs_service *svc;
	struct nlbs_server *srv;
	u32 idx, pos;

	rtnl_lock();
	cb->seq = inst->genid;
	if (ctx->filtered) {
		svc = ctx->done ? NULL : nlbs_service_find(inst, &ctx->key);
		if (svc)
			ctx->done = !nlbs_dump_servers(skb, cb, svc,
						       nlbs_dump_resume(inst, ctx, svc),
						       0, ctx->srv_idx);
		goto out;
	}
	if (nlbs_dump_valid(inst, ctx))
		svc = ctx->last.srv->svc;
	else
		svc = nlbs_dump_nth_service(inst, ctx->svc_idx);
	idx = ctx->svc_idx;
	pos = ctx->srv_idx;
	list_for_each_entry_from(svc, &inst->services, node) {
		srv = pos ? nlbs_dump_resume(inst, ctx, svc) :
			    list_first_entry(&svc->servers, struct nlbs_server,
					     node);
		if (nlbs_dump_servers(skb, cb, svc, srv, idx, pos))
			break;
		idx++;
		pos = 0;
	}
out:
	ctx->gen = inst->genid;
	rtnl_unlock();
	return skb->len;
}

static void *nlbs_flow_hdr(struct sk_buff *skb, struct netlink_callback *cb)
{
	return genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			   &nlbs_genl_family, NLM_F_MULTI, NLBS_CMD_FLOW_GET);
}

static int nlbs_parse_filter_service(struct nlattr *nest,
				     struct nlbs_flow_filter *flt,
				     struct netlink_ext_ack *extack)
{
	struct nlattr *tb[NLBS_SVC_A_MAX + 1];
	int err;

	err = nla_parse_nested(tb, NLBS_SVC_A_MAX, nest, nlbs_svc_policy,
			       extack);
	if (err)
		return err;
	if (!tb[NLBS_SVC_A_VIP_BE] && !tb[NLBS_SVC_A_VIP6] &&
	    nlbs_missing(extack, nest, tb, NLBS_SVC_A_VIP_BE,
			 "service VIP required"))
		return -EINVAL;
	if (tb[NLBS_SVC_A_TABLE_SIZE] || tb[NLBS_SVC_A_NODEST]) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "a flow filter has VIP, protocol and port only");
		return -EINVAL;
	}
	err = nlbs_parse_addr(tb, NLBS_SVC_A_VIP_BE, NLBS_SVC_A_VIP6,
			      &flt->vip, &flt->vip_family,
			      "VIP must be a unicast IPv4 address",
			      "VIP must be a unicast IPv6 address", extack);
	if (err)
		return err;
	flt->proto = nlbs_u8(tb[NLBS_SVC_A_PROTO]);
	flt->port = nlbs_u16(tb[NLBS_SVC_A_PORT]);
	if (flt->proto && flt->proto != IPPROTO_TCP &&
	    flt->proto != IPPROTO_UDP) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NLBS_SVC_A_PROTO],
				    "protocol must be tcp or udp");
		return -EINVAL;
	}
	if (flt->port && !flt->proto) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NLBS_SVC_A_PORT],
				    "port given without tcp or udp");
		return -EINVAL;
	}
	return 0;
}

static int nlbs_parse_filter_server(struct nlattr *nest,
				    struct nlbs_flow_filter *flt,
				    struct netlink_ext_ack *extack)
{
	struct nlattr *tb[NLBS_SRV_A_MAX + 1];
	int err;

	err = nla_parse_nested(tb, NLBS_SRV_A_MAX, nest, nlbs_srv_policy,
			       extack);
	if (err)
		return err;
	if (!tb[NLBS_SRV_A_ADDR_BE] && !tb[NLBS_SRV_A_ADDR6] &&
	    nlbs_missing(extack, nest, tb, NLBS_SRV_A_ADDR_BE,
			 "server address required"))
		return -EINVAL;
	if (tb[NLBS_SRV_A_WEIGHT] || tb[NLBS_SRV_A_MAC]) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "a flow filter has the server address only");
		return -EINVAL;
	}
	return nlbs_parse_addr(tb, NLBS_SRV_A_ADDR_BE, NLBS_SRV_A_ADDR6,
			       &flt->server, &flt->server_family,
			       "server address must be a unicast IPv4 address",
			       "server address must be a unicast IPv6 address",
			       extack);
}

/*
 * A flow filter: NLBS_A_SERVICE with VIP and optionally PROTO and PORT,
 * NLBS_A_SERVER with ADDR. Unlike a service key, PROTO and PORT may be left
 * out (all flows of the VIP, or of the protocol).
 */
static int nlbs_parse_flow_filter(struct nlattr **attrs,
				  struct nlbs_flow_filter *flt,
				  struct netlink_ext_ack *extack)
{
	int err;

	memset(flt, 0, sizeof(*flt));
	if (attrs[NLBS_A_SERVICE]) {
		err = nlbs_parse_filter_service(attrs[NLBS_A_SERVICE], flt,
						extack);
		if (err)
			return err;
	}
	if (attrs[NLBS_A_SERVER])
		return nlbs_parse_filter_server(attrs[NLBS_A_SERVER], flt,
						extack);
	return 0;
}

/*
 * The flow dump's cursor (flow.c uses the first two longs) and filter, which
 * holds two IPv6 addresses and does not fit in cb->ctx with the cursor.
 */
struct nlbs_flow_dump_ctx {
	long			bucket;
	long			idx;
	struct nlbs_flow_filter	*flt;
};

static int nlbs_flow_dump_start(struct netlink_callback *cb)
{
	struct nlbs_flow_dump_ctx *ctx = (void *)cb->ctx;
	int err;

	BUILD_BUG_ON(sizeof(*ctx) > sizeof(cb->ctx));
	BUILD_BUG_ON(offsetof(struct nlbs_flow_dump_ctx, idx) !=
		     sizeof(cb->args[0]));
	memset(ctx, 0, sizeof(*ctx));
	if (nlbs_dump_start_instance(cb))
		return -ENOMEM;
	ctx->flt = kmalloc(sizeof(*ctx->flt), GFP_KERNEL);
	if (!ctx->flt)
		return -ENOMEM;
	err = nlbs_parse_flow_filter(genl_dumpit_info(cb)->attrs, ctx->flt,
				     cb->extack);
	if (err) {
		kfree(ctx->flt);
		ctx->flt = NULL;
	}
	return err;
}

static int nlbs_flow_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nlbs_flow_dump_ctx *ctx = (void *)cb->ctx;

	return nlbs_flow_dump(skb, cb, nlbs_dump_instance(cb),
			      ctx->flt, nlbs_flow_hdr);
}

static int nlbs_flow_dump_done(struct netlink_callback *cb)
{
	struct nlbs_flow_dump_ctx *ctx = (void *)cb->ctx;

	kfree(ctx->flt);
	return 0;
}

static int nlbs_flow_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlbs_instance *inst = nlbs_info_instance(info);
	struct nlbs_flow_filter flt;
	int err;

	err = nlbs_parse_flow_filter(info->attrs, &flt, info->extack);
	if (err)
		return err;
	rtnl_lock();
	nlbs_flow_flush(inst, &flt);
	rtnl_unlock();
	return 0;
}

struct nlbs_flow_req {
	struct nlbs_flow_key	key;
	union nf_inet_addr	server;
	u32			idle_ms;
	u32			flags;
};

static int nlbs_parse_flow(struct nlattr *nest, struct nlbs_flow_req *req,
			   struct netlink_ext_ack *extack)
{
	/* Addresses: the IPv4 attribute named, or its IPv6 twin. */
	static const struct {
		u16 type;
		u16 type6;
		const char *msg;
	} required[] = {
		{ NLBS_FLOW_A_SADDR_BE, NLBS_FLOW_A_SADDR6,
		  "flow client address required" },
		{ NLBS_FLOW_A_DADDR_BE, NLBS_FLOW_A_DADDR6, "flow VIP required" },
		{ NLBS_FLOW_A_PROTO, 0, "flow protocol required" },
		{ NLBS_FLOW_A_SPORT, 0, "flow client port required" },
		{ NLBS_FLOW_A_DPORT, 0, "flow VIP port required" },
		{ NLBS_FLOW_A_SERVER_BE, NLBS_FLOW_A_SERVER6,
		  "flow server required" },
	};
	static const char *msg4 = "flow addresses must be unicast IPv4 addresses";
	static const char *msg6 = "flow addresses must be unicast IPv6 addresses";
	struct nlattr *tb[NLBS_FLOW_A_MAX + 1];
	__be16 *port = (__be16 *)&req->key.ports;
	u8 dfamily, sfamily;
	int err, i;

	err = nla_parse_nested(tb, NLBS_FLOW_A_MAX, nest, nlbs_flow_policy,
			       extack);
	if (err)
		return err;
	for (i = 0; i < ARRAY_SIZE(required); i++)
		if (!(required[i].type6 && tb[required[i].type6]) &&
		    nlbs_missing(extack, nest, tb, required[i].type,
				 required[i].msg))
			return -EINVAL;
	memset(req, 0, sizeof(*req));
	err = nlbs_parse_addr(tb, NLBS_FLOW_A_SADDR_BE, NLBS_FLOW_A_SADDR6,
			      &req->key.saddr, &req->key.family, msg4, msg6,
			      extack) ?:
	      nlbs_parse_addr(tb, NLBS_FLOW_A_DADDR_BE, NLBS_FLOW_A_DADDR6,
			      &req->key.daddr, &dfamily, msg4, msg6, extack) ?:
	      nlbs_parse_addr(tb, NLBS_FLOW_A_SERVER_BE, NLBS_FLOW_A_SERVER6,
			      &req->server, &sfamily, msg4, msg6, extack);
	if (err)
		return err;
	if (dfamily != req->key.family || sfamily != req->key.family) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "flow addresses must all be of one family");
		return -EINVAL;
	}
	req->key.proto = nla_get_u8(tb[NLBS_FLOW_A_PROTO]);
	port[0] = htons(nla_get_u16(tb[NLBS_FLOW_A_SPORT]));
	port[1] = htons(nla_get_u16(tb[NLBS_FLOW_A_DPORT]));
	req->idle_ms = nlbs_u32(tb[NLBS_FLOW_A_IDLE_MS]);
	req->flags = nlbs_u32(tb[NLBS_FLOW_A_FLAGS]);
	if (req->key.proto != IPPROTO_TCP && req->key.proto != IPPROTO_UDP) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NLBS_FLOW_A_PROTO],
				    "flow protocol must be tcp or udp");
		return -EINVAL;
	}
	return 0;
}

/* RTNL held. 0, or why the flow was refused (extack names the first). */
static int nlbs_flow_import_one(struct nlbs_instance *inst,
				const struct nlbs_flow_req *req,
				struct netlink_ext_ack *extack, bool first)
{
	struct nlbs_service *svc;
	struct nlbs_server *srv;
	struct nlbs_vip *vip;
	const char *why;
	int err;

	rcu_read_lock();	/* RTNL keeps what it finds alive */
	vip = nlbs_vip_lookup_rcu(inst, req->key.family, &req->key.daddr);
	svc = vip ? nlbs_vip_service_rcu(inst, vip, req->key.proto,
					 ntohs(((__be16 *)&req->key.ports)[1])) :
		    NULL;
	rcu_read_unlock();
	srv = svc ? nlbs_server_find(inst, svc, &req->server) : NULL;
	if (!srv) {
		err = -ENOENT;
		why = svc ?
		      KBUILD_MODNAME ": flow refused: server not in the flow's service" :
		      KBUILD_MODNAME ": flow refused: no service for its VIP, protocol and port";
	} else {
		err = nlbs_flow_import(inst, srv, &req->key, req->idle_ms,
				       req->flags);
		why = err == -ENOSPC ?
		      KBUILD_MODNAME ": flow refused: flow table full (flow-max)" :
		      KBUILD_MODNAME ": flow refused: out of memory";
	}
	if (err && first && extack)
		extack->_msg = why;
	return err;
}

static int nlbs_flow_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlbs_instance *inst = nlbs_info_instance(info);
	int rem, err = 0, first_err = 0, parse_err = 0;
	u32 imported = 0, refused = 0, good = 0;
	struct nlbs_flow_req req;
	struct nlattr *nla;

	/*
	 * A batch is a set of independent records (flow sync packs hundreds):
	 * one the kernel cannot take, such as a flow of a client address this
	 * kernel refuses, is refused and counted alone. A batch with no
	 * well-formed record changes nothing and says why (the first).
	 */
	nla_for_each_attr(nla, genlmsg_data(info->genlhdr),
			  genlmsg_len(info->genlhdr), rem) {
		if (nla_type(nla) != NLBS_A_FLOW)
			continue;
		err = nlbs_parse_flow(nla, &req, parse_err ? NULL : info->extack);
		if (!err)
			good++;
		else
			parse_err = parse_err ?: err;
	}
	if (nlbs_missing(info->extack, NULL, info->attrs, NLBS_A_FLOW,
			 "flow attribute required"))
		return -EINVAL;
	if (!good)
		return parse_err;
	if (parse_err && info->extack) {
		info->extack->_msg = NULL;
		info->extack->bad_attr = NULL;
	}

	rtnl_lock();
	nla_for_each_attr(nla, genlmsg_data(info->genlhdr),
			  genlmsg_len(info->genlhdr), rem) {
		if (nla_type(nla) != NLBS_A_FLOW)
			continue;
		if (nlbs_parse_flow(nla, &req, NULL)) {
			refused++;
			continue;
		}
		err = nlbs_flow_import_one(inst, &req, info->extack,
					   !first_err);
		if (!err) {
			imported++;
			continue;
		}
		refused++;
		first_err = first_err ?: err;
	}
	rtnl_unlock();

	local_bh_disable();
	nlbs_stat_add(inst, NLBS_STATS_A_SYNC_IMPORTED, imported);
	nlbs_stat_add(inst, NLBS_STATS_A_SYNC_REFUSED, refused);
	local_bh_enable();
	if (imported) {
		/* Some went in: the request did its job. */
		if (info->extack)
			info->extack->_msg = NULL;
		return 0;
	}
	return first_err;
}

/*
 * A batch's changes come pipelined (nlbs-genl -b): a group of requests in
 * one datagram, each carried out by netlink whatever became of the ones
 * before it. NLBS_A_BATCH names the group; once one of its requests fails,
 * the rest of the group is refused and changes nothing, so a batch still
 * stops at its first failure. One failed group is remembered per
 * namespace, by port id and group: the last to fail.
 */
static int nlbs_batched(struct sk_buff *skb, struct genl_info *info,
			int (*doit)(struct sk_buff *, struct genl_info *))
{
	struct nlbs_instance *inst = nlbs_info_instance(info);
	struct nlattr *a = info->attrs[NLBS_A_BATCH];
	s64 group;
	int err;

	if (!a)
		return doit(skb, info);
	group = (s64)((u64)info->snd_portid << 32 | nla_get_u32(a));
	if (atomic64_read(&inst->batch_failed) == group) {
		NL_SET_ERR_MSG_ATTR(info->extack, a,
				    "not carried out: an earlier request of its batch failed");
		return -ECANCELED;
	}
	err = doit(skb, info);
	if (err)
		atomic64_set(&inst->batch_failed, group);
	return err;
}

static int nlbs_service_add_batched(struct sk_buff *skb, struct genl_info *info)
{
	return nlbs_batched(skb, info, nlbs_service_add_doit);
}

static int nlbs_service_del_batched(struct sk_buff *skb, struct genl_info *info)
{
	return nlbs_batched(skb, info, nlbs_service_del_doit);
}

static int nlbs_service_set_batched(struct sk_buff *skb, struct genl_info *info)
{
	return nlbs_batched(skb, info, nlbs_service_set_doit);
}

static int nlbs_server_batched(struct sk_buff *skb, struct genl_info *info)
{
	return nlbs_batched(skb, info, nlbs_server_doit);
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
	NLBS_OP(NLBS_CMD_SERVICE_ADD, nlbs_service_add_batched, nlbs_service_policy,
		GENL_UNS_ADMIN_PERM),
	NLBS_OP(NLBS_CMD_SERVICE_DEL, nlbs_service_del_batched, nlbs_service_policy,
		GENL_UNS_ADMIN_PERM),
	{
		.cmd = NLBS_CMD_SERVICE_GET,
		.start = nlbs_dump_start_instance,
		.dumpit = nlbs_service_dumpit,
		.policy = nlbs_empty_policy,
		.maxattr = NLBS_A_MAX,
	},
	NLBS_OP(NLBS_CMD_SERVER_ADD, nlbs_server_batched, nlbs_server_policy,
		GENL_UNS_ADMIN_PERM),
	NLBS_OP(NLBS_CMD_SERVER_SET, nlbs_server_batched, nlbs_server_policy,
		GENL_UNS_ADMIN_PERM),
	NLBS_OP(NLBS_CMD_SERVER_DEL, nlbs_server_batched, nlbs_server_policy,
		GENL_UNS_ADMIN_PERM),
	{
		.cmd = NLBS_CMD_SERVER_GET,
		.start = nlbs_server_dump_start,
		.dumpit = nlbs_server_dumpit,
		.policy = nlbs_server_dump_policy,
		.maxattr = NLBS_A_MAX,
	},
	NLBS_OP(NLBS_CMD_STATS_GET, nlbs_stats_get_doit, nlbs_empty_policy, 0),
	NLBS_OP(NLBS_CMD_STATS_RESET, nlbs_stats_reset_doit, nlbs_empty_policy,
		GENL_UNS_ADMIN_PERM),
	{	/* client addresses and ports: not for every local user */
		.cmd = NLBS_CMD_FLOW_GET,
		.start = nlbs_flow_dump_start,
		.dumpit = nlbs_flow_dumpit,
		.done = nlbs_flow_dump_done,
		.policy = nlbs_flow_filter_policy,
		.maxattr = NLBS_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	/* Flows of the peer: only a real administrator may plant them. */
	NLBS_OP(NLBS_CMD_FLOW_ADD, nlbs_flow_add_doit, nlbs_flow_add_policy,
		GENL_ADMIN_PERM),
	NLBS_OP(NLBS_CMD_FLOW_DEL, nlbs_flow_del_doit, nlbs_flow_filter_policy,
		GENL_UNS_ADMIN_PERM),
	NLBS_OP(NLBS_CMD_SERVICE_SET, nlbs_service_set_batched,
		nlbs_service_policy, GENL_UNS_ADMIN_PERM),
	NLBS_OP(NLBS_CMD_COMMIT, nlbs_commit_doit, nlbs_empty_policy,
		GENL_UNS_ADMIN_PERM),
};

static const struct genl_multicast_group nlbs_mcgrps[] = {
	[NLBS_MCGRP_EVENTS_ID] = { .name = NLBS_MCGRP_EVENTS,
				   .flags = GENL_MCAST_CAP_NET_ADMIN },
	[NLBS_MCGRP_FLOWS_ID] = { .name = NLBS_MCGRP_FLOWS,
				  .flags = GENL_MCAST_CAP_NET_ADMIN },
};

struct genl_family nlbs_genl_family __ro_after_init = {
	.name		= NLBS_GENL_NAME,
	.version	= NLBS_GENL_VERSION,
	.maxattr	= NLBS_A_MAX,
	.netnsok	= true,
	.pre_doit	= nlbs_pre_doit,
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
