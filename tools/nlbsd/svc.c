// SPDX-License-Identifier: GPL-2.0
/*
 * nlbsd: services and servers. The kernel's table follows the configuration;
 * each server's health check and the kernel's per-server flow counters
 * decide the weight pushed (weight.c), damped so it does not flap.
 *
 * Load is what the original design balances on: a server's active flows
 * (the kernel's flow table) plus the new flows Maglev sent it per interval.
 * A kernel that does not report them: the packets forwarded to it instead.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "kernel.h"
#include "loop.h"
#include "probe.h"
#include "weight.h"

struct srv_rt {
	struct cfg_server cfg;
	struct svc_rt *svc;
	struct checker ck;
	bool in_kernel;
	uint32_t kweight;	/* what the kernel has */
	uint64_t pushed_ms;
	uint64_t packets;	/* kernel counter at the last poll */
	bool have_packets;
	uint64_t new_flows;	/* kernel counter at the last poll */
	bool have_new;
	uint32_t active_flows;	/* at the last poll (status) */
	uint64_t new_delta;	/* new flows in the last interval (status) */
	double load_share;	/* -1: unknown */
	bool force;		/* configured weight changed by a reload */
	bool seen;		/* resync: the kernel's dump has it ... */
	uint32_t seen_weight;	/* ... with this weight */
};

struct svc_rt {
	struct cfg_service cfg;	/* servers pointer not used: see srv */
	struct srv_rt *srv;
	size_t n;
	bool in_kernel;		/* the kernel has the service: servers can go in */
	bool seen;		/* resync: the kernel's dump has it */
	uint32_t ktable;	/* table size it was added with (0: kernel default) */
};

static struct svc_rt *svcs;
static size_t nsvcs;
static const struct nlbsd_config *cur;
/* svc_prepare()'s configuration while svc_commit() runs, then cur's */
static const struct nlbsd_config *committing;
static struct timer wtimer;
static struct timer retry_timer;	/* services the kernel refused: add again */
static struct ratelimit rl_retry = { .period_ms = 10000 };
static bool resyncing;		/* in svc_resync(): never delete a server */
/* svc_prepare()'s allocations, for svc_commit() */
static struct svc_rt *prep;
static const struct nlbsd_config *prep_cfg;

#define SVC_RETRY_MS 1000

static const char *cur_path(void)
{
	return committing ? committing->path : cur ? cur->path : "?";
}

static uint32_t effective(const struct srv_rt *r)
{
	const struct svc_rt *s = r->svc;
	double best = -1, total_w = 0;
	struct wt_in in;
	size_t i;

	for (i = 0; i < s->n; i++) {
		const struct srv_rt *o = &s->srv[i];

		total_w += o->cfg.weight;
		if (o->ck.up != 0 && o->ck.rt_ewma >= 0 && (best < 0 || o->ck.rt_ewma < best))
			best = o->ck.rt_ewma;
	}
	in = (struct wt_in){
		.weight = r->cfg.weight,
		.up = r->ck.up != 0,
		.dynamic = s->cfg.dynamic,
		.rt_ms = r->ck.rt_ewma,
		.rt_best_ms = best,
		.load_share = r->load_share,
		.weight_share = total_w > 0 ? r->cfg.weight / total_w : 0,
	};
	return wt_effective(&in);
}

