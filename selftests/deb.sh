#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian packages of `make deb` on the stock kernel, as an operator
# installs them: dpkg -i of nlbs-dkms and nlbs-tools builds and installs the
# module through DKMS, the unit is installed but neither enabled nor
# started, nlbsd starts from the installed unit, configuration and binaries
# without systemctl (the unit's ExecStartPre and ExecStart lines run by
# hand, as systemd would), configures the kernel from the installed example
# configuration and becomes active; the installed nlbs-genl, nlbs-metrics
# and nlbs-import work; SIGTERM stops it; dpkg --purge removes it all.
#
# The packages: build/deb/ (NLBS_DEB_DIR), as `make deb` built them on the
# host: make check-deb (make deb, then make check T=deb). Building them in
# the guest takes longer than a test may (TCG), so without packages, or with
# packages of other sources than the tree's (build/deb/inputs.sha256), the
# test is skipped; NLBS_DEB_STALE_OK=1 installs them anyway. Runs in the VM only (it
# installs into the guest's system, which the VM throws away).
. "$(dirname "$0")/lib.sh"

[ "${NLBS_VM:-0}" = 1 ] || ktap_skip_all "installs packages: runs in the VM only"
for t in dpkg dkms python3 chrt; do
	command -v $t >/dev/null || ktap_skip_all "$t missing (selftests/vm/deps.sh)"
done
dpkg-query -W -f='${Status}' nlbs-dkms 2>/dev/null | grep -q 'ok installed' &&
	ktap_skip_all "nlbs-dkms is installed already"

T=$(mktemp -d /tmp/nlbs-deb.XXXXXX)
defer rm -rf "$T"
kver=$(uname -r)
mods=/lib/modules/$kver

# ---- the packages -------------------------------------------------------------
debs=${NLBS_DEB_DIR:-$NLBS_TOP/build/deb}
fresh() {
	[ -r "$debs/inputs.sha256" ] &&
		[ "$(cat "$debs/inputs.sha256")" = "$("$NLBS_TOP/debian/make-deb.sh" --inputs)" ] &&
		ls "$debs"/nlbs-dkms_*_all.deb "$debs"/nlbs-tools_*_amd64.deb >/dev/null 2>&1
}
DKMS_DEB=$(ls "$debs"/nlbs-dkms_*_all.deb 2>/dev/null)
TOOLS_DEB=$(ls "$debs"/nlbs-tools_*_amd64.deb 2>/dev/null)
[ -n "$DKMS_DEB" ] && [ -n "$TOOLS_DEB" ] ||
	ktap_skip_all "no packages in $debs: make check-deb (make deb, then make check T=deb)"
if fresh; then
	ktap_pass "the packages in $debs are the tree's"
elif [ "${NLBS_DEB_STALE_OK:-0}" = 1 ]; then
	log "the packages in $debs were built from other sources than the tree's"
	ktap_pass "packages of other sources installed anyway (NLBS_DEB_STALE_OK=1)"
else
	ktap_skip_all "the packages in $debs were built from other sources: make deb again"
fi

# dkms uses <(...): bash needs /dev/fd, which the guest's devtmpfs lacks
# (udev makes it on a real system).
if [ ! -e /dev/fd ]; then
	ln -s /proc/self/fd /dev/fd
	defer rm -f /dev/fd
fi

