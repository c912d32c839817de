#!/usr/bin/env bash
# Idempotent set-up: installs OpenBLAS, LAPACKE and SQLite (the run registry) from Debian when they are missing, nothing otherwise.
set -euo pipefail
packages=(libopenblas-dev liblapacke-dev libsqlite3-dev)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "setup: ${packages[*]} already installed" >&2
    exit 0
fi
sudo_cmd=""
[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo_cmd apt-get install -y --no-install-recommends "${missing[@]}" \
    || { $sudo_cmd apt-get update && $sudo_cmd apt-get install -y --no-install-recommends "${missing[@]}"; }
