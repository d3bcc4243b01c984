#!/usr/bin/env bash
# Fuzzes the native API with libFuzzer for SECONDS (default 60) under ASan + UBSan: decoded
# descriptors of every op, checked against an independent validity predicate and, for
# convolutions, against the naive reference. Needs clang and its runtime (Debian: clang,
# libclang-rt-14-dev; ci/install-deps.sh --fuzz installs them). The corpus grows in
# target/fuzz/corpus, seeded with native/tests/fuzz_seeds (inputs of past findings, kept as
# regressions); a crash leaves its input in target/fuzz.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
build=target/fuzz
cc=${FUZZ_CC:-$(command -v clang || command -v clang-14 || true)}
if [ -z "$cc" ]; then
  echo "ci/fuzz.sh: clang is missing (apt-get install clang libclang-rt-14-dev)" >&2
  exit 1
fi
flags="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g -O1"
CC="$cc" cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DJCONV_BUILD_BENCH=OFF -DJCONV_BUILD_TESTS=OFF \
  -DJCONV_BUILD_FUZZ=ON -DCMAKE_C_FLAGS="$flags" \
  -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
cmake --build "$build" --parallel 2 >/dev/null
mkdir -p "$build/corpus"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# Tiny GEMM blocks (kc 16, nc 256): the fuzzer's small shapes then cross the block edges.
export JCONV_CACHE="${FUZZ_CACHE:-2K,16K}"
cd "$build"
# FUZZ_SEED fixes libFuzzer's random seed (CI uses one, so a failure there can be replayed);
# unset, every run explores anew. Half the time im2col forms B by its cost model, half the time
# it is forced to read the input band in place (JCONV_IM2COL_B=rows), so both ways meet the
# fuzzer's shapes.
half=$(( (seconds + 1) / 2 ))
total=0
for mode in auto rows; do
  JCONV_IM2COL_B=$([ "$mode" = rows ] && echo rows || echo "") \
    ./fuzz_ops -max_total_time="$half" -seed="${FUZZ_SEED:-0}" -max_len=256 -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 corpus \
    ../../native/tests/fuzz_seeds \
    2>&1 | tee "fuzz_$mode.log" | grep -E "^(#[0-9]+ +DONE|stat::number_of_executed_units|Done|==[0-9]+==ERROR|SUMMARY)" || true
  # libFuzzer exits non-zero on a finding; the pipe hides it, so look at the log.
  if grep -qE "==[0-9]+==ERROR|deadly signal|Test unit written" "fuzz_$mode.log"; then
    echo "ci/fuzz.sh: the fuzzer found a problem (im2col B: $mode); see $build/fuzz_$mode.log" >&2
    tail -40 "fuzz_$mode.log" >&2
    exit 1
  fi
  total=$(( total + $(grep -Eo 'stat::number_of_executed_units: [0-9]+' "fuzz_$mode.log" | awk '{print $2}') ))
done
echo "ci/fuzz.sh: $total executions in ${seconds}s (half with im2col's band forced), nothing found"
