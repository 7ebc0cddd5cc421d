#!/usr/bin/env bash
# Shared by the launchers in bin/: find (or build) the sheepfs jar, then run MAIN_CLASS in it.
set -e
root="$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)"
jar="$root/java/sheepfs/target/sheepfs-all.jar"
main="$1"; shift
if [ ! -f "$jar" ]; then
  echo "sheepfs: first run: installing what is missing and building $jar ..." >&2
  bash "$root/cmake/install-deps.sh" >&2
  (cd "$root" && mvn -B -q -DskipTests package -pl java/sheepfs -am) >&2 \
    || { echo "sheepfs: build failed; run 'mvn -B package' in $root to see why" >&2; exit 1; }
fi
# Run a private copy: a rebuild rewrites the jar in place, which would pull classes out from
# under a mount that is still running from it.
cache="${XDG_CACHE_HOME:-$HOME/.cache}/sheepfs"
copy="$cache/sheepfs-$(stat -c %Y-%s "$jar").jar"
if [ ! -f "$copy" ]; then
  mkdir -p "$cache" && cp "$jar" "$copy.tmp.$$" && mv -f "$copy.tmp.$$" "$copy" || copy="$jar"
  # older copies can go: a running JVM keeps its jar open, and an unlinked file stays readable
  find "$cache" -name 'sheepfs-*.jar' ! -path "$copy" -mmin +10 -delete 2>/dev/null || true
fi
exec java ${SHEEPFS_JAVA_OPTS:-} -cp "$copy" "$main" "$@"
