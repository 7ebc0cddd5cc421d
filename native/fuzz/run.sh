#!/usr/bin/env bash
# Builds the libFuzzer targets with clang in a temporary directory, seeds them from the recorded
# traffic (shared/wire, read at run time, never copied into the repository) and runs each for
# FUZZ_SECONDS seconds (default 60; a first argument overrides). Prints the executions of every
# target; exits non-zero if a target crashes (its input is kept under the printed directory).
# Usage: [FUZZ_SECONDS=N] [SHEEPFS_WIRE_DIR=dir] native/fuzz/run.sh [SECONDS]
set -euo pipefail

seconds=${1:-${FUZZ_SECONDS:-60}}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
native=$(dirname "$here")
wire=${SHEEPFS_WIRE_DIR:-$(cd "$native/../.." && pwd)/shared/wire}
[ -d "$wire" ] || { echo "run.sh: recorded traffic not found at $wire (set SHEEPFS_WIRE_DIR)" >&2; exit 2; }
command -v clang >/dev/null || { echo "run.sh: clang is needed (apt-get install clang)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/sheepfs-fuzz.XXXXXX")
keep=0
cleanup() { if [ "$keep" = 0 ]; then rm -rf "$work"; fi; }
trap cleanup EXIT

cmake -S "$native" -B "$work/build" -DSHEEPFS_FUZZ=ON -DCMAKE_C_COMPILER=clang \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$work/cmake.log" 2>&1 || { cat "$work/cmake.log"; exit 2; }
cmake --build "$work/build" --parallel >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 2; }
"$work/build/fuzz/fuzz_seeds" "$wire" "$work/seeds"

declare -A max_len=([header]=64 [inode]=8200 [btree]=4097)
status=0
for t in header inode btree; do
  mkdir -p "$work/corpus/$t" "$work/crash/$t"
  set +e
  "$work/build/fuzz/fuzz_$t" -max_total_time="$seconds" -max_len="${max_len[$t]}" \
      -print_final_stats=1 -artifact_prefix="$work/crash/$t/" \
      "$work/corpus/$t" "$work/seeds/$t" >"$work/fuzz_$t.log" 2>&1
  rc=$?
  set -e
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/fuzz_$t.log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$work/fuzz_$t.log" | tail -1 || true)
  if [ "$rc" != 0 ]; then
    status=1
    keep=1
    echo "fuzz_$t: FAILED (exit $rc) after ${execs:-?} executions; log and input: $work"
    grep -E 'ERROR|SUMMARY|Test unit written' "$work/fuzz_$t.log" | head -5 || true
  else
    echo "fuzz_$t: ${execs:-?} executions in ${seconds}s, ${cov:-cov: ?}, $(ls "$work/seeds/$t" | wc -l) seeds, no crash"
  fi
done
exit $status
