// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * nlbs-genl: argument parsing helpers, request encoding, netlink glue.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "nlbs-genl.h"

static int verr(struct cli *cli, int code, const char *fmt, va_list ap)
{
	vsnprintf(cli->err, sizeof(cli->err), fmt, ap);
	return code;
}

int cli_usage_err(struct cli *cli, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = verr(cli, CLI_USAGE, fmt, ap);
	va_end(ap);
	return ret;
}

int cli_fail(struct cli *cli, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = verr(cli, CLI_LOCAL, fmt, ap);
	va_end(ap);
	return ret;
}

/* Only the width of the attribute is checked here; the kernel's policy
 * checks the range and says so in its extack message. Digits only: no sign
 * (strtoull would wrap "-1"), no blanks, nothing after them, and a leading 0
 * is not octal. */
int arg_u32(struct cli *cli, const char *what, const char *s, bool hex,
	    uint32_t *v)
{
	const char *digits = s, *set = "0123456789";
	unsigned long long n;
	int base = 10;
	char *end;

	if (hex && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		digits = s + 2;
		base = 16;
		set = "0123456789abcdefABCDEF";
	}
	/* All digits: strtoull would take a sign, blanks or a second 0x. */
	if (!*digits || digits[strspn(digits, set)])
		goto bad;
	errno = 0;
	n = strtoull(digits, &end, base);
	if (errno || *end || n > UINT32_MAX)
		goto bad;
	*v = (uint32_t)n;
	return CLI_OK;
bad:
	return cli_usage_err(cli, "invalid %s \"%s\"", what, s);
}

int arg_ipv4(struct cli *cli, const char *what, const char *s, uint32_t *v)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return cli_usage_err(cli, "invalid %s \"%s\": not an IPv4 address",
				     what, s);
	*v = a.s_addr;
	return CLI_OK;
}

int arg_addr(struct cli *cli, const char *what, const char *s, uint32_t *v4,
	     uint8_t v6[16], bool *is6)
{
	struct in6_addr a6;
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) == 1) {
		*v4 = a.s_addr;
		*is6 = false;
		return CLI_OK;
	}
	if (inet_pton(AF_INET6, s, &a6) == 1) {
		memcpy(v6, &a6, 16);
		*is6 = true;
		return CLI_OK;
	}
	return cli_usage_err(cli, "invalid %s \"%s\": not an %s address", what,
			     s, strchr(s, ':') ? "IPv6" : "IPv4");
}

int arg_mac(struct cli *cli, const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char tail;
	int i;

	if (strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &tail) != 6)
		return cli_usage_err(cli, "invalid mac \"%s\": expected xx:xx:xx:xx:xx:xx",
				     s);
	for (i = 0; i < 6; i++) {
		if (!isxdigit((unsigned char)s[3 * i]) ||
		    !isxdigit((unsigned char)s[3 * i + 1]))
			return cli_usage_err(cli, "invalid mac \"%s\": expected xx:xx:xx:xx:xx:xx",
					     s);
		mac[i] = (uint8_t)b[i];
	}
	return CLI_OK;
}

int arg_dev(struct cli *cli, const char *s, uint32_t *ifindex)
{
	if (!*s || strlen(s) >= IF_NAMESIZE)
		return cli_usage_err(cli, "invalid device name \"%s\"", s);
	*ifindex = cli->resolve(s);
	if (!*ifindex)
		return cli_fail(cli, "cannot find device \"%s\"", s);
	return CLI_OK;
}

int arg_next(struct cli *cli, int argc, char **argv, int *i, const char **val)
{
	if (*i + 1 >= argc)
		return cli_usage_err(cli, "\"%s\" needs a value", argv[*i]);
	*val = argv[*i + 1];
	*i += 2;
	return CLI_OK;
}

int arg_end(struct cli *cli, int argc, char **argv, int i)
{
	if (i < argc)
		return cli_usage_err(cli, "unexpected argument \"%s\"", argv[i]);
	return CLI_OK;
}

