#!/usr/bin/env bash
# Cross-builds the native library and the C tests for linux-aarch64 (Debian's aarch64-linux-gnu-gcc)
# and runs every C test under qemu-user, so that the portable kernels, the dispatch without x86
# and the arm64 build itself are checked on this x86-64 machine. (NEON kernels are not written yet:
# arm64 runs the portable ones.)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${ARM64_BUILD_DIR:-target/arm64}
sysroot=/usr/aarch64-linux-gnu
cmake -S . -B "$build" -DCMAKE_SYSTEM_NAME=Linux -DCMAKE_SYSTEM_PROCESSOR=aarch64 \
  -DCMAKE_C_COMPILER=aarch64-linux-gnu-gcc -DCMAKE_BUILD_TYPE=Release -DJCONV_BUILD_BENCH=OFF \
  "-DCMAKE_CROSSCOMPILING_EMULATOR=qemu-aarch64;-L;$sysroot" >/dev/null
cmake --build "$build" --parallel 2 >/dev/null
ctest --test-dir "$build" --parallel 2 --output-on-failure
