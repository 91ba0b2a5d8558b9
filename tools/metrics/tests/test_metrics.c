// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Unit tests of the exposition (metrics.c), KTAP on stdout: every kernel
 * counter has a metric, names follow the conventions, a snapshot is written
 * as expected (labels, escaping, families without samples), and, when
 * promtool is installed (PROMTOOL, default /usr/bin/promtool), promtool
 * check metrics finds nothing to say about it.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "metrics.h"

static int n_tests, n_failed;

static void ok(int cond, const char *fmt, ...)
{
	va_list ap;

	n_tests++;
	printf("%s %d metrics: ", cond ? "ok" : "not ok", n_tests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!cond)
		n_failed++;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

static char *render(const struct nlbs_snapshot *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		abort();
	if (metrics_write(f, s))
		abort();
	fclose(f);
	return buf;
}

static int has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p = text;

	while ((p = strstr(p, line))) {
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' || !p[n]))
			return 1;
		p += n;
	}
	return 0;
}

static void sample(struct nlbs_snapshot *s)
{
	struct nlbs_service svc = { 0 };
	struct nlbs_server srv = { 0 };
	unsigned int a;

	s->up = true;
	s->state.present = NLBS_BIT(NLBS_A_STATE) | NLBS_BIT(NLBS_A_LEASE_MS);
	s->state.state = NLBS_STATE_ACTIVE;
	s->state.lease_ms = 300;
	s->cfg.present = NLBS_BIT(NLBS_A_ACCESS_IFNAME) | NLBS_BIT(NLBS_A_SERVER_IFNAME) |
			 NLBS_BIT(NLBS_A_NLBS_ADDR_BE) | NLBS_BIT(NLBS_A_FLOW_MAX) |
			 NLBS_BIT(NLBS_A_FLOW_TIMEOUT_TCP) | NLBS_BIT(NLBS_A_FLOW_TIMEOUT_SYN);
	strcpy(s->cfg.access_ifname, "acc\"0");
	strcpy(s->cfg.server_ifname, "srv\\0");
	s->cfg.nlbs_addr = inet_addr("10.10.0.100");
	s->cfg.flow_max = 262144;
	s->cfg.flow_timeout_tcp = 300;
	s->cfg.flow_timeout_syn = 10;
	for (a = 1; a <= NLBS_STATS_A_MAX; a++) {
		if (!metrics_counter_map(a))
			continue;
		s->stats.present |= NLBS_BIT(a);
		s->stats.val[a] = 1000 + a;
	}
	s->stats.val[NLBS_STATS_A_DROP_NO_SERVER] = 7;
	s->stats.val[NLBS_STATS_A_RX] = 18446744073709551615ull;

	svc.present = NLBS_BIT(NLBS_SVC_A_VIP_BE) | NLBS_BIT(NLBS_SVC_A_PROTO) |
		      NLBS_BIT(NLBS_SVC_A_PORT) | NLBS_BIT(NLBS_SVC_A_SERVERS) |
		      NLBS_BIT(NLBS_SVC_A_TABLE_SIZE) | NLBS_BIT(NLBS_SVC_A_NODEST);
	svc.vip = inet_addr("198.51.100.10");
	svc.proto = IPPROTO_TCP;
	svc.port = 80;
	svc.servers = 2;
	svc.table_size = 65537;
	svc.nodest = NLBS_NODEST_DROP;
	snapshot_add_service(s, &svc);
	srv.present = NLBS_BIT(NLBS_SRV_A_ADDR_BE) | NLBS_BIT(NLBS_SRV_A_WEIGHT) |
		      NLBS_BIT(NLBS_SRV_A_PACKETS) | NLBS_BIT(NLBS_SRV_A_BYTES) |
		      NLBS_BIT(NLBS_SRV_A_ACTIVE_FLOWS) | NLBS_BIT(NLBS_SRV_A_NEW_FLOWS);
	srv.addr = inet_addr("10.20.0.21");
	srv.weight = 2;
	srv.packets = 12;
	srv.bytes = 3400;
	srv.active_flows = 3;
	srv.new_flows = 5;
	snapshot_add_server(s, &svc, &srv);
	srv.addr = inet_addr("10.20.0.22");
	srv.weight = 0;
	srv.present &= ~NLBS_BIT(NLBS_SRV_A_ACTIVE_FLOWS);	/* an older kernel */
	snapshot_add_server(s, &svc, &srv);

	memset(&svc, 0, sizeof(svc));
	svc.present = NLBS_BIT(NLBS_SVC_A_VIP_BE) | NLBS_BIT(NLBS_SVC_A_PROTO) |
		      NLBS_BIT(NLBS_SVC_A_SERVERS);
	svc.vip = inet_addr("198.51.100.11");
	snapshot_add_service(s, &svc);
}