int arg_service(struct cli *cli, int argc, char **argv, int *i,
		struct nlbs_service *svc)
{
	uint32_t port;
	bool is6;
	int ret;

	memset(svc, 0, sizeof(*svc));
	if (*i >= argc)
		return cli_usage_err(cli, "missing VIP");
	ret = arg_addr(cli, "VIP", argv[*i], &svc->vip, svc->vip6, &is6);
	if (ret)
		return ret;
	svc->present = NLBS_BIT(is6 ? NLBS_SVC_A_VIP6 : NLBS_SVC_A_VIP_BE) |
		       NLBS_BIT(NLBS_SVC_A_PROTO);
	(*i)++;
	if (*i >= argc)
		return CLI_OK;
	if (!strcmp(argv[*i], "tcp"))
		svc->proto = IPPROTO_TCP;
	else if (!strcmp(argv[*i], "udp"))
		svc->proto = IPPROTO_UDP;
	else
		return CLI_OK;
	if (*i + 1 >= argc)
		return cli_usage_err(cli, "\"%s\" needs a PORT", argv[*i]);
	ret = arg_u32(cli, "port", argv[*i + 1], false, &port);
	if (ret)
		return ret;
	if (port < 1 || port > 65535)
		return cli_usage_err(cli, "invalid port \"%s\": 1..65535",
				     argv[*i + 1]);
	svc->port = (uint16_t)port;
	svc->present |= NLBS_BIT(NLBS_SVC_A_PORT);
	*i += 2;
	return CLI_OK;
}

void req_encode(const struct nlbs_req *req, struct nlmsghdr *nlh)
{
	nlbs_put_config(nlh, &req->cfg);
	if (req->has_state)
		mnl_attr_put_u8(nlh, NLBS_A_STATE, req->state);
	if (req->has_lease)
		mnl_attr_put_u32(nlh, NLBS_A_LEASE_MS, req->lease_ms);
	if (req->announce)
		mnl_attr_put(nlh, NLBS_A_ANNOUNCE, 0, NULL);
	if (req->has_svc)
		nlbs_put_service(nlh, &req->svc);
	if (req->has_srv)
		nlbs_put_server(nlh, &req->srv);
	if (req->has_flow)
		nlbs_put_flow(nlh, &req->flow);
	if (req->op == OP_FLOW_SHOW)
		nlbs_put_flow_filter(nlh, &req->filter);
	if (req->op == OP_FLOW_FLUSH) {
		struct nlbs_flow_filter f;

		flow_flush_filter(req, 0, &f);
		nlbs_put_flow_filter(nlh, &f);
	}
}

/* ---- netlink glue ---------------------------------------------------------- */

struct nlbs_nl *cli_nl(struct cli *cli)
{
	struct nlbs_nl_error err;

	if (cli->nl)
		return cli->nl;
	/* The namespace was entered in main(), before devices were resolved. */
	cli->nl = nlbs_nl_open(NULL, &err);
	if (!cli->nl)
		fprintf(stderr, "Error: %s\n",
			err.msg[0] ? err.msg : strerror(err.err));
	return cli->nl;
}

bool dump_again(int ret, int tries)
{
	return ret == -EINTR && tries < DUMP_TRIES;
}

/* The kernel's extack text verbatim, else the errno's text. */
int cli_nl_error(struct cli *cli, const char *what)
{
	const struct nlbs_nl_error *e = nlbs_nl_error(cli->nl);

	if (e->msg[0])
		fprintf(stderr, "Error: %s\n", e->msg);
	else if (what)
		fprintf(stderr, "Error: %s: %s\n", what,
			strerror(e->err ? e->err : EIO));
	else
		fprintf(stderr, "Error: %s\n", strerror(e->err ? e->err : EIO));
	return CLI_FAIL;
}

static bool server_change(uint8_t cmd)
{
	return cmd == NLBS_CMD_SERVER_ADD || cmd == NLBS_CMD_SERVER_SET ||
	       cmd == NLBS_CMD_SERVER_DEL;
}

