#!/bin/sh
# run.sh [-n] [-e FILE] [-t PROGRAM]... [ROOT]: the kselftest runner for this directory.
#
# Runs the test programs that fit the mount at ROOT (default $MEMCGFS_ROOT) — test_core,
# test_kmem and test_memcontrol on cgroup v2, test_kmem_v1 on cgroup v1 — and prints their KTAP
# the way run_kselftest.sh does ("# selftests: cgroup: NAME", every line of the program prefixed
# with "# ", then "ok N selftests: cgroup: NAME" or "not ok N ... # exit=1").
#
# Then it compares every test's result with the expectations for the mount's slab controller
# and hierarchy: expected-<controller>.txt (cgroup v2) or expected-<controller>-v1.txt. A test
# the file does not list is expected to pass. Each listed line is "NAME pass|fail|skip # why".
# Unexpected results (including an unexpected pass: update the file) make the exit status 1.
#
#   -n          no expectations: exit status as kselftest (0 all passed/skipped, 1 otherwise)
#   -e FILE     use FILE instead of the controller's expectations file
#   -t PROGRAM  run only this program (repeatable), e.g. -t test_kmem
#
# Exit: 0 as expected, 1 unexpected results (or, with -n, failures), 4 no mount (skip).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

use_expect=1
expect_file=
programs=
while getopts ne:t: opt; do
	case $opt in
		n) use_expect=0 ;;
		e) expect_file=$OPTARG ;;
		t) programs="$programs $OPTARG" ;;
		*)
			echo "usage: $0 [-n] [-e FILE] [-t PROGRAM]... [ROOT]" >&2
			exit 2
			;;
	esac
done
shift $((OPTIND - 1))

printf 'TAP version 13\n'
if ! lib_init "${1:-}"; then
	printf '1..0 # SKIP %s\n' "$LIB_SKIP_REASON"
	exit "$KSFT_SKIP"
fi

if [ -z "$programs" ]; then
	if [ "$CGROUP_VERSION" = v1 ]; then
		programs="test_kmem_v1"
	else
		programs="test_core test_kmem test_memcontrol"
	fi
fi
suffix=
[ "$CGROUP_VERSION" = v1 ] && suffix=-v1
[ -n "$expect_file" ] || expect_file=$here/expected-$CONTROLLER$suffix.txt

tmp=$(mktemp -d "${TMPDIR:-/tmp}/memcgfs-selftests.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

set -- $programs
printf '1..%s\n' "$#"
printf '# memcgfs: controller %s, cgroup %s, %s CPUs, expectations %s\n' \
	"$CONTROLLER" "$CGROUP_VERSION" "$NPROCS" "$(basename "$expect_file")"
n=0
failed=0
: >"$tmp/results"
for prog in "$@"; do
	n=$((n + 1))
	printf '# selftests: cgroup: %s\n' "$prog"
	sh "$here/$prog.sh" "$ROOT" >"$tmp/out" 2>&1
	rc=$?
	sed 's/^/# /' "$tmp/out"
	case $rc in
		0) printf 'ok %s selftests: cgroup: %s\n' "$n" "$prog" ;;
		4) printf 'ok %s selftests: cgroup: %s # SKIP\n' "$n" "$prog" ;;
		*)
			printf 'not ok %s selftests: cgroup: %s # exit=%s\n' "$n" "$prog" "$rc"
			failed=1
			;;
	esac
	# "ok N name", "not ok N name", "ok N # SKIP name" -> "name pass|fail|skip"
	sed -n \
		-e 's/^ok [0-9][0-9]* # SKIP \([^ ]*\).*/\1 skip/p' \
		-e 's/^ok [0-9][0-9]* \([^ #][^ ]*\).*/\1 pass/p' \
		-e 's/^not ok [0-9][0-9]* \([^ ]*\).*/\1 fail/p' \
		"$tmp/out" >>"$tmp/results"
done

if [ "$use_expect" -eq 0 ]; then
	exit "$failed"
fi

# expected NAME: EXPECT_RESULT gets the expected result (pass when not listed), EXPECT_WHY
# the mechanism recorded for it.
expected() {
	EXPECT_RESULT=pass
	EXPECT_WHY=
	if [ -r "$expect_file" ]; then
		while read -r _name _result _rest; do
			case $_name in '' | '#'*) continue ;; esac
			if [ "$_name" = "$1" ]; then
				EXPECT_WHY=${_rest#\#}
				EXPECT_WHY=${EXPECT_WHY# }
				EXPECT_RESULT=$_result
				return
			fi
		done <"$expect_file"
	fi
}

as_expected=0
unexpected=0
deviations=0
while read -r name result; do
	expected "$name"
	want=$EXPECT_RESULT
	if [ "$result" = "$want" ]; then
		as_expected=$((as_expected + 1))
		if [ "$want" != pass ]; then
			deviations=$((deviations + 1))
			printf '# expected %s: %s -- %s\n' "$want" "$name" "$EXPECT_WHY"
		fi
		printf '# result: %s %s expected %s ok\n' "$name" "$result" "$want" >>"$tmp/summary"
	else
		unexpected=$((unexpected + 1))
		printf '# UNEXPECTED %s: %s (expected %s%s)\n' "$result" "$name" "$want" \
			"${EXPECT_WHY:+: $EXPECT_WHY}"
		printf '# result: %s %s expected %s UNEXPECTED\n' "$name" "$result" "$want" >>"$tmp/summary"
	fi
done <"$tmp/results"
[ -r "$tmp/summary" ] && cat "$tmp/summary"
printf '# %s: %s as expected (%s of them expected non-passes), %s unexpected\n' \
	"$(basename "$expect_file")" "$as_expected" "$deviations" "$unexpected"
[ "$unexpected" -eq 0 ] || exit 1
exit 0
