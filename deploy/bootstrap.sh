#!/usr/bin/env bash
# Set up everything the README's commands need, once: uv, the Python environment from uv.lock,
# Kafka's jars and the FerretDB binary. Idempotent; a second run takes a second or two.
set -euo pipefail
cd "$(dirname "$0")/.."

UV_VERSION=0.13.8
TOOLS="${PSO_CACHE_DIR:-$HOME/.cache/pso-pipeline}/tools"

fail() { echo "error: $*" >&2; exit 1; }

command -v python3.11 >/dev/null 2>&1 \
  || fail "Python 3.11 is required (python3.11 on PATH). Install it, e.g. 'apt-get install python3.11 python3.11-venv' or with pyenv."

UV="$(command -v uv || true)"
if [ -z "$UV" ] || [ "$("$UV" --version | cut -d' ' -f2)" != "$UV_VERSION" ]; then
  if [ ! -x "$TOOLS/bin/uv" ]; then
    echo "installing uv $UV_VERSION into $TOOLS (from PyPI)..."
    python3.11 -m venv "$TOOLS" || fail "could not create a virtualenv with python3.11 (is python3.11-venv installed?)"
    "$TOOLS/bin/pip" install --quiet "uv==$UV_VERSION" || fail "could not install uv $UV_VERSION from PyPI"
  fi
  UV="$TOOLS/bin/uv"
fi

# The de-identifier's narrative scrubber is a Rust extension, built by uv sync (maturin) on first use;
# cargo fetches its crates from crates.io once and caches them in ~/.cargo.
command -v cargo >/dev/null 2>&1 \
  || fail "Rust (cargo) is required to build the de-identifier's scrubber (services/deidentify/native). Install it with rustup (https://rustup.rs), then run this again."

# Python comes from this machine, never downloaded; the lock file is the only source of versions.
export UV_PYTHON_DOWNLOADS=never
"$UV" sync --frozen --python python3.11 --quiet || fail "uv sync --frozen failed (see above)"

# Kafka jars (Maven) and the FerretDB binary (Go), cached; names the missing tool if any.
.venv/bin/pso install
