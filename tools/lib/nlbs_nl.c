// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * nlbs_nl: socket, family resolution, requests with extack, notifications.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "nlbs_nl.h"
#include "nlbs_nl_io.h"
#include "nlbs_nl_priv.h"

struct nlbs_nl {
	struct mnl_socket *sk;
	struct nlbs_nl_io io;		/* unit tests: instead of sk */
	uint32_t portid;
	uint32_t seq;
	uint16_t family;
	uint32_t maxattr;		/* the family's: what it accepts */
	uint32_t events_grp;		/* 0: family has no events group */
	uint32_t flows_grp;		/* 0: family has no flows group */
	struct nlbs_nl_error err;
	char sbuf[NLBS_NL_BUFSIZE];	/* request */
	char rbuf[NLBS_NL_BUFSIZE];	/* replies */
	/* Pipelined requests (nlbs_nl_pipe_req()), not sent yet */
	char pbuf[NLBS_NL_BUFSIZE];
	size_t plen;			/* bytes before plast */
	struct nlmsghdr *plast;		/* the one being built, or NULL */
	unsigned int pn;		/* requests in pbuf */
	uint32_t pseq;			/* the first one's sequence number */
};

static void set_err(struct nlbs_nl_error *e, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(struct nlbs_nl_error *e, int err, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return;
	e->err = err;
	e->msg[0] = '\0';
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
	}
}

int nlbs_netns_enter(const char *name)
{
	char path[PATH_MAX];
	int fd, ret = 0;

	if (!name || !*name || strchr(name, '/'))
		return -EINVAL;
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (setns(fd, CLONE_NEWNET) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* ---- messages ------------------------------------------------------------ */

struct nlmsghdr *nlbs_msg_init(void *buf, uint16_t family, uint8_t cmd,
			       uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = family;
	if (flags & NLM_F_DUMP)
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	else
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = NLBS_GENL_VERSION;
	return nlh;
}

struct nlmsghdr *nlbs_nl_req(struct nlbs_nl *nl, uint8_t cmd, uint16_t flags)
{
	return nlbs_msg_init(nl->sbuf, nl->family, cmd, flags);
}

uint8_t nlbs_msg_cmd(const struct nlmsghdr *nlh)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);

	return genl->cmd;
}

/* ---- acks and errors ------------------------------------------------------ */

struct run_ctx {
	struct nlbs_nl *nl;
	nlbs_msg_cb cb;
	void *data;
	bool listen;		/* notifications: no ACK ends it */
	bool done;		/* ACK, error or NLMSG_DONE seen */
	bool stopped;		/* cb returned MNL_CB_STOP: skip the rest */
	bool dump_intr;		/* NLM_F_DUMP_INTR seen: a torn dump */
	int cb_err;		/* cb failed: drain the rest, then fail */
};

static int ext_ack_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type <= NLMSGERR_ATTR_MAX)
		tb[type] = attr;
	return MNL_CB_OK;
}

/* Record errno and extack of an NLMSG_ERROR (or a dump's NLMSG_DONE). */
static void parse_ext_ack(struct nlbs_nl *nl, const struct nlmsghdr *nlh,
			  unsigned int off, int error)
{
	const struct nlattr *tb[NLMSGERR_ATTR_MAX + 1] = { NULL };
	const struct nlattr *a;

	set_err(&nl->err, error, NULL);
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) ||
	    mnl_nlmsg_get_payload_len(nlh) <= off)
		return;
	if (mnl_attr_parse(nlh, off, ext_ack_attr_cb, tb) < 0)
		return;
	a = tb[NLMSGERR_ATTR_MSG];
	if (a && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0) {
		snprintf(nl->err.msg, sizeof(nl->err.msg), "%s",
			 mnl_attr_get_str(a));
		return;
	}
	a = tb[NLMSGERR_ATTR_MISS_TYPE];
	if (error && a && mnl_attr_validate(a, MNL_TYPE_U32) == 0)
		snprintf(nl->err.msg, sizeof(nl->err.msg),
			 "missing required attribute (type %u%s)",
			 mnl_attr_get_u32(a),
			 tb[NLMSGERR_ATTR_MISS_NEST] ? ", in a nest" : "");
}

