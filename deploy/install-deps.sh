#!/usr/bin/env bash
# Installs exactly the Debian 12 packages the build, the tests and the apps need, and nothing
# when they are all present already. Idempotent; run as root (or with sudo available).
set -euo pipefail

pkgs=(
  build-essential cmake pkg-config
  libzmq3-dev cppzmq-dev libmsgpack-cxx-dev liblmdb-dev lmdb-utils libsodium-dev
  libcli11-dev libspdlog-dev libfmt-dev
  libzxing-dev libimgui-dev libstb-dev libsdl2-dev libgl-dev
  catch2
  xvfb xauth xdotool imagemagick fonts-dejavu-core libgl1-mesa-dri
)

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#pkgs[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
