#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Long-lived TCP connections for the connection tests (conn.sh, flood.sh,
# pmtu.sh): a TCP echo server on each server, one client process holding
# many connections, and a SYN flood sender. Source it after lib.sh:
#
#	. "$(dirname "$0")/lib.sh"
#	. "$(dirname "$0")/lib_conn.sh"
#
#   conn_server NS ADDR PORT NAME   echo server in NS on ADDR:PORT (ADDR the
#                                   VIP on lo): each line "SEQ" is answered
#                                   "NAME SEQ"
#   conn_client C NS DST PORT       client process C (a word) in NS
#   conn_open C N [TIMEOUT]         open N more connections (their first
#                                   answer names their server); sets CONN_OK
#                                   CONN_FAIL
#   conn_round C [TIMEOUT]          one ping on every live connection; its
#                                   answer within TIMEOUT s (default 10).
#                                   $CONN_TMP/C.round: "IDX SERVER STATE"
#                                   (ok: answered, dead: reset or closed,
#                                   now or before, silent: no answer yet);
#                                   sets CONN_N CONN_ALIVE (ok) CONN_DEAD
#                                   CONN_SILENT
#   conn_on C SERVER                indices of the connections on SERVER
#                                   (from the last round)
#   conn_stop C
#   conn_per_server C               "srv1:N srv2:N ..." of live connections
#   flood_build                     compile the flood sender (C; python
#                                   fallback); flood_start OUT NS DEV DSTMAC
#                                   DST DPORT SECONDS PREFIX: spoofed SYNs from random
#                                   sources in PREFIX.0.0/15 and random
#                                   ports, as fast as it can, for SECONDS
#                                   or until SIGINT; prints "sent N
#                                   seconds S"
#
# Sections: scratch; the python helper; servers and clients; the flooder.

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	echo "TAP version 13"
	echo "1..0 # SKIP lib_conn.sh is a library of the tests, not a test"
	exit 4
fi

CONN_TMP=$(mktemp -d /tmp/nlbs-conn.XXXXXX)
defer rm -rf "$CONN_TMP"
declare -A CONN_CMD_FD CONN_REP_FD CONN_PID


# ---- servers and clients ----------------------------------------------------
# conn_server NS ADDR PORT NAME: the echo server, in the background until exit
conn_server() {
	/usr/bin/python3 -S "$NLBS_TOP/selftests/py/conn.py" server "$@" 2>>"$CONN_TMP/server-$4.err" &
	defer kill "$!"
}

# conn_listening NS PORT: something listens on PORT in NS
conn_listening() {
	ip netns exec "$1" ss -Hltn "sport = :$2" | grep -q LISTEN
}

# conn_client C NS DST PORT: start client C
conn_client() {
	local c=$1 fd
	mkfifo "$CONN_TMP/$c.cmd" "$CONN_TMP/$c.rep" || return 1
	/usr/bin/python3 -S "$NLBS_TOP/selftests/py/conn.py" client "$2" "$3" "$4" \
		<"$CONN_TMP/$c.cmd" >"$CONN_TMP/$c.rep" 2>>"$CONN_TMP/$c.err" &
	CONN_PID[$c]=$!
	defer kill "$!"
	exec {fd}<>"$CONN_TMP/$c.cmd"
	CONN_CMD_FD[$c]=$fd
	exec {fd}<>"$CONN_TMP/$c.rep"
	CONN_REP_FD[$c]=$fd
}

# conn_cmd C TIMEOUT_S CMD...: send a command, the answer's lines (up to the
# "end" line) into $CONN_TMP/C.out, the end line into CONN_END
conn_cmd() {
	local c=$1 t=$2 line
	shift 2
	echo "$*" >&"${CONN_CMD_FD[$c]}" || return 1
	: >"$CONN_TMP/$c.out"
	while :; do
		if ! read -r -t "$t" -u "${CONN_REP_FD[$c]}" line; then
			log "client $c: no answer to '$*' within $t s"
			tail -n 5 "$CONN_TMP/$c.err" 2>/dev/null | sed 's/^/# /'
			return 1
		fi
		case "$line" in
		end*) CONN_END=$line; return 0 ;;
		*) echo "$line" >>"$CONN_TMP/$c.out" ;;
		esac
	done
}