/*
 * The error code of an NLMSG_ERROR or NLMSG_DONE: 0 or a negative errno.
 * Anything else (a positive one, or INT_MIN, whose negation overflows)
 * would come out of nlbs_nl_run() as a success or as garbage: the reply
 * is malformed, EBADMSG.
 */
static bool bad_error_code(struct run_ctx *rc, int error)
{
	if (error <= 0 && error >= -4095)
		return false;
	set_err(&rc->nl->err, EBADMSG, "malformed netlink reply (error code %d)", error);
	rc->done = true;
	errno = EBADMSG;
	return true;
}

/*
 * Where the extack TLVs of an NLMSG_ERROR start (its length is checked).
 * Not capped: the request follows whole, the TLVs after it (none when its
 * length does not fit: no underflow into the error itself).
 */
static unsigned int ack_tlv_offset(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	unsigned int off = sizeof(*e);

	if (!(nlh->nlmsg_flags & NLM_F_CAPPED) && e->error) {
		if (e->msg.nlmsg_len < sizeof(struct nlmsghdr) ||
		    e->msg.nlmsg_len - sizeof(struct nlmsghdr) >
		    mnl_nlmsg_get_payload_len(nlh) - off)
			off = mnl_nlmsg_get_payload_len(nlh);
		else
			off += NLMSG_ALIGN(e->msg.nlmsg_len) - sizeof(struct nlmsghdr);
	}
	return off;
}

static int error_cb(const struct nlmsghdr *nlh, void *data)
{
	struct run_ctx *rc = data;
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e))) {
		errno = EBADMSG;
		set_err(&rc->nl->err, EBADMSG, "truncated netlink error");
		return MNL_CB_ERROR;
	}
	if (bad_error_code(rc, e->error))
		return MNL_CB_ERROR;
	parse_ext_ack(rc->nl, nlh, ack_tlv_offset(nlh), -e->error);
	rc->done = true;
	if (e->error) {
		errno = -e->error;
		return MNL_CB_ERROR;
	}
	return MNL_CB_STOP;
}

static int done_cb(const struct nlmsghdr *nlh, void *data)
{
	struct run_ctx *rc = data;
	int error = 0;

	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int))
		error = *(const int *)mnl_nlmsg_get_payload(nlh);
	if (bad_error_code(rc, error))
		return MNL_CB_ERROR;
	parse_ext_ack(rc->nl, nlh, sizeof(int), -error);
	rc->done = true;
	if (error) {
		errno = -error;
		return MNL_CB_ERROR;
	}
	return MNL_CB_STOP;
}

static int noop_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_OK;
}

static int data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct run_ctx *rc = data;
	int ret;

	if (nlh->nlmsg_type != rc->nl->family ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(struct genlmsghdr) ||
	    !rc->cb || rc->stopped || rc->cb_err)
		return MNL_CB_OK;
	errno = 0;
	ret = rc->cb(nlh, rc->data);
	if (ret == MNL_CB_STOP) {
		rc->stopped = true;
		return rc->listen ? MNL_CB_STOP : MNL_CB_OK;
	}
	if (ret < 0) {
		/* Keep reading up to the end of the reply so the next request
		 * on this socket does not see its leftovers. */
		rc->cb_err = errno ? errno : EIO;
		if (rc->listen)
			return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

static mnl_cb_t ctl_cbs[NLMSG_MIN_TYPE] = {
	[NLMSG_NOOP]	= noop_cb,
	[NLMSG_ERROR]	= error_cb,
	[NLMSG_DONE]	= done_cb,
	[NLMSG_OVERRUN]	= noop_cb,
};

/*
 * NLM_F_DUMP_INTR (genl_dump_check_consistent(), and the kernel checks once
 * more on NLMSG_DONE): the objects changed while the dump was being built,
 * what it returns may be torn. libmnl would stop at the first such message
 * with EINTR and leave the rest of the dump in the socket, for the next
 * request to trip over; so note it and clear it, read the dump to its end,
 * and nlbs_nl_run() returns -EINTR.
 */
static void take_dump_intr(struct run_ctx *rc, void *buf, ssize_t len)
{
	struct nlmsghdr *nlh = buf;
	int rest = (int)len;

	for (; mnl_nlmsg_ok(nlh, rest); nlh = mnl_nlmsg_next(nlh, &rest)) {
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR) {
			nlh->nlmsg_flags &= ~NLM_F_DUMP_INTR;
			rc->dump_intr = true;
		}
	}
}