/* Bring the kernel in line with what this server should be. */
static void push(struct srv_rt *r, bool force)
{
	const struct cfg_service *s = &r->svc->cfg;
	uint64_t now = now_ms();
	uint32_t w = effective(r);
	bool want = !(s->on_fail == ONFAIL_REMOVE && r->ck.up == 0);

	if (!r->svc->in_kernel)
		return;		/* pushed once the service is added */
	if (want && !r->in_kernel) {
		int ret = kern_server_add(s, &r->cfg, w);

		if (ret == -EEXIST && (!r->cfg.has_mac || resyncing)) {
			/*
			 * left by a previous run of the daemon: take it over.
			 * On a resync it is ours and its MAC right: deleting
			 * it would move its flows.
			 */
			ret = kern_server_set(s, &r->cfg.addr, w);
		} else if (ret == -EEXIST) {
			/* the MAC is set at add time only: add it again */
			kern_server_del(s, &r->cfg.addr);
			ret = kern_server_add(s, &r->cfg, w);
		}
		if (ret < 0) {
			log_err("server %s of %s: %s", ipa(&r->cfg.addr), s->name, kern_error());
			return;
		}
		log_info("server %s of %s: added, weight %u", ipa(&r->cfg.addr), s->name, w);
		r->in_kernel = true;
		r->kweight = w;
		r->pushed_ms = now;
		return;
	}
	if (!want && r->in_kernel) {
		if (kern_server_del(s, &r->cfg.addr) < 0)
			log_err("server %s of %s: %s", ipa(&r->cfg.addr), s->name, kern_error());
		log_info("server %s of %s: removed (down)", ipa(&r->cfg.addr), s->name);
		r->in_kernel = false;
		return;
	}
	if (!r->in_kernel)
		return;
	if (!force && !wt_should_push(r->kweight, w, now - r->pushed_ms, cur->hysteresis_pct,
				      cur->weight_min_interval_ms))
		return;
	if (w == r->kweight)
		return;
	if (kern_server_set(s, &r->cfg.addr, w) < 0) {
		log_err("server %s of %s: %s", ipa(&r->cfg.addr), s->name, kern_error());
		return;
	}
	log_info("server %s of %s: weight %u -> %u", ipa(&r->cfg.addr), s->name,
		 r->kweight, w);
	r->kweight = w;
	r->pushed_ms = now;
}

static void health_changed(struct checker *ck)
{
	push(container_of(ck, struct srv_rt, ck), false);
}

struct poll_ctx {
	struct svc_rt *s;
	uint64_t *load;		/* active + new flows per server */
	uint64_t *pkts;		/* packets per server (kernels without flow counters) */
	bool flows;		/* the kernel reported flow counters */
};

static void stat_one(void *arg, const struct ipaddr *addr, const struct kern_srv_stats *st)
{
	struct poll_ctx *p = arg;
	size_t i;

	for (i = 0; i < p->s->n; i++) {
		struct srv_rt *r = &p->s->srv[i];

		if (!ipaddr_eq(&r->cfg.addr, addr))
			continue;
		if (st->has_flows) {
			p->flows = true;
			r->new_delta = r->have_new && st->new_flows >= r->new_flows ?
				       st->new_flows - r->new_flows : 0;
			r->active_flows = st->active_flows;
			p->load[i] = wt_load(st->active_flows, r->new_delta);
			r->new_flows = st->new_flows;
			r->have_new = true;
		}
		if (r->have_packets && st->packets >= r->packets)
			p->pkts[i] = st->packets - r->packets;
		r->packets = st->packets;
		r->have_packets = true;
	}
}

/* Every [weights] interval: load shares from the kernel, then damped pushes. */
static void weights_tick(struct timer *t)
{
	uint64_t *buf;
	double *share;
	size_t i, j;

	timer_arm(t, now_ms() + cur->weight_interval_ms);
	for (i = 0; i < nsvcs; i++) {
		struct svc_rt *s = &svcs[i];
		struct poll_ctx p = { .s = s };

		if (!s->n)
			continue;
		buf = calloc(2 * s->n, sizeof(*buf));
		share = calloc(s->n, sizeof(*share));
		if (!buf || !share) {
			free(buf);
			free(share);
			return;
		}
		p.load = buf;
		p.pkts = buf + s->n;
		if (s->cfg.dynamic && kern_server_stats(&s->cfg, stat_one, &p) < 0)
			log_dbg("%s", kern_error());
		wt_load_shares(p.flows ? p.load : p.pkts, s->n, share);
		for (j = 0; j < s->n; j++) {
			s->srv[j].load_share = share[j];
			push(&s->srv[j], false);
		}
		free(buf);
		free(share);
	}
}

static void retry_services(struct timer *t);

struct ksize_ctx {
	const struct cfg_service *want;
	uint32_t size;
};

static void ksize_one(void *arg, const struct cfg_service *key)
{
	struct ksize_ctx *k = arg;

	if (service_same_key(k->want, key))
		k->size = key->table_size;
}

