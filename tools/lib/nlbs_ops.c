// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * nlbs_nl: typed requests on top of nlbs_nl_run().
 */
#include <errno.h>
#include <string.h>

#include "nlbs_nl.h"

static int config_cb(const struct nlmsghdr *nlh, void *data)
{
	if (nlbs_msg_cmd(nlh) != NLBS_CMD_CONFIG_GET)
		return MNL_CB_OK;
	if (nlbs_parse_config(nlh, data) < 0) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

int nlbs_config_get(struct nlbs_nl *nl, struct nlbs_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	return nlbs_nl_run(nl, nlbs_nl_req(nl, NLBS_CMD_CONFIG_GET, 0),
			   config_cb, cfg);
}

int nlbs_config_set(struct nlbs_nl *nl, const struct nlbs_config *cfg)
{
	struct nlmsghdr *nlh = nlbs_nl_req(nl, NLBS_CMD_CONFIG_SET, 0);

	nlbs_put_config(nlh, cfg);
	return nlbs_nl_run(nl, nlh, NULL, NULL);
}

static int state_cb(const struct nlmsghdr *nlh, void *data)
{
	if (nlbs_msg_cmd(nlh) != NLBS_CMD_STATE_GET)
		return MNL_CB_OK;
	if (nlbs_parse_state(nlh, data) < 0) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

int nlbs_state_get(struct nlbs_nl *nl, struct nlbs_state_info *st)
{
	memset(st, 0, sizeof(*st));
	return nlbs_nl_run(nl, nlbs_nl_req(nl, NLBS_CMD_STATE_GET, 0),
			   state_cb, st);
}

int nlbs_state_set(struct nlbs_nl *nl, uint8_t state, const uint32_t *lease_ms,
		   bool announce)
{
	struct nlmsghdr *nlh = nlbs_nl_req(nl, NLBS_CMD_STATE_SET, 0);

	mnl_attr_put_u8(nlh, NLBS_A_STATE, state);
	if (lease_ms)
		mnl_attr_put_u32(nlh, NLBS_A_LEASE_MS, *lease_ms);
	if (announce)
		mnl_attr_put(nlh, NLBS_A_ANNOUNCE, 0, NULL);
	return nlbs_nl_run(nl, nlh, NULL, NULL);
}

/* The VIP, PROTO and PORT of svc only, whatever else it has present. */
static void put_service_key(struct nlmsghdr *nlh,
			    const struct nlbs_service *svc)
{
	struct nlbs_service key = *svc;

	key.present &= NLBS_BIT(NLBS_SVC_A_VIP_BE) | NLBS_BIT(NLBS_SVC_A_VIP6) |
		       NLBS_BIT(NLBS_SVC_A_PROTO) | NLBS_BIT(NLBS_SVC_A_PORT);
	nlbs_put_service(nlh, &key);
}

int nlbs_service_add(struct nlbs_nl *nl, const struct nlbs_service *svc)
{
	struct nlmsghdr *nlh = nlbs_nl_req(nl, NLBS_CMD_SERVICE_ADD, 0);

	nlbs_put_service(nlh, svc);
	return nlbs_nl_run(nl, nlh, NULL, NULL);
}

int nlbs_service_set(struct nlbs_nl *nl, const struct nlbs_service *svc)
{
	struct nlmsghdr *nlh = nlbs_nl_req(nl, NLBS_CMD_SERVICE_SET, 0);
	struct nlbs_service s = *svc;

	s.present &= NLBS_BIT(NLBS_SVC_A_VIP_BE) | NLBS_BIT(NLBS_SVC_A_VIP6) |
		     NLBS_BIT(NLBS_SVC_A_PROTO) | NLBS_BIT(NLBS_SVC_A_PORT) |
		     NLBS_BIT(NLBS_SVC_A_NODEST);
	nlbs_put_service(nlh, &s);
	return nlbs_nl_run(nl, nlh, NULL, NULL);
}

int nlbs_server_set_weight(struct nlbs_nl *nl, const struct nlbs_service *svc,
			   uint32_t addr, uint32_t weight)
{
	struct nlmsghdr *nlh = nlbs_nl_req(nl, NLBS_CMD_SERVER_SET, 0);
	struct nlbs_server srv = {
		.present = NLBS_BIT(NLBS_SRV_A_ADDR_BE) |
			   NLBS_BIT(NLBS_SRV_A_WEIGHT),
		.addr = addr,
		.weight = weight,
	};

	put_service_key(nlh, svc);
	nlbs_put_server(nlh, &srv);
	return nlbs_nl_run(nl, nlh, NULL, NULL);
}

static int stats_cb(const struct nlmsghdr *nlh, void *data)
{
	if (nlbs_msg_cmd(nlh) != NLBS_CMD_STATS_GET)
		return MNL_CB_OK;
	if (nlbs_parse_stats(nlh, data) < 0) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

int nlbs_stats_get(struct nlbs_nl *nl, struct nlbs_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
	return nlbs_nl_run(nl, nlbs_nl_req(nl, NLBS_CMD_STATS_GET, 0),
			   stats_cb, stats);
}

int nlbs_stats_reset(struct nlbs_nl *nl)
{
	return nlbs_nl_run(nl, nlbs_nl_req(nl, NLBS_CMD_STATS_RESET, 0),
			   NULL, NULL);
}

struct dump_ctx {
	nlbs_service_cb svc_cb;
	nlbs_server_cb srv_cb;
	void *data;
	int ret;
};

static int service_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *d = data;
	struct nlbs_service svc;

	if (nlbs_msg_cmd(nlh) != NLBS_CMD_SERVICE_GET)
		return MNL_CB_OK;
	if (nlbs_parse_service(nlh, &svc) < 0) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	d->ret = d->svc_cb(&svc, d->data);
	return d->ret ? MNL_CB_STOP : MNL_CB_OK;
}

int nlbs_service_dump(struct nlbs_nl *nl, nlbs_service_cb cb, void *data)
{
	struct dump_ctx d = { .svc_cb = cb, .data = data };
	int ret;

	ret = nlbs_nl_run(nl, nlbs_nl_req(nl, NLBS_CMD_SERVICE_GET, NLM_F_DUMP),
			  service_dump_cb, &d);
	return ret < 0 ? ret : d.ret;
}

/* The user's callback: what it returns is kept apart from a parse error. */
static int server_one(const struct nlbs_service *svc,
		      const struct nlbs_server *srv, void *data)
{
	struct dump_ctx *d = data;

	d->ret = d->srv_cb(svc, srv, d->data);
	return d->ret ? 1 : 0;
}

static int server_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *d = data;
	int ret;

	if (nlbs_msg_cmd(nlh) != NLBS_CMD_SERVER_GET)
		return MNL_CB_OK;
	ret = nlbs_parse_servers(nlh, server_one, d);
	if (ret < 0) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	return d->ret ? MNL_CB_STOP : MNL_CB_OK;
}

int nlbs_server_dump(struct nlbs_nl *nl, const struct nlbs_service *filter,
		     nlbs_server_cb cb, void *data)
{
	struct nlmsghdr *nlh = nlbs_nl_req(nl, NLBS_CMD_SERVER_GET, NLM_F_DUMP);
	struct dump_ctx d = { .srv_cb = cb, .data = data };
	int ret;

	if (filter)
		put_service_key(nlh, filter);
	if (nlbs_nl_can_pack(nl))
		mnl_attr_put(nlh, NLBS_A_PACK, 0, NULL);
	ret = nlbs_nl_run(nl, nlh, server_dump_cb, &d);
	return ret < 0 ? ret : d.ret;
}
