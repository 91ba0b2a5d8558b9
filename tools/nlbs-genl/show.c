// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * nlbs-genl show: configuration, state, and every service with its servers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nlbs-genl.h"
#include "print.h"

void show_usage(FILE *f)
{
	fputs("Usage: nlbs-genl show\n", f);
}

int show_parse(struct cli *cli, struct nlbs_req *req, int argc, char **argv)
{
	req->op = OP_SHOW;
	req->cmd = NLBS_CMD_CONFIG_GET;
	return arg_end(cli, argc, argv, 0);
}

/* ---- services with their servers ----------------------------------------- */

struct svc_entry {
	struct nlbs_service svc;
	struct nlbs_server *srv;
	size_t nsrv, cap;
};

struct svc_list {
	struct svc_entry *e;
	size_t n, cap;
	size_t next;		/* where list_server_cb looks first */
	bool preloaded;		/* the services were dumped first */
};

static bool same_service(const struct nlbs_service *a,
			 const struct nlbs_service *b)
{
	uint32_t v6 = NLBS_BIT(NLBS_SVC_A_VIP6);

	if ((a->present & v6) != (b->present & v6) ||
	    ((a->present & v6) ? memcmp(a->vip6, b->vip6, 16) : a->vip != b->vip))
		return false;
	return a->proto == b->proto &&
	       (!a->proto || a->port == b->port);
}

static void *grow(void *p, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return p;
	*cap = *cap ? *cap * 2 : 8;
	p = realloc(p, *cap * size);
	if (!p) {
		fputs("nlbs-genl: out of memory\n", stderr);
		exit(CLI_FAIL);
	}
	return p;
}

static struct svc_entry *svc_add(struct svc_list *l,
				 const struct nlbs_service *svc)
{
	struct svc_entry *e;

	l->e = grow(l->e, &l->cap, l->n, sizeof(*l->e));
	e = &l->e[l->n++];
	memset(e, 0, sizeof(*e));
	e->svc = *svc;
	return e;
}

static int list_service_cb(const struct nlbs_service *svc, void *data)
{
	svc_add(data, svc);
	return 0;
}

static int list_server_cb(const struct nlbs_service *svc,
			  const struct nlbs_server *srv, void *data)
{
	struct svc_list *l = data;
	struct svc_entry *e = NULL;
	size_t i, k;

	/*
	 * The server dump comes grouped by service, in the order of the
	 * service dump. Without that dump, a service other than the last
	 * one is new. With it, search from the last server's service on,
	 * wrapping around (from the start, 10,000 services would cost 50
	 * million comparisons).
	 */
	if (!l->preloaded) {
		if (l->n && same_service(&l->e[l->n - 1].svc, svc))
			e = &l->e[l->n - 1];
	} else {
		for (k = 0; k < l->n && !e; k++) {
			i = (l->next + k) % l->n;
			if (same_service(&l->e[i].svc, svc)) {
				e = &l->e[i];
				l->next = i;
			}
		}
	}
	if (!e) {
		e = svc_add(l, svc);
		l->next = l->n - 1;
	}
	e->srv = grow(e->srv, &e->cap, e->nsrv, sizeof(*e->srv));
	e->srv[e->nsrv++] = *srv;
	return 0;
}

static void svc_list_clear(struct svc_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->e[i].srv);
	free(l->e);
	memset(l, 0, sizeof(*l));
}

/* Both dumps again from scratch when either was interrupted by a change. */
int svc_list_load(struct cli *cli, struct svc_list **out, bool services,
		  const struct nlbs_service *filter)
{
	struct svc_list *l = calloc(1, sizeof(*l));
	const char *what;
	int ret, tries;

	*out = l;
	if (!l)
		return cli_fail(cli, "out of memory"), CLI_FAIL;
	for (tries = 1;; tries++) {
		ret = 0;
		l->preloaded = services;
		what = "service show";
		if (services)
			ret = nlbs_service_dump(cli->nl, list_service_cb, l);
		if (ret >= 0) {
			what = "server show";
			ret = nlbs_server_dump(cli->nl, filter, list_server_cb,
					       l);
		}
		if (!dump_again(ret, tries))
			break;
		svc_list_clear(l);
	}
	return ret < 0 ? cli_nl_error(cli, what) : CLI_OK;
}

/*
 * service VIP [PROTO PORT] [servers N table N]
 *   server ADDR weight W [mac M] packets N bytes N
 * JSON: [ { vip, proto, port, servers, table, server_list: [ {...} ] } ]
 */
void svc_list_print(const struct svc_list *l, bool counts)
{
	size_t i, j;

	for (i = 0; i < l->n; i++) {
		const struct svc_entry *e = &l->e[i];

		print_open_object(NULL);
		print_str(PRINT_FP, NULL, "%s", "service");
		if (counts)
			print_service(&e->svc);
		else
			print_service_key(&e->svc);
		print_nl();
		print_open_array("server_list");
		for (j = 0; j < e->nsrv; j++) {
			print_open_object(NULL);
			print_str(PRINT_FP, NULL, "%s", "  server");
			print_server(&e->srv[j]);
			print_nl();
			print_close_object();
		}
		print_close_array();
		print_close_object();
	}
}

void svc_list_free(struct svc_list *l)
{
	if (!l)
		return;
	svc_list_clear(l);
	free(l);
}

int show_run(struct cli *cli, const struct nlbs_req *req)
{
	struct nlbs_config cfg;
	struct nlbs_state_info st;
	struct svc_list *l = NULL;
	int ret;

	(void)req;
	if (!cli_nl(cli))
		return CLI_FAIL;
	ret = config_load(cli, &cfg);
	if (!ret)
		ret = state_load(cli, &st);
	if (!ret)
		ret = svc_list_load(cli, &l, true, NULL);
	print_begin(false);
	if (!ret) {
		print_open_object("config");
		print_config(&cfg);
		print_nl();
		print_close_object();
		print_open_object("state");
		print_state(&st);
		print_nl();
		print_close_object();
		print_open_array("services");
		svc_list_print(l, true);
		print_close_array();
	}
	svc_list_free(l);
	return print_end(!ret) ? CLI_FAIL : ret;
}
