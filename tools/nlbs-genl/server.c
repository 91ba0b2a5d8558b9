// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * nlbs-genl server { add | set | del | show } VIP [ tcp PORT | udp PORT ] ...
 */
#include <inttypes.h>
#include <string.h>

#include "nlbs-genl.h"
#include "print.h"

void server_usage(FILE *f)
{
	fputs("Usage: nlbs-genl server add VIP [ tcp PORT | udp PORT ] ADDR [ weight W ] [ mac LLADDR ]\n"
	      "       nlbs-genl server set VIP [ tcp PORT | udp PORT ] ADDR weight W\n"
	      "       nlbs-genl server del VIP [ tcp PORT | udp PORT ] ADDR\n"
	      "       nlbs-genl server show [ VIP [ tcp PORT | udp PORT ] ]\n", f);
}

static const struct {
	const char *word;
	enum nlbs_op op;
	uint8_t cmd;
} server_cmds[] = {
	{ "add",	OP_SERVER_ADD,	NLBS_CMD_SERVER_ADD },
	{ "set",	OP_SERVER_SET,	NLBS_CMD_SERVER_SET },
	{ "del",	OP_SERVER_DEL,	NLBS_CMD_SERVER_DEL },
};

static int server_opts_parse(struct cli *cli, struct nlbs_req *req,
			     const char *cmd, int argc, char **argv, int i)
{
	struct nlbs_server *srv = &req->srv;
	const char *val, *word;
	int ret;

	while (i < argc) {
		word = argv[i];
		if (!strcmp(word, "weight") && req->op != OP_SERVER_DEL) {
			if (srv->present & NLBS_BIT(NLBS_SRV_A_WEIGHT))
				return cli_usage_err(cli, "server: duplicate \"weight\"");
			ret = arg_next(cli, argc, argv, &i, &val);
			if (!ret)
				ret = arg_u32(cli, "weight", val, false,
					      &srv->weight);
			if (ret)
				return ret;
			srv->present |= NLBS_BIT(NLBS_SRV_A_WEIGHT);
		} else if (!strcmp(word, "mac") && req->op == OP_SERVER_ADD) {
			if (srv->present & NLBS_BIT(NLBS_SRV_A_MAC))
				return cli_usage_err(cli, "server: duplicate \"mac\"");
			ret = arg_next(cli, argc, argv, &i, &val);
			if (!ret)
				ret = arg_mac(cli, val, srv->mac);
			if (ret)
				return ret;
			srv->present |= NLBS_BIT(NLBS_SRV_A_MAC);
		} else {
			return cli_usage_err(cli, "server %s: unexpected argument \"%s\"",
					     cmd, word);
		}
	}
	if (req->op == OP_SERVER_SET &&
	    !(srv->present & NLBS_BIT(NLBS_SRV_A_WEIGHT)))
		return cli_usage_err(cli, "server set: missing \"weight W\"");
	return CLI_OK;
}

int server_parse(struct cli *cli, struct nlbs_req *req, int argc, char **argv)
{
	size_t c;
	int i = 1, ret;
	bool is6;

	if (!argc || !strcmp(argv[0], "show")) {
		req->op = OP_SERVER_SHOW;
		req->cmd = NLBS_CMD_SERVER_GET;
		req->flags = NLM_F_DUMP;
		if (argc > 1) {
			ret = arg_service(cli, argc, argv, &i, &req->svc);
			if (ret)
				return ret;
			req->has_svc = true;
		}
		return arg_end(cli, argc, argv, i);
	}
	for (c = 0; c < sizeof(server_cmds) / sizeof(server_cmds[0]); c++)
		if (!strcmp(argv[0], server_cmds[c].word))
			break;
	if (c == sizeof(server_cmds) / sizeof(server_cmds[0]))
		return cli_usage_err(cli, "server: unknown command \"%s\"", argv[0]);
	req->op = server_cmds[c].op;
	req->cmd = server_cmds[c].cmd;
	ret = arg_service(cli, argc, argv, &i, &req->svc);
	if (ret)
		return ret;
	req->has_svc = true;
	if (i >= argc)
		return cli_usage_err(cli, "server %s: missing server ADDR", argv[0]);
	ret = arg_addr(cli, "server address", argv[i], &req->srv.addr,
		       req->srv.addr6, &is6);
	if (ret)
		return ret;
	if (is6 != !!(req->svc.present & NLBS_BIT(NLBS_SVC_A_VIP6)))
		return cli_usage_err(cli, "server %s: the server address must be of the VIP's family",
				     argv[0]);
	req->srv.present = NLBS_BIT(is6 ? NLBS_SRV_A_ADDR6 : NLBS_SRV_A_ADDR_BE);
	req->has_srv = true;
	return server_opts_parse(cli, req, argv[0], argc, argv, i + 1);
}

/* "ADDR weight W [mac M] [packets N bytes N] [active-flows N new-flows N]" */
void print_server(const struct nlbs_server *srv)
{
	char buf[ADDR_STRLEN], mac[18];
	const uint8_t *m = srv->mac;

	print_str(PRINT_ANY, "addr", "%s",
		  addr_str(srv->present & NLBS_BIT(NLBS_SRV_A_ADDR6), srv->addr,
			   srv->addr6, buf));
	if (srv->present & NLBS_BIT(NLBS_SRV_A_WEIGHT))
		print_uint(PRINT_ANY, "weight", "weight %" PRIu64, srv->weight);
	if (srv->present & NLBS_BIT(NLBS_SRV_A_MAC)) {
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x",
			 m[0], m[1], m[2], m[3], m[4], m[5]);
		print_str(PRINT_ANY, "mac", "mac %s", mac);
	}
	if (srv->present & NLBS_BIT(NLBS_SRV_A_PACKETS))
		print_uint(PRINT_ANY, "packets", "packets %" PRIu64,
			   srv->packets);
	if (srv->present & NLBS_BIT(NLBS_SRV_A_BYTES))
		print_uint(PRINT_ANY, "bytes", "bytes %" PRIu64, srv->bytes);
	if (srv->present & NLBS_BIT(NLBS_SRV_A_ACTIVE_FLOWS))
		print_uint(PRINT_ANY, "active_flows", "active-flows %" PRIu64,
			   srv->active_flows);
	if (srv->present & NLBS_BIT(NLBS_SRV_A_NEW_FLOWS))
		print_uint(PRINT_ANY, "new_flows", "new-flows %" PRIu64,
			   srv->new_flows);
}

int server_run(struct cli *cli, const struct nlbs_req *req)
{
	struct svc_list *l;
	int ret;

	if (req->op != OP_SERVER_SHOW)
		return run_simple(cli, req);
	if (!cli_nl(cli))
		return CLI_FAIL;
	ret = svc_list_load(cli, &l, false, req->has_svc ? &req->svc : NULL);
	print_begin(true);
	if (!ret)
		svc_list_print(l, false);
	svc_list_free(l);
	return print_end(!ret) ? CLI_FAIL : ret;
}
