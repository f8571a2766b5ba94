#!/usr/bin/env bash
# Prints a card, a prescription and a referral of one demo resident, and the follow-up worklist
# of one village, to PDF and renders each first page as docs PNGs: print-samples.sh CLINIC DATA_DIR OUT_DIR (CLINIC_SECRET set).
set -euo pipefail
CLINIC=$1 DATA=$2 OUT=$3
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# The first resident found by 王 who has a prescription made at a visit.
read -r RESIDENT RX VISIT < <(python3 - "$CLINIC" "$DATA" <<'PY'
import json, subprocess, sys
clinic, data = sys.argv[1:3]
run = lambda *a: json.loads(subprocess.run([clinic, "--data", data, *a], check=True,
                                           capture_output=True).stdout)
for hit in run("find", "王"):
    history = run("history", hit["resident"]["id"])
    rx = [r for r in history["records"]
          if r["category"] == "prescription" and r["record"]["Prescription"]["encounter"]]
    if rx:
        print(hit["resident"]["id"], rx[-1]["id"], rx[-1]["record"]["Prescription"]["encounter"])
        break
PY
)
"$CLINIC" --data "$DATA" print card "$RESIDENT" --staff frontdesk --out "$TMP/card.pdf" >/dev/null
"$CLINIC" --data "$DATA" print prescription "$RX" --doctor doctor --out "$TMP/prescription.pdf" >/dev/null
"$CLINIC" --data "$DATA" print referral "$VISIT" --doctor doctor --to 孝昌县人民医院 \
  --reason "血压控制不佳，需上级医院调整用药方案" --out "$TMP/referral.pdf" >/dev/null
"$CLINIC" --data "$DATA" worklist --kind followup --village 420921100201 --doctor doctor \
  --out "$TMP/worklist.pdf" 2>/dev/null
for doc in card prescription referral worklist; do
  pdftoppm -png -r 70 -singlefile "$TMP/$doc.pdf" "$OUT/print-$doc"
  echo "rendered: $OUT/print-$doc.png"
done
