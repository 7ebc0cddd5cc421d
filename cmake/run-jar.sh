#!/usr/bin/env bash
# Shared by the launchers in bin/: find (or build) the sheepfs jar, then run MAIN_CLASS in it.
set -e
root="$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)"
jar="${SHEEPFS_JAR:-$root/java/sheepfs/target/sheepfs-all.jar}" # SHEEPFS_JAR: another build (bench/)
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
# Memory: sheepfs's Java side is only the control plane (the data path is C), so a small serial
# heap keeps its RSS flat (bench/soak); JVM defaults size the heap by the machine's RAM. With
# --local the embedded sheep's data path runs in the same JVM and gets room for its buffers.
jvm=()
if [ "$main" = io.sheepfs.cli.Main ]; then
  case " $* " in
    *" --local"*) jvm=(-XX:+UseSerialGC -Xmx512m) ;;
    *) jvm=(-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xmx96m) ;;
  esac
fi
exec java "${jvm[@]}" ${SHEEPFS_JAVA_OPTS:-} -cp "$copy" "$main" "$@"
