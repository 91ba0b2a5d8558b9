// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * nlbs_nl: flow table requests: dump (filtered), flush, import.
 */
#include <errno.h>
#include <string.h>

#include "nlbs_nl.h"
#include "nlbs_nl_priv.h"

struct flow_dump_ctx {
	nlbs_flow_cb cb;
	void *data;
	int ret;
};

static int flow_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct flow_dump_ctx *d = data;
	struct nlbs_flow flow;

	if (nlbs_msg_cmd(nlh) != NLBS_CMD_FLOW_GET)
		return MNL_CB_OK;
	if (nlbs_parse_flow(nlh, &flow) < 0) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	d->ret = d->cb(&flow, d->data);
	return d->ret ? MNL_CB_STOP : MNL_CB_OK;
}

int nlbs_flow_dump_filter(struct nlbs_nl *nl, const struct nlbs_flow_filter *f,
			  nlbs_flow_cb cb, void *data)
{
	struct nlmsghdr *nlh = nlbs_nl_req(nl, NLBS_CMD_FLOW_GET, NLM_F_DUMP);
	struct flow_dump_ctx d = { .cb = cb, .data = data };
	int ret;

	nlbs_put_flow_filter(nlh, f);
	ret = nlbs_nl_run(nl, nlh, flow_dump_cb, &d);
	return ret < 0 ? ret : d.ret;
}

int nlbs_flow_dump(struct nlbs_nl *nl, nlbs_flow_cb cb, void *data)
{
	return nlbs_flow_dump_filter(nl, NULL, cb, data);
}

int nlbs_flow_flush(struct nlbs_nl *nl, const struct nlbs_flow_filter *f)
{
	struct nlmsghdr *nlh = nlbs_nl_req(nl, NLBS_CMD_FLOW_DEL, 0);

	nlbs_put_flow_filter(nlh, f);
	return nlbs_nl_run(nl, nlh, NULL, NULL);
}

int nlbs_flow_import(struct nlbs_nl *nl, const struct nlbs_flow *flows,
		     size_t n)
{
	struct nlbs_nl_error last = { 0 };
	struct nlmsghdr *nlh;
	size_t i = 0;
	int ret;

	while (i < n) {
		nlh = nlbs_nl_req(nl, NLBS_CMD_FLOW_ADD, 0);
		/* At least one a request: the buffer holds hundreds. */
		do {
			nlbs_put_flow(nlh, &flows[i++]);
		} while (i < n &&
			 nlh->nlmsg_len + NLBS_FLOW_NEST_SIZE <= NLBS_NL_BUFSIZE);
		ret = nlbs_nl_run(nl, nlh, NULL, NULL);
		if (ret < 0)
			last = *nlbs_nl_error(nl);
	}
	/* A later request that went well reset the handle's error. */
	nlbs_nl_set_error(nl, &last);
	return -last.err;
}
