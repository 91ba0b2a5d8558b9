// SPDX-License-Identifier: GPL-2.0
/*
 * Writes the generated seeds of the corpus (make corpus): heartbeats and
 * sync messages made by nlbsd's encoders (corpus/fuzz_hb), and replies of
 * the kernel as it builds them (corpus/fuzz_codec), in the input formats of
 * fuzz_hb.c and fuzz_codec.c. The CLI lines and nlbsd.conf files of
 * corpus/fuzz_cli and corpus/fuzz_conf are kept by hand.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/genetlink.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nlbs_nl.h"
#include "../nlbsd/hb.h"
#include "../nlbsd/sync.h"
#include "fuzz_keys.h"

static void put(const char *dir, const char *name, uint8_t mode, const void *p, size_t len)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "corpus/%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || fwrite(&mode, 1, 1, f) != 1 || (len && fwrite(p, len, 1, f) != 1) ||
	    fclose(f)) {
		perror(path);
		exit(1);
	}
}

/* ---- fuzz_hb ---- */

static void hb_seeds(void)
{
	struct hb_msg m = {
		.state = 1, .priority = 100, .node_id = 0x0a0a000b, .interval_ms = 100,
		.epoch = 1764500000000000ull, .seq = 42, .timestamp_ms = 1764500000123ull,
		.echo_epoch = 1764400000000000ull, .echo_seq = 41, .echo_age_ms = 80,
		.fp = { 0x11111111, 0x22222222, 0x33333333, 0 },
	};
	struct sync_msg s = { .type = SYNC_T_FLOWS, .node_id = 0x0a0a000b,
			      .epoch = 1764500000000000ull, .seq = 7 };
	uint8_t buf[SYNC_MAX_LEN];
	size_t n, i;

	hb_encode(&m, fuzz_key, buf);
	put("fuzz_hb", "hb-v2", 0, buf, HB_LEN);
	put("fuzz_hb", "hb-v2-no-next-key", 4, buf, HB_LEN);
	hb_encode(&m, fuzz_next_key, buf);
	put("fuzz_hb", "hb-v2-next-key", 0, buf, HB_LEN);
	m.flags = HB_F_LEAVING;
	m.state = 2;
	m.echo_epoch = 0;
	hb_encode(&m, fuzz_key, buf);
	memset(buf + HB_BODY_LEN, 0, HB_MAC_LEN);
	put("fuzz_hb", "hb-v2-leaving-signed-by-harness", 1, buf, HB_LEN);
	/* version 1: the first 40 bytes, the tag over them */
	hb_encode(&m, fuzz_key, buf);
	buf[4] = 1;
	crypto_auth(buf + HB_V1_BODY_LEN, buf, HB_V1_BODY_LEN, fuzz_key);
	put("fuzz_hb", "hb-v1", 0, buf, HB_V1_LEN);
	put("fuzz_hb", "short", 0, "NLBH\2", 5);

	for (i = 0; i < 3; i++) {
		struct nlbs_flow f = {
			.saddr = htonl(0xc0000201 + i), .daddr = inet_addr("198.51.100.10"),
			.server = inet_addr("10.20.0.21"), .sport = 40000 + i, .dport = 80,
			.proto = IPPROTO_TCP, .flags = i == 2 ? NLBS_FLOW_F_FIN : 0,
			.idle_ms = 1500,
		};
		sync_add(&s, &f);
	}
	n = sync_encode(&s, fuzz_key, buf);
	put("fuzz_hb", "sync-flows", 0, buf, n);
	s.flags = SYNC_F_RESYNC;
	s.resync_id = 9;
	n = sync_encode(&s, fuzz_next_key, buf);
	put("fuzz_hb", "sync-flows-resync-next-key", 0, buf, n);
	while (!sync_add(&s, &s.flows[0]))
		;
	n = sync_encode(&s, fuzz_key, buf);
	put("fuzz_hb", "sync-flows-max", 0, buf, n);
	memset(&s, 0, sizeof(s));
	s.type = SYNC_T_FLOWS6;
	s.node_id = 0x0a0a000b;
	s.epoch = 1764500000000000ull;
	s.seq = 8;
	for (i = 0; i < 3; i++) {
		struct nlbs_flow f = {
			.present = NLBS_BIT(NLBS_FLOW_A_SADDR6), .sport = 40000 + i,
			.dport = 80, .proto = IPPROTO_TCP, .idle_ms = 1500,
		};

		inet_pton(AF_INET6, "2001:db8:113::1", f.saddr6);
		f.saddr6[15] += i;
		inet_pton(AF_INET6, "2001:db8:100::10", f.daddr6);
		inet_pton(AF_INET6, "2001:db8:200::21", f.server6);
		sync_add(&s, &f);
	}
	n = sync_encode(&s, fuzz_key, buf);
	put("fuzz_hb", "sync-flows6", 0, buf, n);
	while (!sync_add(&s, &s.flows[0]))
		;
	n = sync_encode(&s, fuzz_key, buf);
	put("fuzz_hb", "sync-flows6-max", 0, buf, n);
	memset(&s, 0, sizeof(s));
	s.type = SYNC_T_REQUEST;
	s.node_id = 0x0a0a000c;
	s.resync_id = 77;
	s.epoch = 1764500000000001ull;
	s.seq = 1;
	n = sync_encode(&s, fuzz_key, buf);
	put("fuzz_hb", "sync-request", 0, buf, n);
	s.type = SYNC_T_END;
	s.total = 12345;
	s.status = SYNC_END_OK;
	n = sync_encode(&s, fuzz_key, buf);
	put("fuzz_hb", "sync-end", 0, buf, n);
}

