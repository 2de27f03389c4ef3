#!/bin/sh
# test_core.sh [ROOT]: the tests of tools/testing/selftests/cgroup/test_core.c (5.9/5.10 text)
# that apply to a kernel whose only controller is memory and which has no threaded cgroups:
# the no-internal-process constraint (and its threaded-mode exemption, which SKIPs without the
# cpu controller as upstream does), top-down subtree_control, populated events, process
# migration, destroying cgroups. Not ported: parent_becomes_threaded, invalid_domain and
# thread_migration (threaded mode is not modelled: cgroup.type refuses "threaded").
#
# "The current process" of the C tests (cg_enter_current) is a simulated task the test spawns
# in the root cgroup (self_start) and moves around by writing its pid to cgroup.procs.
# Output is KTAP; exit 0 pass, 1 fail, 4 skip.
. "$(dirname "$0")/lib.sh"

self_start() {
	ctl_spawn / selftest || return 1
	SELF=$CTL_PID
}
self_stop() {
	[ -n "${SELF:-}" ] && ctl "exit $SELF"
	SELF=
}
cg_enter_current() { cg_enter "$1" "$SELF"; }

# clone_into_cgroup_run_wait CG: clone3(CLONE_INTO_CGROUP) of a child that exits at once;
# 0 when the clone succeeded. memcgfs/ctl "spawn" is that clone.
clone_into_cgroup_run_wait() {
	ctl_spawn "$(cg_path_of "$1")" || return 1
	ctl "exit $CTL_PID"
	return 0
}

# alloc_and_touch_anon_noexit CG PID BYTES: mmap and touch BYTES, then sleep until killed.
alloc_and_touch_anon_noexit() {
	ctl_count anon "$2" $(($3 / PAGE_SIZE))
}

# 10 times: a process that touched 100M is killed; once cgroup.procs is empty, rmdir must
# succeed at once (no race between exiting tasks and cgroup destruction).
test_cgcore_destroy() {
	local _ret _i _empty _spins _procs
	_ret=$KSFT_FAIL
	cg_test=$(cg_name "$1" cg_test)
	_i=0
	while [ "$_i" -lt 10 ]; do
		cg_create "$cg_test" || break
		cg_run_nowait "$cg_test" alloc_and_touch_anon_noexit "$(MB 100)" || break
		cg_wait_for_proc_count "$cg_test" 1 || break
		cg_killall "$cg_test" || break
		_empty=0
		_spins=0
		while [ "$_spins" -lt 1000 ]; do
			_procs=$(cg_read "$cg_test" cgroup.procs) || break
			if [ -z "$_procs" ]; then
				_empty=1
				break
			fi
			sleep 0.001
			_spins=$((_spins + 1))
		done
		[ "$_empty" -eq 1 ] || break
		rmdir "$cg_test" 2>/dev/null || break
		_i=$((_i + 1))
	done
	[ "$_i" -eq 10 ] && _ret=$KSFT_PASS
	cg_destroy "$cg_test"
	return $_ret
}

# A(0) - B(0) - C(1), B - D(0): A, B, C report "populated 1" while a process is in C, D 0;
# all 0 once it moved to the root; a process cloned into D populates D until it exits; a
# removed cgroup cannot be cloned into.
test_cgcore_populated() {
	local _ret _dpath _child _err
	_ret=$KSFT_FAIL
	a=$(cg_name "$1" cg_test_a)
	b=$(cg_name "$1" cg_test_a/cg_test_b)
	c=$(cg_name "$1" cg_test_a/cg_test_b/cg_test_c)
	d=$(cg_name "$1" cg_test_a/cg_test_b/cg_test_d)
	if self_start && cg_create "$a" && cg_create "$b" && cg_create "$c" && cg_create "$d" &&
		cg_enter_current "$c" &&
		cg_read_strcmp "$a" cgroup.events 'populated 1\n' &&
		cg_read_strcmp "$b" cgroup.events 'populated 1\n' &&
		cg_read_strcmp "$c" cgroup.events 'populated 1\n' &&
		cg_read_strcmp "$d" cgroup.events 'populated 0\n' &&
		cg_enter_current "$1" &&
		cg_read_strcmp "$a" cgroup.events 'populated 0\n' &&
		cg_read_strcmp "$b" cgroup.events 'populated 0\n' &&
		cg_read_strcmp "$c" cgroup.events 'populated 0\n' &&
		cg_read_strcmp "$d" cgroup.events 'populated 0\n' &&
		_dpath=$(cg_path_of "$d") && ctl_spawn "$_dpath"; then
		# the clone stops itself (SIGSTOP) while the parent looks at D
		_child=$CTL_PID
		cg_read_strcmp "$d" cgroup.events 'populated 1\n'
		_err=$?
		ctl "exit $_child"
		if [ "$_err" -eq 0 ] && cg_read_strcmp "$d" cgroup.events 'populated 0\n'; then
			cg_destroy "$d"
			# cloning into the removed cgroup must fail
			if ctl_spawn "$_dpath"; then
				ctl "exit $CTL_PID"
			else
				_ret=$KSFT_PASS
			fi
		fi
	fi
	self_stop
	cg_destroy "$d"
	cg_destroy "$c"
	cg_destroy "$b"
	cg_destroy "$a"
	return $_ret
}

