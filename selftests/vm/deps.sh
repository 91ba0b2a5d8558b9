#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages nlbs needs to build and test, when missing
# (apt-get update once, then one apt-get install). Needs root for that;
# otherwise it only names what is missing. Append what your part needs.
PKGS=(
	make gcc libc6-dev pkg-config file xz-utils cpio kmod
	qemu-system-x86 busybox-static
	linux-image-amd64 linux-headers-amd64
	dkms sparse
	libmnl-dev libjson-c-dev libsodium-dev libinih-dev
	iproute2 tcpdump socat arping iputils-ping ethtool
	python3 python3-yaml python3-scapy jq util-linux
	keepalived lighttpd apache2-utils wrk curl
	ipvsadm gnuplot-nox
	prometheus				# promtool (tools/metrics, selftests/metrics.sh)
	debhelper dh-dkms fakeroot lintian	# make deb (debian/, selftests/deb.sh)
	libsystemd-dev				# sd_notify (tools/nlbsd: Type=notify, watchdog)
	frr					# BGP + BFD announcing the VIP (selftests/ecmp.sh)
	clang libclang-rt-14-dev		# libFuzzer (tools/fuzz, make -C tools fuzz)
	linux-perf				# perf in the guest (make bench, NLBS_BENCH_PERF)
)

installed() {
	dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q 'ok installed'
}

missing=()
for p in "${PKGS[@]}"; do
	installed "$p" || missing+=("$p")
done
[ ${#missing[@]} = 0 ] && exit 0

# Kernel image and headers must be of the same version: install both
# meta packages together whenever either is missing.
case " ${missing[*]} " in
*" linux-image-amd64 "*|*" linux-headers-amd64 "*)
	missing+=(linux-image-amd64 linux-headers-amd64) ;;
esac
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)

if [ "$(id -u)" != 0 ]; then
	echo "deps: missing Debian packages: ${missing[*]}" >&2
	echo "deps: run as root: $0" >&2
	exit 1
fi
echo "# deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null &&
	apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null ||
	{ echo "deps: apt-get failed" >&2; exit 1; }
