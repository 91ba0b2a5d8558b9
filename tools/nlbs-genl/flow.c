// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * nlbs-genl flow { show | flush | add }: the flow table, the server each
 * known TCP/UDP flow keeps across weight changes.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>

#include "nlbs-genl.h"
#include "print.h"

void flow_usage(FILE *f)
{
	fputs("Usage: nlbs-genl flow [ show [ VIP [ tcp PORT | udp PORT ] ] [ server ADDR ] ]\n"
	      "       nlbs-genl flow flush [ VIP [ tcp PORT | udp PORT ] ]... [ server ADDR ]\n"
	      "       nlbs-genl flow add VIP { tcp | udp } PORT client ADDR sport PORT\n"
	      "                          server ADDR [ idle MS ] [ fin ]\n"
	      "flush without a VIP or server forgets every flow. add imports one flow, as\n"
	      "the peer NLB's sync does; the server must be a server of the service.\n", f);
}

void svc_to_filter(const struct nlbs_service *svc, struct nlbs_flow_filter *f)
{
	f->has_vip = true;
	f->vip = svc->vip;
	f->vip_is6 = svc->present & NLBS_BIT(NLBS_SVC_A_VIP6);
	memcpy(f->vip6, svc->vip6, sizeof(f->vip6));
	f->proto = svc->proto;
	f->port = svc->proto ? svc->port : 0;
}

void flow_flush_filter(const struct nlbs_req *req, unsigned int i,
		       struct nlbs_flow_filter *f)
{
	*f = req->filter;	/* the server, if any */
	if (i < req->nflush_svc)
		svc_to_filter(&req->flush_svc[i], f);
}

/* "server ADDR" at argv[*i], the last words of show and flush. */
static int filter_server_parse(struct cli *cli, struct nlbs_req *req, int argc,
			       char **argv, int *i)
{
	const char *val;
	int ret;

	if (*i >= argc || strcmp(argv[*i], "server"))
		return CLI_OK;
	ret = arg_next(cli, argc, argv, i, &val);
	if (!ret)
		ret = arg_addr(cli, "server address", val, &req->filter.server,
			       req->filter.server6, &req->filter.server_is6);
	if (ret)
		return ret;
	req->filter.has_server = true;
	return CLI_OK;
}

/*
 * An IPv4 VIP starts with a digit, an IPv6 one has a colon; any other word
 * is not one (nor a keyword).
 */
static bool at_vip(int argc, char **argv, int i)
{
	return i < argc && (isdigit((unsigned char)argv[i][0]) ||
			    strchr(argv[i], ':'));
}

static int flow_show_parse(struct cli *cli, struct nlbs_req *req, int argc,
			   char **argv)
{
	struct nlbs_service svc;
	int i = 1, ret;

	req->op = OP_FLOW_SHOW;
	req->cmd = NLBS_CMD_FLOW_GET;
	req->flags = NLM_F_DUMP;
	if (at_vip(argc, argv, i)) {
		ret = arg_service(cli, argc, argv, &i, &svc);
		if (ret)
			return ret;
		svc_to_filter(&svc, &req->filter);
	}
	ret = filter_server_parse(cli, req, argc, argv, &i);
	if (ret)
		return ret;
	return arg_end(cli, argc, argv, i);
}

static int flow_flush_parse(struct cli *cli, struct nlbs_req *req, int argc,
			    char **argv)
{
	int i = 1, ret;

	req->op = OP_FLOW_FLUSH;
	req->cmd = NLBS_CMD_FLOW_DEL;
	while (at_vip(argc, argv, i)) {
		if (req->nflush_svc == FLOW_FLUSH_MAX)
			return cli_usage_err(cli, "flow flush: more than %d services",
					     FLOW_FLUSH_MAX);
		ret = arg_service(cli, argc, argv, &i,
				  &req->flush_svc[req->nflush_svc]);
		if (ret)
			return ret;
		req->nflush_svc++;
	}
	ret = filter_server_parse(cli, req, argc, argv, &i);
	if (ret)
		return ret;
	return arg_end(cli, argc, argv, i);
}

static int arg_port(struct cli *cli, const char *what, const char *s,
		    uint16_t *port)
{
	uint32_t v;
	int ret;

	ret = arg_u32(cli, what, s, false, &v);
	if (ret)
		return ret;
	if (v < 1 || v > 65535)
		return cli_usage_err(cli, "invalid %s \"%s\": 1..65535", what, s);
	*port = (uint16_t)v;
	return CLI_OK;
}

/*
 * client ADDR sport PORT server ADDR [idle MS] [fin], in any order; the
 * addresses of the VIP's family (NLBS_FLOW_A_SADDR6 in present: IPv6).
 */
