#!/usr/bin/env bash
# Optional: a venv with the independent Python libraries the tests cross-check against
# (safetensors, numpy, scipy, statsmodels, arch, tensorboard, scikit-learn, TA-Lib — its wheels carry the
# C library) and the server tests' tools (openpyxl, selenium, schemathesis). Tests skip cleanly without it.
set -uo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv || exit 0
fi
.venv/bin/pip install --quiet --disable-pip-version-check \
    numpy scipy statsmodels arch safetensors tensorboard scikit-learn TA-Lib openpyxl selenium schemathesis 2>&1 | tail -3 || true
