#!/usr/bin/env bash
# Fuzzes every Jazzer @FuzzTest of sheepfs-protocol for real (libFuzzer through Jazzer's agent),
# each for $FUZZ_SECONDS seconds (default 60), prints the exec counts and exits non-zero on a
# finding. Generated inputs and crash files go to java/protocol/target/ (never into the tree);
# a finding prints its input, to be added as a regression seed under
# src/test/resources/io/sheepfs/protocol/<TestClass>Inputs/<method>/.
# Plain `mvn test` only replays those seeds.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
secs="${FUZZ_SECONDS:-60}"
# one entry per @FuzzTest class: Jazzer fuzzes only one fuzz test per JVM
tests=(DecoderFuzzTest)
status=0
for t in "${tests[@]}"; do
    log="$here/target/fuzz-$t.log"
    mkdir -p "$here/target"
    echo "fuzzing $t for ${secs}s (log: $log)"
    # jazzer.internal.arg.N are libFuzzer arguments (0 is argv[0]); they come after, and so
    # override, the @FuzzTest maxDuration
    if ! (cd "$root" && JAZZER_FUZZ=1 mvn -B ${MVN_OPTS:-} -pl java/protocol test -Dtest="$t" \
            -Dsurefire.failIfNoSpecifiedTests=false \
            -Djazzer.internal.basedir="$here/target" \
            -Djazzer.internal.arg.0=fuzz -Djazzer.internal.arg.1=-max_total_time="$secs" >"$log" 2>&1); then
        status=1
        echo "FINDING or failure in $t:"
        grep -E "FuzzTestFindingException|Caused by|Test unit written|Base64:" "$log" | head -20 || tail -40 "$log"
    fi
    runs="$(grep -Eo 'Done [0-9]+ runs in [0-9]+ second\(s\)' "$log" | tail -1 || true)"
    echo "$t: ${runs:-no fuzzing summary (see $log)}"
done
exit $status
