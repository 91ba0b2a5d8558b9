// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * nlbs-genl state { set STATE [lease MS] | show }
 */
#include <inttypes.h>
#include <string.h>

#include "nlbs-genl.h"
#include "print.h"

void state_usage(FILE *f)
{
	fputs("Usage: nlbs-genl state set { init | active | standby | inop } [ lease MS ] [ announce ]\n"
	      "       nlbs-genl state show\n", f);
}

int state_parse(struct cli *cli, struct nlbs_req *req, int argc, char **argv)
{
	const char *val;
	int st, i, ret;

	if (!argc || !strcmp(argv[0], "show")) {
		req->op = OP_STATE_SHOW;
		req->cmd = NLBS_CMD_STATE_GET;
		return arg_end(cli, argc, argv, 1);
	}
	if (strcmp(argv[0], "set"))
		return cli_usage_err(cli, "state: unknown command \"%s\"", argv[0]);
	req->op = OP_STATE_SET;
	req->cmd = NLBS_CMD_STATE_SET;
	if (argc < 2)
		return cli_usage_err(cli, "state set: missing STATE");
	st = nlbs_state_from_name(argv[1]);
	if (st < 0)
		return cli_usage_err(cli, "state set: invalid state \"%s\": init, active, standby or inop",
				     argv[1]);
	req->has_state = true;
	req->state = (uint8_t)st;
	i = 2;
	while (i < argc) {
		if (!strcmp(argv[i], "announce") && !req->announce) {
			req->announce = true;
			i++;
			continue;
		}
		if (strcmp(argv[i], "lease") || req->has_lease)
			return cli_usage_err(cli, "state set: unexpected argument \"%s\"",
					     argv[i]);
		ret = arg_next(cli, argc, argv, &i, &val);
		if (ret)
			return ret;
		ret = arg_u32(cli, "lease", val, false, &req->lease_ms);
		if (ret)
			return ret;
		req->has_lease = true;
	}
	return CLI_OK;
}

void print_state(const struct nlbs_state_info *st)
{
	const char *name = nlbs_state_name(st->state);
	char buf[32];

	if (!name) {
		snprintf(buf, sizeof(buf), "unknown-%u", st->state);
		name = buf;
	}
	print_str(PRINT_ANY, "state", "state %s", name);
	if (st->present & NLBS_BIT(NLBS_A_LEASE_MS))
		print_uint(st->lease_ms ? PRINT_ANY : PRINT_JSON, "lease_ms",
			   "lease %" PRIu64 " ms", st->lease_ms);
	if (st->present & NLBS_BIT(NLBS_A_REASON))
		print_str(PRINT_ANY, "reason", "reason %s", st->reason);
}

static int state_get_cb(const struct nlmsghdr *nlh, void *data)
{
	if (nlbs_msg_cmd(nlh) != NLBS_CMD_STATE_GET)
		return MNL_CB_OK;
	return nlbs_parse_state(nlh, data) < 0 ? MNL_CB_ERROR : MNL_CB_OK;
}

int state_load(struct cli *cli, struct nlbs_state_info *st)
{
	struct nlmsghdr *nlh = nlbs_nl_req(cli->nl, NLBS_CMD_STATE_GET, 0);

	memset(st, 0, sizeof(*st));
	if (nlbs_nl_run(cli->nl, nlh, state_get_cb, st) < 0)
		return cli_nl_error(cli, "state show");
	return CLI_OK;
}

int state_run(struct cli *cli, const struct nlbs_req *req)
{
	struct nlbs_state_info st;
	int ret;

	if (req->op == OP_STATE_SET)
		return run_simple(cli, req);
	if (!cli_nl(cli))
		return CLI_FAIL;
	ret = state_load(cli, &st);
	print_begin(false);
	if (!ret)
		print_state(&st);
	return print_end(!ret) ? CLI_FAIL : ret;
}
