// SPDX-License-Identifier: GPL-2.0
/*
 * nlbsd: probes. Each probe owns one socket for its lifetime (opened at start,
 * closed on result or timeout); a result goes through rise/fall hysteresis
 * and only a verdict change is reported to the owner and logged.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/ip.h>
#include <netinet/icmp6.h>
#include <netinet/ip_icmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "probe.h"
#include "weight.h"

enum { PH_IDLE, PH_CONNECT, PH_READ };

static uint16_t next_ident;
static unsigned int inflight, max_inflight, promised;
static struct checker *whead, *wtail;
static unsigned long no_results, deferred;
static struct ratelimit rl_local = { .period_ms = 5000 }, rl_defer = { .period_ms = 5000 };

void probe_set_limit(unsigned int max)
{
	max_inflight = max;
}

unsigned int probe_inflight(void)
{
	return inflight;
}

unsigned long probe_no_results(void)
{
	return no_results;
}

unsigned long probe_deferred(void)
{
	return deferred;
}

/* Free slots go to the checkers waiting, in order: their start is due now. */
static void handoff(void)
{
	struct checker *ck;

	while (whead && (!max_inflight || inflight + promised < max_inflight)) {
		ck = whead;
		whead = ck->wnext;
		if (!whead)
			wtail = NULL;
		ck->wnext = NULL;
		ck->waiting = false;
		ck->promised = true;
		promised++;
		timer_arm(&ck->tick, now_ms());
	}
}

static void wait_for_slot(struct checker *ck)
{
	if (ck->waiting)
		return;
	ck->waiting = true;
	ck->wnext = NULL;
	if (wtail)
		wtail->wnext = ck;
	else
		whead = ck;
	wtail = ck;
}

/* Out of the queue, and give back a slot kept for it. */
static void unwait(struct checker *ck)
{
	struct checker **p, *prev = NULL;

	if (ck->promised) {
		ck->promised = false;
		promised--;
	}
	if (!ck->waiting)
		return;
	for (p = &whead; *p; prev = *p, p = &(*p)->wnext) {
		if (*p != ck)
			continue;
		*p = ck->wnext;
		if (wtail == ck)
			wtail = prev;
		break;
	}
	ck->wnext = NULL;
	ck->waiting = false;
}

static void release_slot(void)
{
	inflight--;
	handoff();
}

static void probe_close(struct checker *ck)
{
	if (ck->lfd.fd >= 0) {
		loop_del(&ck->lfd);
		close(ck->lfd.fd);
		ck->lfd.fd = -1;
		release_slot();
	}
	timer_cancel(&ck->deadline);
	ck->phase = PH_IDLE;
}

static void verdict(struct checker *ck, int up)
{
	int old = ck->up;

	ck->up = up;
	if (old == up)
		return;
	if (up)
		log_info("%s: up (%s check, rt %.1f ms)", ck->label,
			 check_type_name(ck->spec.type), ck->rt_ewma);
	else
		log_info("%s: down (%s check: %s)", ck->label,
			 check_type_name(ck->spec.type), ck->why);
	if (ck->changed)
		ck->changed(ck);
}

/* One probe finished. The first result decides at once; then rise/fall. */
static void result(struct checker *ck, bool ok, const char *why)
{
	uint64_t now = now_ms();

	probe_close(ck);
	if (ok) {
		ck->rt_ewma = wt_ewma(ck->rt_ewma, (double)(now - ck->started_ms), 0.3);
		ck->ok_run++;
		ck->fail_run = 0;
		log_dbg("%s: ok in %llu ms", ck->label,
			(unsigned long long)(now - ck->started_ms));
		if (ck->up < 0 || (!ck->up && ck->ok_run >= ck->spec.rise))
			verdict(ck, 1);
	} else {
		snprintf(ck->why, sizeof(ck->why), "%s", why);
		ck->fail_run++;
		ck->ok_run = 0;
		log_dbg("%s: failed: %s", ck->label, why);
		if (ck->up < 0 || (ck->up && ck->fail_run >= ck->spec.fall))
			verdict(ck, 0);
	}
}

/* Errors of ours, not of the server: out of descriptors, buffers, memory, ports. */
static bool local_error(int err)
{
	return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM ||
	       err == EADDRNOTAVAIL || err == EAGAIN;
}

/* The probe could not be made here: no verdict either way. */
static void no_result(struct checker *ck, const char *what, int err)
{
	probe_close(ck);
	no_results++;
	log_rl(&rl_local, LOG_LVL_WARN,
	       "%s: no result (%s: %s): a local error, not the server's (%lu so far)",
	       ck->label, what, strerror(err), no_results);
}

