// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * nlbs-genl config { set ... | show }
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <string.h>

#include "nlbs-genl.h"
#include "print.h"

void config_usage(FILE *f)
{
	fputs("Usage: nlbs-genl config set [ access DEV ] [ servers DEV ] [ nlbs ADDR ]\n"
	      "                            [ nlbs6 ADDR6 ] [ garp-count N ] [ garp-interval MS ] [ seed N ]\n"
	      "                            [ flow-max N ] [ flow-timeout-tcp S ]\n"
	      "                            [ flow-timeout-tcp-fin S ] [ flow-timeout-udp S ]\n"
	      "                            [ flow-timeout-syn S ]\n"
	      "       nlbs-genl config show\n"
	      "flow-max: flow table capacity, 0..16777216, 0: no flow table (default: module\n"
	      "parameter flow_max, 262144). Idle timeouts in s, 1..604800: tcp (established)\n"
	      "and udp (default: module parameter flow_timeout, 300), tcp-fin (after a FIN\n"
	      "or RST from the client, default 10), syn (only the SYN seen, default 10).\n",
	      f);
}

static const struct {
	const char *word;
	int attr;
} config_words[] = {
	{ "access",		NLBS_A_ACCESS_IFINDEX },
	{ "servers",		NLBS_A_SERVER_IFINDEX },
	{ "nlbs",		NLBS_A_NLBS_ADDR_BE },
	{ "nlbs6",		NLBS_A_NLBS_ADDR6 },
	{ "garp-count",		NLBS_A_GARP_COUNT },
	{ "garp-interval",	NLBS_A_GARP_INTERVAL },
	{ "seed",		NLBS_A_HASH_SEED },
	{ "flow-max",		NLBS_A_FLOW_MAX },
	{ "flow-timeout-tcp",	NLBS_A_FLOW_TIMEOUT_TCP },
	{ "flow-timeout-tcp-fin", NLBS_A_FLOW_TIMEOUT_TCP_FIN },
	{ "flow-timeout-udp",	NLBS_A_FLOW_TIMEOUT_UDP },
	{ "flow-timeout-syn",	NLBS_A_FLOW_TIMEOUT_SYN },
};

static int config_word(struct cli *cli, struct nlbs_config *cfg, int attr,
		       const char *word, const char *val)
{
	switch (attr) {
	case NLBS_A_ACCESS_IFINDEX:
		return arg_dev(cli, val, &cfg->access_ifindex);
	case NLBS_A_SERVER_IFINDEX:
		return arg_dev(cli, val, &cfg->server_ifindex);
	case NLBS_A_NLBS_ADDR_BE:
		return arg_ipv4(cli, "nlbs address", val, &cfg->nlbs_addr);
	case NLBS_A_NLBS_ADDR6:
		if (inet_pton(AF_INET6, val, cfg->nlbs_addr6) != 1)
			return cli_usage_err(cli, "invalid nlbs6 address \"%s\": not an IPv6 address",
					     val);
		return CLI_OK;
	case NLBS_A_GARP_COUNT:
		return arg_u32(cli, word, val, false, &cfg->garp_count);
	case NLBS_A_GARP_INTERVAL:
		return arg_u32(cli, word, val, false, &cfg->garp_interval);
	case NLBS_A_FLOW_MAX:
		return arg_u32(cli, word, val, false, &cfg->flow_max);
	case NLBS_A_FLOW_TIMEOUT_TCP:
		return arg_u32(cli, word, val, false, &cfg->flow_timeout_tcp);
	case NLBS_A_FLOW_TIMEOUT_TCP_FIN:
		return arg_u32(cli, word, val, false,
			       &cfg->flow_timeout_tcp_fin);
	case NLBS_A_FLOW_TIMEOUT_UDP:
		return arg_u32(cli, word, val, false, &cfg->flow_timeout_udp);
	case NLBS_A_FLOW_TIMEOUT_SYN:
		return arg_u32(cli, word, val, false, &cfg->flow_timeout_syn);
	default:	/* NLBS_A_HASH_SEED: decimal (as nlbsd's hash-seed) or
			 * 0x hex, never octal: "0100" is 100 */
		return arg_u32(cli, word, val, true, &cfg->hash_seed);
	}
}

