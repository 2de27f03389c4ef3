#!/bin/sh
# test_kmem_v1.sh [ROOT]: the test_kmem.c checks that have a meaning on the cgroup v1 memory
# controller, restated with v1 files. Upstream's test_kmem is v2-only (it SKIPs without a
# cgroup2 mount), so these are this project's adaptations, not kselftest text:
#   - v1 memory.stat has no slab/kernel_stack/percpu keys: kmem is memory.kmem.usage_in_bytes;
#   - v1 has no memory.high: lowering memory.limit_in_bytes is v1's reclaiming knob;
#   - v1 has no cgroup.stat: dying memcgs are counted in /proc/cgroups num_cgroups.
# test_percpu_basic has no v1 form (nothing in v1 reports percpu) and is not adapted.
# Output is KTAP; exit 0 pass, 1 fail, 4 skip.
. "$(dirname "$0")/lib.sh"

# kmem basic: 100000 negative dentries raise kmem usage above 1 MiB; a 1M limit must reclaim at
# least half of it (kmem usage and memory usage both below kmem0 / 2).
test_kmem_basic_v1() {
	local _ret
	_ret=$KSFT_FAIL
	cg=$(cg_name "$1" kmem_basic_test)
	if cg_create "$cg" && cg_run "$cg" alloc_dcache 100000; then
		kmem0=$(cg_read_long "$cg" memory.kmem.usage_in_bytes)
		if [ "$kmem0" -ge $((1 << 20)) ]; then
			cg_write "$cg" memory.limit_in_bytes 1M
			kmem1=$(cg_read_long "$cg" memory.kmem.usage_in_bytes)
			usage=$(cg_read_long "$cg" memory.usage_in_bytes)
			if [ "$kmem1" -lt $((kmem0 / 2)) ] && [ "$usage" -lt $((kmem0 / 2)) ]; then
				_ret=$KSFT_PASS
			else
				printf 'kmem0 %s kmem1 %s usage %s\n' "$kmem0" "$kmem1" "$usage"
			fi
		fi
	fi
	cg_destroy "$cg"
	return $_ret
}

# Reading all of /proc/kpagecgroup in 1024-byte read()s must end in EOF (same as v2).
test_kmem_proc_kpagecgroup() {
	dd if="$PROC_ROOT/kpagecgroup" of=/dev/null bs=1024 2>/dev/null || return $KSFT_FAIL
	return $KSFT_PASS
}

# 1000 threads in the memcg: their stacks (THREAD_SIZE each) are kmem charges, so
# memory.kmem.usage_in_bytes must reach 1000 pages.
spawn_1000_threads_v1() {
	local _i
	_i=0
	while [ "$_i" -lt 1000 ]; do
		ctl_fork "$2" thread || return 255
		_i=$((_i + 1))
	done
	[ "$(cg_read_long "$1" memory.kmem.usage_in_bytes)" -ge $((4096 * 1000)) ] && return 0
	return 255
}

test_kmem_kernel_stacks_v1() {
	local _ret
	_ret=$KSFT_FAIL
	cg=$(cg_name "$1" kmem_kernel_stacks_test)
	if cg_create "$cg" && cg_run "$cg" spawn_1000_threads_v1; then
		_ret=$KSFT_PASS
	fi
	cg_destroy "$cg"
	return $_ret
}

# num_cgroups of the memory line of /proc/cgroups (it includes dying memcgs).
memory_num_cgroups() {
	local _name _h _n _e
	while read -r _name _h _n _e; do
		if [ "$_name" = memory ]; then
			echo "$_n"
			return 0
		fi
	done <"$PROC_ROOT/cgroups"
	echo -1
}

# 30 children with 100 negative dentries each, created and removed: within 5 tries one second
# apart, /proc/cgroups must count no more memcgs than before (none left dying).
test_kmem_dead_cgroups_v1() {
	local _ret _i _try _child
	_ret=$KSFT_FAIL
	parent=$(cg_name "$1" kmem_dead_cgroups_test)
	if cg_create "$parent"; then
		before=$(memory_num_cgroups)
		_i=0
		while [ "$_i" -lt 30 ]; do
			_child=$(cg_name_indexed "$parent" child "$_i")
			cg_create "$_child" && cg_run "$_child" alloc_dcache 100 || break
			cg_destroy "$_child"
			_i=$((_i + 1))
		done
		if [ "$_i" -eq 30 ]; then
			_try=0
			while [ "$_try" -lt 5 ]; do
				now=$(memory_num_cgroups)
				if [ "$now" -le "$before" ]; then
					_ret=$KSFT_PASS
					break
				fi
				sleep 1
				_try=$((_try + 1))
			done
			[ "$_ret" -eq "$KSFT_PASS" ] || printf 'num_cgroups before %s after %s\n' "$before" "$now"
		fi
	fi
	cg_destroy "$parent"
	return $_ret
}

ksft_print_header
lib_init "${1:-}" || ksft_exit_skip "$LIB_SKIP_REASON"
MEMCG_V1=$CG_ROOT/memory
if [ ! -e "$MEMCG_V1/memory.kmem.usage_in_bytes" ]; then
	ksft_exit_skip "cgroup v1 memory controller isn't mounted"
fi
ctl_open || ksft_exit_fail_msg "cannot open $CTL"
set -- test_kmem_basic_v1 test_kmem_proc_kpagecgroup test_kmem_kernel_stacks_v1 test_kmem_dead_cgroups_v1
ksft_set_plan $#
for t in "$@"; do
	"$t" "$MEMCG_V1"
	case $? in
		"$KSFT_PASS") ksft_test_result_pass "$t" ;;
		"$KSFT_SKIP") ksft_test_result_skip "$t" ;;
		*) ksft_test_result_fail "$t" ;;
	esac
done
ksft_finished
