// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * nlbs-genl: configure the nlbs module over generic netlink.
 *
 * main.c holds the option parsing, the table of objects, and batch mode.
 * Each object (config, state, service, server, show, stats, monitor, flow)
 * lives in its own file with a parse() and a run().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nlbs-genl.h"
#include "print.h"

/* OBJECT { COMMAND | help }: each object parses its own commands. */
static const struct cli_object objects[] = {
	{ "config",  config_parse,  config_run,  config_usage },
	{ "state",   state_parse,   state_run,   state_usage },
	{ "service", service_parse, service_run, service_usage },
	{ "server",  server_parse,  server_run,  server_usage },
	{ "show",    show_parse,    show_run,    show_usage },
	{ "stats",   stats_parse,   stats_run,   stats_usage },
	{ "monitor", monitor_parse, monitor_run, monitor_usage },
	{ "flow",    flow_parse,    flow_run,    flow_usage },
	{ NULL, NULL, NULL, NULL }
};

void cli_usage(FILE *f)
{
	const struct cli_object *o;

	fputs("Usage: nlbs-genl [OPTIONS] OBJECT { COMMAND | help }\n"
	      "       nlbs-genl [OPTIONS] -b FILE\n"
	      "OPTIONS := { -j[son] [-p[retty]] | -n[etns] NETNS | -b[atch] FILE |\n"
	      "             -h[elp] | -V[ersion] }\n"
	      "OBJECT := { config | state | service | server | show | stats | monitor |\n"
	      "            flow }\n\n",
	      f);
	for (o = objects; o->name; o++)
		o->usage(f);
}

static const struct cli_object *find_object(const char *name)
{
	const struct cli_object *o;

	for (o = objects; o->name; o++)
		if (!strcmp(o->name, name))
			return o;
	return NULL;
}

int cli_parse(struct cli *cli, struct nlbs_req *req, int argc, char **argv)
{
	const struct cli_object *obj;

	memset(req, 0, sizeof(*req));
	cli->err[0] = '\0';
	if (argc < 1)
		return cli_usage_err(cli, "missing OBJECT");
	if (!strcmp(argv[0], "help")) {
		req->op = OP_HELP;
		return arg_end(cli, argc, argv, 1);
	}
	obj = find_object(argv[0]);
	if (!obj)
		return cli_usage_err(cli, "unknown object \"%s\"", argv[0]);
	req->obj = obj;
	if (argc > 1 && !strcmp(argv[1], "help")) {
		req->op = OP_HELP;
		return arg_end(cli, argc, argv, 2);
	}
	return obj->parse(cli, req, argc - 1, argv + 1);
}

int cli_run(struct cli *cli, const struct nlbs_req *req)
{
	if (req->op == OP_HELP) {
		if (req->obj)
			req->obj->usage(stdout);
		else
			cli_usage(stdout);
		return fflush(stdout) ? CLI_FAIL : CLI_OK;
	}
	return req->obj->run(cli, req);
}

static void report_parse_error(struct cli *cli, const struct nlbs_req *req,
			       int ret, bool batch)
{
	fprintf(stderr, "Error: %s\n", cli->err);
	if (ret != CLI_USAGE || batch)
		return;
	if (req->obj)
		req->obj->usage(stderr);
	else
		cli_usage(stderr);
}

/* ---- batch ------------------------------------------------------------------ */

/* As ip -batch: whatever failed, and where, the batch exits 1. */
#define CLI_BATCH_FAIL	1

#define MAX_ARGS 64

/* Split line into words: blanks separate, "..." and '...' quote, # starts a
 * comment. Returns the number of words, -1 if there are too many or a quote
 * is not closed. */
static int split_line(char *line, char **argv)
{
	int argc = 0;
	char *p = line, *out;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (!*p || *p == '#')
			return argc;
		if (argc == MAX_ARGS)
			return -1;
		argv[argc++] = out = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n' &&
		       *p != '\r') {
			if (*p == '"' || *p == '\'') {
				char q = *p++;

				while (*p && *p != q)
					*out++ = *p++;
				if (!*p)
					return -1;
				p++;
			} else {
				*out++ = *p++;
			}
		}
		if (*p)
			p++;
		*out = '\0';
	}
}

