#!/bin/sh
# live.sh [ROOT]: a watch-style check that the tools follow the simulated kernel live.
# `free -b -s 0.2` (procps's own repeat mode: it keeps /proc/meminfo open and does lseek(0) +
# read() every interval) runs in a private mount namespace on the mount's meminfo while a
# workload is driven through memcgfs/ctl: a task takes 200 MiB of anonymous memory and creates
# 200000 negative dentries, then exits. free's successive reports must show "used" rise by the
# anonymous memory and fall back when the task exits, and buff/cache (SReclaimable) grow with the
# dentries; psutil (if installed) must see Slab grow too.
# KTAP output; exit 0 pass, 1 fail, 4 skip.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

client_init "${1:-}"
command -v free >/dev/null || client_skip_all "free is not installed (Debian package procps)"
command -v unshare >/dev/null || client_skip_all "unshare is not installed (Debian package util-linux)"
[ "$(id -u)" -eq 0 ] || client_skip_all "bind mounts in a private namespace need root"

ANON_PAGES=51200 # 200 MiB of 4 KiB pages
DENTRIES=200000
T=$CLIENT_TMP
PY=${MEMCGFS_PYTHON:-/usr/bin/python3}

slab_psutil() {
	"$PY" -c 'import sys, psutil; psutil.PROCFS_PATH = sys.argv[1]; print(psutil.virtual_memory().slab)' \
		"$ROOT/proc" 2>/dev/null
}

WATCH_PID=
TASK=
client_cleanup() {
	[ -n "$TASK" ] && ctl "exit $TASK"
	if [ -n "$WATCH_PID" ]; then
		kill "$WATCH_PID" 2>/dev/null
		wait "$WATCH_PID" 2>/dev/null
	fi
}

ctl_open
slab0=$(kv_get "$ROOT/proc/meminfo" Slab)
ps0=$(slab_psutil)

unshare -m --propagation private sh -c \
	'mount --bind "$1/proc/meminfo" /proc/meminfo && exec free -b -s 0.2 -c 25' sh "$ROOT" \
	>"$T/watch" 2>"$T/watch.err" &
WATCH_PID=$!
sleep 1

ctl spawn / live-check
case $CTL_REPLY in "pid "*) TASK=${CTL_REPLY#pid } ;; esac
[ -n "$TASK" ]
ok $? "spawned a task through memcgfs/ctl ($CTL_REPLY)"
ctl anon "$TASK" "$ANON_PAGES"
check_eq "the task faulted in its anonymous pages" "ok $ANON_PAGES" "$CTL_REPLY"
ctl dentries "$TASK" "$DENTRIES"
check_eq "the task created its negative dentries" "ok $DENTRIES" "$CTL_REPLY"
slab1=$(kv_get "$ROOT/proc/meminfo" Slab)
ps1=$(slab_psutil)
sleep 1.5
ctl "exit $TASK"
check_eq "the task exited" ok "$CTL_REPLY"
TASK=
wait "$WATCH_PID"
ok $? "free -b -s 0.2 -c 25 ran to the end in the namespace"
WATCH_PID=

# free's reports, in order: used and buff/cache of every "Mem:" line
awk '$1 == "Mem:" { print $3, $6 }' "$T/watch" >"$T/series"
reports=$(wc -l <"$T/series")
[ "$reports" -ge 20 ]
ok $? "free printed $reports reports"
set -- $(awk 'NR == 1 { u0 = $1; c0 = $2; umax = $1; cmax = $2 }
	{ if ($1 > umax) { umax = $1 }; if ($2 > cmax) cmax = $2; ulast = $1 }
	END { print u0, umax, ulast, c0, cmax }' "$T/series")
u0=$1 umax=$2 ulast=$3 c0=$4 cmax=$5
anon_bytes=$((ANON_PAGES * 4096))
[ $((umax - u0)) -ge "$anon_bytes" ]
ok $? "free: used rose by at least the task's 200 MiB while it ran ($u0 -> $umax)"
[ $((umax - ulast)) -ge "$anon_bytes" ]
ok $? "free: used fell back by 200 MiB after the task exited ($umax -> $ulast)"
[ $((cmax - c0)) -ge $((DENTRIES * 192)) ]
ok $? "free: buff/cache grew with the dentries' reclaimable slab ($c0 -> $cmax)"
[ "$slab1" -gt "$slab0" ]
ok $? "proc/meminfo Slab grew ($slab0 kB -> $slab1 kB)"
if [ -n "$ps0" ] && [ -n "$ps1" ]; then
	check_eq "psutil virtual_memory().slab followed meminfo Slab" $((slab1 * 1024)) "$ps1"
	[ "$ps1" -gt "$ps0" ]
	ok $? "psutil: slab grew ($ps0 -> $ps1)"
else
	printf '# psutil not available: its live check is left out\n'
fi
{ head -3 "$T/watch"; tail -3 "$T/watch"; } | sed 's/^/# /'
client_finish