# conn_open C N [TIMEOUT]
conn_open() {
	local c=$1 n=$2 t=${3:-20}
	conn_cmd "$c" $((t + 30)) open "$n" "$t" || return 1
	read -r _ _ CONN_OK _ CONN_FAIL <<<"$CONN_END"
	[ "$CONN_FAIL" = 0 ] || { log "client $c: $CONN_FAIL of $n connections failed"; return 1; }
}

# conn_round C [TIMEOUT]
conn_round() {
	local c=$1 t=${2:-10}
	conn_cmd "$c" $((t + 30)) round "$t" || return 1
	read -r _ CONN_N CONN_ALIVE CONN_DEAD CONN_SILENT <<<"$CONN_END"
	awk '{ print $2, $3, $4, $5 }' "$CONN_TMP/$c.out" >"$CONN_TMP/$c.round"
}

# conn_all_alive C [TIMEOUT]: one round in which every connection answers;
# the round ends when the last one does, so on a slow kernel the timeout
# grows with NLBS_TIMEOUT_SCALE (an ecmp run on the debug kernel once had
# 176 of 200 still silent after 20 s, all answering in the next rounds)
conn_all_alive() {
	conn_round "$1" $((${2:-10} * ${NLBS_TIMEOUT_SCALE:-1})) || return 1
	[ "$CONN_ALIVE" = "$CONN_N" ] && return 0
	log "client $1: $CONN_ALIVE of $CONN_N answered, $CONN_DEAD dead, $CONN_SILENT silent"
	awk '$3 != "ok"' "$CONN_TMP/$1.round" | head -n 5 | sed 's/^/# not answering: /'
	return 1
}

# conn_on C SERVER: indices of the live connections on SERVER (last round)
conn_on() {
	awk -v s="$2" '$2 == s && $3 != "dead" { print $1 }' "$CONN_TMP/$1.round"
}

# conn_per_server C: "srv1:N srv2:N ..." of the connections alive (last round)
conn_per_server() {
	awk '$3 != "dead" { n[$2]++ } END { for (s in n) printf "%s:%d\n", s, n[s] }' \
		"$CONN_TMP/$1.round" | sort | tr '\n' ' '
}

conn_stop() {
	local pid=${CONN_PID[$1]:-}
	[ -n "$pid" ] || return 0
	echo quit >&"${CONN_CMD_FD[$1]}" 2>/dev/null
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	exec {CONN_CMD_FD[$1]}>&- {CONN_REP_FD[$1]}>&-
	rm -f "$CONN_TMP/$1.cmd" "$CONN_TMP/$1.rep"
	unset "CONN_PID[$1]"
	return 0
}