/*
 * The framing of a datagram: every message's nlmsg_len at least a header
 * and within the datagram. libmnl's mnl_nlmsg_ok() compares nlmsg_len as
 * an int: one above INT_MAX passes for a fit, and the walk (ours in
 * take_dump_intr(), libmnl's in mnl_cb_run2()) jumps out of the buffer.
 * Bytes after the last message, fewer than a header, are left to libmnl.
 */
static bool datagram_ok(const void *buf, size_t len)
{
	const struct nlmsghdr *nlh;
	size_t off = 0;

	while (len - off >= sizeof(*nlh)) {
		nlh = (const struct nlmsghdr *)((const char *)buf + off);
		if (nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > len - off)
			return false;
		off += NLMSG_ALIGN(nlh->nlmsg_len);
		if (off >= len)
			break;
	}
	return true;
}

/* One datagram out, one in: the socket's, or the unit tests' functions. */
static ssize_t nl_send(struct nlbs_nl *nl, const void *buf, size_t len)
{
	if (nl->io.send)
		return nl->io.send(nl->io.ctx, buf, len);
	return mnl_socket_sendto(nl->sk, buf, len);
}

static ssize_t nl_recv(struct nlbs_nl *nl)
{
	if (nl->io.recv)
		return nl->io.recv(nl->io.ctx, nl->rbuf, sizeof(nl->rbuf));
	return mnl_socket_recvfrom(nl->sk, nl->rbuf, sizeof(nl->rbuf));
}

static int run_ctx_recv(struct nlbs_nl *nl, struct run_ctx *rc,
			uint32_t seq, uint32_t portid)
{
	ssize_t len;
	int ret;

	/* A signal during a request: its reply is still coming (and -EINTR
	 * from nlbs_nl_run() means an interrupted dump). */
	do
		len = nl_recv(nl);
	while (len < 0 && errno == EINTR && !rc->listen);
	if (len < 0) {
		ret = errno;
		set_err(&nl->err, ret, NULL);
		return -ret;
	}
	if (!datagram_ok(nl->rbuf, len)) {
		set_err(&nl->err, EBADMSG, "malformed netlink datagram (message length)");
		return -EBADMSG;
	}
	take_dump_intr(rc, nl->rbuf, len);
	ret = mnl_cb_run2(nl->rbuf, len, seq, portid, data_cb, rc,
			  ctl_cbs, NLMSG_MIN_TYPE);
	if (ret < 0) {
		ret = errno ? errno : EIO;
		if (rc->cb_err)
			ret = rc->cb_err;
		if (!rc->done)	/* a callback or libmnl failed, not the kernel */
			set_err(&nl->err, ret, NULL);
		return -ret;
	}
	if (ret == MNL_CB_STOP)
		rc->done = true;
	return 0;
}

int nlbs_nl_run(struct nlbs_nl *nl, struct nlmsghdr *nlh, nlbs_msg_cb cb,
		void *data)
{
	struct run_ctx rc = { .nl = nl, .cb = cb, .data = data };
	ssize_t sent;
	int ret;

	set_err(&nl->err, 0, NULL);
	nlh->nlmsg_seq = ++nl->seq;
	sent = nl_send(nl, nlh, nlh->nlmsg_len);
	if (sent < 0) {
		ret = errno;
		set_err(&nl->err, ret, NULL);
		return -ret;
	}
	while (!rc.done) {
		errno = 0;
		ret = run_ctx_recv(nl, &rc, nl->seq, nl->portid);
		if (ret < 0)
			return ret;
	}
	if (rc.cb_err) {
		set_err(&nl->err, rc.cb_err, NULL);
		return -rc.cb_err;
	}
	if (rc.dump_intr) {
		set_err(&nl->err, EINTR,
			"dump interrupted by concurrent changes, try again");
		return -EINTR;
	}
	return 0;
}

/* ---- pipelined requests ----------------------------------------------- */

/* Room kept for the request being built: none comes near it. */
#define PIPE_REQ_ROOM	4096

static void pipe_close_last(struct nlbs_nl *nl)
{
	if (nl->plast) {
		nl->plen += NLMSG_ALIGN(nl->plast->nlmsg_len);
		nl->plast = NULL;
	}
}

