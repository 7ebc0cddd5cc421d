#!/usr/bin/env bash
# The FUSE loop, the volume engine and readahead under AddressSanitizer + UBSan, on real mounts:
# runs the Java tests that drive them (VolumeIoTest, FuseMountTest, VolumeCoherenceTest) with the
# sanitized build of the shim (java/sheepfs/target/native-asan, made by `mvn verify`) loaded into
# the test JVM. ctest covers the parts that run without libfuse; these paths need a kernel mount
# and a JVM. Any sanitizer report fails the run. Usage: bash native/test/asan-fuse.sh (after mvn verify).
set -euo pipefail
cd "$(dirname "$0")/../.."
so=java/sheepfs/target/native-asan/libsheepfs_native.so
[ -f "$so" ] || { echo "asan-fuse: $so missing: run 'mvn -B verify' first" >&2; exit 1; }
logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT
cp "$so" "$logs/libsheepfs_native.so"
asan="$(gcc -print-file-name=libasan.so)" ubsan="$(gcc -print-file-name=libubsan.so)"
# the JVM handles SEGV itself (safepoints, null checks): ASan must leave it alone; leaks of a JVM
# are not ours to judge. Child processes (cp, stat, fallocate) inherit the preload: harmless.
export ASAN_OPTIONS="detect_leaks=0:handle_segv=0:allow_user_segv_handler=1:log_path=$logs/asan"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$logs/ubsan"
status=0
LD_PRELOAD="$asan:$ubsan" mvn -B -o -q -pl java/sheepfs surefire:test -Dtest='VolumeIoTest,FuseMountTest,VolumeCoherenceTest' \
  "-Dsurefire.argLine=-Dsheepfs.native.path=$logs/libsheepfs_native.so" || status=$?
if compgen -G "$logs/[au]*san*" >/dev/null; then
  cat "$logs"/[au]*san* >&2
  echo "asan-fuse: sanitizer reports above" >&2
  exit 1
fi
[ $status = 0 ] || { echo "asan-fuse: tests failed (status $status)" >&2; exit $status; }
grep -h "Tests run" java/sheepfs/target/surefire-reports/io.sheepfs.nativeio.{VolumeIoTest,FuseMountTest,VolumeCoherenceTest}.txt
echo "asan-fuse: no sanitizer reports"