# ---- the flooder ----------------------------------------------------------------
# flood_build: $CONN_TMP/synflood from C (gcc in the guest), else FLOOD_PY=1
flood_build() {
	FLOOD_PY=1
	command -v gcc >/dev/null || return 0
	cat >"$CONN_TMP/synflood.c" <<'CEOF'
/* Spoofed TCP SYNs on a packet socket, sendmmsg() batches of 64 frames:
 * synflood DEV DSTMAC DST DPORT SECONDS A.B (sources A.B.0.0/15) */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
static volatile sig_atomic_t stop;
static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}
static uint64_t rs = 88172645463325252ULL;
static uint32_t rnd(void)
{
	rs ^= rs << 13; rs ^= rs >> 7; rs ^= rs << 17;
	return (uint32_t)(rs >> 16);
}
static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}
static uint32_t sum16(const uint8_t *p, int n)
{
	uint32_t s = 0;
	for (int i = 0; i < n; i += 2)
		s += (p[i] << 8) | p[i + 1];
	return s;
}
static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}
int main(int argc, char **argv)
{
	uint8_t fr[BATCH][54], dmac[6], smac[6];
	struct iovec iov[BATCH];
	struct mmsghdr mm[BATCH];
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	unsigned int a, b;
	uint32_t dst, base;
	unsigned long long sent = 0;
	double t0, end;
	char path[128];
	FILE *f;
	int fd;

	if (argc != 7)
		return 2;
	sscanf(argv[2], "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &dmac[0], &dmac[1],
	       &dmac[2], &dmac[3], &dmac[4], &dmac[5]);
	snprintf(path, sizeof(path), "/sys/class/net/%s/address", argv[1]);
	f = fopen(path, "r");
	if (!f || fscanf(f, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &smac[0], &smac[1],
			 &smac[2], &smac[3], &smac[4], &smac[5]) != 6)
		return 1;
	fclose(f);
	inet_pton(AF_INET, argv[3], &dst);
	sscanf(argv[6], "%u.%u", &a, &b);
	base = (a << 24) | (b << 16);
	rs ^= (uint64_t)getpid() << 32 | (uint64_t)time(NULL);
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	sll.sll_ifindex = if_nametoindex(argv[1]);
	sll.sll_protocol = htons(ETH_P_IP);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		perror("socket");
		return 1;
	}
	memset(fr, 0, sizeof(fr));
	memset(mm, 0, sizeof(mm));
	for (int i = 0; i < BATCH; i++) {
		uint8_t *p = fr[i];
		memcpy(p, dmac, 6);
		memcpy(p + 6, smac, 6);
		p[12] = 0x08;
		p[14] = 0x45; p[17] = 40; p[20] = 0x40; p[22] = 64; p[23] = 6;
		memcpy(p + 30, &dst, 4);
		p[36] = atoi(argv[4]) >> 8; p[37] = atoi(argv[4]) & 0xff;
		p[46] = 0x50; p[47] = 0x02; p[48] = 0xfa; p[49] = 0xf0;
		iov[i].iov_base = p;
		iov[i].iov_len = 54;
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	t0 = now();
	end = t0 + atof(argv[5]);
	while (!stop && now() < end) {
		for (int i = 0; i < BATCH; i++) {
			uint8_t *p = fr[i];
			uint32_t src = base | (rnd() & 0x1ffff), seq = rnd();
			uint16_t sp = 1024 + rnd() % 64512;
			uint32_t s;

			p[26] = src >> 24; p[27] = src >> 16; p[28] = src >> 8; p[29] = src;
			p[18] = seq >> 8; p[19] = seq;
			p[24] = p[25] = 0;
			p[24 + 0] = 0;
			s = fold(sum16(p + 14, 20));
			p[24] = s >> 8; p[25] = s;
			p[34] = sp >> 8; p[35] = sp;
			memcpy(p + 38, &seq, 4);
			p[50] = p[51] = 0;
			s = sum16(p + 26, 8) + 6 + 20 + sum16(p + 34, 20);
			s = fold(s);
			p[50] = s >> 8; p[51] = s;
		}
		int n = sendmmsg(fd, mm, BATCH, 0);
		if (n > 0)
			sent += n;
	}
	printf("sent %llu seconds %.2f\n", sent, now() - t0);
	return 0;
}
CEOF
	gcc -O2 -o "$CONN_TMP/synflood" "$CONN_TMP/synflood.c" 2>"$CONN_TMP/synflood.err" && FLOOD_PY=0
	return 0
}

# flood_start OUT NS DEV DSTMAC DST DPORT SECONDS PREFIX: the flooder in
# the background (FLOOD_PID: the flooder itself, SIGINT stops it), its
# "sent N seconds S" into OUT
flood_start() {
	local out=$1 ns=$2
	shift 2
	if [ "${FLOOD_PY:-1}" = 0 ]; then
		ip netns exec "$ns" "$CONN_TMP/synflood" "$@" >"$out" 2>&1 &
	else
		ip netns exec "$ns" /usr/bin/python3 -S "$NLBS_TOP/selftests/py/conn.py" flood "$ns" "$@" >"$out" 2>&1 &
	fi
	FLOOD_PID=$!
	defer kill "$FLOOD_PID"
}
