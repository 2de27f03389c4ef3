#!/bin/sh
# run.sh [ROOT]: every client check of this directory against the mount at ROOT (default
# $MEMCGFS_ROOT), as a KTAP suite of suites (like the kselftest runner): procps, node_exporter,
# psutil, live. A check whose client is not installed reports SKIP.
# Exit: 0 all passed or skipped, 1 a check failed, 4 no mount.
here=$(cd "$(dirname "$0")" && pwd)
root=${1:-${MEMCGFS_ROOT:-}}
printf 'TAP version 13\n'
if [ -z "$root" ] || [ ! -r "$root/memcgfs/info" ]; then
	printf '1..0 # SKIP no memcgfs mount (pass the mount root or set MEMCGFS_ROOT)\n'
	exit 4
fi
set -- procps node_exporter psutil live
printf '1..%s\n' "$#"
n=0
failed=0
out=$(mktemp "${TMPDIR:-/tmp}/memcgfs-clients-run.XXXXXX") || exit 1
trap 'rm -f "$out"' EXIT
for check in "$@"; do
	n=$((n + 1))
	printf '# clients: %s\n' "$check"
	sh "$here/$check.sh" "$root" >"$out" 2>&1
	rc=$?
	sed 's/^/# /' "$out"
	case $rc in
		0) printf 'ok %s clients: %s\n' "$n" "$check" ;;
		4) printf 'ok %s clients: %s # SKIP %s\n' "$n" "$check" "$(sed -n 's/^1\.\.0 # SKIP //p' "$out")" ;;
		*)
			printf 'not ok %s clients: %s # exit=%s\n' "$n" "$check" "$rc"
			failed=1
			;;
	esac
done
exit "$failed"
