#!/usr/bin/env bash
# Installs the Debian packages libarmgpu's build, tests and benchmarks use,
# when any is missing.  Needs root (or sudo).
set -euo pipefail
pkgs=(cmake make gcc clang pkg-config python3 python3-dev python3-pytest python3-numpy
      python3-setuptools python3-pip python3-matplotlib python3-unicorn libunicorn-dev
      libcmocka-dev binutils-aarch64-linux-gnu gcc-aarch64-linux-gnu libc6-dev-arm64-cross
      qemu-user-static)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
