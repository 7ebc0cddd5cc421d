# bench/lib.sh: what bench/run and bench/soak share (sourced, not run).
# The caller sets root (the checkout), out (where logs go), work (a scratch directory) and mnt
# (the mount point) before calling these; they set server_pid, fs_pid, address, port, jar and vol.
# shellcheck shell=bash

bench_name="${bench_name:-bench}"
log() { echo "$bench_name: $*" >&2; }

server_pid="" fs_pid="" fmt_pid=""

# bench_jar: a private copy of the sheepfs jar in $work (a rebuild during the run rewrites the
# jar in place, which would pull classes out from under the running mount)
bench_jar() {
  jar="${SHEEPFS_JAR:-$root/java/sheepfs/target/sheepfs-all.jar}"
  [ -f "$jar" ] || "$root/bin/sheepfs" --version >/dev/null # the launcher builds it when missing
  cp "$jar" "$work/sheepfs.jar"
  jar="$work/sheepfs.jar"
}

unmount_fuse() { # a mount that just came up can be busy for a moment
  for _ in $(seq 1 100); do
    fusermount3 -u "$mnt" 2>/dev/null && return 0
    sleep 0.1
  done
  fusermount3 -u "$mnt"
}

wait_mounted() { # pid: waits until the mount answers, or fails if that process died
  for _ in $(seq 1 600); do
    [ -e "$mnt/vdi/create" ] && return 0
    kill -0 "$1" 2>/dev/null || { log "sheepfs exited; its log:"; tail -20 "$out/sheepfs.log" >&2; exit 1; }
    sleep 0.1
  done
  log "sheepfs did not mount within 60 s"; exit 1
}

# bench_transport 0|1 (1 = keep /dev/fuse): FUSE over io_uring where the kernel has it (Linux
# 6.14+, fuse.enable_uring writable): the parameter is set to Y and sheepfs mounted with --io-uring.
# Sets transport (for the report) and uring_was; bench_transport_end puts the parameter back.
uring_param=/sys/module/fuse/parameters/enable_uring uring_was="" transport="/dev/fuse"
bench_transport() {
  if [ "$1" = 0 ] && [ -w "$uring_param" ]; then
    uring_was=$(cat "$uring_param")
    echo Y >"$uring_param"
    SHEEPFS_MOUNT_OPTS="${SHEEPFS_MOUNT_OPTS:+$SHEEPFS_MOUNT_OPTS }--io-uring"
    transport="io_uring (fuse.enable_uring=Y for this run, was $uring_was)"
  fi
}
bench_transport_end() {
  [ -z "$uring_was" ] || echo "$uring_was" >"$uring_param"
}

# bench_stop: unmounts and stops every process these functions started (for the EXIT trap)
bench_stop() {
  mountpoint -q "$mnt" && unmount_fuse
  [ -n "$fmt_pid" ] && { kill "$fmt_pid" 2>/dev/null; wait "$fmt_pid" 2>/dev/null; }
  [ -n "$fs_pid" ] && { kill "$fs_pid" 2>/dev/null; wait "$fs_pid" 2>/dev/null; }
  [ -n "$server_pid" ] && { kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; }
  return 0
}

# bench_start_server STORE: the embedded sheep as a process of its own (so that the client's and
# the server's CPU and memory can be told apart); sets server_pid, address and port
bench_start_server() {
  local store="$1"
  if [ -z "$(ls -A "$store" 2>/dev/null)" ]; then
    # A new store must be formatted; sheepfs --local does that (one copy), then we let go of it.
    log "formatting the store $store"
    java -cp "$jar" io.sheepfs.cli.Main -f --local "$store" "$mnt" >"$out/format.log" 2>&1 &
    fmt_pid=$!
    wait_mounted $fmt_pid
    unmount_fuse; wait $fmt_pid || true
    fmt_pid=""
  fi
  java -cp "$jar" io.sheepfs.server.ServerMain --dir "$store" --port 0 >"$out/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 300); do
    grep -q "listening on" "$out/server.log" && break
    kill -0 $server_pid 2>/dev/null || { cat "$out/server.log" >&2; exit 1; }
    sleep 0.1
  done
  local hostport
  hostport=$(sed -n 's/.*listening on \([^ ]*\) .*/\1/p' "$out/server.log" | head -1)
  address="${hostport%:*}" port="${hostport##*:}"
  [ -n "$port" ] || { log "the server did not start"; cat "$out/server.log" >&2; exit 1; }
  log "embedded sheep (pid $server_pid) on $address:$port, store $store"
}

# bench_mount: sheepfs in the foreground (its JVM is $fs_pid) on $address:$port, started by
# bin/sheepfs as users start it (the launcher's JVM options; SHEEPFS_JAVA_OPTS adds more)
bench_mount() {
  # shellcheck disable=SC2086 # SHEEPFS_MOUNT_OPTS: extra sheepfs options, split on blanks
  SHEEPFS_JAR="$jar" "$root/bin/sheepfs" -f ${SHEEPFS_MOUNT_OPTS:-} -a "$address" -p "$port" "$mnt" >"$out/sheepfs.log" 2>&1 &
  fs_pid=$!
  wait_mounted $fs_pid
  log "sheepfs (pid $fs_pid) mounted on $mnt${SHEEPFS_JAVA_OPTS:+ (JVM options: $SHEEPFS_JAVA_OPTS)}"
}

# bench_vdi NAME SIZE: creates the VDI (or uses it when it exists) and attaches it; sets vol
bench_vdi() {
  echo "$1 $2" >"$mnt/vdi/create" 2>/dev/null || log "VDI $1 exists already: using it"
  echo "$1" >"$mnt/vdi/mount"
  vol="$mnt/volume/$1"
  [ -f "$vol" ] || { log "$vol did not appear"; exit 1; }
}

cpu_ticks() { # pid -> utime+stime (fields 14, 15; counted after the ')' that ends the command name)
  if [ -n "$1" ] && [ -r "/proc/$1/stat" ]; then
    sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'
  else echo 0; fi
}
machine_ticks() { # CPU time the whole machine spent busy (user, nice, system, irq, softirq; not steal)
  awk '$1 == "cpu" {print $2 + $3 + $4 + $7 + $8; exit}' /proc/stat
}
status_kib() { # pid field (VmRSS, VmHWM, Threads, ...) -> its value from /proc/PID/status
  awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status" 2>/dev/null
}
hwm_mib() { awk '/^VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$fs_pid/status"; }
rss_mib() { awk '/^VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$fs_pid/status"; }
