#!/bin/sh
# test_kmem.sh [ROOT]: tools/testing/selftests/cgroup/test_kmem.c of Linux 5.9/5.10 (the text
# that came with the slab controller rework and the memcg percpu series), ported to sh against a
# memcgfs mount. Same six tests, same checks and tolerances:
#   MAX_VMSTAT_ERROR = 4096 * 32 * 2 * get_nprocs(), get_nprocs() = the simulated CPU count.
# The processes and threads are simulated tasks (lib.sh); what they do is what the C helpers do.
# Output is KTAP; exit 0 pass, 1 fail, 4 skip.
. "$(dirname "$0")/lib.sh"

max_vmstat_error() { echo $((4096 * 32 * 2 * NPROCS)); }

# 100000 negative dentries with long names: memory.stat "slab" must exceed 1 MiB; after
# memory.high = 1M at least half of it (and of memory.current) must be reclaimed.
test_kmem_basic() {
	local _ret
	_ret=$KSFT_FAIL
	cg=$(cg_name "$1" kmem_basic_test)
	if cg_create "$cg" && cg_run "$cg" alloc_dcache 100000; then
		slab0=$(cg_read_key_long "$cg" memory.stat "slab ")
		if [ "$slab0" -ge $((1 << 20)) ]; then
			cg_write "$cg" memory.high 1M
			slab1=$(cg_read_key_long "$cg" memory.stat "slab ")
			current=$(cg_read_long "$cg" memory.current)
			if [ "$slab1" -gt 0 ] && [ "$current" -gt 0 ] &&
				[ "$slab1" -lt $((slab0 / 2)) ] && [ "$current" -lt $((slab0 / 2)) ]; then
				_ret=$KSFT_PASS
			fi
		fi
	fi
	cg_destroy "$cg"
	return $_ret
}

