// SPDX-License-Identifier: GPL-2.0
/*
 * nlbsd: the kernel adapter. Handles of the shared netlink layer: one for
 * requests, one joined to the "events" group (a request socket must not
 * see notifications between its replies), and for flow sync one joined to
 * the "flows" group and one per flow table dump.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "kernel.h"
#include "nlbs_nl.h"
#include "nlbs_nl_io.h"

_Static_assert((int)NODEST_MOVE == (int)NLBS_NODEST_MOVE &&
	       (int)NODEST_DROP == (int)NLBS_NODEST_DROP, "enum nodest is uapi's enum nlbs_nodest");

static struct nlbs_nl *req, *evt, *flows, *dump;
static int evt_fd = -1;		/* kern_open_io(): the test's descriptor */
static bool dry;
static bool suspect;	/* a request failed as if the family were gone */
static char errbuf[NLBS_ERRMSG_MAX + 64];

bool kern_dry(void)
{
	return dry;
}

const char *kern_error(void)
{
	return errbuf;
}

static int note(int ret, const char *what)
{
	const struct nlbs_nl_error *e;

	if (ret >= 0)
		return ret;
	/* genetlink's answers to an unknown family id or command */
	if (ret == -ENOENT || ret == -EOPNOTSUPP)
		suspect = true;
	e = nlbs_nl_error(req);
	snprintf(errbuf, sizeof(errbuf), "%s: %s%s%s", what, strerror(-ret),
		 e && e->msg[0] ? ": " : "", e && e->msg[0] ? e->msg : "");
	return ret;
}

/* Between kern_lost() and a successful kern_reopen(): every request fails. */
#define NEED_REQ(what)								\
	do {									\
		if (!req) {							\
			snprintf(errbuf, sizeof(errbuf),			\
				 "%s: nlbs netlink family not open", what);	\
			return -ENOENT;						\
		}								\
	} while (0)

int kern_open(bool dry_run)
{
	struct nlbs_nl_error err = { 0 };
	int fl;

	dry = dry_run;
	if (dry)
		return 0;
	req = nlbs_nl_open(NULL, &err);
	if (!req)
		goto fail;
	evt = nlbs_nl_open(NULL, &err);
	if (!evt)
		goto fail;
	if (nlbs_nl_join_events(evt) < 0) {
		err = *nlbs_nl_error(evt);
		goto fail;
	}
	fl = fcntl(nlbs_nl_fd(evt), F_GETFL);
	fcntl(nlbs_nl_fd(evt), F_SETFL, fl | O_NONBLOCK);
	fcntl(nlbs_nl_fd(evt), F_SETFD, FD_CLOEXEC);
	fcntl(nlbs_nl_fd(req), F_SETFD, FD_CLOEXEC);
	return 0;
fail:
	snprintf(errbuf, sizeof(errbuf), "nlbs netlink family: %s%s%s", strerror(err.err),
		 err.msg[0] ? ": " : "", err.msg);
	kern_close();
	return -(err.err ? err.err : EIO);
}

int kern_open_io(const struct nlbs_nl_io *req_io, const struct nlbs_nl_io *evt_io,
		 uint16_t family, int event_fd)
{
	dry = false;
	req = nlbs_nl_open_io(req_io, family);
	evt = nlbs_nl_open_io(evt_io, family);
	if (!req || !evt) {
		snprintf(errbuf, sizeof(errbuf), "nlbs netlink family: %s", strerror(ENOMEM));
		kern_close();
		return -ENOMEM;
	}
	evt_fd = event_fd;
	return 0;
}

int kern_reopen(void)
{
	kern_close();
	return kern_open(false);
}

bool kern_alive(void)
{
	struct nlbs_state_info st;
	int ret;

	if (dry)
		return true;
	suspect = false;
	if (!req)
		return false;
	ret = note(nlbs_state_get(req, &st), "state get");
	suspect = false;
	return ret != -ENOENT && ret != -EOPNOTSUPP;
}

bool kern_suspect(void)
{
	return suspect;
}

void kern_close(void)
{
	kern_flows_close();
	kern_dump_stop();
	if (req)
		nlbs_nl_close(req);
	if (evt)
		nlbs_nl_close(evt);
	req = evt = NULL;
	evt_fd = -1;
}

