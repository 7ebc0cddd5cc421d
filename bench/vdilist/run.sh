#!/bin/sh
# vdi/list at scale: bench/vdilist/run.sh [VDIS] [RUNS]. Needs the built jar (mvn -B verify or
# mvn -pl java/sheepfs -am package); runs the single-file Java program against it.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
jar="$here/../../java/sheepfs/target/sheepfs-all.jar"
if [ ! -f "$jar" ]; then
    echo "vdilist: $jar not found: build first (mvn -B verify)" >&2
    exit 1
fi
exec java -Xms256m -Dsheepfs.log.level=WARN -cp "$jar" "$here/VdiListBench.java" "$@"