/*
 * The service was there already (a previous run of the daemon): nodest is
 * set as the file says (move when it does not), but the table size is the
 * one it was added with: say so if the file asks for another.
 */
static void check_present(struct svc_rt *s)
{
	struct ksize_ctx k = { .want = &s->cfg };

	if (kern_service_set(&s->cfg) < 0)
		log_warn("service %s: nodest: %s", s->cfg.name, kern_error());
	if (!s->cfg.table_size || kern_service_list(ksize_one, &k) != 0 || !k.size)
		return;
	s->ktable = k.size;
	if (k.size != s->cfg.table_size)
		log_warn("%s:%d: service %s: table-size %u cannot apply to the running "
			 "service: it keeps %u (delete the service to change it)",
			 cur_path(), s->cfg.table_size_line, s->cfg.name, s->cfg.table_size,
			 k.size);
}

/* Add @s to the kernel; false (and the retry timer armed) if refused. */
static bool add_service(struct svc_rt *s, bool retry)
{
	int ret = kern_service_add(&s->cfg);

	retry_timer.fn = retry_services;
	if (ret < 0 && ret != -EEXIST) {
		if (retry)
			log_rl(&rl_retry, LOG_LVL_ERR, "service %s: %s (retrying)", s->cfg.name,
			       kern_error());
		else
			log_err("service %s: %s (retrying every %u ms)", s->cfg.name,
				kern_error(), SVC_RETRY_MS);
		s->in_kernel = false;
		if (!retry_timer.armed)
			timer_arm(&retry_timer, now_ms() + SVC_RETRY_MS);
		return false;
	}
	log_info("service %s: %s", s->cfg.name, ret == -EEXIST ? "present" : "added");
	s->in_kernel = true;
	s->ktable = s->cfg.table_size;
	if (ret == -EEXIST)
		check_present(s);
	return true;
}

static void retry_services(struct timer *t)
{
	size_t i, j;

	(void)t;
	for (i = 0; i < nsvcs; i++) {
		if (svcs[i].in_kernel || !add_service(&svcs[i], true))
			continue;
		for (j = 0; j < svcs[i].n; j++)
			push(&svcs[i].srv[j], true);
	}
}

static struct svc_rt *find_svc(struct svc_rt *arr, size_t n, const struct cfg_service *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (service_same_key(&arr[i].cfg, s))
			return &arr[i];
	return NULL;
}

static struct srv_rt *find_srv(struct svc_rt *s, const struct ipaddr *a)
{
	size_t i;

	for (i = 0; s && i < s->n; i++)
		if (ipaddr_eq(&s->srv[i].cfg.addr, a))
			return &s->srv[i];
	return NULL;
}

static bool same_check(const struct check_spec *a, const struct check_spec *b)
{
	return a->type == b->type && ipaddr_eq(&a->addr, &b->addr) && a->port == b->port &&
	       a->status == b->status && !strcmp(a->path, b->path) && !strcmp(a->name, b->name) &&
	       a->interval_ms == b->interval_ms && a->timeout_ms == b->timeout_ms &&
	       a->rise == b->rise && a->fall == b->fall;
}

static void free_rt(struct svc_rt *arr, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < arr[i].n; j++)
			checker_stop(&arr[i].srv[j].ck);
		free(arr[i].srv);
	}
	free(arr);
}

/* Every allocation svc_commit(@c) needs: on failure nothing has changed. */
int svc_prepare(const struct nlbsd_config *c)
{
	struct svc_rt *arr;
	size_t i;

	svc_abort();
	arr = calloc(c->nservices ? c->nservices : 1, sizeof(*arr));
	if (!arr)
		return -ENOMEM;
	for (i = 0; i < c->nservices; i++) {
		arr[i].srv = calloc(c->services[i].nservers ? c->services[i].nservers : 1,
				    sizeof(*arr[i].srv));
		if (!arr[i].srv) {
			free_rt(arr, c->nservices);	/* n still 0 everywhere */
			return -ENOMEM;
		}
	}
	prep = arr;
	prep_cfg = c;
	return 0;
}

