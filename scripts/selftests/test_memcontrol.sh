#!/bin/sh
# test_memcontrol.sh [ROOT]: the tests of tools/testing/selftests/cgroup/test_memcontrol.c
# (5.9/5.10 text) that apply to this memory-only kernel without swap or a network stack:
# subtree_control, current, min, low, high, max, oom_events. Same checks and tolerances.
# Not ported: swap_max (no swap device: upstream SKIPs it too), sock (no TCP stack), and the
# oom_group_* tests (they need oom_score_adj and, for the leaf test, memory_localevents).
# Output is KTAP; exit 0 pass, 1 fail, 4 skip.
. "$(dirname "$0")/lib.sh"

# memory enabled in memcg_test_0 must show up in its child's cgroup.controllers; a child of a
# parent without it must not list it.
test_memcg_subtree_control() {
	local _ret
	_ret=$KSFT_FAIL
	parent=$(cg_name "$1" memcg_test_0)
	child=$(cg_name "$1" memcg_test_0/memcg_test_1)
	parent2=$(cg_name "$1" memcg_test_1)
	child2=$(cg_name "$1" memcg_test_1/memcg_test_1)
	if cg_create "$parent" && cg_write "$parent" cgroup.subtree_control "+memory" &&
		cg_create "$child" && cg_read_strstr "$child" cgroup.controllers memory &&
		cg_create "$parent2" && cg_create "$child2" &&
		cg_read "$child2" cgroup.controllers >/dev/null &&
		! cg_read_strstr "$child2" cgroup.controllers memory; then
		_ret=$KSFT_PASS
	fi
	cg_destroy "$child2"
	cg_destroy "$parent2"
	cg_destroy "$child"
	cg_destroy "$parent"
	return $_ret
}

# alloc_anon_50M_check CG PID: 50 MiB of touched anonymous memory: memory.current at least that,
# and close (3%) to both the size and memory.stat anon.
alloc_anon_50M_check() {
	local _size _r _cur _anon
	_size=$(MB 50)
	_r=255
	if ctl_count anon "$2" $((_size / PAGE_SIZE)); then
		_cur=$(cg_read_long "$1" memory.current)
		_anon=$(cg_read_key_long "$1" memory.stat "anon ")
		if [ "$_cur" -ge "$_size" ] && values_close "$_size" "$_cur" 3 &&
			[ "$_anon" -ge 0 ] && values_close "$_anon" "$_cur" 3; then
			_r=0
		fi
	fi
	ctl_count anon_free "$2" $((_size / PAGE_SIZE))
	return $_r
}

# alloc_pagecache_50M_check CG PID: 50 MiB read into the page cache: memory.current at least
# that, memory.stat file within 10% of it.
alloc_pagecache_50M_check() {
	local _size _cur _file
	_size=$(MB 50)
	alloc_pagecache "$1" "$2" "$_size" || return 255
	_cur=$(cg_read_long "$1" memory.current)
	[ "$_cur" -ge "$_size" ] || return 255
	_file=$(cg_read_key_long "$1" memory.stat "file ")
	[ "$_file" -ge 0 ] || return 255
	values_close "$_file" "$_cur" 10 || return 255
	return 0
}

# A new cgroup starts at memory.current 0; then anon and page cache are charged and reported.
test_memcg_current() {
	local _ret
	_ret=$KSFT_FAIL
	memcg=$(cg_name "$1" memcg_test)
	if cg_create "$memcg" && [ "$(cg_read_long "$memcg" memory.current)" -eq 0 ] &&
		cg_run "$memcg" alloc_anon_50M_check && cg_run "$memcg" alloc_pagecache_50M_check; then
		_ret=$KSFT_PASS
	fi
	cg_destroy "$memcg"
	return $_ret
}

# alloc_pagecache_50M_noexit CG PID: 50 MiB of page cache, then sleep until the parent dies.
alloc_pagecache_50M_noexit() {
	alloc_pagecache "$1" "$2" "$(MB 50)"
}

