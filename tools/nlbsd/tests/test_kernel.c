// SPDX-License-Identifier: GPL-2.0
/*
 * nlbsd host tests of kernel.c's requests for services and servers of
 * either family, against a fake kernel behind the netlink I/O seam
 * (tools/lib/nlbs_nl_io.h): what goes out (VIP6, ADDR6, never the IPv4
 * attributes of an IPv6 object) and what a dump brings back (prune,
 * per-server lists), decoded with libnlbs's own parsers.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "../config.h"
#include "../kernel.h"
#include "nlbs_nl.h"
#include "nlbs_nl_io.h"
#include "ktap.h"

#define FAMILY	0x42

/* ---- the fake kernel: records every request, answers the dumps ---- */

#define MAXREQ	32

static struct {
	char req[MAXREQ][1024] __attribute__((aligned(8)));
	size_t nreq;
	char reply[8192] __attribute__((aligned(8)));
	size_t reply_len;
	bool reply_ready;
	/* the dumps' content */
	struct nlbs_service svcs[4];
	size_t nsvcs;
	struct nlbs_server srvs[4];	/* of the service asked for */
	size_t nsrvs;
} k;

static struct nlmsghdr *reply_msg(const struct nlmsghdr *req, uint8_t cmd)
{
	struct nlmsghdr *nlh = nlbs_msg_init(k.reply + k.reply_len, FAMILY, cmd, 0);

	nlh->nlmsg_flags = NLM_F_MULTI;
	nlh->nlmsg_seq = req->nlmsg_seq;
	return nlh;
}

static void reply_end(struct nlmsghdr *nlh)
{
	k.reply_len += NLMSG_ALIGN(nlh->nlmsg_len);
}

static ssize_t k_send(void *ctx, const void *buf, size_t len)
{
	const struct nlmsghdr *req = buf;
	struct nlmsghdr *nlh;
	struct nlmsgerr *e;
	size_t i;

	(void)ctx;
	if (k.nreq < MAXREQ && len <= sizeof(k.req[0]))
		memcpy(k.req[k.nreq++], buf, len);
	k.reply_len = 0;
	k.reply_ready = true;
	if (req->nlmsg_flags & NLM_F_DUMP) {
		for (i = 0; nlbs_msg_cmd(req) == NLBS_CMD_SERVICE_GET && i < k.nsvcs; i++) {
			nlh = reply_msg(req, NLBS_CMD_SERVICE_GET);
			nlbs_put_service(nlh, &k.svcs[i]);
			reply_end(nlh);
		}
		for (i = 0; nlbs_msg_cmd(req) == NLBS_CMD_SERVER_GET && i < k.nsrvs; i++) {
			struct nlbs_service key = k.svcs[0];

			nlh = reply_msg(req, NLBS_CMD_SERVER_GET);
			nlbs_put_service(nlh, &key);
			nlbs_put_server(nlh, &k.srvs[i]);
			reply_end(nlh);
		}
		nlh = mnl_nlmsg_put_header(k.reply + k.reply_len);
		nlh->nlmsg_type = NLMSG_DONE;
		nlh->nlmsg_flags = NLM_F_MULTI;
		nlh->nlmsg_seq = req->nlmsg_seq;
		*(int *)mnl_nlmsg_put_extra_header(nlh, sizeof(int)) = 0;
		reply_end(nlh);
		return len;
	}
	nlh = mnl_nlmsg_put_header(k.reply);
	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_flags = NLM_F_CAPPED;
	nlh->nlmsg_seq = req->nlmsg_seq;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = 0;
	e->msg = *req;
	reply_end(nlh);
	return len;
}

static ssize_t k_recv(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	if (!k.reply_ready || k.reply_len > len) {
		errno = EAGAIN;
		return -1;
	}
	k.reply_ready = false;
	memcpy(buf, k.reply, k.reply_len);
	return k.reply_len;
}

static ssize_t k_evsend(void *ctx, const void *buf, size_t len)
{
	(void)ctx;
	(void)buf;
	(void)len;
	errno = EOPNOTSUPP;
	return -1;
}

static ssize_t k_evrecv(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	(void)buf;
	(void)len;
	errno = EAGAIN;
	return -1;
}