int kern_config(const struct nlbsd_config *c)
{
	struct nlbs_config kc = { 0 };

	kc.access_ifindex = if_nametoindex(c->access_dev);
	kc.server_ifindex = if_nametoindex(c->server_dev);
	if (!kc.access_ifindex || !kc.server_ifindex) {
		snprintf(errbuf, sizeof(errbuf), "config: no device %s",
			 kc.access_ifindex ? c->server_dev : c->access_dev);
		return -ENODEV;
	}
	if (dry)
		return 0;
	NEED_REQ("config set");
	kc.present = NLBS_BIT(NLBS_A_ACCESS_IFINDEX) | NLBS_BIT(NLBS_A_SERVER_IFINDEX);
	/* either NLBS address may be left out (IPv4 only, IPv6 only) */
	if (c->nlbs_addr.s_addr) {
		kc.nlbs_addr = c->nlbs_addr.s_addr;
		kc.present |= NLBS_BIT(NLBS_A_NLBS_ADDR_BE);
	}
	if (!IN6_IS_ADDR_UNSPECIFIED(&c->nlbs_addr6)) {
		memcpy(kc.nlbs_addr6, &c->nlbs_addr6, 16);
		kc.present |= NLBS_BIT(NLBS_A_NLBS_ADDR6);
	}
	if (c->garp_count_set) {
		kc.garp_count = c->garp_count;
		kc.present |= NLBS_BIT(NLBS_A_GARP_COUNT);
	}
	if (c->garp_interval_set) {
		kc.garp_interval = c->garp_interval_ms;
		kc.present |= NLBS_BIT(NLBS_A_GARP_INTERVAL);
	}
	if (c->hash_seed_set) {
		kc.hash_seed = c->hash_seed;
		kc.present |= NLBS_BIT(NLBS_A_HASH_SEED);
	}
	return note(nlbs_config_set(req, &kc), "config set");
}

int kern_config_matches(const struct nlbsd_config *c)
{
	struct nlbs_config kc = { 0 };
	int ret;

	if (dry)
		return 1;
	NEED_REQ("config get");
	ret = note(nlbs_config_get(req, &kc), "config get");
	if (ret < 0)
		return ret;
	return (kc.present & NLBS_BIT(NLBS_A_ACCESS_IFINDEX)) &&
	       (kc.present & NLBS_BIT(NLBS_A_SERVER_IFINDEX)) &&
	       kc.access_ifindex == if_nametoindex(c->access_dev) &&
	       kc.server_ifindex == if_nametoindex(c->server_dev) &&
	       (!c->nlbs_addr.s_addr || kc.nlbs_addr == c->nlbs_addr.s_addr) &&
	       (IN6_IS_ADDR_UNSPECIFIED(&c->nlbs_addr6) ||
		!memcmp(kc.nlbs_addr6, &c->nlbs_addr6, 16));
}

int kern_state(int state, uint32_t lease_ms, bool announce)
{
	if (dry)
		return 0;
	NEED_REQ("state set");
	return note(nlbs_state_set(req, state, lease_ms ? &lease_ms : NULL, announce),
		    "state set");
}

int kern_state_get(int *state)
{
	struct nlbs_state_info st;
	int ret;

	if (dry)
		return -EOPNOTSUPP;
	NEED_REQ("state get");
	ret = note(nlbs_state_get(req, &st), "state get");
	if (ret >= 0)
		*state = st.state;
	return ret;
}

int kern_stat(unsigned int attr, uint64_t *val)
{
	struct nlbs_stats st;
	int ret;

	if (dry)
		return -EOPNOTSUPP;
	NEED_REQ("stats");
	ret = note(nlbs_stats_get(req, &st), "stats");
	if (ret < 0)
		return ret;
	if (attr > NLBS_STATS_A_MAX || !(st.present & NLBS_BIT(attr)))
		return -ENOENT;
	*val = st.val[attr];
	return 0;
}

/* The address of a service or server the kernel reported. */
static struct ipaddr nl_vip(const struct nlbs_service *svc)
{
	struct ipaddr a = { .af = AF_INET, .v4.s_addr = svc->vip };

	if (svc->present & NLBS_BIT(NLBS_SVC_A_VIP6)) {
		a.af = AF_INET6;
		memcpy(&a.v6, svc->vip6, 16);
	}
	return a;
}

static struct ipaddr nl_srv(const struct nlbs_server *srv)
{
	struct ipaddr a = { .af = AF_INET, .v4.s_addr = srv->addr };