static int flow_add_opts_parse(struct cli *cli, struct nlbs_flow *fl,
			       int argc, char **argv, int i)
{
	bool v6 = fl->present & NLBS_BIT(NLBS_FLOW_A_SADDR6), is6 = v6;
	const char *word, *val;
	uint32_t bit;
	int ret;

	while (i < argc) {
		word = argv[i];
		if (!strcmp(word, "client"))
			bit = NLBS_BIT(NLBS_FLOW_A_SADDR_BE);
		else if (!strcmp(word, "sport"))
			bit = NLBS_BIT(NLBS_FLOW_A_SPORT);
		else if (!strcmp(word, "server"))
			bit = NLBS_BIT(NLBS_FLOW_A_SERVER_BE);
		else if (!strcmp(word, "idle"))
			bit = NLBS_BIT(NLBS_FLOW_A_IDLE_MS);
		else if (!strcmp(word, "fin"))
			bit = NLBS_BIT(NLBS_FLOW_A_FLAGS);
		else
			return cli_usage_err(cli, "flow add: unexpected argument \"%s\"",
					     word);
		if (fl->present & bit)
			return cli_usage_err(cli, "flow add: duplicate \"%s\"", word);
		fl->present |= bit;
		if (bit == NLBS_BIT(NLBS_FLOW_A_FLAGS)) {
			if (fl->proto != IPPROTO_TCP)
				return cli_usage_err(cli, "flow add: \"fin\" is for tcp flows");
			fl->flags = NLBS_FLOW_F_FIN;
			i++;
			continue;
		}
		ret = arg_next(cli, argc, argv, &i, &val);
		if (ret)
			return ret;
		if (bit == NLBS_BIT(NLBS_FLOW_A_SADDR_BE))
			ret = arg_addr(cli, "client address", val, &fl->saddr,
				       fl->saddr6, &is6);
		else if (bit == NLBS_BIT(NLBS_FLOW_A_SPORT))
			ret = arg_port(cli, "sport", val, &fl->sport);
		else if (bit == NLBS_BIT(NLBS_FLOW_A_SERVER_BE))
			ret = arg_addr(cli, "server address", val, &fl->server,
				       fl->server6, &is6);
		else
			ret = arg_u32(cli, "idle", val, false, &fl->idle_ms);
		if (ret)
			return ret;
		if (is6 != v6)
			return cli_usage_err(cli, "flow add: \"%s\" must be of the VIP's family",
					     val);
	}
	if (!(fl->present & NLBS_BIT(NLBS_FLOW_A_SADDR_BE)))
		return cli_usage_err(cli, "flow add: missing \"client ADDR\"");
	if (!(fl->present & NLBS_BIT(NLBS_FLOW_A_SPORT)))
		return cli_usage_err(cli, "flow add: missing \"sport PORT\"");
	if (!(fl->present & NLBS_BIT(NLBS_FLOW_A_SERVER_BE)))
		return cli_usage_err(cli, "flow add: missing \"server ADDR\"");
	return CLI_OK;
}

static int flow_add_parse(struct cli *cli, struct nlbs_req *req, int argc,
			  char **argv)
{
	struct nlbs_flow *fl = &req->flow;
	struct nlbs_service svc;
	int i = 1, ret;

	req->op = OP_FLOW_ADD;
	req->cmd = NLBS_CMD_FLOW_ADD;
	ret = arg_service(cli, argc, argv, &i, &svc);
	if (ret)
		return ret;
	if (!svc.proto)
		return cli_usage_err(cli, "flow add: missing \"tcp PORT\" or \"udp PORT\"");
	fl->daddr = svc.vip;
	memcpy(fl->daddr6, svc.vip6, sizeof(fl->daddr6));
	fl->proto = svc.proto;
	fl->dport = svc.port;
	fl->present = NLBS_BIT(NLBS_FLOW_A_DADDR_BE) |
		      NLBS_BIT(NLBS_FLOW_A_PROTO) | NLBS_BIT(NLBS_FLOW_A_DPORT);
	if (svc.present & NLBS_BIT(NLBS_SVC_A_VIP6))
		fl->present |= NLBS_BIT(NLBS_FLOW_A_SADDR6);
	req->has_flow = true;
	return flow_add_opts_parse(cli, fl, argc, argv, i);
}

