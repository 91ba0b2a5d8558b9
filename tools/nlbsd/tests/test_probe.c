// SPDX-License-Identifier: GPL-2.0
/*
 * nlbsd host tests of the health checks (probe.c) on loopback: local
 * resource errors are "no result", never "down", and
 * the checks in flight stay below the limit, the others waiting for a slot
 * without a verdict; a DNS check is up only on a NOERROR answer to its own
 * query (id and question), against a fake server on loopback UDP.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../loop.h"
#include "../probe.h"
#include "ktap.h"

#define NHUNG 10

static volatile bool stop;
static struct timer stop_timer, sample;
static unsigned int max_seen;

static void on_stop(struct timer *t)
{
	(void)t;
	stop = true;
}

static void on_sample(struct timer *t)
{
	if (probe_inflight() > max_seen)
		max_seen = probe_inflight();
	timer_arm(t, now_ms() + 1);
}

static void run_for(uint64_t ms)
{
	stop = false;
	stop_timer.fn = on_stop;
	timer_arm(&stop_timer, now_ms() + ms);
	loop_run(&stop);
	timer_cancel(&stop_timer);
}

static unsigned int downs;

static void changed(struct checker *ck)
{
	downs += ck->up == 0;
}

/* A TCP listener on 127.0.0.1 that never accepts nor answers: connects
 * succeed (the backlog), requests wait until their timeout. */
static int listener(uint16_t *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1024) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) < 0)
		return -1;
	*port = ntohs(sa.sin_port);
	return fd;
}

static void init_checker(struct checker *ck, enum check_type type, uint16_t port,
			 const char *label)
{
	memset(ck, 0, sizeof(*ck));
	ck->spec.type = type;
	ck->spec.addr = ipaddr4((struct in_addr){ htonl(INADDR_LOOPBACK) });
	ck->spec.port = port;
	ck->spec.interval_ms = 30;
	ck->spec.timeout_ms = 25;
	ck->spec.rise = 1;
	ck->spec.fall = 1;
	strcpy(ck->spec.path, "/");
	snprintf(ck->label, sizeof(ck->label), "%s", label);
	ck->changed = changed;
}

/* ---- DNS: the reply checker, then a fake server on 127.0.0.1 ---- */

/* the query probe.c sends for "Example.org" with id 0x1234 */
static const uint8_t dns_q[] = {
	0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
	7, 'E', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'o', 'r', 'g', 0, 0, 1, 0, 1,
};

/* A reply to @q: QR, RA, @rcode, the question, one A record. */
static size_t dns_answer(const uint8_t *q, size_t qlen, uint8_t *r, unsigned int rcode)
{
	static const uint8_t rr[] = { 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1 };

	memcpy(r, q, qlen);
	r[2] = 0x80 | (q[2] & 0x01);	/* QR, RD echoed */
	r[3] = 0x80 | rcode;		/* RA */
	r[7] = rcode ? 0 : 1;		/* ANCOUNT */
	if (rcode)
		return qlen;
	memcpy(r + qlen, rr, sizeof(rr));
	return qlen + sizeof(rr);
}

static bool reply_ok(const uint8_t *r, size_t rlen, char *why)
{
	return probe_dns_reply(dns_q, sizeof(dns_q), r, rlen, why, 96);
}