/* ---- fuzz_codec ---- */

static union {
	struct nlmsghdr nlh;
	uint8_t b[NLBS_NL_BUFSIZE];
} u;

static struct nlmsghdr *reply(uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh = nlbs_msg_init(u.b, 0x42, cmd, 0);

	nlh->nlmsg_flags = flags;
	return nlh;
}

/* mode 0: the attributes of the message */
static void attrs(const char *name, const struct nlmsghdr *nlh)
{
	size_t off = NLMSG_HDRLEN + GENL_HDRLEN;

	put("fuzz_codec", name, 0, (const uint8_t *)nlh + off, nlh->nlmsg_len - off);
}

static void put_service(struct nlmsghdr *nlh, const char *vip, uint8_t proto, uint16_t port)
{
	struct nlattr *n = mnl_attr_nest_start(nlh, NLBS_A_SERVICE);

	mnl_attr_put_u32(nlh, NLBS_SVC_A_VIP_BE, inet_addr(vip));
	mnl_attr_put_u8(nlh, NLBS_SVC_A_PROTO, proto);
	mnl_attr_put_u16(nlh, NLBS_SVC_A_PORT, port);
	mnl_attr_put_u32(nlh, NLBS_SVC_A_SERVERS, 2);
	mnl_attr_put_u32(nlh, NLBS_SVC_A_TABLE_SIZE, 65537);
	mnl_attr_put_u8(nlh, NLBS_SVC_A_NODEST, 0);
	mnl_attr_nest_end(nlh, n);
}

static void put_flow(struct nlmsghdr *nlh, unsigned int i)
{
	struct nlattr *n = mnl_attr_nest_start(nlh, NLBS_A_FLOW);

	mnl_attr_put_u32(nlh, NLBS_FLOW_A_SADDR_BE, htonl(0xc0000201 + i));
	mnl_attr_put_u32(nlh, NLBS_FLOW_A_DADDR_BE, inet_addr("198.51.100.10"));
	mnl_attr_put_u8(nlh, NLBS_FLOW_A_PROTO, IPPROTO_TCP);
	mnl_attr_put_u16(nlh, NLBS_FLOW_A_SPORT, 40000 + i);
	mnl_attr_put_u16(nlh, NLBS_FLOW_A_DPORT, 80);
	mnl_attr_put_u32(nlh, NLBS_FLOW_A_SERVER_BE, inet_addr("10.20.0.21"));
	mnl_attr_put_u32(nlh, NLBS_FLOW_A_IDLE_MS, 250);
	mnl_attr_put_u32(nlh, NLBS_FLOW_A_FLAGS, NLBS_FLOW_F_SYN);
	mnl_attr_nest_end(nlh, n);
}

static struct nlmsghdr *msg_config(void)
{
	struct nlmsghdr *nlh = reply(NLBS_CMD_CONFIG_GET, 0);

