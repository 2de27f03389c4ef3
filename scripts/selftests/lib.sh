# shellcheck shell=sh
# lib.sh: the helpers of tools/testing/selftests/cgroup/cgroup_util.c and kselftest.h, ported to
# POSIX sh (dash) + coreutils, for running the kselftest-style scripts of this directory against a
# memcgfs mount. Sourced by test_*.sh; nothing here runs on its own.
#
# Theory of operation
# - The mount root is a parameter: the first argument of a test program, else $MEMCGFS_ROOT.
#   Scripts use $ROOT/sys/fs/cgroup (CG_ROOT) and $ROOT/proc (PROC_ROOT). kselftest's own
#   cg_find_unified_root() looks for a "cgroup2" line in /proc/self/mounts, which a FUSE mount
#   never is (its type is fuse.memcgfs), hence the parameter.
# - File access keeps the syscall shapes the C helpers have, because they are what the mount
#   must honour: a read is ONE read() (dd bs=N count=1), a write is ONE write() on an O_APPEND
#   open (printf >> FILE), keys are found with strstr() semantics (anywhere in the first 4095
#   bytes, key including its trailing space), numbers are parsed like atol().
# - "Processes" are simulated tasks of the simulated kernel, driven through the transaction file
#   memcgfs/ctl (docs/control.md): one open file (fd 3) is the conversation; every command is one
#   write and its reply is read back from the same fd. cg_run() forks a task from init (spawn /),
#   moves it into the cgroup by writing its pid to cgroup.procs (as the child of cg_run does),
#   runs the "function" as control commands issued on behalf of that task, and ends it (exit).
#   A task the OOM killer took meanwhile no longer exists: its exit answers ESRCH, which is
#   cg_run's "killed by a signal" (-1).
# - Output is KTAP as kselftest.h prints it (header, plan, ok/not ok lines, totals) and the exit
#   status is kselftest's: 0 pass, 1 fail, 4 skip.

KSFT_PASS=0
KSFT_FAIL=1
KSFT_XFAIL=2
KSFT_XPASS=3
KSFT_SKIP=4

# ---- mount root ------------------------------------------------------------------------------

# lib_init ROOT: sets ROOT, CG_ROOT, PROC_ROOT, CTL, NPROCS, PAGE_SIZE. Returns 1 (and sets
# LIB_SKIP_REASON) when there is no memcgfs mount at ROOT.
lib_init() {
	ROOT=${1:-${MEMCGFS_ROOT:-}}
	LIB_SKIP_REASON=
	if [ -z "$ROOT" ]; then
		LIB_SKIP_REASON="no memcgfs mount given (pass the mount root or set MEMCGFS_ROOT)"
		return 1
	fi
	ROOT=${ROOT%/}
	CG_ROOT=$ROOT/sys/fs/cgroup
	PROC_ROOT=$ROOT/proc
	CTL=$ROOT/memcgfs/ctl
	INFO=$ROOT/memcgfs/info
	if [ ! -r "$INFO" ] || [ ! -d "$CG_ROOT" ]; then
		LIB_SKIP_REASON="$ROOT is not a memcgfs mount (no memcgfs/info or sys/fs/cgroup)"
		return 1
	fi
	# get_nprocs() of the SIMULATED machine: memcgfs/info "cpus N". The host's CPU count would
	# make MAX_VMSTAT_ERROR and alloc_kmem_smp's 2 * nprocs threads describe the wrong machine.
	NPROCS=$(memcgfs_info cpus)
	PAGE_SIZE=$(memcgfs_info page_size)
	CONTROLLER=$(memcgfs_info controller)
	CGROUP_VERSION=$(memcgfs_info cgroup)
	case $NPROCS in '' | *[!0-9]*)
		LIB_SKIP_REASON="memcgfs/info has no usable 'cpus' line"
		return 1 ;;
	esac
	case $PAGE_SIZE in '' | *[!0-9]*) PAGE_SIZE=4096 ;; esac
	return 0
}

# memcgfs_info KEY: the value of one "key value" line of memcgfs/info.
memcgfs_info() {
	local _k _v
	while read -r _k _v; do
		if [ "$_k" = "$1" ]; then
			printf '%s\n' "$_v"
			return 0
		fi
	done <"$INFO"
	return 1
}