	if (srv->present & NLBS_BIT(NLBS_SRV_A_ADDR6)) {
		a.af = AF_INET6;
		memcpy(&a.v6, srv->addr6, 16);
	}
	return a;
}

/* An NLBS_A_SERVER nest's address: ADDR_BE or ADDR6. */
static void set_nl_srv(struct nlbs_server *srv, const struct ipaddr *a)
{
	if (a->af == AF_INET6) {
		srv->present |= NLBS_BIT(NLBS_SRV_A_ADDR6);
		memcpy(srv->addr6, &a->v6, 16);
	} else {
		srv->present |= NLBS_BIT(NLBS_SRV_A_ADDR_BE);
		srv->addr = a->v4.s_addr;
	}
}

static void to_nl_service(const struct cfg_service *s, struct nlbs_service *ns)
{
	memset(ns, 0, sizeof(*ns));
	if (s->vip.af == AF_INET6) {
		ns->present = NLBS_BIT(NLBS_SVC_A_VIP6);
		memcpy(ns->vip6, &s->vip.v6, 16);
	} else {
		ns->present = NLBS_BIT(NLBS_SVC_A_VIP_BE);
		ns->vip = s->vip.v4.s_addr;
	}
	ns->present |= NLBS_BIT(NLBS_SVC_A_PROTO);
	ns->proto = s->proto;
	if (s->proto) {
		ns->port = s->port;
		ns->present |= NLBS_BIT(NLBS_SVC_A_PORT);
	}
}

int kern_service_add(const struct cfg_service *s)
{
	struct nlbs_service ns;

	if (dry)
		return 0;
	NEED_REQ("service add");
	to_nl_service(s, &ns);
	if (s->table_size) {
		ns.table_size = s->table_size;
		ns.present |= NLBS_BIT(NLBS_SVC_A_TABLE_SIZE);
	}
	if (s->nodest_set) {
		ns.nodest = s->nodest;
		ns.present |= NLBS_BIT(NLBS_SVC_A_NODEST);
	}
	return note(nlbs_service_add(req, &ns), "service add");
}

int kern_service_set(const struct cfg_service *s)
{
	struct nlbs_service ns;

	if (dry)
		return 0;
	NEED_REQ("service set");
	to_nl_service(s, &ns);
	ns.nodest = s->nodest;
	ns.present |= NLBS_BIT(NLBS_SVC_A_NODEST);
	return note(nlbs_service_set(req, &ns), "service set");
}

int kern_service_del(const struct cfg_service *s)
{
	struct nlbs_service ns;
	struct nlmsghdr *nlh;

	if (dry)
		return 0;
	NEED_REQ("service del");
	to_nl_service(s, &ns);
	nlh = nlbs_nl_req(req, NLBS_CMD_SERVICE_DEL, 0);
	nlbs_put_service(nlh, &ns);
	return note(nlbs_nl_run(req, nlh, NULL, NULL), "service del");
}

struct prune_ctx {
	const struct nlbsd_config *c;
	const struct cfg_service *svc;	/* server dump: the configured service */
	struct nlbs_service *stale;	/* services to delete */
	struct ipaddr *stale_srv;	/* servers of svc to delete */
	size_t n, cap;
	int err;
};

/* Room for one more in *@arr (of @size bytes each); false on out of memory. */
static bool grow(void **arr, size_t n, size_t *cap, size_t size)
{
	void *p;

	if (n < *cap)
		return true;
	p = realloc(*arr, (*cap ? *cap * 2 : 16) * size);
	if (!p)
		return false;
	*arr = p;
	*cap = *cap ? *cap * 2 : 16;
	return true;
}

static int prune_cb(const struct nlbs_service *svc, void *data)
{
	struct prune_ctx *p = data;
	struct ipaddr vip = nl_vip(svc);
	size_t i;

	for (i = 0; i < p->c->nservices; i++) {
		const struct cfg_service *s = &p->c->services[i];

		if (ipaddr_eq(&s->vip, &vip) && s->proto == svc->proto &&
		    (!s->proto || s->port == svc->port))
			return 0;
	}
	if (!grow((void **)&p->stale, p->n, &p->cap, sizeof(*p->stale))) {
		p->err = -ENOMEM;
		return 0;
	}
	p->stale[p->n++] = *svc;
	return 0;
}

