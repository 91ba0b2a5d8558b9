// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer target: what libnlbs makes of the kernel's replies.
 *
 * Input: one byte of mode, then bytes.
 *   mode bit 0 clear: the bytes are the attributes of one nlbs message
 *          (after a genetlink header, nlmsg_len matching): every decoder of
 *          lib/nlbs_codec.c is run on it (nlbs_parse_*()).
 *   mode bit 0 set: the bytes are the datagrams the kernel answers a request
 *          with, separated by "NLBS" (at most 8; after them recv() fails with
 *          EAGAIN), read by nlbs_nl_run() on a handle whose socket is a pair
 *          of functions (lib/nlbs_nl_io.h): acks, errors with extack, dumps,
 *          NLMSG_DONE, NLM_F_DUMP_INTR. Every message header in them gets
 *          the request's sequence number. Bits 1..3 pick the request: a
 *          service, server, flow or stats dump, config or state get, a
 *          config set (an ack), or a listen (events).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/genetlink.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nlbs_nl.h"
#include "nlbs_nl_io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "fuzz_codec: %s:%d: %s\n", __FILE__, \
				__LINE__, #cond);			\
			abort();					\
		}							\
	} while (0)

#define FAMILY		0x42
#define MAX_DGRAMS	8

static int flow_cb(const struct nlbs_flow *flow, void *data)
{
	(void)flow;
	return ++*(unsigned int *)data > 1000;	/* a non-zero: stop */
}

static int srv_each_cb(const struct nlbs_service *svc,
		       const struct nlbs_server *srv, void *data)
{
	(void)svc;
	(void)srv;
	return ++*(unsigned int *)data > 1000;
}

static void decoders(const uint8_t *attrs, size_t len)
{
	static union {
		struct nlmsghdr nlh;
		uint8_t b[NLBS_NL_BUFSIZE];
	} u;
	struct nlmsghdr *nlh = &u.nlh;
	struct genlmsghdr *genl;
	struct nlbs_config cfg;
	struct nlbs_state_info st;
	struct nlbs_service svc;
	struct nlbs_server srv;
	struct nlbs_flow flow;
	struct nlbs_stats stats;
	struct nlbs_device_event dev;
	unsigned int n = 0;

	if (len > sizeof(u) - NLMSG_HDRLEN - GENL_HDRLEN)
		return;
	nlh = nlbs_msg_init(u.b, FAMILY, NLBS_CMD_SERVICE_GET, 0);
	genl = mnl_nlmsg_get_payload(nlh);
	memcpy((uint8_t *)genl + GENL_HDRLEN, attrs, len);
	nlh->nlmsg_len += len;
	nlbs_parse_config(nlh, &cfg);
	CHECK(memchr(cfg.access_ifname, 0, sizeof(cfg.access_ifname)) &&
	      memchr(cfg.server_ifname, 0, sizeof(cfg.server_ifname)));
	nlbs_parse_state(nlh, &st);
	CHECK(memchr(st.reason, 0, sizeof(st.reason)));
	nlbs_parse_service(nlh, &svc);
	nlbs_parse_server(nlh, &svc, &srv);
	nlbs_parse_flow(nlh, &flow);
	nlbs_parse_flows(nlh, flow_cb, &n);
	n = 0;
	nlbs_parse_servers(nlh, srv_each_cb, &n);
	nlbs_parse_stats(nlh, &stats);
	nlbs_parse_device(nlh, &dev);
	CHECK(memchr(dev.reason, 0, sizeof(dev.reason)));
}

/* ---- the receive path ---- */

struct fake {
	const uint8_t *d[MAX_DGRAMS];
	size_t len[MAX_DGRAMS];
	int n, next;
	uint32_t seq;
};

static ssize_t fake_send(void *ctx, const void *buf, size_t len)
{
	struct fake *f = ctx;
	const struct nlmsghdr *nlh = buf;

	CHECK(len >= NLMSG_HDRLEN && len == nlh->nlmsg_len);
	f->seq = nlh->nlmsg_seq;
	return len;
}