# cg_path_of DIR: the cgroup path inside the hierarchy (/a/b) of a directory under CG_ROOT.
cg_path_of() {
	local _p
	_p=${1#"$CG_ROOT"}
	printf '%s\n' "${_p:-/}"
}

# ---- KTAP (kselftest.h) ----------------------------------------------------------------------

ksft_pass=0
ksft_fail=0
ksft_xfail=0
ksft_xpass=0
ksft_xskip=0
ksft_error=0
ksft_plan=0

ksft_print_header() { printf 'TAP version 13\n'; }
ksft_set_plan() {
	ksft_plan=$1
	printf '1..%s\n' "$1"
}
ksft_test_num() { echo $((ksft_pass + ksft_fail + ksft_xfail + ksft_xpass + ksft_xskip + ksft_error)); }
ksft_print_msg() { printf '# %s\n' "$*"; }
ksft_test_result_pass() {
	ksft_pass=$((ksft_pass + 1))
	printf 'ok %s %s\n' "$(ksft_test_num)" "$1"
}
ksft_test_result_fail() {
	ksft_fail=$((ksft_fail + 1))
	printf 'not ok %s %s\n' "$(ksft_test_num)" "$1"
}
ksft_test_result_skip() {
	ksft_xskip=$((ksft_xskip + 1))
	printf 'ok %s # SKIP %s\n' "$(ksft_test_num)" "$1"
}
ksft_print_cnts() {
	local _run
	_run=$(ksft_test_num)
	if [ "$ksft_plan" -ne "$_run" ]; then
		printf '# Planned tests != run tests (%s != %s)\n' "$ksft_plan" "$_run"
	fi
	printf '# Totals: pass:%s fail:%s xfail:%s xpass:%s skip:%s error:%s\n' \
		"$ksft_pass" "$ksft_fail" "$ksft_xfail" "$ksft_xpass" "$ksft_xskip" "$ksft_error"
}
# ksft_exit_skip MSG: "1..0 # SKIP MSG" when nothing ran, exit 4.
ksft_exit_skip() {
	if [ "$(ksft_test_num)" -eq 0 ]; then
		printf '1..0 # SKIP %s\n' "$1"
	else
		printf 'ok %s # SKIP %s\n' "$(($(ksft_test_num) + 1))" "$1"
		ksft_print_cnts
	fi
	exit "$KSFT_SKIP"
}
ksft_exit_fail_msg() {
	printf 'Bail out! %s\n' "$1"
	ksft_print_cnts
	exit "$KSFT_FAIL"
}
# ksft_finished: totals, then exit 0 iff every planned test passed or skipped.
ksft_finished() {
	ksft_print_cnts
	if [ "$ksft_plan" -eq $((ksft_pass + ksft_xfail + ksft_xskip)) ]; then
		exit 0
	fi
	exit "$KSFT_FAIL"
}

# ksft_run_tests NAME...: runs each test function and reports its status.
ksft_run_tests() {
	local _t
	for _t in "$@"; do
		"$_t" "$CG_ROOT"
		case $? in
			"$KSFT_PASS") ksft_test_result_pass "$_t" ;;
			"$KSFT_SKIP") ksft_test_result_skip "$_t" ;;
			*) ksft_test_result_fail "$_t" ;;
		esac
	done
}

# ksft_main_v2 ROOT TEST...: the common main() of test_kmem.c, test_memcontrol.c and test_core.c:
# skip without a cgroup v2 hierarchy or without the memory controller, enable memory in the
# root's subtree_control, run the tests.
ksft_main_v2() {
	local _root_arg
	_root_arg=$1
	shift
	ksft_print_header
	lib_init "$_root_arg" || ksft_exit_skip "$LIB_SKIP_REASON"
	if [ ! -e "$CG_ROOT/cgroup.controllers" ]; then
		ksft_exit_skip "cgroup v2 isn't mounted"
	fi
	# test_core.c's main() leaves this check out (KSFT_CHECK_MEMORY=0).
	if [ "${KSFT_CHECK_MEMORY:-1}" = 1 ] && ! cg_read_strstr "$CG_ROOT" cgroup.controllers memory; then
		ksft_exit_skip "memory controller isn't available"
	fi
	if ! cg_read_strstr "$CG_ROOT" cgroup.subtree_control memory; then
		cg_write "$CG_ROOT" cgroup.subtree_control "+memory" ||
			ksft_exit_skip "Failed to set memory controller"
	fi
	ctl_open || ksft_exit_fail_msg "cannot open $CTL"
	ksft_set_plan $#
	ksft_run_tests "$@"
	ksft_finished
}

