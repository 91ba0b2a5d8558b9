// SPDX-License-Identifier: GPL-2.0
/*
 * nlbsd: the daemon of an nlbs pair. Foreground, single-threaded: signals
 * arrive through a signalfd in the event loop.
 *
 *   SIGTERM/SIGINT  leave active (the peer is told and takes over), exit
 *   SIGHUP          reload the configuration; a bad file keeps the old one
 *   SIGUSR1         log the status
 *   SIGCHLD         reap notify scripts
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/epoll.h>

#include "config.h"
#include "daemon.h"
#include "kernel.h"
#include "loop.h"
#include "notify.h"
#include "probe.h"
#include "script.h"

#define DEFAULT_CONFIG "/etc/nlbsd/nlbsd.conf"

static volatile bool stop;
static struct nlbsd_config *cfg;
static const char *cfg_path = DEFAULT_CONFIG;
static struct loop_fd sigfd = { .fd = -1 };
static struct timer reload_timer;

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: nlbsd [-c FILE] [--no-kernel] [--syslog] [-v] [-T]\n"
		"       nlbsd [-c FILE] --check-config\n"
		"       nlbsd [-c FILE] status    the running daemon's view (control-socket)\n"
		"       nlbsd --genkey\n"
		"  -c, --config FILE  configuration (default " DEFAULT_CONFIG ")\n"
		"  -t, --check-config parse and validate FILE, then exit\n"
		"  -n, --no-kernel    drive no kernel instance (dry run, for tests)\n"
		"      --dry-flows N[,RATE]  with --no-kernel: a made-up flow table of N\n"
		"                     flows, RATE new flows a second (flow sync tests)\n"
		"  -s, --syslog       log to syslog as well as stderr\n"
		"  -v, --verbose      log each probe result too\n"
		"  -T, --timestamps   prefix log lines with CLOCK_MONOTONIC seconds\n"
		"      --genkey       print a new random key for key-file\n"
		"  -h, --help, -V, --version\n");
}

static void reload(struct timer *t)
{
	struct nlbsd_config *n;
	char err[600];

	(void)t;
	sdn_reloading();
	if (config_load(cfg_path, &n, err, sizeof(err)) < 0) {
		log_err("reload failed, keeping the running configuration: %s", err);
		sdn_ready();
		return;
	}
	/*
	 * svc.c's allocations before ha.c switches: once ha.c runs on @n
	 * nothing may fail, so there is no switching back (which could
	 * itself fail and leave ha.c on a freed configuration).
	 */
	if (svc_prepare(n) < 0) {
		log_err("reload failed (out of memory), keeping the running configuration");
		config_free(n);
		sdn_ready();
		return;
	}
	if (ha_reload(n) < 0) {
		/* ha.c kept the running configuration */
		log_err("reload failed, keeping the running configuration");
		svc_abort();
		config_free(n);
		sdn_ready();
		return;
	}
	svc_commit(n);
	if (strcmp(n->control_socket, cfg->control_socket))
		ctl_start(n->control_socket);
	config_free(cfg);
	cfg = n;
	log_info("configuration %s reloaded", cfg_path);
	sdn_ready();
}

static void on_signal(struct loop_fd *lf, uint32_t events)
{
	struct signalfd_siginfo si;

	(void)events;
	while (read(lf->fd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			log_info("signal %s: leaving", strsignal(si.ssi_signo));
			stop = true;
			break;
		case SIGHUP:
			/* outside of this batch of events: it frees objects */
			reload_timer.fn = reload;
			timer_arm(&reload_timer, 0);
			break;
		case SIGUSR1:
			ha_dump();
			svc_dump();
			break;
		case SIGCHLD:
			script_reap();
			break;
		}
	}
}

static int genkey(void)
{
	unsigned char key[NLBSD_KEY_BYTES];
	char b64[sodium_base64_ENCODED_LEN(NLBSD_KEY_BYTES, sodium_base64_VARIANT_ORIGINAL)];

	crypto_auth_keygen(key);
	sodium_bin2base64(b64, sizeof(b64), key, sizeof(key), sodium_base64_VARIANT_ORIGINAL);
	sodium_memzero(key, sizeof(key));
	printf("%s\n", b64);
	return 0;
}