static void fail_errno(struct checker *ck, const char *what, int err)
{
	char why[96];

	if (local_error(err))
		return no_result(ck, what, err);
	snprintf(why, sizeof(why), "%s: %s", what, strerror(err));
	result(ck, false, why);
}

static uint16_t icmp_cksum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;

	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons(~sum & 0xffff);
}

static size_t dns_query(struct checker *ck, uint8_t *q, size_t max)
{
	const char *name = ck->spec.name, *dot;
	size_t n = 12, l;

	memset(q, 0, 12);
	q[0] = ck->ident >> 8;
	q[1] = ck->ident;
	q[2] = 0x01;		/* RD */
	q[5] = 1;		/* QDCOUNT */
	while (*name && strcmp(name, ".")) {
		dot = strchr(name, '.');
		l = dot ? (size_t)(dot - name) : strlen(name);
		if (l == 0 || l > 63 || n + l + 6 > max)
			break;
		q[n++] = l;
		memcpy(q + n, name, l);
		n += l;
		name += l + (dot ? 1 : 0);
	}
	q[n++] = 0;
	q[n++] = 0;
	q[n++] = 1;		/* A */
	q[n++] = 0;
	q[n++] = 1;		/* IN */
	return n;
}

static const char *const rcode_names[] = {
	"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
	"YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE",
};

/* Length of the question (name, type, class) at @p, 0 if it runs past @end. */
static size_t dns_question_len(const uint8_t *p, const uint8_t *end)
{
	const uint8_t *s = p;

	while (p < end && *p) {
		if (*p > 63)	/* a compression pointer: not in our question */
			return 0;
		p += 1 + *p;
	}
	if (p >= end || end - p < 5)
		return 0;
	return p + 5 - s;
}

/*
 * A DNS reply is a success only if it answers our query: QR set, our id,
 * response code NOERROR, and one question, ours (the name compared without
 * regard to case, as servers may echo it in another case, then type and
 * class). Anything else is a failure, with @why saying which.
 */
bool probe_dns_reply(const uint8_t *q, size_t qlen, const uint8_t *r, size_t rlen,
		     char *why, size_t whylen)
{
	size_t ql, i;
	unsigned int rc;

	if (rlen < 12 || qlen < 12) {
		snprintf(why, whylen, "not a DNS reply (%zu bytes)", rlen);
		return false;
	}
	if (!(r[2] & 0x80)) {
		snprintf(why, whylen, "not a DNS reply (QR clear)");
		return false;
	}
	if (r[0] != q[0] || r[1] != q[1]) {
		snprintf(why, whylen, "reply id %u, asked %u", r[0] << 8 | r[1], q[0] << 8 | q[1]);
		return false;
	}
	rc = r[3] & 0x0f;
	if (rc) {
		if (rc < ARRAY_SIZE(rcode_names))
			snprintf(why, whylen, "rcode %s", rcode_names[rc]);
		else
			snprintf(why, whylen, "rcode %u", rc);
		return false;
	}
	ql = dns_question_len(q + 12, q + qlen);
	if ((r[4] << 8 | r[5]) != 1 || rlen < 12 + ql || !ql ||
	    dns_question_len(r + 12, r + rlen) != ql) {
		snprintf(why, whylen, "reply to another question");
		return false;
	}
	for (i = 12; i < 12 + ql; i++)
		if (r[i] != q[i] && !(isalpha(r[i]) && tolower(r[i]) == tolower(q[i]))) {
			snprintf(why, whylen, "reply to another question");
			return false;
		}
	why[0] = 0;
	return true;
}

