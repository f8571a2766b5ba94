#!/usr/bin/env bash
# Runs the whole test suite: unit, integration, end-to-end (real redb files, real processes
# killed with SIGKILL, the real GUI through egui_kittest, and the release binary's real window
# under Xvfb driven by xdotool: tests/tests/window.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
# A clean debug build of the workspace takes about 3 GB; say so before a full disk breaks a link.
avail_kb=$(df -Pk . | awk 'NR==2 {print $4}')
if [ "${avail_kb:-0}" -lt 4000000 ]; then
    echo "warning: only $((avail_kb / 1024)) MiB free here; the build needs about 3 GB" >&2
fi
# The window test drives the release binary, as a clinic runs it.
cargo build --release --locked -p app
cargo test --workspace --locked
