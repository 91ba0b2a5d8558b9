/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * nlbs-genl: shared types of the command files.
 *
 * Every command is handled in two steps. parse() turns the words of one
 * command line into a struct nlbs_req (a description of the request: no
 * socket, so the unit tests can drive it); run() sends it and prints the
 * answer through print.h.
 */
#ifndef NLBS_GENL_H
#define NLBS_GENL_H

#include <stdbool.h>
#include <stdio.h>

#include "nlbs_nl.h"

#define NLBS_GENL_TOOL_VERSION	"0.1.0"

/*
 * Exit codes, as ip(8)'s, also the return values of parse() and run().
 * CLI_LOCAL is returned by parse() only and exits as CLI_USAGE, without
 * the usage text.
 */
enum {
	CLI_OK		= 0,
	CLI_USAGE	= 1,	/* bad command line */
	CLI_FAIL	= 2,	/* the kernel refused the request, or it could not be made */
	CLI_LOCAL	= 3,	/* a name that does not resolve (device): exit 1 */
};

enum nlbs_op {
	OP_NONE,
	OP_HELP,		/* "OBJECT help": print the object's usage */
	OP_CONFIG_SET,
	OP_CONFIG_SHOW,
	OP_STATE_SET,
	OP_STATE_SHOW,
	OP_SERVICE_ADD,
	OP_SERVICE_DEL,
	OP_SERVICE_SHOW,
	OP_SERVICE_SET,
	OP_SERVER_ADD,
	OP_SERVER_SET,
	OP_SERVER_DEL,
	OP_SERVER_SHOW,
	OP_SHOW,
	OP_STATS_SHOW,
	OP_STATS_RESET,
	OP_MONITOR,
	OP_FLOW_SHOW,
	OP_FLOW_FLUSH,
	OP_FLOW_ADD,
};

/* flow flush: the services named on one command line, one request each. */
#define FLOW_FLUSH_MAX	64

struct cli_object;

/* One parsed command. cmd/flags: the (first) genetlink request it sends. */
struct nlbs_req {
	const struct cli_object *obj;
	enum nlbs_op op;
	uint8_t cmd;
	uint16_t flags;			/* NLM_F_DUMP or 0 */
	struct nlbs_config cfg;		/* config set */
	bool has_state;
	uint8_t state;
	bool has_lease;
	uint32_t lease_ms;
	bool announce;			/* state set ... announce */
	bool has_svc;			/* service and server commands */
	struct nlbs_service svc;
	bool has_srv;
	struct nlbs_server srv;
	bool monitor_flows;		/* monitor flows */
	bool monitor_ts;		/* monitor -t: a timestamp per line */
	struct nlbs_flow_filter filter;	/* flow show, flow flush */
	struct nlbs_service flush_svc[FLOW_FLUSH_MAX];	/* flow flush VIP ... */
	unsigned int nflush_svc;
	bool has_flow;			/* flow add */
	struct nlbs_flow flow;
};

/* Device name -> ifindex in the target namespace, 0 if there is none. */
typedef unsigned int (*cli_resolve_fn)(const char *name);

struct cli {
	bool json;
	bool pretty;
	const char *netns;
	cli_resolve_fn resolve;
	struct nlbs_nl *nl;		/* opened on first use, then kept */
	char err[512];			/* message of a failed parse() */
	bool batch;			/* -b: server changes are deferred */
	bool deferred;			/* ... and one was sent: commit */
	/* -b: changes pipelined (nlbs_nl_pipe_req()), each with its line */
	unsigned long lineno;		/* the line being run */
	unsigned long pipe_line[NLBS_NL_PIPE_MAX];
	unsigned long failed_line;	/* set by a failed cli_flush() */
};

struct cli_object {
	const char *name;
	int (*parse)(struct cli *cli, struct nlbs_req *req, int argc,
		     char **argv);
	int (*run)(struct cli *cli, const struct nlbs_req *req);
	void (*usage)(FILE *f);
};

/* main.c */
void cli_usage(FILE *f);
int cli_parse(struct cli *cli, struct nlbs_req *req, int argc, char **argv);
int cli_run(struct cli *cli, const struct nlbs_req *req);