struct nlmsghdr *nlbs_nl_pipe_req(struct nlbs_nl *nl, uint8_t cmd,
				  uint16_t flags)
{
	struct nlmsghdr *nlh;

	pipe_close_last(nl);
	nlh = nlbs_msg_init(nl->pbuf + nl->plen, nl->family, cmd,
			    flags & ~NLM_F_DUMP);
	/* Only the last of a flush asks for an ACK; errors come anyway. */
	nlh->nlmsg_flags &= ~NLM_F_ACK;
	nlh->nlmsg_seq = ++nl->seq;
	if (!nl->pn++)
		nl->pseq = nlh->nlmsg_seq;
	/* The group: once one of it fails, the kernel refuses the rest. */
	mnl_attr_put_u32(nlh, NLBS_A_BATCH, nl->pseq);
	nl->plast = nlh;
	return nlh;
}

bool nlbs_nl_can_pipe(const struct nlbs_nl *nl)
{
	return nl->maxattr >= NLBS_A_BATCH;
}

bool nlbs_nl_can_pack(const struct nlbs_nl *nl)
{
	return nl->maxattr >= NLBS_A_PACK;
}

bool nlbs_nl_pipe_full(const struct nlbs_nl *nl)
{
	size_t len = nl->plen;

	if (nl->plast)
		len += NLMSG_ALIGN(nl->plast->nlmsg_len);
	return nl->pn >= NLBS_NL_PIPE_MAX ||
	       len > sizeof(nl->pbuf) - PIPE_REQ_ROOM;
}

unsigned int nlbs_nl_pipe_len(const struct nlbs_nl *nl)
{
	return nl->pn;
}

/* The NLMSG_ERRORs of one datagram of replies to a flush. */
static int pipe_acks(struct nlbs_nl *nl, const void *buf, size_t len,
		     uint32_t last, unsigned int *failed, bool *done)
{
	const struct nlmsghdr *nlh = buf;
	int rest = (int)len, first = 0;

	for (; mnl_nlmsg_ok(nlh, rest); nlh = mnl_nlmsg_next(nlh, &rest)) {
		const struct nlmsgerr *e;
		uint32_t seq = nlh->nlmsg_seq;

		if (nlh->nlmsg_type != NLMSG_ERROR ||
		    seq - nl->pseq > last - nl->pseq)
			continue;	/* not an answer to this flush */
		if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
			return -EBADMSG;
		e = mnl_nlmsg_get_payload(nlh);
		if (e->error > 0 || e->error < -4095)
			return -EBADMSG;
		if (e->error && *failed == UINT32_MAX) {
			/* the first failure's errno and extack text */
			parse_ext_ack(nl, nlh, ack_tlv_offset(nlh), -e->error);
			*failed = seq - nl->pseq;
			first = e->error;
		}
		if (seq == last)
			*done = true;
	}
	return first;
}

int nlbs_nl_pipe_flush(struct nlbs_nl *nl, unsigned int *failed)
{
	uint32_t last;
	bool done = false;
	ssize_t len;
	int ret = 0, r;

	*failed = UINT32_MAX;
	set_err(&nl->err, 0, NULL);
	if (!nl->pn)
		return 0;
	/* The last asks for an ACK: it comes after every error before it. */
	nl->plast->nlmsg_flags |= NLM_F_ACK;
	pipe_close_last(nl);
	last = nl->pseq + nl->pn - 1;
	len = nl->plen;
	nl->plen = 0;
	nl->pn = 0;
	r = nl_send(nl, nl->pbuf, len) < 0 ? -errno : 0;
	if (r) {
		set_err(&nl->err, -r, NULL);
		*failed = 0;
		return r;
	}
	while (!done) {
		do
			len = nl_recv(nl);
		while (len < 0 && errno == EINTR);
		if (len < 0) {
			r = -errno;
			set_err(&nl->err, -r, NULL);
			return r;
		}
		if (!datagram_ok(nl->rbuf, len)) {
			set_err(&nl->err, EBADMSG, "malformed netlink datagram (message length)");
			return -EBADMSG;
		}
		r = pipe_acks(nl, nl->rbuf, len, last, failed, &done);
		if (r == -EBADMSG) {
			set_err(&nl->err, EBADMSG, "malformed netlink reply to a batch");
			return r;
		}
		if (r && !ret)
			ret = r;	/* nl->err holds the first failure */
	}
	return ret;
}