static int run_batch(struct cli *cli, const char *name)
{
	FILE *f = stdin;
	char *line = NULL, *argv[MAX_ARGS];
	size_t size = 0;
	unsigned long lineno = 0;
	struct nlbs_req req;
	int argc, ret = CLI_OK;

	cli->batch = true;
	if (strcmp(name, "-")) {
		f = fopen(name, "r");
		if (!f) {
			fprintf(stderr, "Error: cannot open \"%s\": %s\n", name,
				strerror(errno));
			return CLI_BATCH_FAIL;
		}
	}
	while (getline(&line, &size, f) >= 0) {
		lineno++;
		cli->lineno = lineno;
		cli->failed_line = 0;
		argc = split_line(line, argv);
		if (argc == 0)
			continue;
		if (argc < 0) {
			fprintf(stderr, "Error: too many words or an unclosed quote\n");
			ret = CLI_USAGE;
		} else {
			ret = cli_parse(cli, &req, argc, argv);
			if (ret)
				report_parse_error(cli, &req, ret, true);
			/* Pipelined changes go before anything else. */
			else if (!cli_pipelined(cli, &req))
				ret = cli_flush(cli);
			if (!ret)
				ret = cli_run(cli, &req);
		}
		if (ret) {
			fprintf(stderr, "Command failed %s:%lu\n", name,
				cli->failed_line ?: lineno);
			ret = CLI_BATCH_FAIL;
			break;
		}
	}
	if (!ret && ferror(f)) {
		fprintf(stderr, "Error: reading \"%s\": %s\n", name,
			strerror(errno));
		ret = CLI_BATCH_FAIL;
	}
	/* What went in takes effect, also when a later line failed. */
	cli->failed_line = 0;
	if (cli_commit(cli)) {
		if (cli->failed_line)
			fprintf(stderr, "Command failed %s:%lu\n", name,
				cli->failed_line);
		ret = CLI_BATCH_FAIL;
	}
	free(line);
	if (f != stdin)
		fclose(f);
	return ret;
}

/* ---- main ------------------------------------------------------------------- */

static unsigned int resolve_dev(const char *name)
{
	return if_nametoindex(name);
}

int main(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "json",	no_argument,		NULL, 'j' },
		{ "pretty",	no_argument,		NULL, 'p' },
		{ "netns",	required_argument,	NULL, 'n' },
		{ "batch",	required_argument,	NULL, 'b' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct cli cli = { .resolve = resolve_dev };
	const char *batch = NULL;
	struct nlbs_req req;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "+jpn:b:hV", long_opts,
				  NULL)) != -1) {
		switch (opt) {
		case 'j':
			cli.json = true;
			break;
		case 'p':
			cli.pretty = true;
			break;
		case 'n':
			cli.netns = optarg;
			break;
		case 'b':
			batch = optarg;
			break;
		case 'h':
			cli_usage(stdout);
			return CLI_OK;
		case 'V':
			printf("nlbs-genl %s\n", NLBS_GENL_TOOL_VERSION);
			return CLI_OK;
		default:
			cli_usage(stderr);
			return CLI_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (batch && argc) {
		fprintf(stderr, "Error: -b takes no command on the command line\n");
		return CLI_USAGE;
	}
	if (!batch && !argc) {
		cli_usage(stderr);
		return CLI_USAGE;
	}
	print_init(cli.json, cli.pretty);

	/* Like ip -n: enter the namespace before anything is resolved. */
	if (cli.netns) {
		ret = nlbs_netns_enter(cli.netns);
		if (ret < 0) {
			fprintf(stderr, "Error: cannot enter network namespace \"%s\": %s\n",
				cli.netns, strerror(-ret));
			return CLI_FAIL;
		}
	}

	if (batch) {
		ret = run_batch(&cli, batch);
	} else {
		ret = cli_parse(&cli, &req, argc, argv);
		if (ret)
			report_parse_error(&cli, &req, ret, false);
		else
			ret = cli_run(&cli, &req);
	}
	nlbs_nl_close(cli.nl);
	return ret == CLI_LOCAL ? CLI_USAGE : ret;
}
