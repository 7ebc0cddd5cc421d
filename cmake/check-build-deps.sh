#!/usr/bin/env bash
# Fails fast, naming the Debian package, when something the native build needs is missing.
missing=()
need() { command -v "$1" >/dev/null 2>&1 || missing+=("$2"); }
need cmake cmake
need cc gcc
need pkg-config pkg-config
if command -v pkg-config >/dev/null 2>&1 && ! pkg-config --exists fuse3; then missing+=(libfuse3-dev); fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "sheepfs build: missing build dependencies. Install them with:" >&2
  echo "  apt-get install ${missing[*]}" >&2
  exit 1
fi