	mnl_attr_put_u32(nlh, NLBS_A_ACCESS_IFINDEX, 3);
	mnl_attr_put_strz(nlh, NLBS_A_ACCESS_IFNAME, "acc0");
	mnl_attr_put_u32(nlh, NLBS_A_SERVER_IFINDEX, 4);
	mnl_attr_put_strz(nlh, NLBS_A_SERVER_IFNAME, "srv0");
	mnl_attr_put_u32(nlh, NLBS_A_NLBS_ADDR_BE, inet_addr("10.10.0.100"));
	mnl_attr_put_u32(nlh, NLBS_A_GARP_COUNT, 3);
	mnl_attr_put_u32(nlh, NLBS_A_GARP_INTERVAL, 100);
	mnl_attr_put_u32(nlh, NLBS_A_HASH_SEED, 0xdeadbeef);
	mnl_attr_put_u32(nlh, NLBS_A_FLOW_MAX, 65536);
	mnl_attr_put_u32(nlh, NLBS_A_FLOW_TIMEOUT_TCP, 300);
	mnl_attr_put_u32(nlh, NLBS_A_FLOW_TIMEOUT_TCP_FIN, 10);
	mnl_attr_put_u32(nlh, NLBS_A_FLOW_TIMEOUT_UDP, 30);
	mnl_attr_put_u32(nlh, NLBS_A_FLOW_TIMEOUT_SYN, 5);
	return nlh;
}

static struct nlmsghdr *msg_server(uint16_t flags)
{
	static const uint8_t mac[6] = { 0x02, 0, 0, 0, 0x20, 0x21 };
	struct nlmsghdr *nlh = reply(NLBS_CMD_SERVER_GET, flags);
	struct nlattr *n;

	put_service(nlh, "198.51.100.10", IPPROTO_TCP, 80);
	n = mnl_attr_nest_start(nlh, NLBS_A_SERVER);
	mnl_attr_put_u32(nlh, NLBS_SRV_A_ADDR_BE, inet_addr("10.20.0.21"));
	mnl_attr_put_u32(nlh, NLBS_SRV_A_WEIGHT, 100);
	mnl_attr_put(nlh, NLBS_SRV_A_MAC, sizeof(mac), mac);
	mnl_attr_put_u64(nlh, NLBS_SRV_A_PACKETS, 1000);
	mnl_attr_put_u64(nlh, NLBS_SRV_A_BYTES, 1500000);
	mnl_attr_put_u32(nlh, NLBS_SRV_A_ACTIVE_FLOWS, 12);
	mnl_attr_put_u64(nlh, NLBS_SRV_A_NEW_FLOWS, 345);
	mnl_attr_nest_end(nlh, n);
	return nlh;
}

static struct nlmsghdr *msg_stats(void)
{
	struct nlmsghdr *nlh = reply(NLBS_CMD_STATS_GET, 0);
	struct nlattr *n = mnl_attr_nest_start(nlh, NLBS_A_STATS);
	unsigned int i;

	for (i = NLBS_STATS_A_RX; i <= NLBS_STATS_A_MAX; i++)
		if (i != NLBS_STATS_A_PAD)
			mnl_attr_put_u64(nlh, i, 1000 + i);
	mnl_attr_nest_end(nlh, n);
	return nlh;
}

/* a datagram being built for mode 1 */
static uint8_t dg[NLBS_NL_BUFSIZE];
static size_t dglen;

static void dg_add(const struct nlmsghdr *nlh)
{
	memcpy(dg + dglen, nlh, nlh->nlmsg_len);
	dglen += NLMSG_ALIGN(nlh->nlmsg_len);
}

static void dg_done(int error, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(u.b);
	int *e;

	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_flags = NLM_F_MULTI | flags;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	*e = error;
	dg_add(nlh);
}

/* an ACK (error 0) or an error with its extack text, capped or not */
static void dg_ack(int error, const char *text, bool capped)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(u.b), req = {
		.nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN, .nlmsg_type = 0x42,
		.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
	};
	struct nlmsgerr *e;

	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_flags = (capped ? NLM_F_CAPPED : 0) | (text ? NLM_F_ACK_TLVS : 0);
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = error;
	e->msg = req;
	if (!capped && error) {
		/* the request's genetlink header echoed */
		mnl_nlmsg_put_extra_header(nlh, GENL_HDRLEN);
	}
	if (text)
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, text);
	dg_add(nlh);
}

