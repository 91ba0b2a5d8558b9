// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * nlbs-genl monitor: one line (or one JSON object) per notification; with
 * -t (or "timestamp") each starts with the time it was received, ISO 8601
 * with microseconds and the UTC offset (JSON: "timestamp").
 *
 *   state active [lease N ms] [reason TEXT]
 *   service add VIP [PROTO PORT] [servers N table N]
 *   server add VIP [PROTO PORT] ADDR [weight W] [mac M]
 *   device access|servers NAME (ifindex N) [reason TEXT]
 *
 * monitor flows: one line per flow of the "flows" group's batches, as flow
 * show prints it (JSON: one object per flow, "event": "flow").
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "nlbs-genl.h"
#include "print.h"

void monitor_usage(FILE *f)
{
	fputs("Usage: nlbs-genl monitor [ -t | timestamp ] [ flows ]\n"
	      "flows: the flows the kernel reports for sync to the peer NLB, instead of\n"
	      "the events (needs CAP_NET_ADMIN)\n"
	      "-t, timestamp: each line starts with the time it was received\n", f);
}

int monitor_parse(struct cli *cli, struct nlbs_req *req, int argc, char **argv)
{
	int i = 0;

	req->op = OP_MONITOR;
	for (; i < argc; i++) {
		if ((!strcmp(argv[i], "-t") || !strcmp(argv[i], "timestamp")) && !req->monitor_ts)
			req->monitor_ts = true;
		else if (!strcmp(argv[i], "flows") && !req->monitor_flows)
			req->monitor_flows = true;
		else
			break;
	}
	return arg_end(cli, argc, argv, i);
}

static bool with_ts;
static char ts_now[48];

/* "2026-11-30T10:01:27.123456+01:00", local time, of now. */
void monitor_timestamp(char *buf, size_t len, const struct timeval *tv)
{
	struct tm tm;
	char zone[8];
	size_t n;

	localtime_r(&tv->tv_sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(zone, sizeof(zone), "%z", &tm);	/* +0100 */
	snprintf(buf + n, len - n, ".%06ld%.3s:%.2s", (long)tv->tv_usec, zone, zone + 3);
}

static void stamp(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	monitor_timestamp(ts_now, sizeof(ts_now), &tv);
}

static void print_ts(void)
{
	if (with_ts)
		print_str(PRINT_ANY, "timestamp", "%s", ts_now);
}

static void print_action(uint8_t event)
{
	const char *name = nlbs_event_name(event);

	print_str(PRINT_ANY, "action", "%s", name ? name : "unknown");
}

/* "device access veth0 (ifindex 3)" or "device access ifindex 3" */
static void print_device(const char *word, uint32_t ifindex, const char *name)
{
	print_str(PRINT_ANY, "device", "device %s", word);
	if (*name) {
		print_str(PRINT_ANY, "ifname", "%s", name);
		print_uint(PRINT_ANY, "ifindex", "(ifindex %" PRIu64 ")", ifindex);
	} else {
		print_uint(PRINT_ANY, "ifindex", "ifindex %" PRIu64, ifindex);
	}
}

static int print_event(const struct nlmsghdr *nlh)
{
	struct nlbs_state_info st;
	struct nlbs_service svc;
	struct nlbs_server srv;
	struct nlbs_device_event dev;
	uint8_t cmd = nlbs_msg_cmd(nlh);

	switch (cmd) {
	case NLBS_CMD_STATE_NTF:
	case NLBS_CMD_STATE_GET:
		if (nlbs_parse_state(nlh, &st) < 0)
			return -EBADMSG;
		print_str(PRINT_JSON, "event", NULL, "state");
		print_state(&st);
		break;
	case NLBS_CMD_SERVICE_NTF:
		if (nlbs_parse_service(nlh, &svc) < 0)
			return -EBADMSG;
		print_str(PRINT_ANY, "event", "%s", "service");
		print_action(svc.event);
		print_service(&svc);
		break;
	case NLBS_CMD_SERVER_NTF:
		if (nlbs_parse_server(nlh, &svc, &srv) < 0)
			return -EBADMSG;
		print_str(PRINT_ANY, "event", "%s", "server");
		print_action(srv.event);
		print_service_key(&svc);
		print_server(&srv);
		break;
	case NLBS_CMD_DEVICE_NTF:
		if (nlbs_parse_device(nlh, &dev) < 0)
			return -EBADMSG;
		print_str(PRINT_JSON, "event", NULL, "device");
		if (dev.present & NLBS_BIT(NLBS_A_ACCESS_IFINDEX))
			print_device("access", dev.access_ifindex,
				     dev.access_ifname);
		if (dev.present & NLBS_BIT(NLBS_A_SERVER_IFINDEX))
			print_device("servers", dev.server_ifindex,
				     dev.server_ifname);
		if (dev.present & NLBS_BIT(NLBS_A_REASON))
			print_str(PRINT_ANY, "reason", "reason %s", dev.reason);
		break;
	default:
		print_str(PRINT_ANY, "event", "%s", "unknown");
		print_uint(PRINT_ANY, "cmd", "cmd %" PRIu64, cmd);
		break;
	}
	return 0;
}

static int monitor_flow_cb(const struct nlbs_flow *flow, void *data)
{
	(void)data;
	print_begin(false);
	print_ts();
	print_str(PRINT_JSON, "event", NULL, "flow");
	print_flow(flow);
	return print_end(true) < 0 ? -EPIPE : 0;
}

static int monitor_cb(const struct nlmsghdr *nlh, void *data)
{
	int ret;

	(void)data;
	if (with_ts)
		stamp();
	if (nlbs_msg_cmd(nlh) == NLBS_CMD_FLOW_NTF) {
		ret = nlbs_parse_flows(nlh, monitor_flow_cb, NULL);
		if (ret == -EPIPE) {
			errno = EPIPE;	/* stdout went away: stop */
			return MNL_CB_ERROR;
		}
		if (ret < 0)
			fputs("Warning: malformed flow notification\n", stderr);
		return MNL_CB_OK;
	}
	print_begin(false);
	print_ts();
	ret = print_event(nlh);
	if (print_end(ret == 0) < 0) {
		errno = EPIPE;		/* stdout went away: stop */
		return MNL_CB_ERROR;
	}
	if (ret < 0)
		fprintf(stderr, "Warning: malformed notification (cmd %u)\n",
			nlbs_msg_cmd(nlh));
	return MNL_CB_OK;
}

int monitor_run(struct cli *cli, const struct nlbs_req *req)
{
	int ret;

	with_ts = req->monitor_ts;
	if (!cli_nl(cli))
		return CLI_FAIL;
	ret = req->monitor_flows ? nlbs_nl_join_flows(cli->nl) :
				   nlbs_nl_join_events(cli->nl);
	if (ret < 0)
		return cli_nl_error(cli, "monitor");
	for (;;) {
		ret = nlbs_nl_listen(cli->nl, monitor_cb, NULL);
		if (ret != -ENOBUFS)
			break;
		fprintf(stderr, "Warning: %s lost (receive buffer overrun)\n",
			req->monitor_flows ? "flows" : "events");
	}
	if (ret == -EPIPE)
		return CLI_OK;
	return cli_nl_error(cli, "monitor");
}