static void send_request(struct checker *ck)
{
	bool v6 = ck->spec.addr.af == AF_INET6;
	uint8_t pkt[300];
	size_t len = 0;
	ssize_t n;

	switch (ck->spec.type) {
	case CHECK_HTTP:
		/* an IPv6 literal in brackets (RFC 3986 host) */
		len = snprintf((char *)pkt, sizeof(pkt),
			       "GET %s HTTP/1.0\r\nHost: %s%s%s\r\nUser-Agent: nlbsd/"
			       NLBSD_VERSION "\r\nConnection: close\r\n\r\n", ck->spec.path,
			       v6 ? "[" : "", ipa(&ck->spec.addr), v6 ? "]" : "");
		break;
	case CHECK_DNS:
		/* kept in ck->buf: the reply's question is compared with it */
		ck->len = dns_query(ck, (uint8_t *)ck->buf, sizeof(ck->buf));
		len = ck->len;
		memcpy(pkt, ck->buf, len);
		break;
	case CHECK_ICMP: {
		struct icmphdr *ih = (struct icmphdr *)pkt;
		struct icmp6_hdr *i6 = (struct icmp6_hdr *)pkt;

		memset(pkt, 0, 16);
		if (v6) {
			/* the kernel fills in the ICMPv6 checksum (pseudo-header) */
			i6->icmp6_type = ICMP6_ECHO_REQUEST;
			i6->icmp6_id = htons(ck->ident);
			i6->icmp6_seq = htons(ck->ident);
			memcpy(pkt + 8, "nlbsd-ok", 8);
			len = 16;
			break;
		}
		ih->type = ICMP_ECHO;
		ih->un.echo.id = htons(ck->ident);
		ih->un.echo.sequence = htons(ck->ident);
		memcpy(pkt + 8, "nlbsd-ok", 8);
		len = 16;
		ih->checksum = icmp_cksum(pkt, len);
		break;
	}
	default:
		return;
	}
	n = send(ck->lfd.fd, pkt, len, MSG_NOSIGNAL);
	if (n < 0)
		return fail_errno(ck, "send", errno);
	if ((size_t)n < len)
		return no_result(ck, "send", ENOBUFS);
	ck->phase = PH_READ;
	loop_mod(&ck->lfd, EPOLLIN);
}

static void http_status(struct checker *ck)
{
	char *eol = memchr(ck->buf, '\n', ck->len);
	unsigned int st;
	char why[96];

	if (!eol && ck->len < sizeof(ck->buf) - 1)
		return;		/* need more */
	ck->buf[ck->len] = 0;
	if (sscanf(ck->buf, "HTTP/%*u.%*u %u", &st) != 1)
		return result(ck, false, "not an HTTP response");
	if (ck->spec.status ? st == ck->spec.status : (st >= 200 && st < 400))
		return result(ck, true, NULL);
	snprintf(why, sizeof(why), "HTTP status %u", st);
	result(ck, false, why);
}

static void readable(struct checker *ck)
{
	uint8_t buf[512];
	ssize_t n;

	if (ck->spec.type == CHECK_HTTP) {
		n = recv(ck->lfd.fd, ck->buf + ck->len, sizeof(ck->buf) - 1 - ck->len, 0);
		if (n < 0)
			return errno == EAGAIN ? (void)0 : fail_errno(ck, "recv", errno);
		if (n == 0)
			return result(ck, false, "connection closed before status line");
		ck->len += n;
		return http_status(ck);
	}
	n = recv(ck->lfd.fd, buf, sizeof(buf), 0);
	if (n < 0)
		return errno == EAGAIN ? (void)0 : fail_errno(ck, "recv", errno);
	if (ck->spec.type == CHECK_DNS) {
		char why[96];
		bool ok;

		/* the socket is connected: this came from the server */
		ok = probe_dns_reply((const uint8_t *)ck->buf, ck->len, buf, n, why, sizeof(why));
		return result(ck, ok, why);
	}
	if (ck->spec.type == CHECK_ICMP && ck->spec.addr.af == AF_INET6) {
		struct icmp6_hdr *i6 = (struct icmp6_hdr *)buf;

		/* no IP header on either kind of ICMPv6 socket */
		if ((size_t)n >= sizeof(*i6) && i6->icmp6_type == ICMP6_ECHO_REPLY &&
		    ntohs(i6->icmp6_seq) == ck->ident &&
		    (!ck->raw || ntohs(i6->icmp6_id) == ck->ident))
			result(ck, true, NULL);
		return;
	}
	if (ck->spec.type == CHECK_ICMP) {
		size_t off = 0;
		struct icmphdr *ih;

		if (ck->raw) {	/* raw socket: skip the IP header */
			off = (buf[0] & 0x0f) * 4;
			if ((size_t)n < off + 8)
				return;
		}
		ih = (struct icmphdr *)(buf + off);
		/* a ping socket rewrites the id, a raw one keeps ours */
		if (ih->type == ICMP_ECHOREPLY && ntohs(ih->un.echo.sequence) == ck->ident &&
		    (!ck->raw || ntohs(ih->un.echo.id) == ck->ident))
			result(ck, true, NULL);
	}
}

static void probe_io(struct loop_fd *lf, uint32_t events)
{
	struct checker *ck = container_of(lf, struct checker, lfd);
	socklen_t sl = sizeof(int);
	int err = 0;

	if (ck->phase == PH_CONNECT) {
		if (getsockopt(lf->fd, SOL_SOCKET, SO_ERROR, &err, &sl) < 0)
			err = errno;
		if (err)
			return fail_errno(ck, "connect", err);
		if (!(events & EPOLLOUT))
			return;
		if (ck->spec.type == CHECK_TCP)
			return result(ck, true, NULL);
		return send_request(ck);
	}
	if (events & EPOLLERR) {
		if (getsockopt(lf->fd, SOL_SOCKET, SO_ERROR, &err, &sl) < 0)
			err = errno;
		if (err)
			return fail_errno(ck, ck->spec.type == CHECK_DNS ? "dns" : "icmp", err);
	}
	if (events & (EPOLLIN | EPOLLHUP))
		readable(ck);
}

