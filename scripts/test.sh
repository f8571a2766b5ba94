#!/usr/bin/env bash
# Runs the whole test suite: unit, integration, end-to-end (real redb files, real processes
# killed with SIGKILL, the real GUI through egui_kittest).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
cargo test --workspace --locked