int flow_parse(struct cli *cli, struct nlbs_req *req, int argc, char **argv)
{
	if (!argc || !strcmp(argv[0], "show"))
		return flow_show_parse(cli, req, argc, argv);
	if (!strcmp(argv[0], "flush"))
		return flow_flush_parse(cli, req, argc, argv);
	if (!strcmp(argv[0], "add"))
		return flow_add_parse(cli, req, argc, argv);
	return cli_usage_err(cli, "flow: unknown command \"%s\"", argv[0]);
}

/* "flags fin,syn,imported"; JSON: "flags": ["fin", "syn", "imported"], an
 * unknown bit as "0x8". */
static void print_flow_flags(uint32_t flags)
{
	char text[64] = "", name[16];
	const char *n;
	size_t len = 0;
	uint32_t bit;

	print_open_array("flags");
	for (bit = 1; bit; bit <<= 1) {
		if (!(flags & bit))
			continue;
		n = nlbs_flow_flag_name(bit);
		if (!n) {
			snprintf(name, sizeof(name), "0x%x", bit);
			n = name;
		}
		print_str(PRINT_JSON, NULL, NULL, n);
		len += snprintf(text + len, sizeof(text) - len, "%s%s",
				len ? "," : "", n);
		if (len >= sizeof(text))
			len = sizeof(text) - 1;
	}
	print_close_array();
	if (flags)
		print_str(PRINT_FP, NULL, "flags %s", text);
}

/* "flow PROTO SADDR:SPORT -> DADDR:DPORT server ADDR idle N ms [flags F,F]"
 * JSON: proto, saddr, sport, daddr, dport, server, idle_ms, flags. An IPv6
 * endpoint is [ADDR]:PORT in text. */
void print_flow(const struct nlbs_flow *flow)
{
	bool v6 = flow->present & NLBS_BIT(NLBS_FLOW_A_SADDR6);
	const char *fmt = v6 ? "[%s]:%u" : "%s:%u";
	char buf[ADDR_STRLEN], ep[ADDR_STRLEN + 8];

	print_str(PRINT_FP, NULL, "%s", "flow");
	print_str(PRINT_ANY, "proto", "%s", proto_name(flow->proto));
	addr_str(v6, flow->saddr, flow->saddr6, buf);
	snprintf(ep, sizeof(ep), fmt, buf, flow->sport);
	print_str(PRINT_FP, NULL, "%s", ep);
	print_str(PRINT_JSON, "saddr", NULL, buf);
	print_uint(PRINT_JSON, "sport", NULL, flow->sport);
	print_str(PRINT_FP, NULL, "%s", "->");
	addr_str(v6, flow->daddr, flow->daddr6, buf);
	snprintf(ep, sizeof(ep), fmt, buf, flow->dport);
	print_str(PRINT_FP, NULL, "%s", ep);
	print_str(PRINT_JSON, "daddr", NULL, buf);
	print_uint(PRINT_JSON, "dport", NULL, flow->dport);
	print_str(PRINT_ANY, "server", "server %s",
		  addr_str(v6, flow->server, flow->server6, buf));
	if (flow->present & NLBS_BIT(NLBS_FLOW_A_IDLE_MS))
		print_uint(PRINT_ANY, "idle_ms", "idle %" PRIu64 " ms",
			   flow->idle_ms);
	if (flow->present & NLBS_BIT(NLBS_FLOW_A_FLAGS))
		print_flow_flags(flow->flags);
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

static int flow_show_run(struct cli *cli, const struct nlbs_req *req)
{
	int ret, tries;

	/* Output is buffered until print_end(): a torn dump is dropped. */
	for (tries = 1;; tries++) {
		print_begin(true);
		ret = nlbs_flow_dump_filter(cli->nl, &req->filter,
					    flow_print_cb, NULL);
		if (!dump_again(ret, tries))
			break;
		print_end(false);
	}
	ret = ret < 0 ? cli_nl_error(cli, "flow show") : CLI_OK;
	return print_end(!ret) ? CLI_FAIL : ret;
}

/* One request a service named (one in all without any); the first failure
 * ends it. */
static int flow_flush_run(struct cli *cli, const struct nlbs_req *req)
{
	struct nlbs_flow_filter f;
	unsigned int i = 0;

	do {
		flow_flush_filter(req, i, &f);
		if (nlbs_flow_flush(cli->nl, &f) < 0)
			return cli_nl_error(cli, "flow flush");
	} while (++i < req->nflush_svc);
	return CLI_OK;
}

int flow_run(struct cli *cli, const struct nlbs_req *req)
{
	if (req->op == OP_FLOW_ADD)
		return run_simple(cli, req);
	if (!cli_nl(cli))
		return CLI_FAIL;
	if (req->op == OP_FLOW_FLUSH)
		return flow_flush_run(cli, req);
	return flow_show_run(cli, req);
}
