#!/bin/sh
# psutil.sh [ROOT]: Debian's python3-psutil with psutil.PROCFS_PATH set to the mount's proc:
# virtual_memory() and swap_memory() must agree with proc/meminfo (psutil_check.py).
# Runs Debian's /usr/bin/python3 (not whatever python3 comes first in PATH), since that is the
# interpreter python3-psutil installs into. KTAP output; exit 0 pass, 1 fail, 4 skip.
here=$(cd "$(dirname "$0")" && pwd)
PY=${MEMCGFS_PYTHON:-/usr/bin/python3}
if [ ! -x "$PY" ]; then
	printf 'TAP version 13\n1..0 # SKIP %s is not installed (Debian package python3)\n' "$PY"
	exit 4
fi
exec "$PY" "$here/psutil_check.py" "${1:-${MEMCGFS_ROOT:-}}"