static int config_set_parse(struct cli *cli, struct nlbs_req *req, int argc,
			    char **argv)
{
	struct nlbs_config *cfg = &req->cfg;
	const char *val;
	size_t w;
	int i = 0, ret;

	if (!argc)
		return cli_usage_err(cli, "config set: nothing to set");
	while (i < argc) {
		for (w = 0; w < sizeof(config_words) / sizeof(config_words[0]); w++)
			if (!strcmp(argv[i], config_words[w].word))
				break;
		if (w == sizeof(config_words) / sizeof(config_words[0]))
			return cli_usage_err(cli, "config set: unknown keyword \"%s\"",
					     argv[i]);
		if (cfg->present & NLBS_BIT(config_words[w].attr))
			return cli_usage_err(cli, "config set: duplicate \"%s\"",
					     argv[i]);
		ret = arg_next(cli, argc, argv, &i, &val);
		if (ret)
			return ret;
		ret = config_word(cli, cfg, config_words[w].attr,
				  config_words[w].word, val);
		if (ret)
			return ret;
		cfg->present |= NLBS_BIT(config_words[w].attr);
	}
	return CLI_OK;
}

int config_parse(struct cli *cli, struct nlbs_req *req, int argc, char **argv)
{
	if (!argc || !strcmp(argv[0], "show")) {
		req->op = OP_CONFIG_SHOW;
		req->cmd = NLBS_CMD_CONFIG_GET;
		return arg_end(cli, argc, argv, 1);
	}
	if (!strcmp(argv[0], "set")) {
		req->op = OP_CONFIG_SET;
		req->cmd = NLBS_CMD_CONFIG_SET;
		return config_set_parse(cli, req, argc - 1, argv + 1);
	}
	return cli_usage_err(cli, "config: unknown command \"%s\"", argv[0]);
}

/*
 * @alias: a second JSON key with the same value (NULL: none): "servers" is
 * kept for the scripts that read it, but it names a device here, a count
 * in service show and an array in stats show; "server_dev" means one thing.
 */
static void print_dev(const char *word, const char *key, const char *alias,
		      const char *key_idx, bool present, uint32_t ifindex,
		      const char *ifname)
{
	char fmt[32], name[IF_NAMESIZE];

	if (!present || !ifindex) {
		print_str(PRINT_FP, NULL, "%s", word);
		print_str(PRINT_FP, NULL, "%s", "none");
		print_null(key);
		if (alias)
			print_null(alias);
		return;
	}
	if (!*ifname)
		ifname = if_indextoname(ifindex, name) ? name : "?";
	snprintf(fmt, sizeof(fmt), "%s %%s", word);
	print_str(PRINT_ANY, key, fmt, ifname);
	if (alias)
		print_str(PRINT_JSON, alias, NULL, ifname);
	print_uint(PRINT_ANY, key_idx, "(ifindex %" PRIu64 ")", ifindex);
}

/* "access DEV (ifindex N) servers DEV (ifindex N) nlbs ADDR garp-count N
 * garp-interval MS seed 0xN flow-max N flow-timeout-tcp S ..." */