# The common tree of test_memcg_min and test_memcg_low (KNOB = min or low):
#   A  max 200M, swap.max 0           A/B  KNOB 50M
#   A/B/child_memcg_0 (C) KNOB 75M, 50M of page cache
#   A/B/child_memcg_1 (D) KNOB 25M, 50M of page cache
#   A/B/child_memcg_2 (E) KNOB 500M, empty
#   A/B/child_memcg_3 (F) KNOB 0,   50M of page cache
#   A/G (memcg_test_2) then allocates 148M of anon: B must end near 50M, C ~33M, D ~17M, E 0.
# memcg_protection_setup ROOT KNOB NOWAIT: builds it; sets A B G C D E F; 0 on success.
memcg_protection_setup() {
	local _c
	A=$(cg_name "$1" memcg_test_0)
	B=$(cg_name "$A" memcg_test_1)
	G=$(cg_name "$A" memcg_test_2)
	C=$(cg_name_indexed "$B" child_memcg 0)
	D=$(cg_name_indexed "$B" child_memcg 1)
	E=$(cg_name_indexed "$B" child_memcg 2)
	F=$(cg_name_indexed "$B" child_memcg 3)
	SLEEPERS=
	cg_create "$A" || return 1
	if [ "$(cg_read_long "$A" "memory.$2")" -ne 0 ]; then
		return $KSFT_SKIP
	fi
	cg_write "$A" cgroup.subtree_control "+memory" || return 1
	cg_write "$A" memory.max 200M || return 1
	cg_write "$A" memory.swap.max 0 || return 1
	cg_create "$B" || return 1
	cg_write "$B" cgroup.subtree_control "+memory" || return 1
	cg_create "$G" || return 1
	for _c in "$C" "$D" "$E" "$F"; do
		cg_create "$_c" || return 1
		[ "$_c" = "$E" ] && continue
		if [ "$3" = nowait ]; then
			# test_memcg_min: cg_run_nowait(alloc_pagecache_50M_noexit), result unchecked
			cg_run_nowait "$_c" alloc_pagecache_50M_noexit
			SLEEPERS="$SLEEPERS $CG_RUN_PID"
		else
			cg_run "$_c" alloc_pagecache "$(MB 50)" || return 1
		fi
	done
	cg_write "$A" "memory.$2" 50M || return 1
	cg_write "$B" "memory.$2" 50M || return 1
	cg_write "$C" "memory.$2" 75M || return 1
	cg_write "$D" "memory.$2" 25M || return 1
	cg_write "$E" "memory.$2" 500M || return 1
	cg_write "$F" "memory.$2" 0 || return 1
	return 0
}

memcg_protection_teardown() {
	local _p _c
	for _p in $SLEEPERS; do
		ctl "exit $_p"
	done
	for _c in "$F" "$E" "$D" "$C" "$G" "$B" "$A"; do
		cg_destroy "$_c"
	done
}

# memcg_protection_check: B ~50M (3%), C ~33M (10%), D ~17M (10%), E 0.
memcg_protection_check() {
	values_close "$(cg_read_long "$B" memory.current)" "$(MB 50)" 3 || return 1
	values_close "$(cg_read_long "$C" memory.current)" "$(MB 33)" 10 || return 1
	values_close "$(cg_read_long "$D" memory.current)" "$(MB 17)" 10 || return 1
	values_close "$(cg_read_long "$E" memory.current)" 0 1 || return 1
	return 0
}

# memory.min protects B's page cache from G's pressure, distributed over B's children in
# proportion to their protected usage, and even makes a 170M allocation in G fail (OOM).
test_memcg_min() {
	local _ret _st _attempts
	_ret=$KSFT_FAIL
	memcg_protection_setup "$1" min nowait
	_st=$?
	if [ "$_st" -eq "$KSFT_SKIP" ]; then
		_ret=$KSFT_SKIP
	elif [ "$_st" -eq 0 ]; then
		_attempts=0
		while ! values_close "$(cg_read_long "$B" memory.current)" "$(MB 150)" 3; do
			_attempts=$((_attempts + 1))
			[ "$_attempts" -gt 6 ] && break
			sleep 1
		done
		if cg_run "$G" alloc_anon "$(MB 148)" && memcg_protection_check &&
			! cg_run "$G" alloc_anon "$(MB 170)" &&
			values_close "$(cg_read_long "$B" memory.current)" "$(MB 50)" 3; then
			_ret=$KSFT_PASS
		fi
	fi
	memcg_protection_teardown
	return $_ret
}