# ---- reads and writes (cgroup_util.c) --------------------------------------------------------

# read_text PATH MAX: ONE read() of at most MAX - 1 bytes, to stdout. Fails if open/read fail.
read_text() {
	dd if="$1" bs=$(($2 - 1)) count=1 2>/dev/null
}

# atol STRING: leading blanks, optional sign, decimal digits; 0 when there are none.
atol() {
	local _s _sign _d
	_s=$1
	_s=${_s#"${_s%%[!	 ]*}"}
	_sign=
	case $_s in
		-*) _sign=- _s=${_s#-} ;;
		+*) _s=${_s#+} ;;
	esac
	_d=${_s%%[!0-9]*}
	_d=${_d#"${_d%%[!0]*}"} # no leading zeros: $((010)) would be octal
	printf '%s%s\n' "$_sign" "${_d:-0}"
}

# cg_read CG FILE: the file's content as one read() into a page-sized buffer.
cg_read() {
	read_text "$1/$2" "$PAGE_SIZE"
}

# cg_read_strcmp CG FILE EXPECTED: reads strlen(EXPECTED) bytes (EXPECTED may use \n) and
# compares; 0 when equal. As in C, an empty EXPECTED reads 0 bytes and always matches.
cg_read_strcmp() {
	local _want _got
	_want=$(printf '%bx' "$3")
	_want=${_want%x}
	if [ -z "$_want" ]; then
		[ -r "$1/$2" ]
		return
	fi
	_got=$(
		read_text "$1/$2" $((${#_want} + 1)) || exit 1
		printf x
	) || return 1
	_got=${_got%x}
	[ "$_got" = "$_want" ]
}

# cg_read_strstr CG FILE NEEDLE: 0 when NEEDLE occurs in the first 4095 bytes.
cg_read_strstr() {
	local _buf
	_buf=$(read_text "$1/$2" 4096) || return 1
	case $_buf in *"$3"*) return 0 ;; esac
	return 1
}

# cg_read_long CG FILE: atol() of the first 127 bytes ("max\n" reads as 0).
cg_read_long() {
	local _buf
	_buf=$(read_text "$1/$2" 128) || {
		echo -1
		return 1
	}
	atol "$_buf"
}

# cg_read_key_long CG FILE KEY: strstr(buf, KEY) in the first 4095 bytes, atol() after it;
# -1 when the key is missing or the read failed. KEY includes its trailing space ("slab ").
cg_read_key_long() {
	local _buf
	_buf=$(read_text "$1/$2" 4096) || {
		echo -1
		return 1
	}
	case $_buf in
		*"$3"*) atol "${_buf#*"$3"}" ;;
		*)
			echo -1
			return 1
			;;
	esac
}

# cg_read_lc CG FILE: number of non-empty lines (strtok on "\n").
cg_read_lc() {
	local _buf _n _ifs _line
	_buf=$(cg_read "$1" "$2") || {
		echo -1
		return 1
	}
	_n=0
	_ifs=$IFS
	IFS='
'
	for _line in $_buf; do
		[ -n "$_line" ] && _n=$((_n + 1))
	done
	IFS=$_ifs
	echo "$_n"
}

# cg_write CG FILE VALUE: ONE write() of VALUE (no newline) on an O_WRONLY|O_APPEND open.
cg_write() {
	printf '%s' "$3" 2>/dev/null >>"$1/$2"
}

# values_close A B ERR: |A - B| <= (A + B) / 100 * ERR, in integer arithmetic like the C code.
values_close() {
	local _diff
	_diff=$(($1 - $2))
	[ "$_diff" -lt 0 ] && _diff=$((-_diff))
	[ "$_diff" -le $((($1 + $2) / 100 * $3)) ]
}

MB() { echo $(($1 * 1024 * 1024)); }

# cg_name ROOT NAME / cg_name_indexed ROOT NAME I
cg_name() { printf '%s/%s\n' "$1" "$2"; }
cg_name_indexed() { printf '%s/%s_%s\n' "$1" "$2" "$3"; }

cg_create() {
	mkdir "$1" 2>/dev/null
}

# cg_killall CG: SIGKILL every process listed in cgroup.procs (5.9 has no cgroup.kill): the
# simulated tasks are ended with "exit".
cg_killall() {
	local _procs _kpid
	_procs=$(cg_read "$1" cgroup.procs) || return 1
	for _kpid in $_procs; do
		ctl "exit $_kpid" || case $CTL_REPLY in *ESRCH*) ;; *) return 1 ;; esac
	done
	return 0
}

