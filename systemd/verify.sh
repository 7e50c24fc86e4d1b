#!/bin/sh
# verify.sh checks the systemd units with `systemd-analyze verify` and the
# sysusers.d entry with `systemd-sysusers --dry-run`.
#
# verify refuses a unit whose ExecStart= binary does not exist, and
# continuod is not installed where this runs (a build tree, CI), so the
# units are copied to a temporary directory with /usr/bin/continuod
# replaced by /bin/true; everything else is checked as shipped.
#
# Usage: systemd/verify.sh      (from anywhere; called by `make lint`)
# Needs: systemd-analyze (Debian package systemd). Exit status non-zero on
# any warning or error.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

mkdir -p "$tmp/user"
for unit in continuod.service user/continuod.service; do
	sed 's|/usr/bin/continuod|/bin/true|' "$here/$unit" >"$tmp/$unit"
done

# systemd-analyze verify prints problems but exits 0 for some of them
# (unknown keys, bad values): fail on any output.
check() {
	out=$("$@" 2>&1) || { printf '%s\n' "$out"; exit 1; }
	if [ -n "$out" ]; then
		printf '%s\n' "$out"
		exit 1
	fi
}

# --man=no: the units reference no man pages; a minimal system may have none.
check systemd-analyze verify --man=no "$tmp/continuod.service"

# No running user manager is needed to verify a user unit, but
# systemd-analyze --user fails without XDG_RUNTIME_DIR ("Failed to lookup
# RuntimeDirectory path"), which CI and root shells lack: give it a private
# one.
mkdir -p "$tmp/runtime"
chmod 0700 "$tmp/runtime"
check env XDG_RUNTIME_DIR="$tmp/runtime" systemd-analyze --user verify --man=no "$tmp/user/continuod.service"

# The sysusers.d entry: a dry run against an empty root parses it and
# shows the user and group it would create, without touching this system.
mkdir -p "$tmp/root/etc"
if ! out=$(systemd-sysusers --root="$tmp/root" --dry-run "$here/continuo.sysusers" 2>&1); then
	printf '%s\n' "$out"
	exit 1
fi

echo "systemd units OK"
