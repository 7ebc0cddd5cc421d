#!/usr/bin/env bash
# Installs what building, testing and mounting sheepfs need on Debian 12 (run as root).
# Idempotent: installs only what is missing.
set -euo pipefail
pkgs=(openjdk-17-jdk-headless maven cmake gcc make pkg-config libfuse3-dev liburing-dev fuse3 clang libclang-rt-14-dev
      e2fsprogs util-linux fio kmod strace python3 iproute2 bsdextrautils) # the last two: ss, column (bench/)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "sheepfs: missing packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
  echo "sheepfs: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# FUSE mounts need the device node; loop devices need the loop module (tests use both).
[ -e /dev/fuse ] || modprobe fuse 2>/dev/null || true
[ -e /dev/fuse ] || echo "sheepfs: warning: /dev/fuse is missing; mounting will fail" >&2
