#!/usr/bin/env bash
# Installs what building and testing jconv needs, when it is missing: a JDK (17+), Maven, CMake
# (3.20+), gcc with OpenMP and the sanitizer runtimes, clang with libFuzzer (ci/fuzz.sh), SIMDe
# (the AVX-512 kernel's test on CPUs without AVX-512), and gcc for aarch64 with qemu-user
# (ci/arm64.sh). On
# Debian/Ubuntu as root it uses apt-get; elsewhere it names what is missing and stops.
set -euo pipefail

missing=()
command -v javac >/dev/null 2>&1 || missing+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
command -v cmake >/dev/null 2>&1 || missing+=(cmake)
command -v cc >/dev/null 2>&1 || missing+=(gcc)
command -v make >/dev/null 2>&1 || missing+=(make)
command -v clang >/dev/null 2>&1 || missing+=(clang)
# SIMDe's portable AVX-512 (headers only): test_gemm_kernels runs the AVX-512 kernel through it.
[ -f /usr/include/simde/x86/avx512.h ] || missing+=(libsimde-dev)
# ci/arm64.sh: a cross compiler for linux-aarch64 and qemu-user to run its tests.
command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 || missing+=(gcc-aarch64-linux-gnu)
command -v qemu-aarch64 >/dev/null 2>&1 || missing+=(qemu-user)
# libFuzzer's runtime ships apart from clang on Debian.
if command -v clang >/dev/null 2>&1; then
  [ -n "$(clang -print-file-name=libclang_rt.fuzzer-$(uname -m).a 2>/dev/null | grep /)" ] &&
    [ -f "$(clang -print-file-name=libclang_rt.fuzzer-$(uname -m).a)" ] || missing+=(libclang-rt-14-dev)
else
  missing+=(libclang-rt-14-dev)
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "ci/install-deps.sh: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
else
  echo "ci/install-deps.sh: missing ${missing[*]}; install them (JDK 17+, Maven, CMake >= 3.20, gcc or clang)" >&2
  exit 1
fi