# cg_destroy CG: rmdir; EBUSY -> kill the tasks and retry; ENOENT is success. The C helper
# retries forever every 100 us; this one gives up after CG_DESTROY_TRIES attempts so that a
# broken mount fails the test instead of hanging the run.
CG_DESTROY_TRIES=${CG_DESTROY_TRIES:-200}
cg_destroy() {
	local _tries _err
	_tries=0
	while :; do
		_err=$(rmdir "$1" 2>&1) && return 0
		case $_err in
			*"No such file"*) return 0 ;;
			*busy*)
				_tries=$((_tries + 1))
				[ "$_tries" -ge "$CG_DESTROY_TRIES" ] && return 1
				cg_killall "$1"
				sleep 0.001
				;;
			*) return 1 ;;
		esac
	done
}

# ---- simulated processes (memcgfs/ctl) -------------------------------------------------------

# ctl_open: the conversation with memcgfs/ctl on fd 3.
ctl_open() {
	exec 3<>"$CTL"
}

# ctl CMD...: one command; CTL_REPLY gets the first line of the reply. Status 0 iff the write
# succeeded (a failed command's write fails with its errno; the reply says "error EXXX: ...").
ctl() {
	local _st
	printf '%s\n' "$*" 2>/dev/null >&3
	_st=$?
	IFS= read -r CTL_REPLY <&3 || CTL_REPLY=
	return $_st
}

# ctl_spawn CGPATH [COMM]: a new process (fork of init, clone3(CLONE_INTO_CGROUP) style) in the
# cgroup given as a hierarchy path; CTL_PID gets its pid.
ctl_spawn() {
	CTL_PID=
	ctl spawn "$@" || return 1
	case $CTL_REPLY in
		"pid "*) CTL_PID=${CTL_REPLY#pid } ;;
		*) return 1 ;;
	esac
}

# ctl_fork PID [thread]: CTL_PID gets the child's (or the new thread's) pid.
ctl_fork() {
	CTL_PID=
	ctl fork "$@" || return 1
	case $CTL_REPLY in
		"pid "*) CTL_PID=${CTL_REPLY#pid } ;;
		*) return 1 ;;
	esac
}

# ctl_count CMD...: an activity command; CTL_COUNT gets N of the "ok N" reply.
ctl_count() {
	CTL_COUNT=0
	ctl "$@" || return 1
	case $CTL_REPLY in
		"ok "*) CTL_COUNT=${CTL_REPLY#ok } ;;
		*) return 1 ;;
	esac
}

# task_alive PID: the simulated task still exists (was not killed).
task_alive() {
	[ -d "$PROC_ROOT/$1" ]
}

# cg_enter CG PID: write "%d" to CG/cgroup.procs.
cg_enter() {
	cg_write "$1" cgroup.procs "$2"
}

# cg_run CG FN [ARG...]: fork a task, move it into CG, run "FN CG PID ARG..." on its behalf,
# end it. Returns FN's status, 1 when the move failed (the child's exit(1)), and 255 (the C
# helper's -1) when the task was killed meanwhile (OOM).
cg_run() {
	local _cg _fn _pid _ret
	_cg=$1
	_fn=$2
	shift 2
	ctl_spawn / || return 255
	_pid=$CTL_PID
	if ! cg_enter "$_cg" "$_pid"; then
		ctl "exit $_pid"
		return 1
	fi
	"$_fn" "$_cg" "$_pid" "$@"
	_ret=$?
	# The child returns from fn and exits; a task the kernel killed is gone already.
	ctl "exit $_pid" || return 255
	return $_ret
}

