#!/usr/bin/env bash
# The FUSE loop, the volume engine and readahead under AddressSanitizer + UBSan, on real mounts:
# runs the Java tests that drive them (Volume*Test, FuseMountTest) with the
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
# "MINOR MOUNTPOINT" of each sheepfs mount, from mountinfo: stat on a mount whose server is gone
# would hang. The device minor names the connection in fusectl.
sheepfs_mounts() {
  awk '{ for (i = 7; $i != "-"; i++); if ($(i + 1) == "fuse.sheepfs") { split($3, d, ":"); print d[2], $5 } }' \
    /proc/self/mountinfo | sort
}
# Aborts the FUSE connections of the sheepfs mounts that are not in $1 (made by this run).
abort_new_mounts() {
  mountpoint -q /sys/fs/fuse/connections || mount -t fusectl none /sys/fs/fuse/connections || return 0
  comm -13 <(echo "$1") <(sheepfs_mounts) | while read -r minor m; do
    echo "asan-fuse: aborting the connection of $m" >&2
    echo 1 >"/sys/fs/fuse/connections/$minor/abort" || true
    umount -l "$m" || true
  done
}
before="$(sheepfs_mounts)"
status=0
# -am with the test-compile phase: the sibling modules come from this build's target/ folders
# (Maven takes loose classes only for modules whose compile phase runs), never from ~/.m2, which a
# fresh machine does not have them in; everything is up to date, so nothing is rebuilt.
LD_PRELOAD="$asan:$ubsan" mvn -B -o -q -pl java/sheepfs -am test-compile surefire:test \
  -Dtest='Volume*Test,FuseMountTest' -Dsurefire.failIfNoSpecifiedTests=false \
  "-Dsurefire.argLine=-Dsheepfs.native.path=$logs/libsheepfs_native.so" &
mvn_pid=$!
# A test JVM that a sanitizer aborts while it has files open on its own mount cannot finish
# exiting: closing them sends FUSE requests to the server that was that JVM. Once a report is
# written (or after 15 minutes) the mounts this run made are aborted: the JVM ends, mvn fails,
# and the report is shown below instead of CI hanging.
deadline=$((SECONDS + 900))
while kill -0 $mvn_pid 2>/dev/null; do
  if compgen -G "$logs/[au]*san*" >/dev/null || [ $SECONDS -ge $deadline ]; then
    sleep 10 # time to exit by itself
    kill -0 $mvn_pid 2>/dev/null || break
    abort_new_mounts "$before"
    sleep 20
    kill $mvn_pid 2>/dev/null || true
    break
  fi
  sleep 1
done
wait $mvn_pid || status=$?
if compgen -G "$logs/[au]*san*" >/dev/null; then
  cat "$logs"/[au]*san* >&2
  echo "asan-fuse: sanitizer reports above" >&2
  exit 1
fi
[ $status = 0 ] || { echo "asan-fuse: tests failed (status $status)" >&2; exit $status; }
grep -h "Tests run" java/sheepfs/target/surefire-reports/io.sheepfs.nativeio.{Volume*Test,FuseMountTest}.txt
echo "asan-fuse: no sanitizer reports"