# Threaded cgroups may hold processes under a parent with controllers enabled; the test needs
# the cpu controller and SKIPs without it (as on this memory-only kernel).
test_cgcore_no_internal_process_constraint_on_threads() {
	if ! cg_read_strstr "$1" cgroup.controllers cpu ||
		! cg_write "$1" cgroup.subtree_control "+cpu"; then
		return $KSFT_SKIP
	fi
	return $KSFT_FAIL # unreachable here: threaded mode is not modelled
}

# A controller cannot be enabled in a child when the parent does not enable it.
test_cgcore_top_down_constraint_enable() {
	local _ret
	_ret=$KSFT_FAIL
	parent=$(cg_name "$1" cg_test_parent)
	child=$(cg_name "$1" cg_test_parent/cg_test_child)
	if cg_create "$parent" && cg_create "$child" &&
		! cg_write "$child" cgroup.subtree_control "+memory"; then
		_ret=$KSFT_PASS
	fi
	cg_destroy "$child"
	cg_destroy "$parent"
	return $_ret
}

# A controller cannot be disabled in a parent while a child enables it.
test_cgcore_top_down_constraint_disable() {
	local _ret
	_ret=$KSFT_FAIL
	parent=$(cg_name "$1" cg_test_parent)
	child=$(cg_name "$1" cg_test_parent/cg_test_child)
	if cg_create "$parent" && cg_create "$child" &&
		cg_write "$parent" cgroup.subtree_control "+memory" &&
		cg_write "$child" cgroup.subtree_control "+memory" &&
		! cg_write "$parent" cgroup.subtree_control "-memory"; then
		_ret=$KSFT_PASS
	fi
	cg_destroy "$child"
	cg_destroy "$parent"
	return $_ret
}

# No process may enter (by migration or by clone) a non-root domain cgroup that enables a
# controller for its children.
test_cgcore_internal_process_constraint() {
	local _ret
	_ret=$KSFT_FAIL
	parent=$(cg_name "$1" cg_test_parent)
	child=$(cg_name "$1" cg_test_parent/cg_test_child)
	if self_start && cg_create "$parent" && cg_create "$child" &&
		cg_write "$parent" cgroup.subtree_control "+memory" &&
		! cg_enter_current "$parent" &&
		! clone_into_cgroup_run_wait "$parent"; then
		_ret=$KSFT_PASS
	fi
	self_stop
	cg_destroy "$child"
	cg_destroy "$parent"
	return $_ret
}

# Writing a pid to cgroup.procs moves the whole thread group: 13 threads + the leader.
test_cgcore_proc_migration() {
	local _ret _t
	_ret=$KSFT_FAIL
	n_threads=13
	src=$(cg_name "$1" cg_src)
	dst=$(cg_name "$1" cg_dst)
	if self_start && cg_create "$src" && cg_create "$dst" && cg_enter_current "$src"; then
		_t=0
		while [ "$_t" -lt "$n_threads" ]; do
			ctl_fork "$SELF" thread || break
			_t=$((_t + 1))
		done
		if [ "$_t" -eq "$n_threads" ]; then
			cg_enter_current "$dst"
			[ "$(cg_read_lc "$dst" cgroup.threads)" -eq $((n_threads + 1)) ] && _ret=$KSFT_PASS
		fi
	fi
	self_stop # the threads die with the process
	cg_destroy "$dst"
	cg_destroy "$src"
	return $_ret
}

KSFT_CHECK_MEMORY=0
ksft_main_v2 "${1:-}" \
	test_cgcore_internal_process_constraint \
	test_cgcore_top_down_constraint_enable \
	test_cgcore_top_down_constraint_disable \
	test_cgcore_no_internal_process_constraint_on_threads \
	test_cgcore_populated \
	test_cgcore_proc_migration \
	test_cgcore_destroy