static int prune_srv_cb(const struct nlbs_service *svc, const struct nlbs_server *srv,
			void *data)
{
	struct prune_ctx *p = data;
	struct ipaddr a = nl_srv(srv);
	size_t i;

	(void)svc;
	for (i = 0; i < p->svc->nservers; i++)
		if (ipaddr_eq(&p->svc->servers[i].addr, &a))
			return 0;
	if (!grow((void **)&p->stale_srv, p->n, &p->cap, sizeof(*p->stale_srv))) {
		p->err = -ENOMEM;
		return 0;
	}
	p->stale_srv[p->n++] = a;
	return 0;
}

static int server_op(const struct cfg_service *s, uint8_t cmd, struct nlbs_server *srv,
		     const char *what);

/* Delete the servers the kernel has in configured service @s that @s lacks. */
static int prune_servers(const struct cfg_service *s)
{
	struct prune_ctx p = { .svc = s };
	struct nlbs_server srv;
	struct nlbs_service ns;
	size_t i;
	int ret;

	to_nl_service(s, &ns);
	ret = note(nlbs_server_dump(req, &ns, prune_srv_cb, &p), "server dump");
	if (ret == -ENOENT) {
		/* the kernel does not have the service (yet): nothing to prune */
		ret = 0;
	}
	if (ret >= 0 && p.err)
		ret = p.err;
	for (i = 0; ret >= 0 && i < p.n; i++) {
		memset(&srv, 0, sizeof(srv));
		set_nl_srv(&srv, &p.stale_srv[i]);
		ret = server_op(s, NLBS_CMD_SERVER_DEL, &srv, "server del");
	}
	free(p.stale_srv);
	return ret;
}

int kern_service_prune(const struct nlbsd_config *c)
{
	struct prune_ctx p = { .c = c };
	struct nlmsghdr *nlh;
	size_t i;
	int ret;

	if (dry)
		return 0;
	NEED_REQ("service dump");
	ret = note(nlbs_service_dump(req, prune_cb, &p), "service dump");
	if (ret >= 0 && p.err)
		ret = p.err;
	for (i = 0; ret >= 0 && i < p.n; i++) {
		/* the key only, of either family */
		p.stale[i].present &= NLBS_BIT(NLBS_SVC_A_VIP_BE) | NLBS_BIT(NLBS_SVC_A_VIP6) |
				      NLBS_BIT(NLBS_SVC_A_PROTO) | NLBS_BIT(NLBS_SVC_A_PORT);
		nlh = nlbs_nl_req(req, NLBS_CMD_SERVICE_DEL, 0);
		nlbs_put_service(nlh, &p.stale[i]);
		ret = note(nlbs_nl_run(req, nlh, NULL, NULL), "service del");
	}
	free(p.stale);
	/* servers of kept services that the configuration no longer has */
	for (i = 0; ret >= 0 && i < c->nservices; i++)
		ret = prune_servers(&c->services[i]);
	return ret;
}

static int server_op(const struct cfg_service *s, uint8_t cmd, struct nlbs_server *srv,
		     const char *what)
{
	struct nlbs_service ns;
	struct nlmsghdr *nlh;

	if (dry)
		return 0;
	NEED_REQ(what);
	to_nl_service(s, &ns);
	nlh = nlbs_nl_req(req, cmd, 0);
	nlbs_put_service(nlh, &ns);
	nlbs_put_server(nlh, srv);
	return note(nlbs_nl_run(req, nlh, NULL, NULL), what);
}

int kern_server_add(const struct cfg_service *s, const struct cfg_server *cs, uint32_t weight)
{
	struct nlbs_server srv = {
		.present = NLBS_BIT(NLBS_SRV_A_WEIGHT),
		.weight = weight,
	};

	set_nl_srv(&srv, &cs->addr);
	if (cs->has_mac) {
		memcpy(srv.mac, cs->mac, 6);
		srv.present |= NLBS_BIT(NLBS_SRV_A_MAC);
	}
	return server_op(s, NLBS_CMD_SERVER_ADD, &srv, "server add");
}

int kern_server_set(const struct cfg_service *s, const struct ipaddr *addr, uint32_t weight)
{
	struct nlbs_server srv = {
		.present = NLBS_BIT(NLBS_SRV_A_WEIGHT),
		.weight = weight,
	};

	set_nl_srv(&srv, addr);
	return server_op(s, NLBS_CMD_SERVER_SET, &srv, "server set");
}

int kern_server_del(const struct cfg_service *s, const struct ipaddr *addr)
{
	struct nlbs_server srv = { 0 };

	set_nl_srv(&srv, addr);
	return server_op(s, NLBS_CMD_SERVER_DEL, &srv, "server del");
}