/* ---- open: nlctrl ------------------------------------------------------- */

struct family_info {
	uint16_t id;
	uint32_t maxattr;
	uint32_t events_grp;
	uint32_t flows_grp;
};

static int mcgrp_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type <= CTRL_ATTR_MCAST_GRP_MAX)
		tb[type] = attr;
	return MNL_CB_OK;
}

static void parse_mcgrps(const struct nlattr *nest, struct family_info *fi)
{
	const struct nlattr *pos;

	mnl_attr_for_each_nested(pos, nest) {
		const struct nlattr *tb[CTRL_ATTR_MCAST_GRP_MAX + 1] = { NULL };
		const char *name;
		uint32_t id;

		if (mnl_attr_parse_nested(pos, mcgrp_cb, tb) < 0)
			continue;
		if (!tb[CTRL_ATTR_MCAST_GRP_NAME] || !tb[CTRL_ATTR_MCAST_GRP_ID] ||
		    mnl_attr_validate(tb[CTRL_ATTR_MCAST_GRP_NAME],
				      MNL_TYPE_NUL_STRING) < 0 ||
		    mnl_attr_validate(tb[CTRL_ATTR_MCAST_GRP_ID],
				      MNL_TYPE_U32) < 0)
			continue;
		name = mnl_attr_get_str(tb[CTRL_ATTR_MCAST_GRP_NAME]);
		id = mnl_attr_get_u32(tb[CTRL_ATTR_MCAST_GRP_ID]);
		if (!strcmp(name, NLBS_MCGRP_EVENTS))
			fi->events_grp = id;
		else if (!strcmp(name, NLBS_MCGRP_FLOWS))
			fi->flows_grp = id;
	}
}

static int family_attr_cb(const struct nlattr *attr, void *data)
{
	struct family_info *fi = data;

	switch (mnl_attr_get_type(attr)) {
	case CTRL_ATTR_FAMILY_ID:
		if (mnl_attr_validate(attr, MNL_TYPE_U16) == 0)
			fi->id = mnl_attr_get_u16(attr);
		break;
	case CTRL_ATTR_MAXATTR:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			fi->maxattr = mnl_attr_get_u32(attr);
		break;
	case CTRL_ATTR_MCAST_GROUPS:
		parse_mcgrps(attr, fi);
		break;
	}
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_attr_cb, data);
	return MNL_CB_OK;
}

static int resolve_family(struct nlbs_nl *nl)
{
	struct family_info fi = { 0 };
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;
	int ret;

	nlh = mnl_nlmsg_put_header(nl->sbuf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = CTRL_CMD_GETFAMILY;
	genl->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, NLBS_GENL_NAME);

	nl->family = GENL_ID_CTRL;	/* so data_cb passes nlctrl replies */
	ret = nlbs_nl_run(nl, nlh, family_cb, &fi);
	nl->family = fi.id;
	if (ret < 0) {
		if (ret == -ENOENT)
			set_err(&nl->err, ENOENT,
				"generic netlink family \"%s\" not found (is the nlbs module loaded?)",
				NLBS_GENL_NAME);
		return ret;
	}
	if (!fi.id) {
		set_err(&nl->err, EPROTO, "nlctrl reply without a family id");
		return -EPROTO;
	}
	nl->maxattr = fi.maxattr;
	nl->events_grp = fi.events_grp;
	nl->flows_grp = fi.flows_grp;
	return 0;
}

struct nlbs_nl *nlbs_nl_open(const char *netns, struct nlbs_nl_error *err)
{
	struct nlbs_nl *nl;
	int one = 1, ret;

	set_err(err, 0, NULL);
	if (netns) {
		ret = nlbs_netns_enter(netns);
		if (ret < 0) {
			set_err(err, -ret, "cannot enter network namespace \"%s\": %s",
				netns, strerror(-ret));
			return NULL;
		}
	}
	nl = calloc(1, sizeof(*nl));
	if (!nl) {
		set_err(err, ENOMEM, NULL);
		return NULL;
	}
	nl->sk = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC);
	if (!nl->sk) {
		set_err(err, errno, "cannot open generic netlink socket: %s",
			strerror(errno));
		goto fail;
	}
	/* Both are best effort: kernels without them still work. */
	mnl_socket_setsockopt(nl->sk, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sk, NETLINK_CAP_ACK, &one, sizeof(one));
	if (mnl_socket_bind(nl->sk, 0, MNL_SOCKET_AUTOPID) < 0) {
		set_err(err, errno, "cannot bind netlink socket: %s",
			strerror(errno));
		goto fail;
	}
	nl->portid = mnl_socket_get_portid(nl->sk);
	nl->seq = (uint32_t)time(NULL);
	if (resolve_family(nl) < 0) {
		if (err)
			*err = nl->err;
		goto fail;
	}
	return nl;
