#!/bin/sh
# procps.sh [ROOT]: procps's free, vmstat -s, vmstat -m and slabtop -o, unmodified, reading the
# simulated /proc/meminfo, /proc/vmstat and /proc/slabinfo. procps hard-codes /proc, so the
# script re-runs itself inside a private mount namespace (unshare -m --propagation private) and
# bind-mounts the mount's three files over the namespace's /proc files, the way LXCFS serves
# containers; the host's /proc is untouched outside the namespace (checked at the end).
# Every number the tools print must equal the simulated one, and "used" must not be negative.
# KTAP output; exit 0 pass, 1 fail, 4 skip (procps or unshare missing, or no mount).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

FILES="meminfo vmstat slabinfo"

# ---- inside the namespace ------------------------------------------------------------------
if [ "${MEMCGFS_PROCPS_INNER:-}" = 1 ]; then
	ROOT=$1
	T=$2
	CLIENT_TESTS=$3
	CLIENT_FAILS=0
	for f in $FILES; do
		mount --bind "$ROOT/proc/$f" "/proc/$f" || {
			ok 1 "bind-mount $ROOT/proc/$f on /proc/$f"
			exit 1
		}
	done
	n=$(awk '$5 == "/proc/meminfo" || $5 == "/proc/vmstat" || $5 == "/proc/slabinfo" { for (i = 7; i <= NF; i++) if ($i == "-") { print $(i + 1); break } }' /proc/self/mountinfo | grep -c '^fuse')
	check_eq "FUSE bind mounts on /proc/{meminfo,vmstat,slabinfo} in the namespace" 3 "$n"

	m() { kv_get "$T/free.before" "$1"; } # meminfo value (kB) of the snapshot free saw

	# free -b: "Mem: total used free shared buff/cache available" in bytes
	SNAP_FILES=/proc/meminfo
	if snapshot_stable "$T/free" free -b; then
		set -- $(grep '^Mem:' "$T/free.out")
		total=$2 used=$3 free=$4 shared=$5 buffcache=$6 avail=$7
		check_eq "free: total (MemTotal)" $(($(m MemTotal) * 1024)) "$total"
		check_eq "free: free (MemFree)" $(($(m MemFree) * 1024)) "$free"
		check_eq "free: shared (Shmem)" $(($(m Shmem) * 1024)) "$shared"
		check_eq "free: buff/cache (Buffers + Cached + SReclaimable)" \
			$((($(m Buffers) + $(m Cached) + $(m SReclaimable)) * 1024)) "$buffcache"
		check_eq "free: available (MemAvailable)" $(($(m MemAvailable) * 1024)) "$avail"
		# procps-ng 4 computes used = total - available; 3.3 used total - free - buff/cache
		case $(free --version) in
			*procps-ng\ 3.*) want_used=$((total - free - buffcache)) ;;
			*) want_used=$((total - avail)) ;;
		esac
		check_eq "free: used" "$want_used" "$used"
		[ "$used" -ge 0 ]
		ok $? "free: used is not negative ($used)"
		set -- $(grep '^Swap:' "$T/free.out")
		check_eq "free: swap total (SwapTotal)" $(($(m SwapTotal) * 1024)) "$2"
		check_eq "free: swap free (SwapFree)" $(($(m SwapFree) * 1024)) "$4"
		sed 's/^/# /' "$T/free.out"
	else
		ok 1 "free -b: /proc/meminfo did not hold still for one run"
	fi

	# vmstat -s: memory lines from meminfo, paging counters from vmstat
	SNAP_FILES="/proc/meminfo /proc/vmstat"
	if snapshot_stable "$T/vms" vmstat -s; then
		cat /proc/meminfo >"$T/mi"
		cat /proc/vmstat >"$T/vm"
		# the label of a "   N K label" line
		s() { grep " $1\$" "$T/vms.out" | awk '{ print $1 }'; }
		mi() { kv_get "$T/mi" "$1"; }
		vm() { kv_get "$T/vm" "$1"; }
		check_eq "vmstat -s: total memory" "$(mi MemTotal)" "$(s 'K total memory')"
		check_eq "vmstat -s: used memory" $(($(mi MemTotal) - $(mi MemAvailable))) "$(s 'K used memory')"
		check_eq "vmstat -s: active memory" "$(mi Active)" "$(s 'K active memory')"
		check_eq "vmstat -s: inactive memory" "$(mi Inactive)" "$(s 'K inactive memory')"
		check_eq "vmstat -s: free memory" "$(mi MemFree)" "$(s 'K free memory')"
		check_eq "vmstat -s: buffer memory" "$(mi Buffers)" "$(s 'K buffer memory')"
		# procps labels its "cached" (Cached + SReclaimable) "swap cache"
		check_eq "vmstat -s: swap cache (Cached + SReclaimable)" \
			$(($(mi Cached) + $(mi SReclaimable))) "$(s 'K swap cache')"
		check_eq "vmstat -s: total swap" "$(mi SwapTotal)" "$(s 'K total swap')"
		check_eq "vmstat -s: paged in (pgpgin)" "$(vm pgpgin)" "$(s 'K paged in')"
		check_eq "vmstat -s: paged out (pgpgout)" "$(vm pgpgout)" "$(s 'K paged out')"
		check_eq "vmstat -s: pages swapped in (pswpin)" "$(vm pswpin)" "$(s 'pages swapped in')"
		check_eq "vmstat -s: pages swapped out (pswpout)" "$(vm pswpout)" "$(s 'pages swapped out')"
	else
		ok 1 "vmstat -s: /proc/meminfo and /proc/vmstat did not hold still for one run"
	fi

	# vmstat -m: "Cache Num Total Size Pages" = name active_objs num_objs objsize objperslab
	SNAP_FILES=/proc/slabinfo
	if snapshot_stable "$T/vmm" vmstat -m; then
		awk 'NR > 2 { print $1, $2, $3, $4, $5 }' "$T/vmm.before" | sort >"$T/vmm.want"
		awk '$1 != "Cache" { print $1, $2, $3, $4, $5 }' "$T/vmm.out" | sort >"$T/vmm.got"
		cmp -s "$T/vmm.want" "$T/vmm.got"
		ok $? "vmstat -m: all $(wc -l <"$T/vmm.want") caches equal /proc/slabinfo (name, active, total, size, objs/slab)"
		diff "$T/vmm.want" "$T/vmm.got" | head -5 | sed 's/^/# /'
	else
		ok 1 "vmstat -m: /proc/slabinfo did not hold still for one run"
	fi

	# slabtop -o: the summary lines from the sums of /proc/slabinfo, and the biggest cache first
	if snapshot_stable "$T/st" slabtop -o; then
		set -- $(awk 'NR > 2 {
				ao += $2; to += $3; as += $14; ts += $15; c++; if ($2 > 0) ac++
				asz += $2 * $4; tsz += $3 * $4
				if ($3 > max) max = $3
			}
			END { printf "%d %d %d %d %d %d %.2fK %.2fK %d\n", ao, to, as, ts, ac, c, asz / 1024, tsz / 1024, max }' "$T/st.before")
		want_objs="$1 / $2"
		want_slabs="$3 / $4"
		want_caches="$5 / $6"
		want_size="$7 / $8"
		want_max=$9
		field() { grep "$1" "$T/st.out" | sed 's/.*: *//; s/ *(.*//'; }
		check_eq "slabtop: Active / Total Objects" "$want_objs" "$(field 'Active / Total Objects')"
		check_eq "slabtop: Active / Total Slabs" "$want_slabs" "$(field 'Active / Total Slabs')"
		check_eq "slabtop: Active / Total Caches" "$want_caches" "$(field 'Active / Total Caches')"
		check_eq "slabtop: Active / Total Size" "$want_size" "$(field 'Active / Total Size')"
		check_eq "slabtop: first row is the cache with the most objects" "$want_max" \
			"$(awk '/OBJS ACTIVE/ { getline; print $1; exit }' "$T/st.out")"
		head -12 "$T/st.out" | sed 's/^/# /'
	else
		ok 1 "slabtop -o: /proc/slabinfo did not hold still for one run"
	fi
	echo "$CLIENT_TESTS $CLIENT_FAILS" >"$T/counts"
	exit 0