# memory.low: the same distribution under G's 148M; a 166M allocation in G then succeeds by
# reclaiming protected memory, which C and D report as "low" events (E and F must not), and
# nobody OOMs.
test_memcg_low() {
	local _ret _i _oom _low _c
	_ret=$KSFT_FAIL
	if memcg_protection_setup "$1" low wait &&
		cg_run "$G" alloc_anon "$(MB 148)" && memcg_protection_check; then
		if ! cg_run "$G" alloc_anon "$(MB 166)"; then
			echo "memory.low prevents from allocating anon memory" >&2
		else
			_ret=$KSFT_PASS
			_i=0
			for _c in "$C" "$D" "$E" "$F"; do
				_oom=$(cg_read_key_long "$_c" memory.events "oom ")
				_low=$(cg_read_key_long "$_c" memory.events "low ")
				if [ "$_oom" -ne 0 ] || { [ "$_i" -lt 2 ] && [ "$_low" -le 0 ]; } ||
					{ [ "$_i" -ge 2 ] && [ "$_low" -ne 0 ]; }; then
					_ret=$KSFT_FAIL
				fi
				_i=$((_i + 1))
			done
		fi
	fi
	memcg_protection_teardown
	return $_ret
}

# alloc_pagecache_max_30M CG PID: 50 MiB of page cache under a 30M limit must leave
# memory.current in (29M, 30M].
alloc_pagecache_max_30M() {
	local _cur
	alloc_pagecache "$1" "$2" "$(MB 50)" || return 255
	_cur=$(cg_read_long "$1" memory.current)
	if [ "$_cur" -le "$(MB 29)" ] || [ "$_cur" -gt "$(MB 30)" ]; then
		return 255
	fi
	return 0
}

# memory.high 30M: 100M of anon is throttled, not killed; page cache cannot exceed it; the
# cgroup reports high events.
test_memcg_high() {
	local _ret
	_ret=$KSFT_FAIL
	memcg=$(cg_name "$1" memcg_test)
	if cg_create "$memcg" && cg_read_strcmp "$memcg" memory.high 'max\n' &&
		cg_write "$memcg" memory.swap.max 0 && cg_write "$memcg" memory.high 30M &&
		cg_run "$memcg" alloc_anon "$(MB 100)" &&
		! cg_run "$memcg" alloc_pagecache_50M_check &&
		cg_run "$memcg" alloc_pagecache_max_30M &&
		[ "$(cg_read_key_long "$memcg" memory.events "high ")" -gt 0 ]; then
		_ret=$KSFT_PASS
	fi
	cg_destroy "$memcg"
	return $_ret
}

# memory.max 30M: 100M of anon gets the task OOM-killed; page cache stays at or below the
# limit; the cgroup reports max events.
test_memcg_max() {
	local _ret
	_ret=$KSFT_FAIL
	memcg=$(cg_name "$1" memcg_test)
	if cg_create "$memcg" && cg_read_strcmp "$memcg" memory.max 'max\n' &&
		cg_write "$memcg" memory.swap.max 0 && cg_write "$memcg" memory.max 30M &&
		! cg_run "$memcg" alloc_anon "$(MB 100)" &&
		cg_run "$memcg" alloc_pagecache_max_30M; then
		current=$(cg_read_long "$memcg" memory.current)
		if [ "$current" -le "$(MB 30)" ] && [ "$current" -ne 0 ] &&
			[ "$(cg_read_key_long "$memcg" memory.events "max ")" -gt 0 ]; then
			_ret=$KSFT_PASS
		fi
	fi
	cg_destroy "$memcg"
	return $_ret
}

# One OOM kill of a 100M allocation under memory.max 30M: exactly one oom and one oom_kill
# event, and no process left.
test_memcg_oom_events() {
	local _ret
	_ret=$KSFT_FAIL
	memcg=$(cg_name "$1" memcg_test)
	if cg_create "$memcg" && cg_write "$memcg" memory.max 30M &&
		cg_write "$memcg" memory.swap.max 0 &&
		! cg_run "$memcg" alloc_anon "$(MB 100)" &&
		cg_read_strcmp "$memcg" cgroup.procs "" &&
		[ "$(cg_read_key_long "$memcg" memory.events "oom ")" -eq 1 ] &&
		[ "$(cg_read_key_long "$memcg" memory.events "oom_kill ")" -eq 1 ]; then
		_ret=$KSFT_PASS
	fi
	cg_destroy "$memcg"
	return $_ret
}

ksft_main_v2 "${1:-}" \
	test_memcg_subtree_control \
	test_memcg_current \
	test_memcg_min \
	test_memcg_low \
	test_memcg_high \
	test_memcg_max \
	test_memcg_oom_events