void svc_abort(void)
{
	if (prep)
		free_rt(prep, prep_cfg->nservices);	/* n still 0 everywhere */
	prep = NULL;
	prep_cfg = NULL;
}

/*
 * A running service @os configured again as @s: nodest applies at once, a
 * table size cannot (the kernel fixes it when the service is added).
 */
static void reload_service(const struct svc_rt *os, struct svc_rt *s)
{
	static const char *const nd[] = { [NODEST_MOVE] = "move", [NODEST_DROP] = "drop" };

	s->ktable = os->ktable;
	if (s->cfg.table_size != os->ktable) {
		if (!s->cfg.table_size)
			log_warn("%s:%d: service %s: table-size removed: the running service "
				 "keeps %u (delete the service to change it)", cur_path(),
				 s->cfg.line, s->cfg.name, os->ktable);
		else if (!os->ktable)
			log_warn("%s:%d: service %s: table-size %u cannot apply to the running "
				 "service: it keeps the kernel's default (delete the service to "
				 "change it)", cur_path(), s->cfg.table_size_line, s->cfg.name,
				 s->cfg.table_size);
		else
			log_warn("%s:%d: service %s: table-size %u cannot apply to the running "
				 "service: it keeps %u (delete the service to change it)",
				 cur_path(), s->cfg.table_size_line, s->cfg.name,
				 s->cfg.table_size, os->ktable);
	}
	if (s->cfg.nodest == os->cfg.nodest)
		return;
	if (kern_service_set(&s->cfg) < 0)
		log_err("service %s: %s", s->cfg.name, kern_error());
	else
		log_info("service %s: nodest %s -> %s", s->cfg.name, nd[os->cfg.nodest],
			 nd[s->cfg.nodest]);
}

/* Build the runtime of @c, carrying over what the old one knew. Cannot fail. */
void svc_commit(const struct nlbsd_config *c)
{
	struct svc_rt *arr = prep, *os;
	struct srv_rt *r, *or;
	uint64_t spread = 0;
	size_t i, j;

	if (!arr || prep_cfg != c) {
		log_err("internal error: services committed without svc_prepare()");
		abort();
	}
	prep = NULL;
	prep_cfg = NULL;
	committing = c;
	if (!svcs && kern_service_prune(c) < 0)
		log_err("%s", kern_error());
	/* services that are gone */
	for (i = 0; i < nsvcs; i++) {
		bool keep = false;

		for (j = 0; j < c->nservices; j++)
			keep |= service_same_key(&svcs[i].cfg, &c->services[j]);
		if (!keep) {
			if (kern_service_del(&svcs[i].cfg) < 0)
				log_err("%s", kern_error());
			else
				log_info("service %s: removed", svcs[i].cfg.name);
		}
	}
	for (i = 0; i < c->nservices; i++) {
		struct svc_rt *s = &arr[i];

		s->cfg = c->services[i];
		s->cfg.servers = NULL;
		s->n = c->services[i].nservers;
		os = find_svc(svcs, nsvcs, &s->cfg);
		if (os && os->in_kernel) {
			s->in_kernel = true;
			reload_service(os, s);
		} else {
			add_service(s, !!os);
		}
		/* servers of the old service that are gone */
		for (j = 0; os && j < os->n; j++) {
			size_t k;
			bool keep = false;

			for (k = 0; k < s->n; k++)
				keep |= ipaddr_eq(&c->services[i].servers[k].addr,
						  &os->srv[j].cfg.addr);
			if (!keep && os->srv[j].in_kernel) {
				if (kern_server_del(&s->cfg, &os->srv[j].cfg.addr) < 0)
					log_err("%s", kern_error());
				else
					log_info("server %s of %s: removed (configuration)",
						 ipa(&os->srv[j].cfg.addr), s->cfg.name);
			}
		}
		for (j = 0; j < s->n; j++) {
			r = &s->srv[j];
			r->cfg = c->services[i].servers[j];
			r->svc = s;
			r->load_share = -1;
			r->ck.spec = s->cfg.check;
			r->ck.spec.addr = r->cfg.addr;
			if (!r->ck.spec.port)
				r->ck.spec.port = s->cfg.port;
			snprintf(r->ck.label, sizeof(r->ck.label), "server %s of %s",
				 ipa(&r->cfg.addr), s->cfg.name);
			r->ck.changed = health_changed;
			or = find_srv(os, &r->cfg.addr);
			if (or && (or->cfg.has_mac != r->cfg.has_mac ||
				   memcmp(or->cfg.mac, r->cfg.mac, 6)) && or->in_kernel) {
				/* the MAC is set at add time only */
				kern_server_del(&s->cfg, &r->cfg.addr);
				or->in_kernel = false;
			}
			/* spread the first probes over one interval */
			checker_start(&r->ck, (spread++ * 10) % (s->cfg.check.interval_ms / 2 + 1));
			if (or) {
				r->force = or->cfg.weight != r->cfg.weight;
				r->in_kernel = or->in_kernel;
				r->kweight = or->kweight;
				r->pushed_ms = or->pushed_ms;
				r->packets = or->packets;
				r->have_packets = or->have_packets;
				r->new_flows = or->new_flows;
				r->have_new = or->have_new;
				if (same_check(&or->ck.spec, &r->ck.spec)) {
					r->ck.up = or->ck.up;
					r->ck.ok_run = or->ck.ok_run;
					r->ck.fail_run = or->ck.fail_run;
					r->ck.rt_ewma = or->ck.rt_ewma;
				}
			}
		}
	}
	free_rt(svcs, nsvcs);
	svcs = arr;
	nsvcs = c->nservices;
	cur = c;
	committing = NULL;
	/* configured weight changes are pushed at once, the rest damped */
	for (i = 0; i < nsvcs; i++)
		for (j = 0; j < svcs[i].n; j++)
			push(&svcs[i].srv[j], svcs[i].srv[j].force);
	wtimer.fn = weights_tick;
	timer_cancel(&wtimer);
	timer_arm(&wtimer, now_ms() + c->weight_interval_ms);
}