static void test_dns_reply(void)
{
	static const unsigned int rcodes[] = { 1, 2, 3, 4, 5, 9 };
	uint8_t r[512];
	char why[96];
	size_t n, i;
	bool ok;

	n = dns_answer(dns_q, sizeof(dns_q), r, 0);
	ktap_ok(reply_ok(r, n, why), "dns: a NOERROR answer to our question is up");
	r[13] = 'e';
	r[21] = 'O';
	ktap_ok(reply_ok(r, n, why), "dns: the name echoed in another case is still ours");

	for (i = 0; i < ARRAY_SIZE(rcodes); i++) {
		n = dns_answer(dns_q, sizeof(dns_q), r, rcodes[i]);
		ok = reply_ok(r, n, why);
		ktap_ok(!ok && !strncmp(why, "rcode ", 6),
			"dns: rcode %u is down (%s)", rcodes[i], why);
	}
	n = dns_answer(dns_q, sizeof(dns_q), r, 3);
	reply_ok(r, n, why);
	ktap_ok(!strcmp(why, "rcode NXDOMAIN"), "dns: the rcode named in the reason (%s)", why);

	n = dns_answer(dns_q, sizeof(dns_q), r, 0);
	r[1] ^= 1;
	ok = reply_ok(r, n, why);
	ktap_ok(!ok && strstr(why, "id"), "dns: a reply with another id is down (%s)", why);

	n = dns_answer(dns_q, sizeof(dns_q), r, 0);
	r[14] = 'y';		/* "Eyample.org" */
	ok = reply_ok(r, n, why);
	ktap_ok(!ok && strstr(why, "question"), "dns: a reply to another name is down (%s)", why);

	n = dns_answer(dns_q, sizeof(dns_q), r, 0);
	r[26] = 28;		/* AAAA */
	ok = reply_ok(r, n, why);
	ktap_ok(!ok && strstr(why, "question"), "dns: a reply to another type is down (%s)", why);

	n = dns_answer(dns_q, sizeof(dns_q), r, 0);
	r[5] = 0;		/* no question */
	ok = reply_ok(r, n, why);
	ktap_ok(!ok && strstr(why, "question"), "dns: a reply without the question is down (%s)", why);

	memcpy(r, dns_q, sizeof(dns_q));	/* the query echoed back: QR clear */
	ok = reply_ok(r, sizeof(dns_q), why);
	ktap_ok(!ok && strstr(why, "QR"), "dns: the query echoed back (QR clear) is down (%s)", why);

	n = dns_answer(dns_q, sizeof(dns_q), r, 0);
	ok = reply_ok(r, 20, why) || reply_ok(r, 11, why);
	ktap_ok(!ok, "dns: a truncated reply is down (%s)", why);
}

enum dns_mode { DNS_NOERROR, DNS_NXDOMAIN, DNS_SERVFAIL, DNS_REFUSED, DNS_BADID, DNS_OTHERQ };

static enum dns_mode dns_mode;
static struct loop_fd dns_srv;
static int dns_verdicts[64];
static unsigned int dns_nverdicts;

static void dns_serve(struct loop_fd *lf, uint32_t events)
{
	uint8_t q[512], r[600];
	struct sockaddr_storage from;	/* either family (test_ipv6) */
	socklen_t fl = sizeof(from);
	ssize_t n;
	size_t len;

	(void)events;
	while ((n = recvfrom(lf->fd, q, sizeof(q), MSG_DONTWAIT, (struct sockaddr *)&from,
			     &fl)) >= 12) {
		static const unsigned int rc[] = { [DNS_NXDOMAIN] = 3, [DNS_SERVFAIL] = 2,
						   [DNS_REFUSED] = 5 };

		len = dns_answer(q, n, r, dns_mode < ARRAY_SIZE(rc) ? rc[dns_mode] : 0);
		if (dns_mode == DNS_BADID)
			r[0] ^= 0x80;
		if (dns_mode == DNS_OTHERQ && n > 13)
			r[13] ^= 0x01;	/* another first letter */
		sendto(lf->fd, r, len, 0, (struct sockaddr *)&from, fl);
		fl = sizeof(from);
	}
}

static void dns_changed(struct checker *ck)
{
	if (dns_nverdicts < ARRAY_SIZE(dns_verdicts))
		dns_verdicts[dns_nverdicts++] = ck->up;
}

static int udp_server(uint16_t *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) < 0)
		return -1;
	*port = ntohs(sa.sin_port);
	return fd;
}