# cg_run_nowait CG FN [ARG...]: like cg_run but the task stays alive (it "sleeps" after FN, as
# the *_noexit helpers do); CG_RUN_PID gets its pid. Status: 0, or 1 if it could not be started.
cg_run_nowait() {
	local _cg _fn
	_cg=$1
	_fn=$2
	shift 2
	CG_RUN_PID=
	ctl_spawn / || return 1
	CG_RUN_PID=$CTL_PID
	if ! cg_enter "$_cg" "$CG_RUN_PID"; then
		ctl "exit $CG_RUN_PID"
		return 1
	fi
	"$_fn" "$_cg" "$CG_RUN_PID" "$@"
	return 0
}

# cg_wait_for_proc_count CG N: up to 11 reads of cgroup.procs 100 ms apart until it lists N.
cg_wait_for_proc_count() {
	local _i
	_i=0
	while [ "$_i" -le 10 ]; do
		if [ "$(cg_read_lc "$1" cgroup.procs)" -ge "$2" ]; then
			return 0
		fi
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# ---- the work that simulated tasks do -------------------------------------------------------

# alloc_dcache CG PID N: stat() of N missing names "/something-non-existent-with-a-long-name-
# %64lu-%d" (i, getpid()): N negative dentries whose names are 105 + digits(pid) bytes long.
# The C function ignores stat()'s result and returns 0.
# Each stat() is a syscall of its own and the loop takes time, during which the kernel's
# deferred work runs on other CPUs (legacy: the worker that creates the memcg's child cache
# after the first allocation; RCU). One control command is atomic in the simulated kernel, so
# the port issues the lookups DCACHE_CHUNK at a time and lets STAT_NS of virtual time pass per
# stat() (memcgfs/ctl "advance"), instead of one command for the whole loop.
DCACHE_CHUNK=${DCACHE_CHUNK:-1000}
STAT_NS=${STAT_NS:-1000}
alloc_dcache() {
	local _left _n
	_left=$3
	while [ "$_left" -gt 0 ]; do
		_n=$DCACHE_CHUNK
		[ "$_n" -gt "$_left" ] && _n=$_left
		ctl_count dentries "$2" "$_n" $((105 + ${#2})) || return 0
		ctl_advance_ns $((_n * STAT_NS))
		_left=$((_left - _n))
	done
	return 0
}

# ctl_advance_ns NS: let NS nanoseconds of virtual time pass (timers and deferred work run).
ctl_advance_ns() {
	ctl "advance $(($1 / 1000000000)).$(printf '%09d' $(($1 % 1000000000)))"
}

# alloc_anon CG PID BYTES: malloc, touch every page, free. Returns 0 (as in C: a task killed
# on the way is reported by cg_run).
alloc_anon() {
	local _pages
	_pages=$(($3 / PAGE_SIZE))
	ctl_count anon "$2" "$_pages" || return 0
	ctl_count anon_free "$2" "$_pages"
	return 0
}

# alloc_pagecache CG PID BYTES: ftruncate the temporary file by BYTES and read it: BYTES of new
# page cache charged to the reader's memcg. The C helper reads 4 KiB per read(), and every
# return to user space reclaims what is over memory.high; one control command is one "syscall",
# so the port reads PAGECACHE_CHUNK pages per command (default 32 = MEMCG_CHARGE_BATCH, the
# granularity at which the kernel charges and notices memory.high anyway) instead of all at once.
# Departure: the simulated page cache outlives the task (as a regular file's would); the C
# test's O_TMPFILE pages die with its last close.
PAGECACHE_CHUNK=${PAGECACHE_CHUNK:-32}
alloc_pagecache() {
	local _left _n
	_left=$(($3 / PAGE_SIZE))
	while [ "$_left" -gt 0 ]; do
		_n=$PAGECACHE_CHUNK
		[ "$_n" -gt "$_left" ] && _n=$_left
		ctl_count pagecache "$2" "$_n" || return 1
		# fewer pages than asked: the task was killed or the charge failed
		[ "$CTL_COUNT" -eq "$_n" ] || return 1
		_left=$((_left - _n))
	done
	return 0
}
