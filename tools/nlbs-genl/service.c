// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * nlbs-genl service { add | set | del } VIP [ tcp PORT | udp PORT ] ...,
 * service show
 */
#include <inttypes.h>
#include <string.h>

#include "nlbs-genl.h"
#include "print.h"

void service_usage(FILE *f)
{
	fputs("Usage: nlbs-genl service add VIP [ tcp PORT | udp PORT ] [ table-size N ]\n"
	      "                             [ nodest { move | drop } ]\n"
	      "       nlbs-genl service set VIP [ tcp PORT | udp PORT ] nodest { move | drop }\n"
	      "       nlbs-genl service del VIP [ tcp PORT | udp PORT ]\n"
	      "       nlbs-genl service show\n"
	      "table-size: the Maglev table, a prime within 251..4194301 (default 65537),\n"
	      "fixed for the life of the service. nodest: what becomes of the flows of a\n"
	      "removed server: they move to another server on their next packet (move,\n"
	      "the default) or are dropped until idle (drop).\n", f);
}

static const struct {
	const char *word;
	enum nlbs_op op;
	uint8_t cmd;
} service_cmds[] = {
	{ "add",	OP_SERVICE_ADD,	NLBS_CMD_SERVICE_ADD },
	{ "set",	OP_SERVICE_SET,	NLBS_CMD_SERVICE_SET },
	{ "del",	OP_SERVICE_DEL,	NLBS_CMD_SERVICE_DEL },
};

/* [ table-size N ] (add only) [ nodest move|drop ] (add and set) */
static int service_opts_parse(struct cli *cli, struct nlbs_req *req,
			      int argc, char **argv, int i)
{
	struct nlbs_service *svc = &req->svc;
	const char *val, *word;
	int ret, nodest;

	while (i < argc) {
		word = argv[i];
		if (!strcmp(word, "table-size") && req->op == OP_SERVICE_ADD) {
			if (svc->present & NLBS_BIT(NLBS_SVC_A_TABLE_SIZE))
				return cli_usage_err(cli, "service: duplicate \"table-size\"");
			ret = arg_next(cli, argc, argv, &i, &val);
			if (!ret)
				ret = arg_u32(cli, "table-size", val, false,
					      &svc->table_size);
			if (ret)
				return ret;
			svc->present |= NLBS_BIT(NLBS_SVC_A_TABLE_SIZE);
		} else if (!strcmp(word, "nodest") && req->op != OP_SERVICE_DEL) {
			if (svc->present & NLBS_BIT(NLBS_SVC_A_NODEST))
				return cli_usage_err(cli, "service: duplicate \"nodest\"");
			ret = arg_next(cli, argc, argv, &i, &val);
			if (ret)
				return ret;
			nodest = nlbs_nodest_from_name(val);
			if (nodest < 0)
				return cli_usage_err(cli, "invalid nodest \"%s\": move or drop",
						     val);
			svc->nodest = (uint8_t)nodest;
			svc->present |= NLBS_BIT(NLBS_SVC_A_NODEST);
		} else {
			return arg_end(cli, argc, argv, i);
		}
	}
	if (req->op == OP_SERVICE_SET &&
	    !(svc->present & NLBS_BIT(NLBS_SVC_A_NODEST)))
		return cli_usage_err(cli, "service set: missing \"nodest move|drop\"");
	return CLI_OK;
}

int service_parse(struct cli *cli, struct nlbs_req *req, int argc, char **argv)
{
	size_t c;
	int i = 1, ret;

	if (!argc || !strcmp(argv[0], "show")) {
		req->op = OP_SERVICE_SHOW;
		req->cmd = NLBS_CMD_SERVICE_GET;
		req->flags = NLM_F_DUMP;
		return arg_end(cli, argc, argv, 1);
	}
	for (c = 0; c < sizeof(service_cmds) / sizeof(service_cmds[0]); c++)
		if (!strcmp(argv[0], service_cmds[c].word))
			break;
	if (c == sizeof(service_cmds) / sizeof(service_cmds[0]))
		return cli_usage_err(cli, "service: unknown command \"%s\"", argv[0]);
	req->op = service_cmds[c].op;
	req->cmd = service_cmds[c].cmd;
	ret = arg_service(cli, argc, argv, &i, &req->svc);
	if (ret)
		return ret;
	req->has_svc = true;
	return service_opts_parse(cli, req, argc, argv, i);
}

/* "VIP [PROTO PORT]"; JSON: vip, proto ("tcp", "udp", "any"), port. */
void print_service_key(const struct nlbs_service *svc)
{
	char buf[ADDR_STRLEN];

	print_str(PRINT_ANY, "vip", "%s",
		  addr_str(svc->present & NLBS_BIT(NLBS_SVC_A_VIP6), svc->vip,
			   svc->vip6, buf));
	if (svc->proto) {
		print_str(PRINT_ANY, "proto", "%s", proto_name(svc->proto));
		print_uint(PRINT_ANY, "port", "%" PRIu64, svc->port);
	} else {
		print_str(PRINT_JSON, "proto", NULL, "any");
	}
}

/* "VIP [PROTO PORT] servers N table N nodest move|drop" */
void print_service(const struct nlbs_service *svc)
{
	const char *nodest;
	char buf[32];

	print_service_key(svc);
	if (svc->present & NLBS_BIT(NLBS_SVC_A_SERVERS)) {
		/* "servers": deprecated, as "server_count" (nlbs-genl(8), JSON) */
		print_uint(PRINT_ANY, "servers", "servers %" PRIu64,
			   svc->servers);
		print_uint(PRINT_JSON, "server_count", NULL, svc->servers);
	}
	if (svc->present & NLBS_BIT(NLBS_SVC_A_TABLE_SIZE))
		print_uint(PRINT_ANY, "table", "table %" PRIu64,
			   svc->table_size);
	if (svc->present & NLBS_BIT(NLBS_SVC_A_NODEST)) {
		nodest = nlbs_nodest_name(svc->nodest);
		if (!nodest) {
			snprintf(buf, sizeof(buf), "unknown-%u", svc->nodest);
			nodest = buf;
		}
		print_str(PRINT_ANY, "nodest", "nodest %s", nodest);
	}
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