fi

# ---- outside --------------------------------------------------------------------------------
client_init "${1:-}"
for tool in free vmstat slabtop; do
	command -v "$tool" >/dev/null || client_skip_all "$tool is not installed (Debian package procps)"
done
command -v unshare >/dev/null || client_skip_all "unshare is not installed (Debian package util-linux)"
[ "$(id -u)" -eq 0 ] || client_skip_all "bind mounts in a private namespace need root"

MEMCGFS_PROCPS_INNER=1 unshare -m --propagation private sh "$here/procps.sh" "$ROOT" "$CLIENT_TMP" 0
inner=$?
if [ -r "$CLIENT_TMP/counts" ]; then
	read -r inner_tests inner_fails <"$CLIENT_TMP/counts"
	CLIENT_TESTS=$((CLIENT_TESTS + inner_tests))
	CLIENT_FAILS=$((CLIENT_FAILS + inner_fails))
fi
ok "$inner" "the checks ran inside a private mount namespace"
# Outside the namespace nothing changed: no mount on the host's /proc files.
n=$(awk '$5 == "/proc/meminfo" || $5 == "/proc/vmstat" || $5 == "/proc/slabinfo"' /proc/self/mountinfo | wc -l)
check_eq "mounts on the host's /proc/{meminfo,vmstat,slabinfo} after the run" 0 "$n"
client_finish