struct stat_ctx {
	kern_stat_cb cb;
	void *arg;
};

static int stat_cb(const struct nlbs_service *svc, const struct nlbs_server *srv, void *data)
{
	struct stat_ctx *sc = data;
	struct ipaddr a = nl_srv(srv);
	struct kern_srv_stats st = {
		.packets = srv->packets,
		.has_flows = (srv->present & NLBS_BIT(NLBS_SRV_A_ACTIVE_FLOWS)) &&
			     (srv->present & NLBS_BIT(NLBS_SRV_A_NEW_FLOWS)),
		.active_flows = srv->active_flows,
		.new_flows = srv->new_flows,
	};

	(void)svc;
	if (st.has_flows || (srv->present & NLBS_BIT(NLBS_SRV_A_PACKETS)))
		sc->cb(sc->arg, &a, &st);
	return 0;
}

int kern_server_stats(const struct cfg_service *s, kern_stat_cb cb, void *arg)
{
	struct stat_ctx sc = { cb, arg };
	struct nlbs_service ns;

	if (dry)
		return 0;
	NEED_REQ("server dump");
	to_nl_service(s, &ns);
	return note(nlbs_server_dump(req, &ns, stat_cb, &sc), "server dump");
}

struct list_ctx {
	kern_srv_cb cb;
	kern_svc_cb svc_cb;
	void *arg;
};

static int svc_list_cb(const struct nlbs_service *svc, void *data)
{
	struct list_ctx *lc = data;
	struct cfg_service key = {
		.vip = nl_vip(svc),
		.proto = svc->proto,
		.port = svc->proto ? svc->port : 0,
		.table_size = svc->present & NLBS_BIT(NLBS_SVC_A_TABLE_SIZE) ? svc->table_size : 0,
	};

	lc->svc_cb(lc->arg, &key);
	return 0;
}

int kern_service_list(kern_svc_cb cb, void *arg)
{
	struct list_ctx lc = { .svc_cb = cb, .arg = arg };

	if (dry)
		return 1;
	NEED_REQ("service dump");
	return note(nlbs_service_dump(req, svc_list_cb, &lc), "service dump");
}

static int list_cb(const struct nlbs_service *svc, const struct nlbs_server *srv, void *data)
{
	struct list_ctx *lc = data;
	struct ipaddr a = nl_srv(srv);

	(void)svc;
	lc->cb(lc->arg, &a, srv->present & NLBS_BIT(NLBS_SRV_A_WEIGHT) ? srv->weight : 0);
	return 0;
}

int kern_server_list(const struct cfg_service *s, kern_srv_cb cb, void *arg)
{
	struct list_ctx lc = { .cb = cb, .arg = arg };
	struct nlbs_service ns;

	if (dry)
		return 1;
	NEED_REQ("server dump");
	to_nl_service(s, &ns);
	return note(nlbs_server_dump(req, &ns, list_cb, &lc), "server dump");
}

int kern_event_fd(void)
{
	if (evt_fd >= 0)
		return evt_fd;
	return evt ? nlbs_nl_fd(evt) : -1;
}

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct kern_events *ev = data;
	struct nlbs_state_info st;
	struct nlbs_device_event de;
	enum kern_cause by;

	switch (nlbs_msg_cmd(nlh)) {
	case NLBS_CMD_STATE_NTF:
		if (nlbs_parse_state(nlh, &st) || !(st.present & NLBS_BIT(NLBS_A_STATE)))
			break;
		/* our requests all go through req (a reopen gives it a new port) */
		if (!nlh->nlmsg_pid)
			by = KERN_BY_KERNEL;
		else if (req && nlh->nlmsg_pid == nlbs_nl_portid(req))
			by = KERN_BY_US;
		else
			by = KERN_BY_OTHER;
		ev->state(st.state, st.reason, by, nlh->nlmsg_pid);
		break;
	case NLBS_CMD_DEVICE_NTF:
		if (!nlbs_parse_device(nlh, &de))
			ev->device(de.reason);
		break;
	}
	return MNL_CB_OK;
}

int kern_event_read(const struct kern_events *ev)
{
	int ret;

	if (!evt)
		return 0;
	ret = nlbs_nl_listen(evt, event_cb, (void *)ev);
	if (ret == -EAGAIN || ret == -EWOULDBLOCK)
		return 0;
	return ret;
}