/* ---- helpers ---- */

static struct ipaddr a6(const char *s)
{
	struct ipaddr a = { .af = AF_INET6 };

	if (inet_pton(AF_INET6, s, &a.v6) != 1)
		abort();
	return a;
}

static struct ipaddr a4(const char *s)
{
	struct ipaddr a = { .af = AF_INET };

	if (inet_pton(AF_INET, s, &a.v4) != 1)
		abort();
	return a;
}

static const struct nlmsghdr *req(size_t i)
{
	return (const struct nlmsghdr *)k.req[i];
}

/* Request @i: command @cmd, an IPv6 service key @vip (no IPv4 VIP). */
static bool is_svc6(size_t i, uint8_t cmd, const char *vip)
{
	struct nlbs_service s;
	struct ipaddr want = a6(vip);

	return i < k.nreq && nlbs_msg_cmd(req(i)) == cmd && !nlbs_parse_service(req(i), &s) &&
	       (s.present & NLBS_BIT(NLBS_SVC_A_VIP6)) &&
	       !(s.present & NLBS_BIT(NLBS_SVC_A_VIP_BE)) && !memcmp(s.vip6, &want.v6, 16) &&
	       s.proto == IPPROTO_TCP && s.port == 80;
}

/* Request @i: command @cmd on IPv6 server @addr (weight @w, -1: none). */
static bool is_srv6(size_t i, uint8_t cmd, const char *addr, int w)
{
	struct nlbs_service s;
	struct nlbs_server v;
	struct ipaddr want = a6(addr);

	return i < k.nreq && nlbs_msg_cmd(req(i)) == cmd && !nlbs_parse_server(req(i), &s, &v) &&
	       (s.present & NLBS_BIT(NLBS_SVC_A_VIP6)) &&
	       (v.present & NLBS_BIT(NLBS_SRV_A_ADDR6)) &&
	       !(v.present & NLBS_BIT(NLBS_SRV_A_ADDR_BE)) && !memcmp(v.addr6, &want.v6, 16) &&
	       (w < 0 ? !(v.present & NLBS_BIT(NLBS_SRV_A_WEIGHT)) :
		((v.present & NLBS_BIT(NLBS_SRV_A_WEIGHT)) && v.weight == (uint32_t)w));
}

static unsigned int listed;
static uint32_t listed_w[4];
static struct ipaddr listed_a[4];

static void list_cb(void *arg, const struct ipaddr *addr, uint32_t weight)
{
	(void)arg;
	if (listed < 4) {
		listed_a[listed] = *addr;
		listed_w[listed] = weight;
	}
	listed++;
}