static void probe_timeout(struct timer *t)
{
	struct checker *ck = container_of(t, struct checker, deadline);

	result(ck, false, ck->phase == PH_CONNECT ? "connect timed out" : "timed out");
}

static int open_socket(struct checker *ck)
{
	int af = ck->spec.addr.af == AF_INET6 ? AF_INET6 : AF_INET;
	int icmp = af == AF_INET6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
	int type = SOCK_STREAM, proto = 0, fd;

	ck->len = 0;
	ck->raw = false;
	if (ck->spec.type == CHECK_DNS) {
		type = SOCK_DGRAM;
	} else if (ck->spec.type == CHECK_ICMP) {
		/* unprivileged ping socket if allowed, else raw (we are root) */
		fd = socket(af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, icmp);
		if (fd >= 0)
			return fd;
		ck->raw = true;
		type = SOCK_RAW;
		proto = icmp;
	}
	fd = socket(af, type | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	if (fd >= 0 && ck->raw && af == AF_INET6) {
		struct icmp6_filter flt;

		/* only echo replies reach the raw socket */
		ICMP6_FILTER_SETBLOCKALL(&flt);
		ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &flt);
		setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &flt, sizeof(flt));
	}
	return fd;
}

static void probe_start(struct timer *t)
{
	struct checker *ck = container_of(t, struct checker, tick);
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd;

	ck->started_ms = now_ms();
	if (ck->phase != PH_IDLE)
		probe_close(ck);	/* cannot happen: timeout < interval */
	if (ck->promised) {
		ck->promised = false;	/* the slot kept for it */
		promised--;
	} else if (max_inflight && (inflight + promised >= max_inflight || whead)) {
		/* no socket for it now: when one frees, the verdict untouched */
		deferred++;
		log_rl(&rl_defer, LOG_LVL_WARN,
		       "checks: %u in flight, the limit: the next ones wait (%lu so far)",
		       inflight, deferred);
		wait_for_slot(ck);
		return;
	}
	timer_arm(&ck->tick, ck->started_ms + ck->spec.interval_ms);
	ck->ident = ++next_ident ^ (getpid() & 0xff00);
	fd = open_socket(ck);
	if (fd < 0) {
		handoff();	/* the slot was not taken */
		return fail_errno(ck, "socket", errno);
	}
	inflight++;
	ck->lfd.fd = fd;
	ck->lfd.fn = probe_io;
	/* IPv4 or IPv6: the server's family */
	sl = ipaddr_sockaddr(&ck->spec.addr, ck->spec.type == CHECK_ICMP ? 0 : ck->spec.port, &ss);
	if (connect(fd, (struct sockaddr *)&ss, sl) < 0 && errno != EINPROGRESS) {
		int err = errno;

		close(fd);
		ck->lfd.fd = -1;
		release_slot();
		return fail_errno(ck, "connect", err);
	}
	ck->phase = PH_CONNECT;
	if (loop_add(&ck->lfd, EPOLLOUT) < 0) {
		int err = errno;

		close(fd);
		ck->lfd.fd = -1;
		release_slot();
		return no_result(ck, "epoll", err);
	}
	timer_arm(&ck->deadline, ck->started_ms + ck->spec.timeout_ms);
	/* datagram probes are "connected" at once: send now */
	if (ck->spec.type == CHECK_DNS || ck->spec.type == CHECK_ICMP)
		send_request(ck);
}

void checker_start(struct checker *ck, uint64_t first_ms)
{
	ck->lfd.fd = -1;
	ck->wnext = NULL;
	ck->waiting = ck->promised = false;
	ck->phase = PH_IDLE;
	ck->up = -1;
	ck->ok_run = ck->fail_run = 0;
	ck->rt_ewma = -1;
	ck->deadline.fn = probe_timeout;
	ck->tick.fn = probe_start;
	if (ck->spec.type == CHECK_NONE) {
		ck->up = 1;
		return;
	}
	timer_arm(&ck->tick, now_ms() + first_ms);
}

void checker_stop(struct checker *ck)
{
	probe_close(ck);
	timer_cancel(&ck->tick);
	unwait(ck);
	handoff();
}
