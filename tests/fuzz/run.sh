#!/usr/bin/env bash
# Builds the libFuzzer targets (build-fuzz: clang, -Dfuzz=true, no dataplane)
# and runs each for SECONDS (default 60) from its seed corpus. Fails on the
# first target that finds a crash, a leak, a sanitizer report or an oracle
# violation; the input that did it is left in build-fuzz/fuzz-artifacts/.
#
#   tests/fuzz/run.sh 60       # the test command's bounded run
#   tests/fuzz/run.sh 3600     # a long run: an hour per target
#   tests/fuzz/run.sh 60 fuzz_pipeline   # only the targets named
#
# Inputs that reach new code are kept in build-fuzz/fuzz-corpus/TARGET, so
# later runs start where earlier ones stopped; the seeds in
# tests/fuzz/corpus are only read. FUZZ_JOBS=N runs N processes per target.
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=${1:-60}
jobs=${FUZZ_JOBS:-1}
build=build-fuzz

if ! command -v clang >/dev/null; then
	echo "fuzz: clang is not installed (scripts/setup.sh installs it)" >&2
	exit 1
fi
if [[ ! -f $build/build.ninja ]]; then
	CC=clang meson setup "$build" -Dfuzz=true -Ddataplane=disabled >/dev/null
fi

targets=(fuzz_pipeline fuzz_config fuzz_import fuzz_wire)
# The CLI parser is built with the control process, when its libraries are installed.
if ninja -C "$build" -t targets all | grep '^tests/fuzz/fuzz_cli:' >/dev/null; then
	targets+=(fuzz_cli)
fi
if (($# > 1)); then
	for t in "${@:2}"; do
		if [[ " ${targets[*]} " != *" $t "* ]]; then
			echo "fuzz: no target '$t'; targets: ${targets[*]}" >&2
			exit 1
		fi
	done
	targets=("${@:2}")
fi
# Quiet when it builds; the compiler's words when it does not.
if ! ninja -C "$build" -j2 "${targets[@]/#/tests/fuzz/}" >"$build/fuzz-build.log" 2>&1; then
	tail -n 40 "$build/fuzz-build.log" >&2
	echo "fuzz: the targets do not build (all of it in $build/fuzz-build.log)" >&2
	exit 1
fi

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
mkdir -p "$build/fuzz-artifacts"
parallel=()
if ((jobs > 1)); then
	parallel=(-jobs="$jobs" -workers="$jobs")
fi
for t in "${targets[@]}"; do
	corpus=$build/fuzz-corpus/$t
	log=$build/fuzz-artifacts/$t.log
	mkdir -p "$corpus"
	echo "== $t: ${seconds}s"
	if ! "$build/tests/fuzz/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		"${parallel[@]}" -print_final_stats=1 \
		-artifact_prefix="$build/fuzz-artifacts/$t-" \
		"$corpus" "tests/fuzz/corpus/$t" >"$log" 2>&1; then
		tail -n 40 "$log" >&2
		echo "fuzz: $t failed; reproduce with: $build/tests/fuzz/$t $build/fuzz-artifacts/$t-*" >&2
		exit 1
	fi
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	cov=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 | sed -E 's/.*cov: ([0-9]+) ft: ([0-9]+).*/\1 edges, \2 features/')
	echo "$t: ${execs:-?} executions, $cov, $(find "$corpus" -type f | wc -l) inputs kept, no crash"
done
echo "== fuzzing found nothing in ${seconds}s per target"