int main(void)
{
	static const struct nlbs_nl_io req_io = { .send = k_send, .recv = k_recv, .portid = 7 };
	static const struct nlbs_nl_io evt_io = { .send = k_evsend, .recv = k_evrecv,
						  .portid = 8 };
	struct cfg_server srv[2] = {
		{ .addr = a6("fd00:20::21"), .weight = 1 },
		{ .addr = a6("fd00:20::22"), .weight = 2, .has_mac = true,
		  .mac = { 2, 0, 0, 0, 0, 0x22 } },
	};
	struct cfg_service svc = {
		.vip = a6("2001:db8:100::10"), .proto = IPPROTO_TCP, .port = 80,
		.servers = srv, .nservers = 2, .name = "2001:db8:100::10 tcp 80",
	};
	struct nlbsd_config cfg = { .services = &svc, .nservices = 1 };
	struct ipaddr stale = a6("fd00:20::29");
	struct nlbs_service s;
	struct nlbs_server v;
	struct ipaddr a;
	size_t i;
	int ret;

	log_init(false, LOG_LVL_ERR, false);
	if (kern_open_io(&req_io, &evt_io, FAMILY, -1) < 0)
		return 1;

	ret = kern_service_add(&svc);
	ktap_ok(!ret && is_svc6(0, NLBS_CMD_SERVICE_ADD, "2001:db8:100::10"),
		"service add: VIP6, tcp 80, no IPv4 VIP");
	ret = kern_server_add(&svc, &srv[1], 2);
	ktap_ok(!ret && is_srv6(1, NLBS_CMD_SERVER_ADD, "fd00:20::22", 2) &&
		!nlbs_parse_server(req(1), &s, &v) && (v.present & NLBS_BIT(NLBS_SRV_A_MAC)) &&
		v.mac[5] == 0x22, "server add: ADDR6, weight, MAC");
	a = srv[0].addr;
	ret = kern_server_set(&svc, &a, 0);
	ktap_ok(!ret && is_srv6(2, NLBS_CMD_SERVER_SET, "fd00:20::21", 0),
		"server set: ADDR6, weight 0 (drained by its check)");
	ret = kern_server_del(&svc, &a);
	ktap_ok(!ret && is_srv6(3, NLBS_CMD_SERVER_DEL, "fd00:20::21", -1),
		"server del: ADDR6 only");
	ret = kern_service_del(&svc);
	ktap_ok(!ret && is_svc6(4, NLBS_CMD_SERVICE_DEL, "2001:db8:100::10"), "service del: VIP6");

	/* prune: the kernel has our IPv6 service with a stale server, and a
	 * stale IPv4 service of the same port */
	k.nreq = 0;
	memset(k.svcs, 0, sizeof(k.svcs));
	k.svcs[0].present = NLBS_BIT(NLBS_SVC_A_VIP6) | NLBS_BIT(NLBS_SVC_A_PROTO) |
			    NLBS_BIT(NLBS_SVC_A_PORT) | NLBS_BIT(NLBS_SVC_A_TABLE_SIZE);
	memcpy(k.svcs[0].vip6, &svc.vip.v6, 16);
	k.svcs[0].proto = IPPROTO_TCP;
	k.svcs[0].port = 80;
	k.svcs[0].table_size = 65537;
	k.svcs[1] = k.svcs[0];
	k.svcs[1].present = NLBS_BIT(NLBS_SVC_A_VIP_BE) | NLBS_BIT(NLBS_SVC_A_PROTO) |
			    NLBS_BIT(NLBS_SVC_A_PORT);
	k.svcs[1].vip = a4("198.51.100.10").v4.s_addr;
	k.nsvcs = 2;
	memset(k.srvs, 0, sizeof(k.srvs));
	for (i = 0; i < 2; i++) {
		k.srvs[i].present = NLBS_BIT(NLBS_SRV_A_ADDR6) | NLBS_BIT(NLBS_SRV_A_WEIGHT);
		memcpy(k.srvs[i].addr6, i ? &stale.v6 : &srv[0].addr.v6, 16);
		k.srvs[i].weight = 5 + i;
	}
	k.nsrvs = 2;
	ret = kern_service_prune(&cfg);
	{
		bool del4 = false, del6 = false, del_ours = false;
		struct ipaddr want4 = a4("198.51.100.10");

		for (i = 0; i < k.nreq; i++) {
			if (nlbs_msg_cmd(req(i)) == NLBS_CMD_SERVICE_DEL &&
			    !nlbs_parse_service(req(i), &s))
				del4 |= (s.present & NLBS_BIT(NLBS_SVC_A_VIP_BE)) &&
					s.vip == want4.v4.s_addr;
			if (is_srv6(i, NLBS_CMD_SERVER_DEL, "fd00:20::29", -1))
				del6 = true;
			if (is_srv6(i, NLBS_CMD_SERVER_DEL, "fd00:20::21", -1) ||
			    is_svc6(i, NLBS_CMD_SERVICE_DEL, "2001:db8:100::10"))
				del_ours = true;
		}
		ktap_ok(!ret && del4, "prune: the stale IPv4 service goes");
		ktap_ok(!ret && del6, "prune: the stale IPv6 server of the IPv6 service goes");
		ktap_ok(!ret && !del_ours, "prune: the configured IPv6 service and server stay");
	}
	listed = 0;
	ret = kern_server_list(&svc, list_cb, NULL);
	ktap_ok(!ret && listed == 2 && ipaddr_eq(&listed_a[0], &srv[0].addr) &&
		ipaddr_eq(&listed_a[1], &stale) && listed_w[0] == 5 && listed_w[1] == 6,
		"server list: IPv6 addresses and weights from the dump");
	kern_close();
	return ktap_done("nlbsd kernel requests of both families");
}