/* ---- flow sync ---- */

/* --no-kernel: a made-up flow table and flow source (tests) */
static struct {
	uint32_t table, rate;
	struct nlbs_flow tmpl;
	int tfd;		/* timerfd: the flows descriptor */
	uint64_t last_ms;
	uint64_t milli;		/* flows owed x 1000 */
	uint32_t next;		/* index of the next new flow */
	uint32_t dump_pos;	/* dump in progress: next index, or UINT32_MAX */
} dryf = { .tfd = -1, .dump_pos = UINT32_MAX };

void kern_dry_flows(uint32_t table, uint32_t rate, const struct nlbs_flow *tmpl)
{
	dryf.table = table;
	dryf.rate = rate;
	dryf.tmpl = *tmpl;
	if (dryf.next < table)
		dryf.next = table;
}

/*
 * Flow @i of the made-up kernel: 10.i.i.i:port (IPv6: fd00::i.i.i) to the
 * template's service.
 */
static void dry_flow(uint32_t i, struct nlbs_flow *f)
{
	uint32_t c = htonl(0x0a000000 | ((i / 50000) & 0xffffff));

	*f = dryf.tmpl;
	f->saddr = c;
	if (f->present & NLBS_BIT(NLBS_FLOW_A_SADDR6)) {
		f->saddr = 0;
		memset(f->saddr6, 0, 16);
		f->saddr6[0] = 0xfd;
		memcpy(f->saddr6 + 12, &c, 4);
	}
	f->sport = 10000 + i % 50000;
	f->idle_ms = 0;
}

int kern_flows_open(void)
{
	struct nlbs_nl_error err = { 0 };
	struct itimerspec its = { .it_interval.tv_nsec = 100000000,
				  .it_value.tv_nsec = 100000000 };
	int fl;

	if (dry) {
		if (dryf.tfd >= 0 || !dryf.rate)
			return 0;
		dryf.tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
		if (dryf.tfd < 0 || timerfd_settime(dryf.tfd, 0, &its, NULL) < 0) {
			snprintf(errbuf, sizeof(errbuf), "flows: timerfd: %s", strerror(errno));
			kern_flows_close();
			return -EIO;
		}
		dryf.last_ms = now_ms();
		return 0;
	}
	if (flows)
		return 0;
	flows = nlbs_nl_open(NULL, &err);
	if (!flows)
		goto fail;
	if (nlbs_nl_join_flows(flows) < 0) {
		err = *nlbs_nl_error(flows);
		goto fail;
	}
	fl = fcntl(nlbs_nl_fd(flows), F_GETFL);
	fcntl(nlbs_nl_fd(flows), F_SETFL, fl | O_NONBLOCK);
	fcntl(nlbs_nl_fd(flows), F_SETFD, FD_CLOEXEC);
	return 0;
fail:
	snprintf(errbuf, sizeof(errbuf), "flows group: %s%s%s", strerror(err.err),
		 err.msg[0] ? ": " : "", err.msg);
	kern_flows_close();
	return -(err.err ? err.err : EIO);
}

void kern_flows_close(void)
{
	if (flows)
		nlbs_nl_close(flows);
	flows = NULL;
	if (dryf.tfd >= 0)
		close(dryf.tfd);
	dryf.tfd = -1;
}

int kern_flows_fd(void)
{
	if (dry)
		return dryf.tfd;
	return flows ? nlbs_nl_fd(flows) : -1;
}

struct flows_ctx {
	kern_flow_cb cb;
	void *arg;
};

static int flow_one(const struct nlbs_flow *f, void *data)
{
	struct flows_ctx *fc = data;

	fc->cb(fc->arg, f);	/* either family */
	return 0;
}

static int flows_msg(const struct nlmsghdr *nlh, void *data)
{
	if (nlbs_msg_cmd(nlh) == NLBS_CMD_FLOW_NTF)
		nlbs_parse_flows(nlh, flow_one, data);
	return MNL_CB_OK;
}

static int dry_flows_read(kern_flow_cb cb, void *arg)
{
	uint64_t exp, now = now_ms(), n;
	struct nlbs_flow f;

	if (read(dryf.tfd, &exp, sizeof(exp)) < 0)
		return 0;
	dryf.milli += (now - dryf.last_ms) * dryf.rate;
	dryf.last_ms = now;
	for (n = dryf.milli / 1000; n; n--) {
		dry_flow(dryf.next++, &f);
		cb(arg, &f);
	}
	dryf.milli %= 1000;
	return 0;
}