/* util.c: argument parsing (all set cli->err and return CLI_USAGE/CLI_FAIL) */
int cli_usage_err(struct cli *cli, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int cli_fail(struct cli *cli, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Decimal, or with hex also 0x/0X hexadecimal; never octal. */
int arg_u32(struct cli *cli, const char *what, const char *s, bool hex,
	    uint32_t *v);
int arg_ipv4(struct cli *cli, const char *what, const char *s, uint32_t *v);
/* An IPv4 address into *v4 or an IPv6 one into v6, *is6 saying which. */
int arg_addr(struct cli *cli, const char *what, const char *s, uint32_t *v4,
	     uint8_t v6[16], bool *is6);
int arg_mac(struct cli *cli, const char *s, uint8_t mac[6]);
int arg_dev(struct cli *cli, const char *s, uint32_t *ifindex);
/* "VIP [tcp PORT | udp PORT]" at argv[*i]; advances *i. */
int arg_service(struct cli *cli, int argc, char **argv, int *i,
		struct nlbs_service *svc);
/* The value word after keyword argv[*i]; advances *i past both. */
int arg_next(struct cli *cli, int argc, char **argv, int *i,
	     const char **val);
/* Expect no words left after argv[i]. */
int arg_end(struct cli *cli, int argc, char **argv, int i);

/* The request of req (cmd, flags, attributes) in nlh, for the simple ops;
 * for flow flush, its first request (see flow_flush_filter()). */
void req_encode(const struct nlbs_req *req, struct nlmsghdr *nlh);
/* The filter of the i-th request of flow flush (0 <= i, i < nflush_svc or
 * i == 0 without a VIP). */
void flow_flush_filter(const struct nlbs_req *req, unsigned int i,
		       struct nlbs_flow_filter *f);
/* "VIP [tcp PORT | udp PORT]" as a flow filter (proto 0: the whole VIP). */
void svc_to_filter(const struct nlbs_service *svc, struct nlbs_flow_filter *f);

/* Netlink: the socket (opened on first use), one-shot request, errors. */
struct nlbs_nl *cli_nl(struct cli *cli);
/*
 * A dump the kernel flagged as interrupted by a concurrent change (-EINTR,
 * see nlbs_nl_run()) is run again from scratch, up to DUMP_TRIES times in
 * all: dump_again(ret, tries) says whether the tries-th run (from 1) that
 * returned ret is to be repeated. The last -EINTR fails the command.
 */
#define DUMP_TRIES	5
bool dump_again(int ret, int tries);
int cli_nl_error(struct cli *cli, const char *what);
int run_simple(struct cli *cli, const struct nlbs_req *req);
bool cli_pipelined(struct cli *cli, const struct nlbs_req *req);
int cli_flush(struct cli *cli);
int cli_commit(struct cli *cli);

/* Shared printers (service.c, server.c, config.c, state.c, stats.c,
 * flow.c). */
void print_service_key(const struct nlbs_service *svc);
void print_service(const struct nlbs_service *svc);
void print_server(const struct nlbs_server *srv);
void print_config(const struct nlbs_config *cfg);
void print_state(const struct nlbs_state_info *st);
void print_stats(const struct nlbs_stats *stats);
void print_flow(const struct nlbs_flow *flow);
const char *proto_name(uint8_t proto);
const char *ipv4_str(uint32_t addr, char *buf);	/* buf: 16 bytes */
#define ADDR_STRLEN	46	/* INET6_ADDRSTRLEN */
/* v4 or v6 as is6 says; buf: ADDR_STRLEN bytes. */
const char *addr_str(bool is6, uint32_t v4, const uint8_t *v6, char *buf);

/* Requests shared by several objects; print their own errors. */
int config_load(struct cli *cli, struct nlbs_config *cfg);
int state_load(struct cli *cli, struct nlbs_state_info *st);

/* Collect services and their servers (show.c), used by show, server show. */
struct svc_list;
int svc_list_load(struct cli *cli, struct svc_list **out, bool services,
		  const struct nlbs_service *filter);
void svc_list_print(const struct svc_list *l, bool counts);
void svc_list_free(struct svc_list *l);

/* One file per object: usage, parse() and run(). */
#define NLBS_OBJECT(name)						\
	void name##_usage(FILE *f);					\
	int name##_parse(struct cli *cli, struct nlbs_req *req, int argc, \
			 char **argv);					\
	int name##_run(struct cli *cli, const struct nlbs_req *req)

NLBS_OBJECT(config);
NLBS_OBJECT(state);
NLBS_OBJECT(service);
NLBS_OBJECT(server);
NLBS_OBJECT(show);
NLBS_OBJECT(stats);
NLBS_OBJECT(monitor);
/* monitor.c: "2026-11-30T10:01:27.123456+01:00" (local time) of @tv. */
struct timeval;
void monitor_timestamp(char *buf, size_t len, const struct timeval *tv);
NLBS_OBJECT(flow);

#endif /* NLBS_GENL_H */
