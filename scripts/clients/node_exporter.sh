#!/bin/sh
# node_exporter.sh [ROOT]: Debian's prometheus-node-exporter, unmodified, with --path.procfs and
# --path.sysfs pointing into the mount and the meminfo, vmstat and slabinfo collectors on,
# listening on a free loopback port; one scrape with curl must report exactly what the mount's
# proc/meminfo, proc/vmstat and proc/slabinfo say at that moment.
# KTAP output; exit 0 pass, 1 fail, 4 skip (exporter or curl not installed, or no mount).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

EXPORTER=${NODE_EXPORTER:-/usr/bin/prometheus-node-exporter}

client_init "${1:-}"
[ -x "$EXPORTER" ] || client_skip_all "$EXPORTER is not installed (Debian package prometheus-node-exporter)"
command -v curl >/dev/null || client_skip_all "curl is not installed (Debian package curl)"

EXPORTER_PID=
client_cleanup() {
	if [ -n "$EXPORTER_PID" ]; then
		kill "$EXPORTER_PID" 2>/dev/null
		wait "$EXPORTER_PID" 2>/dev/null
	fi
}

# Start it on a free loopback port: pick one, and take the next if the bind fails.
port=
try=0
base=$((20000 + ($$ * 7919 + $(date +%s)) % 40000))
while [ "$try" -lt 10 ]; do
	p=$((base + try * 13))
	"$EXPORTER" --web.listen-address="127.0.0.1:$p" \
		--path.procfs="$ROOT/proc" --path.sysfs="$ROOT/sys" \
		--collector.disable-defaults --collector.meminfo --collector.vmstat --collector.slabinfo \
		>"$CLIENT_TMP/exporter.log" 2>&1 &
	EXPORTER_PID=$!
	i=0
	while [ "$i" -lt 100 ]; do
		if curl -sf "http://127.0.0.1:$p/metrics" -o /dev/null; then
			port=$p
			break 2
		fi
		kill -0 "$EXPORTER_PID" 2>/dev/null || break
		sleep 0.05
		i=$((i + 1))
	done
	client_cleanup
	EXPORTER_PID=
	try=$((try + 1))
done
if [ -z "$port" ]; then
	ok 1 "prometheus-node-exporter serving on 127.0.0.1"
	sed 's/^/# /' "$CLIENT_TMP/exporter.log" | tail -5
	client_finish
fi
ok 0 "prometheus-node-exporter serving on 127.0.0.1:$port ($("$EXPORTER" --version 2>&1 | head -1))"

T=$CLIENT_TMP
SNAP_FILES="$ROOT/proc/meminfo $ROOT/proc/vmstat $ROOT/proc/slabinfo"
if ! snapshot_stable "$T/scrape" curl -sf "http://127.0.0.1:$port/metrics"; then
	ok 1 "scrape while proc/meminfo, vmstat and slabinfo hold still"
	client_finish
fi
cat "$ROOT/proc/meminfo" >"$T/mi" # the snapshot the scrape saw (== $T/scrape.before)
cat "$ROOT/proc/vmstat" >"$T/vm"
cat "$ROOT/proc/slabinfo" >"$T/si"

for c in meminfo vmstat slabinfo; do
	check_eq "collector $c succeeded" 1 \
		"$(awk -v c="$c" '$1 == "node_scrape_collector_success{collector=\"" c "\"}" { print $2 }' "$T/scrape.out")"
done

# "metric value" lines with integral values, from the scrape
awk '!/^#/ && NF == 2 { printf "%s %.0f\n", $1, $2 }' "$T/scrape.out" | sort >"$T/got"

# What node_exporter must report: meminfo "Key(x): N kB" -> node_memory_Key_x_bytes N*1024
# (no unit -> node_memory_Key N); vmstat keys of the default field regex -> node_vmstat_key;
# slabinfo rows -> node_slabinfo_*{slab="name"}.
{
	awk '{
		k = $1; sub(/:$/, "", k); gsub(/\(/, "_", k); gsub(/\)/, "", k)
		if ($3 == "kB") printf "node_memory_%s_bytes %.0f\n", k, $2 * 1024
		else printf "node_memory_%s %.0f\n", k, $2
	}' "$T/mi"
	awk '$1 ~ /^(oom_kill|pgpg|pswp|pg.*fault)/ { printf "node_vmstat_%s %.0f\n", $1, $2 }' "$T/vm"
	awk 'NR > 2 {
		l = "{slab=\"" $1 "\"}"
		printf "node_slabinfo_active_objects%s %.0f\n", l, $2
		printf "node_slabinfo_objects%s %.0f\n", l, $3
		printf "node_slabinfo_object_size_bytes%s %.0f\n", l, $4
		printf "node_slabinfo_objects_per_slab%s %.0f\n", l, $5
		printf "node_slabinfo_pages_per_slab%s %.0f\n", l, $6
	}' "$T/si"
} | sort >"$T/want"

for prefix in node_memory_ node_vmstat_ node_slabinfo_; do
	grep "^$prefix" "$T/want" >"$T/want.$prefix"
	# every expected metric, with its value, is in the scrape
	missing=$(comm -23 "$T/want.$prefix" "$T/got" | wc -l)
	check_eq "$prefix* metrics equal the mount's files ($(wc -l <"$T/want.$prefix") compared)" 0 "$missing"
	comm -23 "$T/want.$prefix" "$T/got" | head -5 | while read -r name value; do
		printf '#   %s: expected %s, scrape has %s\n' "$name" "$value" \
			"$(awk -v n="$name" '$1 == n { print $2 }' "$T/got")"
	done
done

for k in Slab SReclaimable SUnreclaim MemTotal MemFree MemAvailable KernelStack; do
	check_eq "node_memory_${k}_bytes = proc/meminfo $k" \
		$(($(kv_get "$T/mi" "$k") * 1024)) "$(awk -v n="node_memory_${k}_bytes" '$1 == n { print $2 }' "$T/got")"
done
client_finish
