#!/usr/bin/env bash
# The README's test command: installs what is missing, builds with
# -Werror, checks formatting, and runs every test tier: unit tests (also
# under AddressSanitizer and UndefinedBehaviorSanitizer), the dataplane on
# virtual ports, the control process against it, the XDP pre-filter, the
# deployment files, the end-to-end lab with real BGP routers in network
# namespaces, and each fuzz target for a bounded time.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh --test

echo "== format (.clang-format)"
mapfile -t srcs < <(git ls-files '*.c' '*.h' 2>/dev/null || find fabric dataplane control tests -name '*.[ch]')
if ! clang-format --dry-run --Werror "${srcs[@]}"; then
	echo "format: run 'clang-format -i' on the files above" >&2
	exit 1
fi

echo "== build"
ninja -C build

echo "== tests"
meson test -C build --print-errorlogs --num-processes 2

echo "== unit tests under AddressSanitizer and UndefinedBehaviorSanitizer"
if [[ ! -f build-asan/build.ninja ]]; then
	meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false \
		-Ddataplane=disabled --buildtype=debug >/dev/null
fi
ninja -C build-asan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	meson test -C build-asan --suite unit --print-errorlogs --num-processes 2

echo "== fuzzing: each libFuzzer target for 60 s from its seed corpus"
tests/fuzz/run.sh 60

echo "== all tests passed"
