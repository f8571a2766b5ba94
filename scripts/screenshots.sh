#!/usr/bin/env bash
# Takes the README's screenshots of the real window under Xvfb, driving it with xdotool, on a
# fresh demo township. Writes docs/screenshots/*.png.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
cargo build --release -p app
OUT=docs/screenshots
mkdir -p "$OUT"
DATA=$(mktemp -d)
export DISPLAY=:78
Xvfb $DISPLAY -screen 0 1366x768x24 >/dev/null 2>&1 &
XVFB=$!
trap 'kill $APP $XVFB 2>/dev/null; rm -rf "$DATA"' EXIT
sleep 1
target/release/clinic --data "$DATA" demo >/dev/null
target/release/clinic --data "$DATA" &
APP=$!
for _ in $(seq 50); do
  WIN=$(xdotool search --class clinic 2>/dev/null | head -1 || true)
  [ -n "$WIN" ] && break
  sleep 0.2
done
xdotool windowfocus --sync "$WIN"
sleep 2
shot() { sleep 1.2; import -window root "$OUT/$1.png"; echo "screenshot: $OUT/$1.png"; }
click() { xdotool mousemove "$1" "$2" click 1; sleep 0.3; }
type_text() { xdotool type --delay 40 "$1"; }

shot login
click 683 213; type_text doctor
click 683 271; type_text demo1234; xdotool key Return
sleep 1
type_text "zw"; xdotool key Return
shot records