static ssize_t fake_recv(void *ctx, void *buf, size_t len)
{
	struct fake *f = ctx;
	struct nlmsghdr *nlh;
	size_t n, off;

	if (f->next >= f->n) {
		errno = EAGAIN;
		return -1;
	}
	n = f->len[f->next] < len ? f->len[f->next] : len;
	memcpy(buf, f->d[f->next++], n);
	/* the request's sequence number in every header, as the kernel's */
	for (off = 0; off + NLMSG_HDRLEN <= n;) {
		nlh = (struct nlmsghdr *)((uint8_t *)buf + off);
		nlh->nlmsg_seq = f->seq;
		if (nlh->nlmsg_len < NLMSG_HDRLEN || nlh->nlmsg_len > n - off)
			break;
		off += NLMSG_ALIGN(nlh->nlmsg_len);
	}
	return n;
}

static int svc_cb(const struct nlbs_service *svc, void *data)
{
	(void)svc;
	++*(unsigned int *)data;
	return 0;
}

static int srv_cb(const struct nlbs_service *svc, const struct nlbs_server *srv, void *data)
{
	(void)svc;
	(void)srv;
	++*(unsigned int *)data;
	return 0;
}

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlbs_service svc;

	nlbs_parse_service(nlh, &svc);
	return ++*(unsigned int *)data >= 16 ? MNL_CB_STOP : MNL_CB_OK;
}

static void receive(uint8_t mode, const uint8_t *p, size_t len)
{
	struct fake f = { .n = 0 };
	struct nlbs_nl_io io = { .send = fake_send, .recv = fake_recv, .ctx = &f };
	const struct nlbs_nl_error *e;
	const uint8_t *sep;
	struct nlbs_config cfg = { 0 };
	struct nlbs_state_info st;
	struct nlbs_stats stats;
	struct nlbs_nl *nl;
	unsigned int n = 0;
	int ret = 0;

	while (f.n < MAX_DGRAMS) {
		sep = memmem(p, len, "NLBS", 4);
		f.d[f.n] = p;
		f.len[f.n++] = sep ? (size_t)(sep - p) : len;
		if (!sep)
			break;
		len -= sep + 4 - p;
		p = sep + 4;
	}
	nl = nlbs_nl_open_io(&io, FAMILY);
	if (!nl)
		return;
	switch ((mode >> 1) & 7) {
	case 0:
		ret = nlbs_service_dump(nl, svc_cb, &n);
		break;
	case 1:
		ret = nlbs_server_dump(nl, NULL, srv_cb, &n);
		break;
	case 2:
		ret = nlbs_flow_dump(nl, flow_cb, &n);
		break;
	case 3:
		ret = nlbs_stats_get(nl, &stats);
		break;
	case 4:
		ret = nlbs_config_get(nl, &cfg);
		break;
	case 5:
		ret = nlbs_state_get(nl, &st);
		break;
	case 6:
		cfg.present = NLBS_BIT(NLBS_A_GARP_COUNT);
		cfg.garp_count = 3;
		ret = nlbs_config_set(nl, &cfg);
		break;
	case 7:
		ret = nlbs_nl_listen(nl, event_cb, &n);
		break;
	}
	e = nlbs_nl_error(nl);
	CHECK(ret <= 0);
	CHECK(memchr(e->msg, 0, sizeof(e->msg)));
	CHECK(e->err >= 0);
	nlbs_nl_close(nl);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy;

	if (size < 1 || size > NLBS_NL_BUFSIZE)
		return 0;
	/* a copy of exactly the bytes: ASan sees any overread */
	copy = malloc(size - 1 ? size - 1 : 1);
	if (!copy)
		return 0;
	memcpy(copy, data + 1, size - 1);
	if (data[0] & 1)
		receive(data[0], copy, size - 1);
	else
		decoders(copy, size - 1);
	free(copy);
	return 0;
}
