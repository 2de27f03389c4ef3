# shellcheck shell=sh
# lib.sh: shared helpers of the client checks (real, unmodified tools reading a memcgfs mount).
# Sourced by the scripts of this directory. POSIX sh (+ `local`) and coreutils.
#
# Every check script takes the mount root as its argument (or $MEMCGFS_ROOT), prints KTAP
# ("ok N - what" / "not ok N - what", "# " diagnostics) and exits 0 (all passed), 1 (a check
# failed) or 4 (skipped: no mount, or the client's Debian package is not installed).
#
# Values are compared with what the mount says "at that moment": the simulated kernel keeps
# running (its clock follows wall time), so a comparison is made only when a snapshot of the
# source file taken right before the client ran equals one taken right after it (retried).

CLIENT_TESTS=0
CLIENT_FAILS=0

client_init() {
	ROOT=${1:-${MEMCGFS_ROOT:-}}
	ROOT=${ROOT%/}
	printf 'TAP version 13\n'
	if [ -z "$ROOT" ] || [ ! -r "$ROOT/memcgfs/info" ] || [ ! -r "$ROOT/proc/meminfo" ]; then
		printf '1..0 # SKIP no memcgfs mount (pass the mount root or set MEMCGFS_ROOT)\n'
		exit 4
	fi
	PROC_ROOT=$ROOT/proc
	CTL=$ROOT/memcgfs/ctl
	CLIENT_TMP=$(mktemp -d "${TMPDIR:-/tmp}/memcgfs-clients.XXXXXX") || exit 1
	# shellcheck disable=SC2064
	trap "client_cleanup; rm -rf '$CLIENT_TMP'" EXIT
}

# Scripts that start something (a daemon) redefine this.
client_cleanup() { :; }

# client_skip_all REASON: nothing can run (e.g. the client is not installed).
client_skip_all() {
	printf '1..0 # SKIP %s\n' "$1"
	exit 4
}

# ok COND_STATUS DESCRIPTION: one KTAP result line from the status of the last check.
ok() {
	CLIENT_TESTS=$((CLIENT_TESTS + 1))
	if [ "$1" -eq 0 ]; then
		printf 'ok %s - %s\n' "$CLIENT_TESTS" "$2"
	else
		CLIENT_FAILS=$((CLIENT_FAILS + 1))
		printf 'not ok %s - %s\n' "$CLIENT_TESTS" "$2"
	fi
}

# check_eq WHAT EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then
		ok 0 "$1 = $3"
	else
		ok 1 "$1: expected $2, got $3"
	fi
}

client_finish() {
	printf '1..%s\n' "$CLIENT_TESTS"
	printf '# Totals: pass:%s fail:%s xfail:0 xpass:0 skip:0 error:0\n' \
		$((CLIENT_TESTS - CLIENT_FAILS)) "$CLIENT_FAILS"
	[ "$CLIENT_FAILS" -eq 0 ] || exit 1
	exit 0
}

# kv_get FILE KEY: the first number after "KEY" in a "Key: value kB" or "key value" file.
kv_get() {
	local _k _v _rest
	while read -r _k _v _rest; do
		if [ "$_k" = "$2:" ] || [ "$_k" = "$2" ]; then
			printf '%s\n' "$_v"
			return 0
		fi
	done <"$1"
	return 1
}

# snapshot_stable DEST CMD...: copy the files in $SNAP_FILES to DEST.before, run CMD (stdout to
# DEST.out, stderr to DEST.err), copy them again to DEST.after; retry up to 5 times until both
# copies are equal, i.e. CMD saw exactly DEST.before. Status 0 when stable.
SNAP_FILES=
snapshot_stable() {
	local _dst _try
	_dst=$1
	shift
	_try=0
	while [ "$_try" -lt 5 ]; do
		# shellcheck disable=SC2086
		cat $SNAP_FILES >"$_dst.before"
		"$@" >"$_dst.out" 2>"$_dst.err"
		# shellcheck disable=SC2086
		cat $SNAP_FILES >"$_dst.after"
		cmp -s "$_dst.before" "$_dst.after" && return 0
		_try=$((_try + 1))
	done
	return 1
}

# ctl CMD...: one command on the control file (fd 3 opened by ctl_open); CTL_REPLY = reply.
ctl_open() { exec 3<>"$CTL"; }
ctl() {
	printf '%s\n' "$*" 2>/dev/null >&3
	local _st
	_st=$?
	IFS= read -r CTL_REPLY <&3 || CTL_REPLY=
	return $_st
}

# have_pkg PACKAGE: the Debian package is installed.
have_pkg() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}