int kern_flows_read(kern_flow_cb cb, void *arg)
{
	struct flows_ctx fc = { cb, arg };
	int ret;

	if (dry)
		return dryf.tfd >= 0 ? dry_flows_read(cb, arg) : 0;
	if (!flows)
		return 0;
	ret = nlbs_nl_listen(flows, flows_msg, &fc);
	if (ret == -EAGAIN || ret == -EWOULDBLOCK)
		return 0;
	return ret;
}

int kern_flow_import(const struct nlbs_flow *f, size_t n)
{
	if (dry || !n)
		return 0;
	NEED_REQ("flow import");
	return note(nlbs_flow_import(req, f, n), "flow import");
}

int kern_dump_start(void)
{
	struct nlbs_nl_error err = { 0 };
	struct nlmsghdr *nlh;
	int fl;

	kern_dump_stop();
	if (dry) {
		dryf.dump_pos = 0;
		return 0;
	}
	dump = nlbs_nl_open(NULL, &err);
	if (!dump) {
		snprintf(errbuf, sizeof(errbuf), "flow dump: %s%s%s", strerror(err.err),
			 err.msg[0] ? ": " : "", err.msg);
		return -(err.err ? err.err : EIO);
	}
	fl = fcntl(nlbs_nl_fd(dump), F_GETFL);
	fcntl(nlbs_nl_fd(dump), F_SETFL, fl | O_NONBLOCK);
	fcntl(nlbs_nl_fd(dump), F_SETFD, FD_CLOEXEC);
	nlh = nlbs_nl_req(dump, NLBS_CMD_FLOW_GET, NLM_F_DUMP);
	if (send(nlbs_nl_fd(dump), nlh, nlh->nlmsg_len, 0) < 0) {
		int e = errno;

		snprintf(errbuf, sizeof(errbuf), "flow dump: %s", strerror(e));
		kern_dump_stop();
		return -e;
	}
	return 0;
}

int kern_dump_fd(void)
{
	return dump ? nlbs_nl_fd(dump) : -1;
}

void kern_dump_stop(void)
{
	if (dump)
		nlbs_nl_close(dump);
	dump = NULL;
	dryf.dump_pos = UINT32_MAX;
}

static int dry_dump_read(kern_flow_cb cb, void *arg)
{
	struct nlbs_flow f;
	uint32_t n;

	if (dryf.dump_pos == UINT32_MAX)
		return -EINVAL;
	for (n = 0; n < KERN_DUMP_CHUNK && dryf.dump_pos < dryf.table; n++) {
		dry_flow(dryf.dump_pos++, &f);
		cb(arg, &f);
	}
	return dryf.dump_pos >= dryf.table;
}

/*
 * One buffer of the dump. Not nlbs_nl_run(): that reads to the end. A
 * dump the kernel flags interrupted (NLM_F_DUMP_INTR: the table changed
 * meanwhile) is fine here: a flow seen twice is imported twice, one missed
 * is sent when it sees traffic again.
 */
int kern_dump_read(kern_flow_cb cb, void *arg)
{
	static uint8_t buf[32768] __attribute__((aligned(8)));
	const struct nlmsghdr *nlh;
	const struct nlmsgerr *e;
	struct nlbs_flow f;
	ssize_t n;
	int len;

	if (dry)
		return dry_dump_read(cb, arg);
	if (!dump)
		return -EINVAL;
	n = recv(nlbs_nl_fd(dump), buf, sizeof(buf), 0);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	len = n;
	for (nlh = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, len);
	     nlh = mnl_nlmsg_next(nlh, &len)) {
		switch (nlh->nlmsg_type) {
		case NLMSG_NOOP:
			continue;
		case NLMSG_DONE:
			if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(int)) &&
			    *(const int *)mnl_nlmsg_get_payload(nlh) < 0)
				return *(const int *)mnl_nlmsg_get_payload(nlh);
			return 1;
		case NLMSG_ERROR:
			e = mnl_nlmsg_get_payload(nlh);
			if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
				return -EBADMSG;
			return e->error < 0 ? e->error : 1;
		}
		if (nlbs_msg_cmd(nlh) != NLBS_CMD_FLOW_GET || nlbs_parse_flow(nlh, &f) < 0)
			continue;
		cb(arg, &f);
	}
	return 0;
}