# alloc_kmem_smp CG PID: 2 * nprocs threads, each doing alloc_dcache(100). The threads share
# getpid(), so they stat the same 100 names: the first lookup of a name creates its negative
# dentry and the others find it cached. The port spreads the threads over the CPUs (as the
# scheduler would) and the 100 creations over the threads in turn; then they are joined.
alloc_kmem_smp() {
	local _nthr _tids _i _n _tid
	_nthr=$((2 * NPROCS))
	_tids=
	_i=0
	while [ "$_i" -lt "$_nthr" ]; do
		ctl_fork "$2" thread || return 255
		ctl migrate "$CTL_PID" $((_i % NPROCS))
		_tids="$_tids $CTL_PID"
		_i=$((_i + 1))
	done
	_i=0
	for _tid in $_tids; do
		_n=$((100 / _nthr))
		[ "$_i" -lt $((100 % _nthr)) ] && _n=$((_n + 1))
		[ "$_n" -gt 0 ] && ctl_count dentries "$_tid" "$_n" $((105 + ${#2}))
		_i=$((_i + 1))
	done
	for _tid in $_tids; do
		ctl "exit $_tid" || return 255
	done
	return 0
}

# cg_run_in_subcgroups PARENT FN TIMES ARG...: create child_<i>, cg_run FN in it, destroy it.
cg_run_in_subcgroups() {
	local _parent _fn _times _j _child
	_parent=$1
	_fn=$2
	_times=$3
	shift 3
	_j=0
	while [ "$_j" -lt "$_times" ]; do
		_child=$(cg_name_indexed "$_parent" child "$_j")
		if ! cg_create "$_child"; then
			cg_destroy "$_child"
			return 1
		fi
		if ! cg_run "$_child" "$_fn" "$@"; then
			cg_destroy "$_child"
			return 1
		fi
		cg_destroy "$_child"
		_j=$((_j + 1))
	done
	return 0
}

# 100 children created, filled with slab memory by 2 * nprocs threads, and removed: on the
# parent, memory.current must equal slab + anon + file + kernel_stack within MAX_VMSTAT_ERROR.
test_kmem_memcg_deletion() {
	local _ret
	_ret=$KSFT_FAIL
	parent=$(cg_name "$1" kmem_memcg_deletion_test)
	if cg_create "$parent" && cg_write "$parent" cgroup.subtree_control "+memory" &&
		cg_run_in_subcgroups "$parent" alloc_kmem_smp 100; then
		current=$(cg_read_long "$parent" memory.current)
		slab=$(cg_read_key_long "$parent" memory.stat "slab ")
		anon=$(cg_read_key_long "$parent" memory.stat "anon ")
		file=$(cg_read_key_long "$parent" memory.stat "file ")
		kernel_stack=$(cg_read_key_long "$parent" memory.stat "kernel_stack ")
		if [ "$current" -ge 0 ] && [ "$slab" -ge 0 ] && [ "$anon" -ge 0 ] &&
			[ "$file" -ge 0 ] && [ "$kernel_stack" -ge 0 ]; then
			sum=$((slab + anon + file + kernel_stack))
			delta=$((sum - current))
			[ "$delta" -lt 0 ] && delta=$((-delta))
			if [ "$delta" -lt "$(max_vmstat_error)" ]; then
				_ret=$KSFT_PASS
			else
				printf 'memory.current = %s\n' "$current"
				printf 'slab + anon + file + kernel_stack = %s\n' "$sum"
				printf 'slab = %s\n' "$slab"
				printf 'anon = %s\n' "$anon"
				printf 'file = %s\n' "$file"
				printf 'kernel_stack = %s\n' "$kernel_stack"
			fi
		fi
	fi
	cg_destroy "$parent"
	return $_ret
}

# Reads all of /proc/kpagecgroup in 1024-byte read()s: passes when the last read returns 0
# (EOF) and none failed. dd bs=1024 reads exactly so and exits non-zero on a read error.
test_kmem_proc_kpagecgroup() {
	dd if="$PROC_ROOT/kpagecgroup" of=/dev/null bs=1024 2>/dev/null || return $KSFT_FAIL
	return $KSFT_PASS
}

# spawn_1000_threads CG PID: 1000 threads that sleep; memory.stat kernel_stack of the cgroup
# must be at least 1000 pages. The threads die with the process (cg_run's exit).
spawn_1000_threads() {
	local _i
	_i=0
	while [ "$_i" -lt 1000 ]; do
		ctl_fork "$2" thread || return 255
		_i=$((_i + 1))
	done
	stack=$(cg_read_key_long "$1" memory.stat "kernel_stack ")
	[ "$stack" -ge $((4096 * 1000)) ] && return 0
	return 255
}

test_kmem_kernel_stacks() {
	local _ret
	_ret=$KSFT_FAIL
	cg=$(cg_name "$1" kmem_kernel_stacks_test)
	if cg_create "$cg" && cg_run "$cg" spawn_1000_threads; then
		_ret=$KSFT_PASS
	fi
	cg_destroy "$cg"
	return $_ret
}

# 30 children, each with 100 negative dentries, created and removed: within 5 tries one second
# apart, the parent's cgroup.stat must report no dying descendants.
test_kmem_dead_cgroups() {
	local _ret _try
	_ret=$KSFT_FAIL
	parent=$(cg_name "$1" kmem_dead_cgroups_test)
	if cg_create "$parent" && cg_write "$parent" cgroup.subtree_control "+memory" &&
		cg_run_in_subcgroups "$parent" alloc_dcache 30 100; then
		_try=0
		while [ "$_try" -lt 5 ]; do
			dead=$(cg_read_key_long "$parent" cgroup.stat "nr_dying_descendants ")
			if [ "$dead" -eq 0 ]; then
				_ret=$KSFT_PASS
				break
			fi
			# Reclaiming cgroups might take some time: wait a bit and repeat.
			sleep 1
			_try=$((_try + 1))
		done
	fi
	cg_destroy "$parent"
	return $_ret
}

# 1000 empty children: the parent's memory.current must be positive and equal memory.stat
# percpu (the children's per-CPU statistics, charged to the parent) within MAX_VMSTAT_ERROR.
test_percpu_basic() {
	local _ret _children _i _c
	_ret=$KSFT_FAIL
	parent=$(cg_name "$1" percpu_basic_test)
	if cg_create "$parent" && cg_write "$parent" cgroup.subtree_control "+memory"; then
		# One mkdir(2) per child, in order; a single mkdir(1) invocation issues them all.
		_children=
		_i=0
		while [ "$_i" -lt 1000 ]; do
			_children="$_children $(cg_name_indexed "$parent" child "$_i")"
			_i=$((_i + 1))
		done
		# shellcheck disable=SC2086
		if mkdir $_children 2>/dev/null; then
			current=$(cg_read_long "$parent" memory.current)
			percpu=$(cg_read_key_long "$parent" memory.stat "percpu ")
			delta=$((current - percpu))
			[ "$delta" -lt 0 ] && delta=$((-delta))
			if [ "$current" -gt 0 ] && [ "$percpu" -gt 0 ] && [ "$delta" -lt "$(max_vmstat_error)" ]; then
				_ret=$KSFT_PASS
			else
				printf 'memory.current %s\npercpu %s\n' "$current" "$percpu"
			fi
		fi
		# shellcheck disable=SC2086
		rmdir $_children 2>/dev/null
		for _c in $_children; do
			[ -d "$_c" ] && cg_destroy "$_c"
		done
	fi
	cg_destroy "$parent"
	return $_ret
}

ksft_main_v2 "${1:-}" \
	test_kmem_basic \
	test_kmem_memcg_deletion \
	test_kmem_proc_kpagecgroup \
	test_kmem_kernel_stacks \
	test_kmem_dead_cgroups \
	test_percpu_basic