/* mode 1, request (mode >> 1 & 7): datagrams separated by "NLBS" */
static void datagrams(const char *name, unsigned int req, const void *p, size_t len)
{
	put("fuzz_codec", name, 1 | req << 1, p, len);
}

static void codec_seeds(void)
{
	struct nlmsghdr *nlh;
	uint8_t two[2 * NLBS_NL_BUFSIZE];
	size_t n;

	attrs("config", msg_config());
	nlh = reply(NLBS_CMD_STATE_GET, 0);
	mnl_attr_put_u8(nlh, NLBS_A_STATE, NLBS_STATE_ACTIVE);
	mnl_attr_put_u32(nlh, NLBS_A_LEASE_MS, 3000);
	mnl_attr_put_strz(nlh, NLBS_A_REASON, "lease expired");
	attrs("state", nlh);
	attrs("server", msg_server(0));
	nlh = reply(NLBS_CMD_FLOW_NTF, 0);
	put_flow(nlh, 0);
	put_flow(nlh, 1);
	put_flow(nlh, 2);
	attrs("flows", nlh);
	attrs("stats", msg_stats());

	/* service dump: two services, then DONE */
	dglen = 0;
	nlh = reply(NLBS_CMD_SERVICE_GET, NLM_F_MULTI);
	put_service(nlh, "198.51.100.10", IPPROTO_TCP, 80);
	dg_add(nlh);
	nlh = reply(NLBS_CMD_SERVICE_GET, NLM_F_MULTI);
	put_service(nlh, "198.51.100.10", IPPROTO_UDP, 53);
	dg_add(nlh);
	dg_done(0, 0);
	datagrams("dump-services", 0, dg, dglen);

	/* server dump in two datagrams, the second interrupted */
	dglen = 0;
	dg_add(msg_server(NLM_F_MULTI));
	n = dglen;
	memcpy(two, dg, n);
	memcpy(two + n, "NLBS", 4);
	dglen = 0;
	dg_add(msg_server(NLM_F_MULTI | NLM_F_DUMP_INTR));
	dg_done(0, NLM_F_DUMP_INTR);
	memcpy(two + n + 4, dg, dglen);
	datagrams("dump-servers-intr", 1, two, n + 4 + dglen);

	/* flow dump: a batch, then DONE with an error and extack */
	dglen = 0;
	nlh = reply(NLBS_CMD_FLOW_GET, NLM_F_MULTI);
	put_flow(nlh, 0);
	dg_add(nlh);
	nlh = reply(NLBS_CMD_FLOW_GET, NLM_F_MULTI);
	put_flow(nlh, 1);
	dg_add(nlh);
	dg_done(0, 0);
	datagrams("dump-flows", 2, dg, dglen);

	dglen = 0;
	dg_add(msg_stats());
	dg_ack(0, NULL, true);
	datagrams("stats-get", 3, dg, dglen);

	dglen = 0;
	dg_add(msg_config());
	dg_ack(0, NULL, true);
	datagrams("config-get", 4, dg, dglen);

	dglen = 0;
	dg_ack(-ENODEV, "no such instance: configure access and servers first", false);
	datagrams("state-get-error-extack", 5, dg, dglen);

	dglen = 0;
	dg_ack(-EINVAL, "garp-count out of range", true);
	datagrams("config-set-error-capped", 6, dg, dglen);
	dglen = 0;
	dg_ack(0, NULL, true);
	datagrams("config-set-ack", 6, dg, dglen);

	/* events: a service added, a state change */
	dglen = 0;
	nlh = reply(NLBS_CMD_SERVICE_NTF, 0);
	put_service(nlh, "198.51.100.11", IPPROTO_TCP, 443);
	dg_add(nlh);
	nlh = reply(NLBS_CMD_STATE_NTF, 0);
	mnl_attr_put_u8(nlh, NLBS_A_STATE, NLBS_STATE_STANDBY);
	mnl_attr_put_strz(nlh, NLBS_A_REASON, "set by nlbsd");
	dg_add(nlh);
	datagrams("listen-events", 7, dg, dglen);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	hb_seeds();
	codec_seeds();
	return 0;
}