int svc_apply(const struct nlbsd_config *c)
{
	int ret = svc_prepare(c);

	if (ret < 0)
		return ret;
	svc_commit(c);
	return 0;
}

void svc_kernel_lost(void)
{
	size_t i, j;

	timer_cancel(&retry_timer);
	for (i = 0; i < nsvcs; i++) {
		svcs[i].in_kernel = false;
		for (j = 0; j < svcs[i].n; j++) {
			svcs[i].srv[j].in_kernel = false;
			svcs[i].srv[j].have_packets = false;
			svcs[i].srv[j].have_new = false;
		}
	}
}

void svc_kernel_back(void)
{
	timer_cancel(&retry_timer);
	retry_services(&retry_timer);
}

static void resync_svc_seen(void *arg, const struct cfg_service *key)
{
	size_t i;

	(void)arg;
	for (i = 0; i < nsvcs; i++) {
		const struct cfg_service *s = &svcs[i].cfg;

		if (ipaddr_eq(&s->vip, &key->vip) && s->proto == key->proto &&
		    (!s->proto || s->port == key->port))
			svcs[i].seen = true;
	}
}

static void resync_seen(void *arg, const struct ipaddr *addr, uint32_t weight)
{
	struct srv_rt *r = find_srv(arg, addr);

	if (r) {
		r->seen = true;
		r->seen_weight = weight;
	}
}

/*
 * Compare with the kernel's view, a service dump and then a server dump per
 * service: a service missing is added again with its servers, a server
 * missing is added, a weight that differs is set. Nothing is deleted: a
 * server delete moves its flows. Services not in the kernel are the retry
 * timer's.
 */
