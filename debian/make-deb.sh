#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make deb: nlbs-dkms and nlbs-tools from the tree, into build/deb/ (or
# NLBS_DEB_OUT). The files of the work tree as they are now (tracked ones
# with their uncommitted changes, and new ones git does not ignore; build
# products never) are copied to
# build/deb/nlbs-VERSION and built there with dpkg-buildpackage -b; then
# lintian checks the result (tags it keeps are explained in
# debian/*.lintian-overrides; NLBS_DEB_LINTIAN=0 skips it). Build
# dependencies: selftests/vm/deps.sh.
#
# build/deb/inputs.sha256 identifies the sources the packages were built
# from (--inputs prints it for the tree): selftests/deb.sh installs these
# packages when they match the tree, else builds its own.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=${NLBS_DEB_OUT:-$top/build/deb}
cd "$top"

# What goes into the packages.
INPUTS=(Makefile Kbuild dkms.conf kmod uapi tools debian)
inputs_hash() {
	git ls-files -z --cached --others --exclude-standard -- "${INPUTS[@]}" | while IFS= read -r -d '' f; do
		[ -e "$f" ] && printf '%s\0' "$f"
	done | xargs -0 sha256sum | sha256sum | cut -d' ' -f1
}
if [ "${1:-}" = --inputs ]; then
	inputs_hash
	exit
fi

ver=$(sed -n 's/^PACKAGE_VERSION="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' dkms.conf)
deb_ver=$(dpkg-parsechangelog -l debian/changelog -S Version)
[ "$ver" = "$deb_ver" ] || {
	echo "deb: dkms.conf says $ver, debian/changelog $deb_ver: add a changelog entry" >&2
	exit 1
}
for p in debhelper dh-dkms; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'ok installed' || {
		echo "deb: $p missing (selftests/vm/deps.sh installs it)" >&2
		exit 1
	}
done

work=$out/nlbs-$ver
rm -rf "$work" "$out"/nlbs*_"$ver"* "$out/inputs.sha256"
mkdir -p "$work"
git=0
git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1 && git=1
if [ $git = 1 ]; then
	git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
		[ -e "$f" ] && printf '%s\0' "$f"
	done | cpio -0pdm --quiet "$work"
else
	# not a git checkout: everything but the build products
	tar -C "$top" --exclude=./build --exclude='*.o' --exclude='*.ko' \
		--exclude='*.cmd' --exclude='*.a' --exclude='*.d' -cf - . | tar -C "$work" -xf -
fi

echo "deb: building nlbs $ver in $work"
(cd "$work" && dpkg-buildpackage -b -us -uc -j"$(nproc)" >"$out/build.log" 2>&1) || {
	tail -n 40 "$out/build.log" >&2
	echo "deb: dpkg-buildpackage failed (log: $out/build.log)" >&2
	exit 1
}
ls -1 "$out"/*.deb
[ $git = 1 ] && inputs_hash >"$out/inputs.sha256"
changes=$(ls "$out"/nlbs_"$ver"_*.changes)
if [ "${NLBS_DEB_LINTIAN:-1}" = 0 ]; then
	echo "deb: lintian skipped (NLBS_DEB_LINTIAN=0)"
elif command -v lintian >/dev/null; then
	# Errors and warnings fail the build; info tags are shown.
	lintian --info --fail-on error,warning "$changes" || {
		echo "deb: lintian found problems" >&2
		exit 1
	}
	echo "deb: lintian clean (errors, warnings)"
else
	echo "deb: lintian not installed: not checked" >&2
fi