/* The check against the fake server in each mode: the verdict it gives. */
static void test_dns_server(void)
{
	static const struct {
		enum dns_mode mode;
		const char *what, *why;
	} steps[] = {
		{ DNS_NXDOMAIN, "NXDOMAIN", "rcode NXDOMAIN" },
		{ DNS_SERVFAIL, "SERVFAIL", "rcode SERVFAIL" },
		{ DNS_REFUSED, "REFUSED", "rcode REFUSED" },
		{ DNS_BADID, "another id", "reply id" },
		{ DNS_OTHERQ, "another question", "reply to another question" },
	};
	static struct checker ck;
	uint16_t port;
	size_t i;

	dns_srv.fd = udp_server(&port);
	dns_srv.fn = dns_serve;
	if (dns_srv.fd < 0 || loop_add(&dns_srv, EPOLLIN) < 0) {
		ktap_ok(0, "dns: fake server on 127.0.0.1: %s", strerror(errno));
		return;
	}
	init_checker(&ck, CHECK_DNS, port, "server dns");
	snprintf(ck.spec.name, sizeof(ck.spec.name), "example.org");
	ck.spec.interval_ms = 50;	/* room for a busy host: a timeout is down too */
	ck.spec.timeout_ms = 45;
	ck.changed = dns_changed;
	dns_mode = DNS_NOERROR;
	checker_start(&ck, 0);
	run_for(150);
	ktap_ok(ck.up == 1 && dns_nverdicts == 1, "dns: NOERROR from the server: up");
	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		dns_mode = steps[i].mode;
		run_for(150);
		ktap_ok(ck.up == 0 && strstr(ck.why, steps[i].why),
			"dns: %s from the server: down (%s)", steps[i].what, ck.why);
		dns_mode = DNS_NOERROR;
		run_for(150);
		ktap_ok(ck.up == 1, "dns: NOERROR again: up");
	}
	ktap_ok(dns_nverdicts == 1 + 2 * ARRAY_SIZE(steps),
		"dns: one verdict change per step (%u)", dns_nverdicts);
	checker_stop(&ck);
	loop_del(&dns_srv);
	close(dns_srv.fd);
}

/* A socket of @type bound to [::1]:0 (listening when a stream); -1: no IPv6. */
static int bind6(int type, uint16_t *port)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET6, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 1024) < 0) ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) < 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(sa.sin6_port);
	return fd;
}

static void v6_changed(struct checker *ck)
{
	(void)ck;
}

/* The checks of IPv6 servers: AF_INET6 sockets to [::1]. */
static void test_ipv6(void)
{
	static struct checker tcp, dns;
	uint16_t port, dport;
	int fd;

	fd = bind6(SOCK_STREAM, &port);
	if (fd < 0) {
		ktap_ok(1, "ipv6: checks of [::1] # SKIP no IPv6 loopback here (%s)",
			strerror(errno));
		return;
	}
	init_checker(&tcp, CHECK_TCP, port, "server [::1] tcp");
	inet_pton(AF_INET6, "::1", &tcp.spec.addr.v6);
	tcp.spec.addr.af = AF_INET6;
	tcp.changed = v6_changed;
	checker_start(&tcp, 0);
	run_for(150);
	ktap_ok(tcp.up == 1, "ipv6: tcp check of a server listening on [::1]: up");
	close(fd);	/* refused (or reset, from the backlog) from now on */
	run_for(150);
	ktap_ok(tcp.up == 0 && strstr(tcp.why, "connect"),
		"ipv6: tcp check once it stopped listening: down (%s)", tcp.why);
	checker_stop(&tcp);

	dns_srv.fd = bind6(SOCK_DGRAM, &dport);
	dns_srv.fn = dns_serve;
	if (dns_srv.fd < 0 || loop_add(&dns_srv, EPOLLIN) < 0) {
		ktap_ok(0, "ipv6: fake dns server on [::1]: %s", strerror(errno));
		return;
	}
	init_checker(&dns, CHECK_DNS, dport, "server [::1] dns");
	dns.spec.addr.af = AF_INET6;
	dns.spec.addr.v6 = in6addr_loopback;
	snprintf(dns.spec.name, sizeof(dns.spec.name), "example.org");
	dns.spec.interval_ms = 50;
	dns.spec.timeout_ms = 45;
	dns.changed = v6_changed;
	dns_mode = DNS_NOERROR;
	checker_start(&dns, 0);
	run_for(150);
	ktap_ok(dns.up == 1, "ipv6: dns check over UDP to [::1]: up");
	dns_mode = DNS_SERVFAIL;
	run_for(150);
	ktap_ok(dns.up == 0 && strstr(dns.why, "SERVFAIL"), "ipv6: SERVFAIL: down (%s)", dns.why);
	dns_mode = DNS_NOERROR;
	checker_stop(&dns);
	loop_del(&dns_srv);
	close(dns_srv.fd);
}