static int check_config(void)
{
	char err[600];
	size_t i, n = 0;

	if (config_load(cfg_path, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	for (i = 0; i < cfg->nservices; i++)
		n += cfg->services[i].nservers;
	printf("%s: ok: node %s priority %u, peer %s, %zu reachability target(s), "
	       "%zu service(s), %zu server(s)\n", cfg_path, ipa(&cfg->address),
	       cfg->priority, ipa(&cfg->peer), cfg->ntargets, cfg->nservices, n);
	config_free(cfg);
	return 0;
}

/*
 * Every check in flight holds a socket: raise the soft limit of open files
 * to the hard one (the unit's LimitNOFILE), and keep the checks below it
 * with room for our own sockets, so that many unreachable servers never
 * make the checks of the others fail for want of a descriptor.
 */
#define FD_RESERVE	64

static void files_limit(void)
{
	struct rlimit rl;
	unsigned int max;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		struct rlimit want = { .rlim_cur = rl.rlim_max, .rlim_max = rl.rlim_max };

		if (setrlimit(RLIMIT_NOFILE, &want) == 0)
			rl = want;
		else
			log_warn("open files: cannot raise the limit to %llu: %s",
				 (unsigned long long)rl.rlim_max, strerror(errno));
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 1000000)
		rl.rlim_cur = 1000000;
	max = rl.rlim_cur > 2 * FD_RESERVE ? rl.rlim_cur - FD_RESERVE : rl.rlim_cur / 2;
	probe_set_limit(max);
	log_info("open files: limit %llu, at most %u checks in flight",
		 (unsigned long long)rl.rlim_cur, max);
}

/* After SIGTERM: give the last notify scripts their time, then go. */
static void drain_scripts(void)
{
	uint64_t end = now_ms() + cfg->script_timeout_ms + 500;
	struct signalfd_siginfo si;

	while (script_pending() && now_ms() < end) {
		usleep(10000);
		while (read(sigfd.fd, &si, sizeof(si)) == sizeof(si))
			if (si.ssi_signo == SIGCHLD)
				script_reap();
	}
	script_kill_all();
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 't' },
		{ "no-kernel", no_argument, NULL, 'n' },
		{ "syslog", no_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "timestamps", no_argument, NULL, 'T' },
		{ "genkey", no_argument, NULL, 'g' },
		{ "dry-flows", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	bool check = false, dry = false, use_syslog = false, ts = false, cfg_given = false;
	const char *command = NULL;
	int verbosity = LOG_LVL_INFO, opt, ret = 1;
	unsigned long dry_table = 0, dry_rate = 0;
	char *end;
	char err[600];
	sigset_t mask;

	while ((opt = getopt_long(argc, argv, "c:tnsvThV", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			cfg_path = optarg;
			cfg_given = true;
			break;
		case 't':
			check = true;
			break;
		case 'n':
			dry = true;
			break;
		case 's':
			use_syslog = true;
			break;
		case 'v':
			verbosity = LOG_LVL_DEBUG;
			break;
		case 'T':
			ts = true;
			break;
		case 'F':
			errno = 0;
			dry_table = strtoul(optarg, &end, 10);
			if (*end == ',')
				dry_rate = strtoul(end + 1, &end, 10);
			if (errno || *end || end == optarg || dry_table > 10000000 ||
			    dry_rate > 10000000) {
				fprintf(stderr, "nlbsd: bad --dry-flows '%s' (N[,RATE])\n", optarg);
				return 2;
			}
			break;
		case 'g':
			if (sodium_init() < 0)
				return 1;
			return genkey();
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("nlbsd " NLBSD_VERSION "\n");
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc)
		command = argv[optind++];
	if (optind != argc || ((dry_table || dry_rate) && !dry) ||
	    (command && strcmp(command, "status"))) {
		usage(stderr);
		return 2;
	}
	if (command) {
		/* the socket of the file given, else the default one */
		const char *path = NLBSD_DEFAULT_CONTROL;

		if (cfg_given) {
			if (sodium_init() < 0 || config_load(cfg_path, &cfg, err, sizeof(err)) < 0) {
				fprintf(stderr, "nlbsd: %s\n", err);
				return 1;
			}
			path = cfg->control_socket;
		}
		ret = *path ? ctl_client(path, command) : 1;
		if (!*path)
			fprintf(stderr, "nlbsd: %s: no control-socket\n", cfg_path);
		config_free(cfg);
		return ret;
	}
	relay_dry_flows(dry_table, dry_rate);
	if (sodium_init() < 0) {
		fprintf(stderr, "nlbsd: libsodium initialisation failed\n");
		return 1;
	}
	log_init(use_syslog, verbosity, ts);
	if (check)
		return check_config();
	if (config_load(cfg_path, &cfg, err, sizeof(err)) < 0) {
		log_err("%s", err);
		return 1;
	}

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigfd.fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	sigfd.fn = on_signal;
	if (sigfd.fd < 0 || loop_init() < 0 || loop_add(&sigfd, EPOLLIN) < 0) {
		log_err("event loop: %s", strerror(errno));
		goto out;
	}
	if (kern_open(dry) < 0) {
		log_err("%s (is the nlbs module loaded?)", kern_error());
		goto out;
	}
	log_info("nlbsd " NLBSD_VERSION " starting with %s", cfg_path);
	files_limit();
	sdn_init();
	if (ha_start(cfg) < 0)
		goto out_kern;
	if (svc_apply(cfg) < 0) {
		log_err("services: out of memory");
		ha_leave();
		ha_stop();
		goto out_kern;
	}
	ctl_start(cfg->control_socket);
	sdn_ready();
	ret = loop_run(&stop) < 0 ? 1 : 0;
	sdn_stopping();
	ctl_stop();
	ha_leave();
	svc_stop();
	ha_stop();
	drain_scripts();
	log_info("exiting");
out_kern:
	kern_close();
out:
	loop_fini();
	if (sigfd.fd >= 0)
		close(sigfd.fd);
	config_free(cfg);
	return ret;
}