void svc_resync(void)
{
	size_t i, j;
	int ret;

	for (i = 0; i < nsvcs; i++)
		svcs[i].seen = false;
	ret = kern_service_list(resync_svc_seen, NULL);
	if (ret < 0) {
		log_err("resync: %s", kern_error());
		return;
	}
	if (ret > 0)
		return;		/* dry run: nothing to compare with */
	resyncing = true;
	for (i = 0; i < nsvcs; i++) {
		struct svc_rt *s = &svcs[i];

		if (!s->in_kernel)
			continue;
		if (!s->seen) {
			log_warn("service %s: not in the kernel: adding it again", s->cfg.name);
			s->in_kernel = false;
			for (j = 0; j < s->n; j++) {
				s->srv[j].in_kernel = false;
				s->srv[j].have_packets = false;
				s->srv[j].have_new = false;
			}
			if (add_service(s, false))
				for (j = 0; j < s->n; j++)
					push(&s->srv[j], true);
			continue;
		}
		for (j = 0; j < s->n; j++)
			s->srv[j].seen = false;
		ret = kern_server_list(&s->cfg, resync_seen, s);
		if (ret < 0) {
			log_err("resync: service %s: %s", s->cfg.name, kern_error());
			continue;
		}
		for (j = 0; j < s->n; j++) {
			struct srv_rt *r = &s->srv[j];

			if (r->seen && !r->in_kernel) {
				/* ours to manage again; the next push applies the health */
				r->in_kernel = true;
				r->kweight = r->seen_weight;
				r->pushed_ms = now_ms();
			} else if (!r->seen && r->in_kernel) {
				log_warn("server %s of %s: not in the kernel: adding it again",
					 ipa(&r->cfg.addr), s->cfg.name);
				r->in_kernel = false;
				r->have_packets = false;
				r->have_new = false;
				push(r, true);
			} else if (r->seen && r->seen_weight != r->kweight) {
				log_warn("server %s of %s: weight %u in the kernel: setting %u",
					 ipa(&r->cfg.addr), s->cfg.name, r->seen_weight, r->kweight);
				if (kern_server_set(&s->cfg, &r->cfg.addr, r->kweight) < 0)
					log_err("server %s of %s: %s", ipa(&r->cfg.addr),
						s->cfg.name, kern_error());
			}
		}
	}
	resyncing = false;
}

void svc_stop(void)
{
	timer_cancel(&wtimer);
	timer_cancel(&retry_timer);
	svc_abort();
	free_rt(svcs, nsvcs);
	svcs = NULL;
	nsvcs = 0;
}

void svc_status(FILE *f)
{
	size_t i, j, n = 0, up = 0, down = 0;

	for (i = 0; i < nsvcs; i++)
		for (j = 0; j < svcs[i].n; j++) {
			n++;
			up += svcs[i].srv[j].ck.up == 1;
			down += svcs[i].srv[j].ck.up == 0;
		}
	fprintf(f, "services: %zu, servers %zu: up %zu, down %zu, unknown %zu\n", nsvcs, n, up,
		down, n - up - down);
	fprintf(f, "checks: %u in flight, %lu without a result, %lu waited for a slot\n",
		probe_inflight(), probe_no_results(), probe_deferred());
	for (i = 0; i < nsvcs; i++)
		for (j = 0; j < svcs[i].n; j++) {
			const struct srv_rt *r = &svcs[i].srv[j];

			if (r->ck.up == 0)
				fprintf(f, "down: server %s of %s: %s\n", ipa(&r->cfg.addr),
					svcs[i].cfg.name, r->ck.why);
		}
}

void svc_dump(void)
{
	size_t i, j;

	log_info("status: checks: %u in flight, %lu without a result (local errors), "
		 "%lu waited for a slot", probe_inflight(), probe_no_results(), probe_deferred());

	for (i = 0; i < nsvcs; i++)
		for (j = 0; j < svcs[i].n; j++) {
			struct srv_rt *r = &svcs[i].srv[j];

			char flows[80] = "";

			if (r->have_new)
				snprintf(flows, sizeof(flows), ", flows %u active %llu new, load share %.2f",
					 r->active_flows, (unsigned long long)r->new_delta,
					 r->load_share);
			log_info("status: server %s of %s: %s, weight %u/%u%s, rt %.1f ms%s",
				 ipa(&r->cfg.addr), svcs[i].cfg.name,
				 r->ck.up < 0 ? "unknown" : r->ck.up ? "up" : "down",
				 r->kweight, r->cfg.weight, r->in_kernel ? "" : " (not in kernel)",
				 r->ck.rt_ewma, flows);
		}
}
