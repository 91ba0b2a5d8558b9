// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * nlbs-metrics: the counters, state and configuration of the nlbs instance
 * of a network namespace in the Prometheus text format, for node_exporter's
 * textfile collector (written atomically, once or every N seconds) or on
 * standard output. Reads only what any user of the namespace may read.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "metrics.h"

#define VERSION		"0.1.0"
#define DUMP_TRIES	5

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fputs("Usage: nlbs-metrics [-n NETNS] [-c SOCKET] [-o FILE [-i SECONDS]]\n"
	      "  -n, --netns NETNS     the instance of network namespace NETNS\n"
	      "  -c, --nlbsd-control SOCKET\n"
	      "                        also nlbsd's election view, heartbeat, sync and\n"
	      "                        health-check figures, from its control socket\n"
	      "                        (nlbsd.conf control-socket, e.g. /run/nlbsd/control)\n"
	      "  -o, --output FILE     write FILE atomically (default: standard output)\n"
	      "  -i, --interval S      with -o: write it again every S seconds until\n"
	      "                        SIGTERM or SIGINT\n"
	      "  -h, --help            this text\n"
	      "  -V, --version         the version\n", f);
}

static int svc_cb(const struct nlbs_service *svc, void *data)
{
	return snapshot_add_service(data, svc) ? -ENOMEM : 0;
}

static int srv_cb(const struct nlbs_service *svc, const struct nlbs_server *srv,
		  void *data)
{
	return snapshot_add_server(data, svc, srv) ? -ENOMEM : 0;
}

/* The whole snapshot, the dumps read again when a change tore them. */
static int collect(struct nlbs_nl *nl, struct nlbs_snapshot *s)
{
	int ret, tries;

	for (tries = 1;; tries++) {
		snapshot_reset(s);
		ret = nlbs_state_get(nl, &s->state);
		if (!ret)
			ret = nlbs_config_get(nl, &s->cfg);
		if (!ret)
			ret = nlbs_stats_get(nl, &s->stats);
		if (!ret)
			ret = nlbs_service_dump(nl, svc_cb, s);
		if (!ret)
			ret = nlbs_server_dump(nl, NULL, srv_cb, s);
		if (ret != -EINTR || tries >= DUMP_TRIES)
			break;
	}
	if (ret)
		snapshot_reset(s);
	s->up = !ret;
	return ret;
}

static int write_file(const char *path, const struct nlbs_snapshot *s)
{
	size_t n = strlen(path) + 8;
	char *tmp = malloc(n);
	FILE *f = NULL;
	int fd, ret = -1;

	if (!tmp)
		return -1;
	/* Not *.prom: the textfile collector never reads a half-written file. */
	snprintf(tmp, n, "%s.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		fprintf(stderr, "nlbs-metrics: %s: %s\n", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	if (fchmod(fd, 0644) == 0)
		f = fdopen(fd, "w");
	if (!f) {
		fprintf(stderr, "nlbs-metrics: %s: %s\n", tmp, strerror(errno));
		close(fd);
	} else if (metrics_write(f, s) || fclose(f)) {
		fprintf(stderr, "nlbs-metrics: writing %s failed\n", tmp);
		f = NULL;
	} else if (rename(tmp, path)) {
		fprintf(stderr, "nlbs-metrics: %s: %s\n", path, strerror(errno));
	} else {
		ret = 0;
	}
	if (ret)
		unlink(tmp);
	free(tmp);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "netns", required_argument, NULL, 'n' },
		{ "output", required_argument, NULL, 'o' },
		{ "interval", required_argument, NULL, 'i' },
		{ "nlbsd-control", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char *netns = NULL, *out = NULL, *control = NULL;
	struct nlbs_snapshot snap = { 0 };
	struct nlbs_nl_error err;
	struct nlbs_nl *nl = NULL;
	struct sigaction sa = { .sa_handler = on_signal };
	unsigned long interval = 0;
	char *end;
	int c, ret, rc = 0;

	while ((c = getopt_long(argc, argv, "n:o:i:c:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			netns = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'c':
			control = optarg;
			snap.nlbsd = true;
			break;
		case 'i':
			errno = 0;
			interval = strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg || optarg[0] == '-' ||
			    interval < 1 || interval > 86400) {
				fprintf(stderr, "nlbs-metrics: bad interval '%s' (1..86400 s)\n",
					optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("nlbs-metrics %s\n", VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc || (interval && !out)) {
		usage(stderr);
		return 2;
	}
	if (netns) {
		ret = nlbs_netns_enter(netns);
		if (ret) {
			fprintf(stderr, "nlbs-metrics: netns %s: %s\n", netns, strerror(-ret));
			return 1;
		}
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	do {
		if (!nl) {
			nl = nlbs_nl_open(NULL, &err);
			if (!nl && (!interval || !stop))
				fprintf(stderr, "nlbs-metrics: %s\n",
					err.msg[0] ? err.msg : strerror(err.err));
		}
		ret = nl ? collect(nl, &snap) : -ENOENT;
		if (ret && nl) {
			fprintf(stderr, "nlbs-metrics: %s\n",
				nlbs_nl_error(nl)->msg[0] ? nlbs_nl_error(nl)->msg :
				strerror(-ret));
			/* The module may have gone: open afresh next time. */
			nlbs_nl_close(nl);
			nl = NULL;
		}
		rc = ret ? 1 : 0;
		if (control) {
			free(snap.nlbsd_status);
			ret = nlbsd_status_fetch(control, &snap.nlbsd_status);
			if (ret) {
				fprintf(stderr, "nlbs-metrics: nlbsd control socket %s: %s\n",
					control, ret == -EPROTO ? "refused the request" :
					strerror(-ret));
				rc = 1;
			}
		}
		if (out) {
			if (write_file(out, &snap))
				rc = 1;
		} else if (metrics_write(stdout, &snap)) {
			rc = 1;
		}
		if (interval && !stop) {
			struct timespec ts = { .tv_sec = (time_t)interval };

			while (!stop && nanosleep(&ts, &ts) && errno == EINTR)
				;
		}
	} while (interval && !stop);

	if (nl)
		nlbs_nl_close(nl);
	snapshot_free(&snap);
	return interval ? 0 : rc;
}