void print_config(const struct nlbs_config *cfg)
{
	uint32_t p = cfg->present;
	char buf[ADDR_STRLEN];

	print_dev("access", "access", NULL, "access_ifindex",
		  p & NLBS_BIT(NLBS_A_ACCESS_IFINDEX), cfg->access_ifindex,
		  cfg->access_ifname);
	/* "servers": deprecated, as "server_dev" (nlbs-genl(8), JSON) */
	print_dev("servers", "servers", "server_dev", "servers_ifindex",
		  p & NLBS_BIT(NLBS_A_SERVER_IFINDEX), cfg->server_ifindex,
		  cfg->server_ifname);
	if ((p & NLBS_BIT(NLBS_A_NLBS_ADDR_BE)) && cfg->nlbs_addr) {
		print_str(PRINT_ANY, "nlbs", "nlbs %s",
			  ipv4_str(cfg->nlbs_addr, buf));
	} else {
		print_str(PRINT_FP, NULL, "%s", "nlbs none");
		print_null("nlbs");
	}
	/* Only when set: the output of an IPv4-only instance is as it was. */
	if (p & NLBS_BIT(NLBS_A_NLBS_ADDR6))
		print_str(PRINT_ANY, "nlbs6", "nlbs6 %s",
			  addr_str(true, 0, cfg->nlbs_addr6, buf));
	if (p & NLBS_BIT(NLBS_A_GARP_COUNT))
		print_uint(PRINT_ANY, "garp_count", "garp-count %" PRIu64,
			   cfg->garp_count);
	if (p & NLBS_BIT(NLBS_A_GARP_INTERVAL))
		print_uint(PRINT_ANY, "garp_interval", "garp-interval %" PRIu64,
			   cfg->garp_interval);
	if (p & NLBS_BIT(NLBS_A_HASH_SEED)) {
		print_uint(PRINT_FP, NULL, "seed 0x%08" PRIx64, cfg->hash_seed);
		print_uint(PRINT_JSON, "seed", NULL, cfg->hash_seed);
	}
	if (p & NLBS_BIT(NLBS_A_FLOW_MAX))
		print_uint(PRINT_ANY, "flow_max", "flow-max %" PRIu64,
			   cfg->flow_max);
	if (p & NLBS_BIT(NLBS_A_FLOW_TIMEOUT_TCP))
		print_uint(PRINT_ANY, "flow_timeout_tcp",
			   "flow-timeout-tcp %" PRIu64, cfg->flow_timeout_tcp);
	if (p & NLBS_BIT(NLBS_A_FLOW_TIMEOUT_TCP_FIN))
		print_uint(PRINT_ANY, "flow_timeout_tcp_fin",
			   "flow-timeout-tcp-fin %" PRIu64,
			   cfg->flow_timeout_tcp_fin);
	if (p & NLBS_BIT(NLBS_A_FLOW_TIMEOUT_UDP))
		print_uint(PRINT_ANY, "flow_timeout_udp",
			   "flow-timeout-udp %" PRIu64, cfg->flow_timeout_udp);
	if (p & NLBS_BIT(NLBS_A_FLOW_TIMEOUT_SYN))
		print_uint(PRINT_ANY, "flow_timeout_syn",
			   "flow-timeout-syn %" PRIu64, cfg->flow_timeout_syn);
}

static int config_get_cb(const struct nlmsghdr *nlh, void *data)
{
	if (nlbs_msg_cmd(nlh) != NLBS_CMD_CONFIG_GET)
		return MNL_CB_OK;
	return nlbs_parse_config(nlh, data) < 0 ? MNL_CB_ERROR : MNL_CB_OK;
}

/* Also used by show. */
int config_load(struct cli *cli, struct nlbs_config *cfg)
{
	struct nlmsghdr *nlh = nlbs_nl_req(cli->nl, NLBS_CMD_CONFIG_GET, 0);

	memset(cfg, 0, sizeof(*cfg));
	if (nlbs_nl_run(cli->nl, nlh, config_get_cb, cfg) < 0)
		return cli_nl_error(cli, "config show");
	return CLI_OK;
}

int config_run(struct cli *cli, const struct nlbs_req *req)
{
	struct nlbs_config cfg;
	int ret;

	if (req->op == OP_CONFIG_SET)
		return run_simple(cli, req);
	if (!cli_nl(cli))
		return CLI_FAIL;
	ret = config_load(cli, &cfg);
	print_begin(false);
	if (!ret)
		print_config(&cfg);
	return print_end(!ret) ? CLI_FAIL : ret;
}