/* promtool check metrics < text: exit status, its output in *said. */
static int promtool(const char *bin, const char *text, char *said, size_t len)
{
	int in[2], out[2], status;
	ssize_t n, got = 0;
	pid_t pid;

	if (pipe(in) || pipe(out))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(out[1], 2);
		close(in[1]);
		close(out[0]);
		execl(bin, bin, "check", "metrics", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	if (write(in[1], text, strlen(text)) != (ssize_t)strlen(text))
		return -1;
	close(in[1]);
	while (got < (ssize_t)len - 1 && (n = read(out[0], said + got, len - 1 - got)) > 0)
		got += n;
	said[got] = '\0';
	close(out[0]);
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int main(void)
{
	struct nlbs_snapshot s = { 0 };
	const struct metric_map *m;
	const char *bin = getenv("PROMTOOL") ? getenv("PROMTOOL") : "/usr/bin/promtool";
	char said[4096], *text;
	unsigned int a, missing = 0, bad = 0;
	int rc;

	printf("TAP version 13\n");
	for (a = 1; a <= NLBS_STATS_A_MAX; a++) {
		if (a == NLBS_STATS_A_PAD)
			continue;
		m = metrics_counter_map(a);
		if (!m) {
			printf("# counter %u (%s) has no metric\n", a,
			       nlbs_stats_name(a) ? nlbs_stats_name(a) : "?");
			missing++;
			continue;
		}
		if (strncmp(m->name, "nlbs_", 5) || ends_with(m->name, "_total") == m->gauge) {
			printf("# %s: a %s\n", m->name, m->gauge ? "gauge" : "counter");
			bad++;
		}
	}
	ok(!missing, "every counter of uapi/linux/nlbs.h has a metric");
	ok(!bad, "counters end in _total, gauges do not");

	sample(&s);
	text = render(&s);
	ok(has_line(text, "nlbs_up 1"), "nlbs_up 1");
	ok(has_line(text, "nlbs_state{state=\"active\"} 1") &&
	   has_line(text, "nlbs_state{state=\"standby\"} 0") &&
	   has_line(text, "nlbs_state{state=\"init\"} 0") &&
	   has_line(text, "nlbs_state{state=\"inop\"} 0"), "one series per state");
	ok(has_line(text, "nlbs_lease_seconds 0.300"), "lease in seconds");
	ok(has_line(text, "nlbs_config_info{access=\"acc\\\"0\",servers=\"srv\\\\0\","
			  "nlbs_address=\"10.10.0.100\"} 1"), "config info, label values escaped");
	ok(has_line(text, "nlbs_flow_max 262144") &&
	   has_line(text, "nlbs_flow_timeout_seconds{flow=\"tcp\"} 300") &&
	   has_line(text, "nlbs_flow_timeout_seconds{flow=\"syn\"} 10") &&
	   !strstr(text, "flow=\"udp\""), "flow settings present only");
	ok(has_line(text, "nlbs_received_packets_total 18446744073709551615"), "u64 counters whole");
	ok(has_line(text, "nlbs_dropped_packets_total{reason=\"no_server\"} 7") &&
	   has_line(text, "nlbs_dropped_packets_total{reason=\"inactive\"} 1006"),
	   "drops by reason");
	{
		const char *p = strstr(text, "# TYPE nlbs_dropped_packets_total");
		ok(p && !strstr(p + 1, "# TYPE nlbs_dropped_packets_total"),
		   "one TYPE line per family");
	}
	snprintf(said, sizeof(said), "nlbs_flows %u", 1000 + NLBS_STATS_A_FLOWS);
	ok(has_line(text, said) && strstr(text, "# TYPE nlbs_flows gauge"),
	   "flows is a gauge");
	ok(has_line(text, "nlbs_service_info{vip=\"198.51.100.10\",protocol=\"tcp\",port=\"80\","
			  "nodest=\"drop\"} 1") &&
	   has_line(text, "nlbs_service_info{vip=\"198.51.100.11\",protocol=\"any\",port=\"0\","
			  "nodest=\"\"} 1"), "services, whole-VIP as protocol any");
	ok(has_line(text, "nlbs_service_table_slots{vip=\"198.51.100.10\",protocol=\"tcp\","
			  "port=\"80\"} 65537") &&
	   !strstr(text, "nlbs_service_table_slots{vip=\"198.51.100.11\""),
	   "table slots when reported");
	ok(has_line(text, "nlbs_server_weight{vip=\"198.51.100.10\",protocol=\"tcp\",port=\"80\","
			  "server=\"10.20.0.22\"} 0") &&
	   has_line(text, "nlbs_server_bytes_total{vip=\"198.51.100.10\",protocol=\"tcp\","
			  "port=\"80\",server=\"10.20.0.21\"} 3400") &&
	   has_line(text, "nlbs_server_flows_created_total{vip=\"198.51.100.10\","
			  "protocol=\"tcp\",port=\"80\",server=\"10.20.0.21\"} 5"),
	   "per-server series");
	ok(has_line(text, "nlbs_server_active_flows{vip=\"198.51.100.10\",protocol=\"tcp\","
			  "port=\"80\",server=\"10.20.0.21\"} 3") &&
	   !strstr(text, "nlbs_server_active_flows{vip=\"198.51.100.10\",protocol=\"tcp\","
			 "port=\"80\",server=\"10.20.0.22\"}"),
	   "a value the kernel did not report is left out");
	if (access(bin, X_OK) == 0) {
		rc = promtool(bin, text, said, sizeof(said));
		ok(rc == 0 && !said[0], "promtool check metrics: clean");
		if (rc || said[0])
			printf("# promtool exit %d: %s\n", rc, said);
	} else {
		n_tests++;
		printf("ok %d metrics: promtool check metrics # SKIP %s not installed\n",
		       n_tests, bin);
	}
	free(text);

	/* nlbsd's status (control.c: ha_status, relay_status, svc_status) */
	s.nlbsd = true;
	s.nlbsd_status = strdup(
		"state: active\n"
		"state-since-ms: 12345\n"
		"hold: none\n"
		"priority: 100 (advertised 100)\n"
		"kernel: configured\n"
		"healthy: yes (devices up, reachability ok)\n"
		"peer: 10.10.0.12\n"
		"peer-state: standby (leaving)\n"
		"peer-priority: 50\n"
		"peer-alive: yes\n"
		"last-heartbeat-ms: 42\n"
		"peer-hears-us: yes\n"
		"fingerprint: differs from the peer's: services\n"
		"fingerprint-ours: 00000001.00000002.00000003\n"
		"peer-key: key-file\n"
		"arp-conflicts: 0\n"
		"heartbeats: tx 500 (errors 2), rx 498; refused: auth 3, replay 4, echo 5, "
		"reordered 6, bad 7, v1 8, ttl 9, foreign 10\n"
		"one-way-losses: 11, unconfirmed: 12, fingerprint-mismatches: 13, "
		"states-adopted: 14\n"
		"target: 10.10.0.254 up\n"
		"target: fw \"2\" down\n"
		"target: 10.10.0.253 unknown\n"
		"sync: on\n"
		"sync-counters: sent 100 received 90 imported 80 refused 1 dropped 2 "
		"ignored 3 resyncs 4 timeouts 5 served 6\n"
		"sync-resync: from peer none, to peer none\n"
		"sync-refused: auth 21, replay 22, bad 23; send errors 24, kernel overruns 25\n"
		"services: 2, servers 6: up 4, down 1, unknown 1\n"
		"checks: 3 in flight, 7 without a result, 8 waited for a slot\n");
	text = render(&s);
	ok(has_line(text, "nlbsd_up 1") &&
	   has_line(text, "nlbsd_state{state=\"active\"} 1") &&
	   has_line(text, "nlbsd_state{state=\"standby\"} 0") &&
	   has_line(text, "nlbsd_peer_state{state=\"standby\"} 1") &&
	   has_line(text, "nlbsd_peer_state{state=\"active\"} 0"),
	   "nlbsd: its state and the peer's, one series per state");
	ok(has_line(text, "nlbsd_state_age_seconds 12.345") &&
	   has_line(text, "nlbsd_last_heartbeat_age_seconds 0.042") &&
	   has_line(text, "nlbsd_peer_alive 1") && has_line(text, "nlbsd_peer_hears_heartbeats 1") &&
	   has_line(text, "nlbsd_healthy 1") && has_line(text, "nlbsd_fingerprint_match 0"),
	   "nlbsd: election view (ages in seconds, yes/no as 1/0)");
	ok(has_line(text, "nlbsd_heartbeats_sent_total 500") &&
	   has_line(text, "nlbsd_heartbeat_send_errors_total 2") &&
	   has_line(text, "nlbsd_heartbeats_received_total 498") &&
	   has_line(text, "nlbsd_heartbeats_refused_total{reason=\"auth\"} 3") &&
	   has_line(text, "nlbsd_heartbeats_refused_total{reason=\"foreign\"} 10") &&
	   has_line(text, "nlbsd_one_way_losses_total 11") &&
	   has_line(text, "nlbsd_peer_unconfirmed_total 12") &&
	   has_line(text, "nlbsd_states_adopted_total 14"), "nlbsd: heartbeat counters");
	ok(has_line(text, "nlbsd_sync_enabled 1") &&
	   has_line(text, "nlbsd_sync_flows_total{direction=\"sent\"} 100") &&
	   has_line(text, "nlbsd_sync_flows_total{direction=\"received\"} 90") &&
	   has_line(text, "nlbsd_sync_flows_imported_total 80") &&
	   has_line(text, "nlbsd_sync_resyncs_served_total 6") &&
	   has_line(text, "nlbsd_sync_refused_total{reason=\"bad\"} 23") &&
	   has_line(text, "nlbsd_sync_send_errors_total 24") &&
	   has_line(text, "nlbsd_sync_kernel_overruns_total 25"), "nlbsd: flow sync counters");
	ok(has_line(text, "nlbsd_servers{health=\"down\"} 1") &&
	   has_line(text, "nlbsd_services 2") && has_line(text, "nlbsd_checks_in_flight 3") &&
	   has_line(text, "nlbsd_checks_without_result_total 7") &&
	   has_line(text, "nlbsd_checks_waited_total 8"), "nlbsd: health checks");
	ok(has_line(text, "nlbsd_reachability_target_up{target=\"10.10.0.254\"} 1") &&
	   has_line(text, "nlbsd_reachability_target_up{target=\"fw \\\"2\\\"\"} 0") &&
	   !strstr(text, "10.10.0.253"), "nlbsd: targets, unknown ones left out, labels escaped");
	if (access(bin, X_OK) == 0) {
		rc = promtool(bin, text, said, sizeof(said));
		ok(rc == 0 && !said[0], "promtool check metrics: clean with nlbsd");
		if (rc || said[0])
			printf("# promtool exit %d: %s\n", rc, said);
	}
	free(text);
	free(s.nlbsd_status);
	s.nlbsd_status = NULL;
	text = render(&s);
	ok(has_line(text, "nlbsd_up 0") && !strstr(text, "nlbsd_state"),
	   "nlbsd not answering: nlbsd_up 0 alone");
	free(text);
	s.nlbsd = false;

	snapshot_reset(&s);
	text = render(&s);
	ok(!strcmp(text, "# HELP nlbs_up 1 when the nlbs module answered, 0 when it did not "
			 "(no other sample then).\n# TYPE nlbs_up gauge\nnlbs_up 0\n"),
	   "no module: nlbs_up 0 alone");
	if (access(bin, X_OK) == 0) {
		rc = promtool(bin, text, said, sizeof(said));
		ok(rc == 0 && !said[0], "promtool check metrics: clean when down");
	}
	free(text);
	snapshot_free(&s);

	printf("1..%d\n", n_tests);
	return n_failed ? 1 : 0;
}
