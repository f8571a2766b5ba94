#!/usr/bin/env bash
# Quick start: installs what is needed, builds, and starts the workstation on the demo
# township (loaded on first start into ./demo-data). Without a display it runs inside a
# virtual X server and saves a screenshot to demo-data/screenshot.png.
# The data file is encrypted: the window asks for the facility secret; the demo's is
# huayuan-demo (without a display it is given through CLINIC_SECRET).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
cargo build --release -p app
DATA="${CLINIC_DATA:-$PWD/demo-data}"
DEMO_SECRET=huayuan-demo
# A demo file from before encryption at rest is converted once.
if [ -f "$DATA/clinic.redb" ] && [ "$(head -c 8 "$DATA/clinic.redb")" != CLINENC1 ]; then
  CLINIC_SECRET=$DEMO_SECRET target/release/clinic --data "$DATA" encrypt
fi
# Without CUPS the demo prints to PDF files in demo-data/prints (the settings screen changes it).
if ! command -v lp >/dev/null && [ ! -f "$DATA/settings.json" ]; then
  mkdir -p "$DATA"
  printf '{"printer": "folder:%s/prints"}\n' "$DATA" >"$DATA/settings.json"
fi
if [ -n "${DISPLAY:-}" ]; then
  exec target/release/clinic --data "$DATA" --demo
fi
echo "start: no display; running in a virtual X server (Xvfb :77)."
Xvfb :77 -screen 0 1366x768x24 >/dev/null 2>&1 &
XVFB=$!
trap 'kill $XVFB 2>/dev/null' EXIT
sleep 1
DISPLAY=:77 CLINIC_SECRET=$DEMO_SECRET target/release/clinic --data "$DATA" --demo &
APP=$!
sleep 6
DISPLAY=:77 import -window root "$DATA/screenshot.png" && echo "start: screenshot in $DATA/screenshot.png"
echo "start: the app is running (pid $APP); press Ctrl-C to stop it."
wait $APP