int main(void)
{
	static struct checker ok, hung[NHUNG];
	struct rlimit rl, low;
	unsigned long nr, runs;
	uint16_t port;
	int lfd, i;

	/* real-time when allowed: a busy shared host stalls us past the timeouts */
	sched_setscheduler(0, SCHED_RR, &(struct sched_param){ .sched_priority = 1 });
	if (loop_init() < 0 || (lfd = listener(&port)) < 0) {
		printf("TAP version 13\n1..0 # SKIP no loopback TCP or epoll: %s\n",
		       strerror(errno));
		return 0;
	}
	log_init(false, LOG_LVL_INFO, false);

	init_checker(&ok, CHECK_TCP, port, "server ok");
	checker_start(&ok, 0);
	run_for(150);
	ktap_ok(ok.up == 1 && downs == 0, "tcp check of a listening server: up");

	/* no descriptor left: socket() fails with EMFILE (0..2 are taken) */
	getrlimit(RLIMIT_NOFILE, &rl);
	low = rl;
	low.rlim_cur = 3;
	nr = probe_no_results();
	runs = ok.ok_run;
	if (setrlimit(RLIMIT_NOFILE, &low) < 0)
		ktap_diag("setrlimit: %s", strerror(errno));
	run_for(200);
	setrlimit(RLIMIT_NOFILE, &rl);
	ktap_ok(probe_no_results() > nr, "open files limit reached: probes without a result (%lu)",
		probe_no_results() - nr);
	/* (a probe in flight when the limit came down may still succeed) */
	ktap_ok(ok.up == 1 && downs == 0 && ok.ok_run <= runs + 1,
		"EMFILE is no result, never down: the server stays up, its runs untouched");
	run_for(100);
	ktap_ok(ok.up == 1 && ok.ok_run > runs, "limit back: checked again, up");

	test_dns_reply();
	test_dns_server();
	test_ipv6();

	/* many servers that never answer, at most 3 probes in flight */
	probe_set_limit(3);
	for (i = 0; i < NHUNG; i++) {
		init_checker(&hung[i], CHECK_HTTP, port, "server hung");
		checker_start(&hung[i], 0);
	}
	sample.fn = on_sample;
	timer_arm(&sample, now_ms());
	runs = ok.ok_run;
	run_for(400);
	timer_cancel(&sample);
	ktap_ok(max_seen == 3, "at most 3 probes in flight (%u seen)", max_seen);
	ktap_ok(probe_deferred() > 0, "the others waited for a slot (%lu times)", probe_deferred());
	ktap_ok(ok.up == 1 && ok.ok_run > runs,
		"the healthy server is still checked and up (%lu successes)", ok.ok_run - runs);
	ktap_ok(downs == NHUNG, "the servers that never answer are down (%u)", downs);

	for (i = 0; i < NHUNG; i++)
		checker_stop(&hung[i]);
	checker_stop(&ok);
	ktap_ok(probe_inflight() == 0, "stopped: nothing in flight");
	close(lfd);
	loop_fini();
	return ktap_done("nlbsd health checks and local resources");
}
