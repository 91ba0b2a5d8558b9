// SPDX-License-Identifier: GPL-2.0
/*
 * Finding services and servers. Three resizable hash tables per instance:
 *
 *   VIPs      (family, address) -> struct nlbs_vip, with the VIP's whole-VIP service:
 *             the packet path's "is this frame ours at all" filter
 *   services  (family, VIP, protocol, port) -> struct nlbs_service: one lookup per
 *             datagram, whatever the number of services of the VIP
 *   servers   (service, address) -> struct nlbs_server, configuration only
 *
 * Changes run under RTNL; the packet path reads with RCU (rhashtable).
 */
#include <linux/rhashtable.h>
#include "lookup.h"

static const struct rhashtable_params nlbs_vip_params = {
	.key_len		= sizeof(struct nlbs_vip_key),
	.key_offset		= offsetof(struct nlbs_vip, key),
	.head_offset		= offsetof(struct nlbs_vip, node),
	.automatic_shrinking	= true,
};

static const struct rhashtable_params nlbs_svc_params = {
	.key_len		= sizeof(struct nlbs_svc_key),
	.key_offset		= offsetof(struct nlbs_service, key),
	.head_offset		= offsetof(struct nlbs_service, hnode),
	.automatic_shrinking	= true,
};

static const struct rhashtable_params nlbs_srv_params = {
	.key_len		= sizeof(struct nlbs_srv_key),
	.key_offset		= offsetof(struct nlbs_server, key),
	.head_offset		= offsetof(struct nlbs_server, hnode),
	.automatic_shrinking	= true,
};

int nlbs_lookup_init(struct nlbs_instance *inst)
{
	int err;

	err = rhashtable_init(&inst->vip_ht, &nlbs_vip_params);
	if (err)
		return err;
	err = rhashtable_init(&inst->svc_ht, &nlbs_svc_params);
	if (err)
		goto err_vip;
	err = rhashtable_init(&inst->srv_ht, &nlbs_srv_params);
	if (err)
		goto err_svc;
	return 0;

err_svc:
	rhashtable_destroy(&inst->svc_ht);
err_vip:
	rhashtable_destroy(&inst->vip_ht);
	return err;
}

/* Empty tables only: services and servers are gone. */
void nlbs_lookup_destroy(struct nlbs_instance *inst)
{
	rhashtable_destroy(&inst->srv_ht);
	rhashtable_destroy(&inst->svc_ht);
	rhashtable_destroy(&inst->vip_ht);
}

struct nlbs_vip *nlbs_vip_lookup_rcu(struct nlbs_instance *inst, u8 family,
				     const union nf_inet_addr *addr)
{
	struct nlbs_vip_key key = { .addr = *addr, .family = family };

	return rhashtable_lookup(&inst->vip_ht, &key, nlbs_vip_params);
}

struct nlbs_service *nlbs_vip_service_rcu(struct nlbs_instance *inst,
					  struct nlbs_vip *vip, u8 proto,
					  u16 port)
{
	struct nlbs_svc_key key = { .vip = vip->key.addr, .proto = proto,
				    .port = port, .family = vip->key.family };
	struct nlbs_service *svc;

	if (proto && READ_ONCE(vip->nports)) {
		svc = rhashtable_lookup(&inst->svc_ht, &key, nlbs_svc_params);
		if (svc)
			return svc;
	}
	return rcu_dereference_check(vip->whole, lockdep_rtnl_is_held());
}

struct nlbs_service *nlbs_service_find(struct nlbs_instance *inst,
				       const struct nlbs_svc_key *key)
{
	return rhashtable_lookup_fast(&inst->svc_ht, key, nlbs_svc_params);
}

static void nlbs_vip_free_rcu(struct rcu_head *rcu)
{
	kfree(container_of(rcu, struct nlbs_vip, rcu));
}

int nlbs_service_link(struct nlbs_instance *inst, struct nlbs_service *svc)
{
	struct nlbs_vip_key key = { .addr = svc->key.vip,
				    .family = svc->key.family };
	struct nlbs_vip *vip;
	int err;

	vip = rhashtable_lookup_fast(&inst->vip_ht, &key, nlbs_vip_params);
	if (!vip) {
		vip = kzalloc(sizeof(*vip), GFP_KERNEL_ACCOUNT);
		if (!vip)
			return -ENOMEM;
		vip->key = key;
		err = rhashtable_insert_fast(&inst->vip_ht, &vip->node,
					     nlbs_vip_params);
		if (err) {
			kfree(vip);
			return err;
		}
	}
	err = rhashtable_insert_fast(&inst->svc_ht, &svc->hnode,
				     nlbs_svc_params);
	if (err) {
		if (!vip->nservices) {
			rhashtable_remove_fast(&inst->vip_ht, &vip->node,
					       nlbs_vip_params);
			call_rcu(&vip->rcu, nlbs_vip_free_rcu);
		}
		return err;
	}
	svc->vip_ent = vip;
	vip->nservices++;
	if (svc->key.proto)
		WRITE_ONCE(vip->nports, vip->nports + 1);
	else
		rcu_assign_pointer(vip->whole, svc);
	return 0;
}

void nlbs_service_unlink(struct nlbs_instance *inst, struct nlbs_service *svc)
{
	struct nlbs_vip *vip = svc->vip_ent;

	rhashtable_remove_fast(&inst->svc_ht, &svc->hnode, nlbs_svc_params);
	if (svc->key.proto)
		WRITE_ONCE(vip->nports, vip->nports - 1);
	else
		RCU_INIT_POINTER(vip->whole, NULL);
	if (--vip->nservices)
		return;
	rhashtable_remove_fast(&inst->vip_ht, &vip->node, nlbs_vip_params);
	call_rcu(&vip->rcu, nlbs_vip_free_rcu);
}

struct nlbs_server *nlbs_server_find(struct nlbs_instance *inst,
				     struct nlbs_service *svc,
				     const union nf_inet_addr *addr)
{
	struct nlbs_srv_key key = { .svc = svc, .addr = *addr };

	return rhashtable_lookup_fast(&inst->srv_ht, &key, nlbs_srv_params);
}

int nlbs_server_link(struct nlbs_instance *inst, struct nlbs_server *srv)
{
	srv->key = (struct nlbs_srv_key){ .svc = srv->svc, .addr = srv->addr };
	return rhashtable_insert_fast(&inst->srv_ht, &srv->hnode,
				      nlbs_srv_params);
}

void nlbs_server_unlink(struct nlbs_instance *inst, struct nlbs_server *srv)
{
	rhashtable_remove_fast(&inst->srv_ht, &srv->hnode, nlbs_srv_params);
}