# depmod -a reads every module of the kernel over 9p (minutes under TCG):
# while the packages come and go, depmod indexes the DKMS module alone, and
# the kernel's own indexes are put back at the end (as dkms.sh does).
# So what the test needs of the kernel's modules later (veth, for the
# namespace nlbsd runs in) is loaded now, while modprobe still finds it.
modprobe veth
saved=$T/modules-index
mkdir -p "$saved" "$T/bin"
cp -a "$mods"/modules.* "$saved/"
defer sh -c 'rm -f "$1"/modules.* && cp -a "$2"/modules.* "$1"/' - "$mods" "$saved"
cat >"$T/bin/depmod" <<EOF
#!/bin/sh
# depmod [-a] [KVER] [-F System.map]: index only the DKMS modules
ko=\$(ls $mods/updates/dkms/*.ko* 2>/dev/null)
[ -n "\$ko" ] || exit 0
exec /sbin/depmod $kver \$ko
EOF
chmod +x "$T/bin/depmod"
export PATH="$T/bin:$PATH"

# man-db's trigger rebuilds the whole manual database over 9p: not here.
if [ -e /var/lib/man-db/auto-update ]; then
	mv /var/lib/man-db/auto-update "$T/man-db-auto-update"
	defer mv "$T/man-db-auto-update" /var/lib/man-db/auto-update
fi

purge() {
	[ -d /sys/module/nlbs ] && rmmod nlbs
	dpkg --purge nlbs-tools nlbs-dkms >"$T/purge.log" 2>&1
}
defer purge

# ---- install ------------------------------------------------------------------
# bounded below the test's own timeout (settings), so that a slow or stuck
# DKMS build still shows its log
install_debs() {
	timeout -k 10 $(( 2100 * ${NLBS_TIMEOUT_SCALE:-1} )) dpkg -i "$DKMS_DEB" "$TOOLS_DEB" \
		>"$T/install.log" 2>&1 || { tail -n 30 "$T/install.log" | sed 's/^/# /'; return 1; }
}
t0=$SECONDS
ktap_check "dpkg -i nlbs-dkms nlbs-tools (DKMS builds the module)" install_debs || ktap_finished
log "dpkg -i took $((SECONDS - t0)) s (mostly the DKMS build, under TCG)"
ktap_check "dkms status: nlbs installed for $kver" \
	sh -c 'dkms status nlbs | grep -q "$1.*: installed"' - "$kver"
ktap_check "modinfo: the DKMS module, version of dkms.conf" sh -c '
	[ "$(modinfo -F filename nlbs)" = "$1/updates/dkms/nlbs.ko" ] &&
	[ "$(modinfo -F version nlbs)" = "$(sed -n "s/^PACKAGE_VERSION=\"\(.*\)\"/\1/p" "$2/dkms.conf")" ]' \
	- "$mods" "$NLBS_TOP"
UNIT=/lib/systemd/system/nlbsd.service
ktap_check "files: binaries, man pages, unit, example configuration" sh -c '
	for f in /usr/sbin/nlbs-genl /usr/sbin/nlbsd /usr/sbin/nlbs-metrics /usr/sbin/nlbs-import; do
		[ -x "$f" ] || { echo "# no $f"; exit 1; }
	done
	for m in man8/nlbs-genl.8 man8/nlbsd.8 man8/nlbs-metrics.8 man8/nlbs-import.8 man5/nlbsd.conf.5; do
		[ -r "/usr/share/man/$m.gz" ] || { echo "# no $m"; exit 1; }
	done
	[ -r "$1" ] && [ -r /etc/nlbsd/nlbsd.conf.example ]' - "$UNIT"
ktap_check "the unit names the installed binaries, is neither enabled nor started" sh -c '
	! grep -q /usr/local "$1" && grep -q "^ExecStart=/usr/sbin/nlbsd " "$1" &&
	[ ! -e /etc/systemd/system/multi-user.target.wants/nlbsd.service ]' - "$UNIT"

# ---- nlbsd from the installed files --------------------------------------------
# The NLB in a namespace of its own: acc0 and srv0 as in the example
# configuration, the firewalls' VRRP address (its reachability target) and
# the servers on the other ends.
setup_ns nlb fw || ktap_finished
net() {
	ip -n "$nlb" link add acc0 type veth peer name acc netns "$fw" &&
		ip -n "$nlb" link add srv0 type veth peer name srv netns "$fw" &&
		ip -n "$nlb" addr add 10.10.0.11/24 dev acc0 &&
		ip -n "$nlb" addr add 10.20.0.11/24 dev srv0 &&
		ip -n "$nlb" link set acc0 up && ip -n "$nlb" link set srv0 up &&
		ip -n "$fw" addr add 10.10.0.254/24 dev acc &&
		ip -n "$fw" addr add 10.20.0.21/24 dev srv &&
		ip -n "$fw" addr add 10.20.0.22/24 dev srv &&
		ip -n "$fw" addr add 10.20.0.23/24 dev srv &&
		ip -n "$fw" link set acc up && ip -n "$fw" link set srv up
}
ktap_check "a namespace with the example's devices acc0 and srv0" net || ktap_finished

# /etc/nlbsd/nlbsd.conf: the installed example, with its key and without
# the notify script it names (not installed).
conf() {
	nlbsd --genkey >/etc/nlbsd/key && chmod 600 /etc/nlbsd/key &&
		sed '/^notify = /d' /etc/nlbsd/nlbsd.conf.example >/etc/nlbsd/nlbsd.conf
}
ktap_check "/etc/nlbsd/nlbsd.conf from the installed example, a key" conf

# ExecStartPre and ExecStart of the installed unit, as systemd runs them
# (StateDirectory=nlbsd, RuntimeDirectory=nlbsd, CPUSchedulingPolicy=rr,
# priority 10; no NOTIFY_SOCKET or WATCHDOG_USEC: no systemd to tell).
unit_lines() { sed -n "s/^$1=//p" "$UNIT"; }
pre() {
	local cmd
	mkdir -p -m 0700 /var/lib/nlbsd /run/nlbsd || return 1
	while read -r cmd; do
		# shellcheck disable=SC2086
		ip netns exec "$nlb" $cmd || { log "ExecStartPre $cmd failed"; return 1; }
	done <<<"$(unit_lines ExecStartPre)"
}
ktap_check "ExecStartPre: $(unit_lines ExecStartPre | tr '\n' ';')" pre || ktap_finished
read -r -a START <<<"$(unit_lines ExecStart)"
ip netns exec "$nlb" chrt -r 10 "${START[@]}" >"$T/nlbsd.log" 2>&1 &
NLBSD_PID=$!
defer kill -KILL "$NLBSD_PID"
ktap_check "ExecStart: nlbsd runs ($(unit_lines ExecStart))" sh -c 'sleep 2; kill -0 "$1"' - "$NLBSD_PID"

G=/usr/sbin/nlbs-genl
services() {
	local out
	out=$("$G" -n "$nlb" service show) || return 1
	# (udp/53 removes the servers whose DNS check fails: no count there)
	grep -q "^service 198.51.100.10 tcp 80 servers 3 table 65537 nodest move" <<<"$out" &&
		grep -q "^service 198.51.100.10 udp 53 " <<<"$out" &&
		grep -q "^service 198.51.100.10 servers 1 " <<<"$out"
}
ktap_check "nlbs-genl: the example's services are in the kernel" busywait 20000 services
NLBS_LOADED=1
# loaded by the unit's modprobe, or by the first genetlink request
ktap_check "the loaded module is the DKMS one" sh -c '
	[ "$(cat /sys/module/nlbs/srcversion)" = "$(modinfo -F srcversion nlbs)" ]'
ktap_check "nlbs-genl: the example's configuration (acc0, srv0, 10.10.0.100)" sh -c '
	"$1" -n "$2" config show | grep -q "access acc0 .*servers srv0 .*nlbs 10.10.0.100"' \
	- "$G" "$nlb"
# no peer answers: active once dead-after intervals have passed
ktap_check "nlbsd makes the node active (the peer is silent)" \
	busywait 30000 sh -c '"$1" -n "$2" state show | grep -q "^state active"' - "$G" "$nlb"
ktap_check "nlbs-metrics (installed): up, active, promtool-clean" sh -c '
	/usr/sbin/nlbs-metrics -n "$1" >"$2" &&
	grep -qx "nlbs_up 1" "$2" && grep -qx "nlbs_state{state=\"active\"} 1" "$2" &&
	{ ! command -v promtool >/dev/null || promtool check metrics <"$2"; }' - "$nlb" "$T/m.prom"
ktap_check "nlbs-import (installed) converts a rule" sh -c '
	printf "%s\n" "-A -t 198.51.100.20:80 -s mh" "-a -t 198.51.100.20:80 -r 10.20.0.21:80 -g -w 2" |
	/usr/sbin/nlbs-import - 2>/dev/null | grep -qx "server = 10.20.0.21 weight 2"'
stop() {
	kill -TERM "$NLBSD_PID" && wait "$NLBSD_PID" || { log "nlbsd: exit $?"; tail -n 20 "$T/nlbsd.log"; return 1; }
	"$G" -n "$nlb" state show | grep -q "^state standby"
}
ktap_check "SIGTERM: nlbsd leaves active and exits 0" stop
ktap_check "the heartbeat epoch was kept in the state directory" test -s /var/lib/nlbsd/epoch

# ---- remove -----------------------------------------------------------------------
ktap_check "rmmod, dpkg --purge: module, files and DKMS tree gone" sh -c '
	rmmod nlbs && dpkg --purge nlbs-tools nlbs-dkms >"$1" 2>&1 || { tail "$1"; exit 1; }
	[ ! -e "$2/updates/dkms/nlbs.ko" ] && [ ! -e /usr/sbin/nlbsd ] && [ ! -e "$3" ] &&
	[ -z "$(dkms status nlbs)" ] && [ ! -d /usr/src/nlbs-0.1.0 ]' - "$T/purge.log" "$mods" "$UNIT"
NLBS_LOADED=0
ktap_finished