fail:
	nlbs_nl_close(nl);
	return NULL;
}

struct nlbs_nl *nlbs_nl_open_io(const struct nlbs_nl_io *io, uint16_t family)
{
	struct nlbs_nl *nl = calloc(1, sizeof(*nl));

	if (!nl)
		return NULL;
	nl->io = *io;
	nl->family = family;
	nl->maxattr = NLBS_A_MAX;
	return nl;
}

void nlbs_nl_close(struct nlbs_nl *nl)
{
	if (!nl)
		return;
	if (nl->sk)
		mnl_socket_close(nl->sk);
	free(nl);
}

int nlbs_nl_fd(const struct nlbs_nl *nl)
{
	return mnl_socket_get_fd(nl->sk);
}

uint32_t nlbs_nl_portid(const struct nlbs_nl *nl)
{
	return nl->sk ? nl->portid : nl->io.portid;
}

uint16_t nlbs_nl_family(const struct nlbs_nl *nl)
{
	return nl->family;
}

const struct nlbs_nl_error *nlbs_nl_error(const struct nlbs_nl *nl)
{
	return &nl->err;
}

void nlbs_nl_set_error(struct nlbs_nl *nl, const struct nlbs_nl_error *err)
{
	nl->err = *err;
}

/* ---- notifications ------------------------------------------------------- */

/* Raise the receive buffer to at least size bytes (best effort), then join
 * multicast group grp (0: the family has none). */
static int join_group(struct nlbs_nl *nl, uint32_t grp, const char *name,
		      int size)
{
	int id = (int)grp, cur = 0, fd;
	socklen_t len = sizeof(cur);

	set_err(&nl->err, 0, NULL);
	if (!grp) {
		set_err(&nl->err, ENOENT, "family \"%s\" has no \"%s\" group",
			NLBS_GENL_NAME, name);
		return -ENOENT;
	}
	fd = mnl_socket_get_fd(nl->sk);
	/* Bursts (a batch of 10,000 servers, a flood of new flows) must not
	 * overrun a listener: the forced size needs CAP_NET_ADMIN, else
	 * rmem_max caps it. The kernel reports twice what was set: a second
	 * group on the same handle never lowers what the first asked. */
	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &cur, &len) < 0 ||
	    cur / 2 < size) {
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size,
			       sizeof(size)) < 0)
			setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size,
				   sizeof(size));
	}
	if (mnl_socket_setsockopt(nl->sk, NETLINK_ADD_MEMBERSHIP, &id,
				  sizeof(id)) < 0) {
		if (errno == EPERM)
			set_err(&nl->err, EPERM,
				"joining the \"%s\" group needs CAP_NET_ADMIN",
				name);
		else
			set_err(&nl->err, errno, NULL);
		return -nl->err.err;
	}
	return 0;
}

int nlbs_nl_join_events(struct nlbs_nl *nl)
{
	return join_group(nl, nl->events_grp, NLBS_MCGRP_EVENTS,
			  NLBS_EVENTS_RCVBUF);
}

int nlbs_nl_join_flows(struct nlbs_nl *nl)
{
	return join_group(nl, nl->flows_grp, NLBS_MCGRP_FLOWS,
			  NLBS_FLOWS_RCVBUF);
}

int nlbs_nl_listen(struct nlbs_nl *nl, nlbs_msg_cb cb, void *data)
{
	struct run_ctx rc = { .nl = nl, .cb = cb, .data = data, .listen = true };
	int ret;

	set_err(&nl->err, 0, NULL);
	while (!rc.done) {
		errno = 0;
		ret = run_ctx_recv(nl, &rc, 0, 0);
		if (ret < 0)
			return ret;
	}
	return 0;
}
