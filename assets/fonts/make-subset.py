#!/usr/bin/env python3
"""Rebuilds wqy-microhei-gb2312.ttf: WenQuanYi Micro Hei (Debian fonts-wqy-microhei,
Apache-2.0) cut down to GB2312, ASCII/Latin-1 and common punctuation and symbols.

    pip install fonttools && python3 assets/fonts/make-subset.py
"""
import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"

chars = set(chr(c) for c in range(0x20, 0x250))
for hi in range(0xA1, 0xF8):
    for lo in range(0xA1, 0xFF):
        try:
            chars.add(bytes([hi, lo]).decode("gb2312"))
        except UnicodeDecodeError:
            pass
# Punctuation, units and symbols the app shows: ×, μ, ℃, arrows, full-width forms.
chars.update("×÷±μ℃°·—–…‘’“”、。，：；！？（）【】《》〈〉「」←→↑↓✓✗●○■□▲△▼▽★☆")
chars.update(chr(c) for c in range(0xFF01, 0xFF5F))

text = os.path.join(HERE, "subset-chars.txt")
with open(text, "w", encoding="utf-8") as f:
    f.write("".join(sorted(chars)))
subprocess.run(
    [
        "pyftsubset", SOURCE, "--font-number=0", f"--text-file={text}",
        "--output-file=" + os.path.join(HERE, "wqy-microhei-gb2312.ttf"),
        "--layout-features=*", "--no-hinting", "--desubroutinize",
    ],
    check=True,
)
os.remove(text)
print(len(chars), "characters")
