// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * nlbs-genl service { add | del } VIP [ tcp PORT | udp PORT ], service show
 */
#include <inttypes.h>
#include <string.h>

#include "nlbs-genl.h"
#include "print.h"

void service_usage(FILE *f)
{
	fputs("Usage: nlbs-genl service { add | del } VIP [ tcp PORT | udp PORT ]\n"
	      "       nlbs-genl service show\n", f);
}

int service_parse(struct cli *cli, struct nlbs_req *req, int argc, char **argv)
{
	int i = 1, ret;

	if (!argc || !strcmp(argv[0], "show")) {
		req->op = OP_SERVICE_SHOW;
		req->cmd = NLBS_CMD_SERVICE_GET;
		req->flags = NLM_F_DUMP;
		return arg_end(cli, argc, argv, 1);
	}
	if (!strcmp(argv[0], "add")) {
		req->op = OP_SERVICE_ADD;
		req->cmd = NLBS_CMD_SERVICE_ADD;
	} else if (!strcmp(argv[0], "del")) {
		req->op = OP_SERVICE_DEL;
		req->cmd = NLBS_CMD_SERVICE_DEL;
	} else {
		return cli_usage_err(cli, "service: unknown command \"%s\"", argv[0]);
	}
	ret = arg_service(cli, argc, argv, &i, &req->svc);
	if (ret)
		return ret;
	req->has_svc = true;
	return arg_end(cli, argc, argv, i);
}

/* "VIP [PROTO PORT]"; JSON: vip, proto ("tcp", "udp", "any"), port. */
void print_service_key(const struct nlbs_service *svc)
{
	char buf[16];

	print_str(PRINT_ANY, "vip", "%s", ipv4_str(svc->vip, buf));
	if (svc->proto) {
		print_str(PRINT_ANY, "proto", "%s", proto_name(svc->proto));
		print_uint(PRINT_ANY, "port", "%" PRIu64, svc->port);
	} else {
		print_str(PRINT_JSON, "proto", NULL, "any");
	}
}

/* "VIP [PROTO PORT] servers N table N" */
void print_service(const struct nlbs_service *svc)
{
	print_service_key(svc);
	if (svc->present & NLBS_BIT(NLBS_SVC_A_SERVERS))
		print_uint(PRINT_ANY, "servers", "servers %" PRIu64,
			   svc->servers);
	if (svc->present & NLBS_BIT(NLBS_SVC_A_TABLE_SIZE))
		print_uint(PRINT_ANY, "table", "table %" PRIu64,
			   svc->table_size);
}

static int service_print_cb(const struct nlbs_service *svc, void *data)
{
	(void)data;
	print_open_object(NULL);
	print_str(PRINT_FP, NULL, "%s", "service");
	print_service(svc);
	print_nl();
	print_close_object();
	return 0;
}

int service_run(struct cli *cli, const struct nlbs_req *req)
{
	int ret, tries;

	if (req->op != OP_SERVICE_SHOW)
		return run_simple(cli, req);
	if (!cli_nl(cli))
		return CLI_FAIL;
	/* Output is buffered until print_end(): a torn dump is dropped. */
	for (tries = 1;; tries++) {
		print_begin(true);
		ret = nlbs_service_dump(cli->nl, service_print_cb, NULL);
		if (!dump_again(ret, tries))
			break;
		print_end(false);
	}
	ret = ret < 0 ? cli_nl_error(cli, "service show") : CLI_OK;
	return print_end(!ret) ? CLI_FAIL : ret;
}
