#!/usr/bin/env bash
# Takes the README's screenshots of the real window under Xvfb, driving it with xdotool, on a
# fresh demo township. Writes docs/screenshots/*.png. Coordinates are those of a 1366×768
# screen with the window at its default size.
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
APP=
trap 'kill $APP $XVFB 2>/dev/null; rm -rf "$DATA"' EXIT
sleep 1
CLINIC_SECRET=huayuan-demo target/release/clinic --data "$DATA" demo >/dev/null
# The printed documents, from the command line before the window holds the store.
CLINIC_SECRET=huayuan-demo scripts/print-samples.sh target/release/clinic "$DATA" "$OUT"
# No camera here; keep the rest of what the demo wrote (its pinned demo root).
sed -i 's/"camera": "[^"]*"/"camera": "none"/' "$DATA/settings.json"
target/release/clinic --data "$DATA" &
APP=$!
for _ in $(seq 50); do
  WIN=$(xdotool search --class clinic 2>/dev/null | head -1 || true)
  [ -n "$WIN" ] && break
  sleep 0.2
done
xdotool windowfocus --sync "$WIN"
sleep 2
shot() { sleep 1.5; import -window root "$OUT/$1.png"; echo "screenshot: $OUT/$1.png"; }
click() { xdotool mousemove "$1" "$2" click 1; sleep 0.4; }
type_text() { xdotool type --delay 40 "$1"; sleep 0.3; }
# Chinese is typed through a remapped keycode per character: slower, or characters are lost.
type_zh() { xdotool type --delay 150 "$1"; sleep 0.3; }
log_in() { click 683 239; type_text "$1"; click 683 297; type_text demo1234; xdotool key Return; sleep 1.5; }
log_out() { click 1236 16; sleep 1; }

shot unlock
type_text huayuan-demo; xdotool key Return; sleep 3
shot login
# Front desk: find a resident by initials, pick one of the matches, check them in (F2).
log_in frontdesk
type_text zw; sleep 1
click 140 220
xdotool key F2; sleep 1
shot front-desk
# Billing: the first resident seen this morning (queue number 1) settles the visit (F4); an
# injection is added from the catalogue; then the payment (F9), the claim list with the lines,
# the daily report.
click 1010 101
xdotool key F4; sleep 1
click 541 200; type_text jrzs; click 400 229
shot billing
xdotool key F9; sleep 1
click 348 16
click 869 185
shot claims
click 199 81
shot daily-report
log_out
# Doctor: the worklist of who is overdue; then call the next patient: a penicillin allergy found
# today blocks amoxicillin until a reason is given, BP 186/112 is flagged; then the history.
log_in doctor
click 347 16; sleep 2
shot worklist
click 271 16
xdotool key F5; sleep 1.5
click 577 151; type_zh "咽痛、发热两天"
click 372 185; type_text 186
click 500 185; type_text 112
click 710 185; type_text 38.6
click 455 491; type_zh 青霉素
click 490 342; type_zh 阿莫西林; sleep 1
click 395 377; sleep 1
xdotool mousemove 800 500
for _ in 1 2 3 4 5 6; do xdotool click 5; sleep 0.1; done
shot encounter
click 383 81
shot doctor-history
# Records: search and read a record.
click 424 16
type_text "wang xiu"; xdotool key Return
shot records
log_out
# Settings (administrator).
log_in admin
shot settings
