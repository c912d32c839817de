#!/usr/bin/env bash
# Idempotent set-up: installs from Debian what is missing, nothing otherwise.
# Required: OpenBLAS, LAPACKE, SQLite (the run registry), OpenMPI (data-parallel training under mpirun; pkg-config
# finds mpi.h for the CMPI target). For the server's tests and benchmark (optional:
# those tests skip cleanly where they cannot be installed): chromium + chromium-driver (browser test), wrk.
set -euo pipefail
packages=(libopenblas-dev liblapacke-dev libsqlite3-dev strace libopenmpi-dev openmpi-bin pkg-config)   # strace: the checkpoint kill-at-every-rename test
optional=(chromium chromium-driver wrk)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
missing_optional=()
for package in "${optional[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing_optional+=("$package")
done
if [ ${#missing[@]} -eq 0 ] && [ ${#missing_optional[@]} -eq 0 ]; then
    echo "setup: ${packages[*]} ${optional[*]} already installed" >&2
    exit 0
fi
sudo_cmd=""
[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
export DEBIAN_FRONTEND=noninteractive
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}" >&2
    $sudo_cmd apt-get install -y --no-install-recommends "${missing[@]}" \
        || { $sudo_cmd apt-get update && $sudo_cmd apt-get install -y --no-install-recommends "${missing[@]}"; }
fi
if [ ${#missing_optional[@]} -gt 0 ]; then
    echo "setup: installing ${missing_optional[*]} (optional: the browser test and the server benchmark)" >&2
    $sudo_cmd apt-get install -y --no-install-recommends "${missing_optional[@]}" \
        || { $sudo_cmd apt-get update && $sudo_cmd apt-get install -y --no-install-recommends "${missing_optional[@]}"; } \
        || echo "setup: could not install ${missing_optional[*]}; the browser test will skip" >&2
fi
