// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * nlbs-genl flow [ show ]: the flow table, the server each known TCP/UDP
 * flow keeps across weight changes.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "nlbs-genl.h"
#include "print.h"

void flow_usage(FILE *f)
{
	fputs("Usage: nlbs-genl flow [ show ]\n", f);
}

int flow_parse(struct cli *cli, struct nlbs_req *req, int argc, char **argv)
{
	if (argc && strcmp(argv[0], "show"))
		return cli_usage_err(cli, "flow: unknown command \"%s\"", argv[0]);
	req->op = OP_FLOW_SHOW;
	req->cmd = NLBS_CMD_FLOW_GET;
	req->flags = NLM_F_DUMP;
	return arg_end(cli, argc, argv, 1);
}

/* "flow PROTO SADDR:SPORT -> DADDR:DPORT server ADDR idle N ms"
 * JSON: proto, saddr, sport, daddr, dport, server, idle_ms. */
void print_flow(const struct nlbs_flow *flow)
{
	char buf[16], ep[24];

	print_str(PRINT_FP, NULL, "%s", "flow");
	print_str(PRINT_ANY, "proto", "%s", proto_name(flow->proto));
	ipv4_str(flow->saddr, buf);
	snprintf(ep, sizeof(ep), "%s:%u", buf, flow->sport);
	print_str(PRINT_FP, NULL, "%s", ep);
	print_str(PRINT_JSON, "saddr", NULL, buf);
	print_uint(PRINT_JSON, "sport", NULL, flow->sport);
	print_str(PRINT_FP, NULL, "%s", "->");
	ipv4_str(flow->daddr, buf);
	snprintf(ep, sizeof(ep), "%s:%u", buf, flow->dport);
	print_str(PRINT_FP, NULL, "%s", ep);
	print_str(PRINT_JSON, "daddr", NULL, buf);
	print_uint(PRINT_JSON, "dport", NULL, flow->dport);
	print_str(PRINT_ANY, "server", "server %s",
		  ipv4_str(flow->server, buf));
	if (flow->present & NLBS_BIT(NLBS_FLOW_A_IDLE_MS))
		print_uint(PRINT_ANY, "idle_ms", "idle %" PRIu64 " ms",
			   flow->idle_ms);
}

static int flow_print_cb(const struct nlbs_flow *flow, void *data)
{
	(void)data;
	print_open_object(NULL);
	print_flow(flow);
	print_nl();
	print_close_object();
	return 0;
}

int flow_run(struct cli *cli, const struct nlbs_req *req)
{
	int ret, tries;

	(void)req;
	if (!cli_nl(cli))
		return CLI_FAIL;
	/* Output is buffered until print_end(): a torn dump is dropped. */
	for (tries = 1;; tries++) {
		print_begin(true);
		ret = nlbs_flow_dump(cli->nl, flow_print_cb, NULL);
		if (!dump_again(ret, tries))
			break;
		print_end(false);
	}
	ret = ret < 0 ? cli_nl_error(cli, "flow show") : CLI_OK;
	return print_end(!ret) ? CLI_FAIL : ret;
}