/*
 * In a batch, service and server changes are pipelined (cli_flush()), when
 * the module knows NLBS_A_BATCH (an older one is sent them one by one).
 */
bool cli_pipelined(struct cli *cli, const struct nlbs_req *req)
{
	if (!cli->batch || (req->flags & NLM_F_DUMP) ||
	    !(server_change(req->cmd) || req->cmd == NLBS_CMD_SERVICE_ADD ||
	      req->cmd == NLBS_CMD_SERVICE_SET ||
	      req->cmd == NLBS_CMD_SERVICE_DEL))
		return false;
	return cli_nl(cli) && nlbs_nl_can_pipe(cli->nl);
}

int run_simple(struct cli *cli, const struct nlbs_req *req)
{
	bool pipe = cli_pipelined(cli, req);
	struct nlmsghdr *nlh;

	if (!cli_nl(cli))
		return CLI_FAIL;
	if (pipe) {
		nlh = nlbs_nl_pipe_req(cli->nl, req->cmd, req->flags);
		cli->pipe_line[nlbs_nl_pipe_len(cli->nl) - 1] = cli->lineno;
	} else {
		nlh = nlbs_nl_req(cli->nl, req->cmd, req->flags);
	}
	req_encode(req, nlh);
	/* In a batch the tables are rebuilt once, by the commit at its end. */
	if (cli->batch && server_change(req->cmd)) {
		mnl_attr_put(nlh, NLBS_A_DEFER, 0, NULL);
		cli->deferred = true;
	}
	if (pipe)
		return nlbs_nl_pipe_full(cli->nl) ? cli_flush(cli) : CLI_OK;
	if (nlbs_nl_run(cli->nl, nlh, NULL, NULL) < 0)
		return cli_nl_error(cli, NULL);
	return CLI_OK;
}

/*
 * Send the pipelined changes of a batch. On a failure, cli->failed_line is
 * the first failed one's line; the kernel refused those after it.
 */
int cli_flush(struct cli *cli)
{
	unsigned int n, failed;

	if (!cli->nl || !nlbs_nl_pipe_len(cli->nl))
		return CLI_OK;
	n = nlbs_nl_pipe_len(cli->nl);
	if (nlbs_nl_pipe_flush(cli->nl, &failed) >= 0)
		return CLI_OK;
	cli_nl_error(cli, NULL);
	if (failed >= n)
		failed = 0;	/* the datagram itself failed */
	/* The kernel refused the rest of the flush (NLBS_A_BATCH). */
	cli->failed_line = cli->pipe_line[failed];
	return CLI_FAIL;
}

/* The end of a batch with deferred changes: rebuild what they touched. */
int cli_commit(struct cli *cli)
{
	if (cli_flush(cli))
		return CLI_FAIL;
	if (!cli->deferred)
		return CLI_OK;
	cli->deferred = false;
	if (nlbs_nl_run(cli->nl, nlbs_nl_req(cli->nl, NLBS_CMD_COMMIT, 0),
			NULL, NULL) < 0)
		return cli_nl_error(cli, "commit");
	return CLI_OK;
}

const char *proto_name(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case 0:
		return "any";
	}
	return "unknown";
}

/* inet_ntop() for IPv4 goes through sprintf: a tenth of a long listing. */
const char *ipv4_str(uint32_t addr, char *buf)
{
	const uint8_t *b = (const uint8_t *)&addr;
	char *p = buf;
	int i;

	for (i = 0; i < 4; i++) {
		if (b[i] >= 100)
			*p++ = '0' + b[i] / 100;
		if (b[i] >= 10)
			*p++ = '0' + b[i] / 10 % 10;
		*p++ = '0' + b[i] % 10;
		*p++ = i < 3 ? '.' : '\0';
	}
	return buf;
}

const char *addr_str(bool is6, uint32_t v4, const uint8_t *v6, char *buf)
{
	if (!is6)
		return ipv4_str(v4, buf);
	return inet_ntop(AF_INET6, v6, buf, INET6_ADDRSTRLEN);
}
