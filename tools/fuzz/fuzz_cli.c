// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer target: the command line of nlbs-genl. The input is split into
 * words: on NUL bytes when it has any (argv exactly as a shell passes it,
 * empty words included), else as a line of a batch file (split_line():
 * blanks, quotes, comments). cli_parse() turns the words into a request,
 * which is then encoded (req_encode(), every request of a flow flush) into a
 * buffer and decoded back: no socket is opened. Device names resolve as in
 * tests/test_parse.c: veth0 is 3, veth1 is 4, nothing else exists.
 *
 * nlbs-genl/main.c is included for split_line() (static), with its main()
 * renamed.
 */
#define main nlbs_genl_main
#include "../nlbs-genl/main.c"
#undef main

#include <linux/genetlink.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "fuzz_cli: %s:%d: %s\n", __FILE__, \
				__LINE__, #cond);			\
			abort();					\
		}							\
	} while (0)

static unsigned int fake_resolve(const char *name)
{
	if (!strcmp(name, "veth0"))
		return 3;
	if (!strcmp(name, "veth1"))
		return 4;
	return 0;
}

/* Words separated by NUL bytes (a trailing NUL ends the last one). */
static int split_nul(char *buf, size_t size, char **argv)
{
	size_t i = 0;
	int argc = 0;

	while (i < size) {
		if (argc == MAX_ARGS)
			return -1;
		argv[argc++] = buf + i;
		i += strlen(buf + i) + 1;
	}
	return argc;
}

/* What the decoders make of an encoded request: well-formed attributes. */
static void decode_back(const struct nlmsghdr *nlh)
{
	struct nlbs_config cfg;
	struct nlbs_state_info st;
	struct nlbs_service svc;
	struct nlbs_server srv;
	struct nlbs_flow flow;

	CHECK(nlbs_parse_config(nlh, &cfg) == 0);
	CHECK(nlbs_parse_state(nlh, &st) == 0);
	CHECK(nlbs_parse_service(nlh, &svc) == 0);
	CHECK(nlbs_parse_server(nlh, &svc, &srv) == 0);
	CHECK(nlbs_parse_flow(nlh, &flow) == 0);
}

static void encode(const struct nlbs_req *req)
{
	static char buf[NLBS_NL_BUFSIZE];
	struct nlbs_flow_filter f;
	struct nlmsghdr *nlh;
	unsigned int i;

	nlh = nlbs_msg_init(buf, 0x42, req->cmd, req->flags);
	req_encode(req, nlh);
	CHECK(nlh->nlmsg_len <= sizeof(buf));
	decode_back(nlh);
	if (req->op != OP_FLOW_FLUSH)
		return;
	CHECK(req->nflush_svc <= FLOW_FLUSH_MAX);
	for (i = 1; i < req->nflush_svc; i++) {
		nlh = nlbs_msg_init(buf, 0x42, req->cmd, req->flags);
		flow_flush_filter(req, i, &f);
		nlbs_put_flow_filter(nlh, &f);
		decode_back(nlh);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cli cli = { .resolve = fake_resolve };
	char *buf, *argv[MAX_ARGS];
	struct nlbs_req req;
	int argc, ret;

	if (size > 4096)
		return 0;
	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = 0;
	if (memchr(data, 0, size))
		argc = split_nul(buf, size, argv);
	else
		argc = split_line(buf, argv);
	if (argc < 0)
		goto out;
	CHECK(argc <= MAX_ARGS);
	ret = cli_parse(&cli, &req, argc, argv);
	CHECK(memchr(cli.err, 0, sizeof(cli.err)));
	if (ret) {
		/* a refused command line says why */
		CHECK(ret == CLI_USAGE || ret == CLI_FAIL || ret == CLI_LOCAL);
		CHECK(cli.err[0]);
		goto out;
	}
	if (req.op == OP_HELP) {
		CHECK(!req.obj || req.obj->usage);
		goto out;
	}
	CHECK(req.obj && req.op != OP_NONE);
	encode(&req);
out:
	free(buf);
	return 0;
}
