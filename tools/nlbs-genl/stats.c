// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * nlbs-genl stats [ show | reset ]: instance and per-server counters.
 */
#include <inttypes.h>
#include <string.h>

#include "nlbs-genl.h"
#include "print.h"

void stats_usage(FILE *f)
{
	fputs("Usage: nlbs-genl stats [ show | reset ]\n", f);
}

int stats_parse(struct cli *cli, struct nlbs_req *req, int argc, char **argv)
{
	if (!argc || !strcmp(argv[0], "show")) {
		req->op = OP_STATS_SHOW;
		req->cmd = NLBS_CMD_STATS_GET;
	} else if (!strcmp(argv[0], "reset")) {
		req->op = OP_STATS_RESET;
		req->cmd = NLBS_CMD_STATS_RESET;
	} else {
		return cli_usage_err(cli, "stats: unknown command \"%s\"", argv[0]);
	}
	return arg_end(cli, argc, argv, 1);
}

/* One "name value" line per counter; JSON key: the name with '_' for '-'. */
void print_stats(const struct nlbs_stats *stats)
{
	char key[32], fmt[48];
	const char *name;
	unsigned int a;
	char *c;

	for (a = 1; a <= NLBS_STATS_A_MAX; a++) {
		name = nlbs_stats_name(a);
		if (!name || !(stats->present & NLBS_BIT(a)))
			continue;
		snprintf(key, sizeof(key), "%s", name);
		for (c = key; *c; c++)
			if (*c == '-')
				*c = '_';
		snprintf(fmt, sizeof(fmt), "%s %%" PRIu64, name);
		print_uint(PRINT_ANY, key, fmt, stats->val[a]);
		print_nl();
	}
}

/* service VIP [PROTO PORT] server ADDR packets N bytes N */
static int stats_server_cb(const struct nlbs_service *svc,
			   const struct nlbs_server *srv, void *data)
{
	struct nlbs_server s = *srv;

	(void)data;
	s.present &= NLBS_BIT(NLBS_SRV_A_ADDR_BE) |
		     NLBS_BIT(NLBS_SRV_A_PACKETS) | NLBS_BIT(NLBS_SRV_A_BYTES);
	print_open_object(NULL);
	print_str(PRINT_FP, NULL, "%s", "service");
	print_service_key(svc);
	print_str(PRINT_FP, NULL, "%s", "server");
	print_server(&s);
	print_nl();
	print_close_object();
	return 0;
}

int stats_run(struct cli *cli, const struct nlbs_req *req)
{
	struct nlbs_stats stats;
	int ret, tries;

	if (req->op == OP_STATS_RESET)
		return run_simple(cli, req);
	if (!cli_nl(cli))
		return CLI_FAIL;
	/* Output is buffered until print_end(): a torn dump is dropped, and
	 * the counters are read again with the servers. */
	for (tries = 1;; tries++) {
		if (nlbs_stats_get(cli->nl, &stats) < 0)
			return cli_nl_error(cli, "stats show");
		print_begin(false);
		print_stats(&stats);
		print_open_array("servers");
		ret = nlbs_server_dump(cli->nl, NULL, stats_server_cb, NULL);
		print_close_array();
		if (!dump_again(ret, tries))
			break;
		print_end(false);
	}
	ret = ret < 0 ? cli_nl_error(cli, "server show") : CLI_OK;
	return print_end(!ret) ? CLI_FAIL : ret;
}
