#!/usr/bin/env python3
"""zxing-cpp beside our decoder, for `clinic-bench decode`.

Reads the grey images the bench wrote (binary PGM, P5: the very pixels our decoder is given), and
for each prints one JSON line: {"file": name, "texts": [...], "ms": [one time per repeat]}. The
first line is {"zxingcpp": version}. Only the standard library and zxing-cpp (`pip install
zxing-cpp`); the formats are the ones our decoder looks for, the text is the plain encoded text (as
the corpus holds it), zxing-cpp's other options are its defaults (rotations, downscaled passes, inverted codes).

usage: zxingcpp_decode.py [--repeat N] FILE.pgm...
"""

import json
import sys
import time
from importlib import metadata

import zxingcpp


def read_pgm(path):
    """(width, height, pixels) of a binary 8-bit PGM."""
    with open(path, "rb") as f:
        data = f.read()
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos : pos + 1].isspace():
            pos += 1
        if data[pos : pos + 1] == b"#":
            pos = data.index(b"\n", pos)
            continue
        start = pos
        while not data[pos : pos + 1].isspace():
            pos += 1
        fields.append(data[start:pos])
    magic, width, height, maxval = fields[0], int(fields[1]), int(fields[2]), int(fields[3])
    if magic != b"P5" or maxval != 255:
        raise ValueError(f"{path}: not an 8-bit binary PGM")
    pixels = data[pos + 1 : pos + 1 + width * height]
    return width, height, pixels


def main(argv):
    repeat = 1
    if len(argv) >= 2 and argv[0] == "--repeat":
        repeat, argv = int(argv[1]), argv[2:]
    formats = [
        zxingcpp.BarcodeFormat.QRCode,
        zxingcpp.BarcodeFormat.Code128,
        zxingcpp.BarcodeFormat.Code39,
    ]
    # The text as encoded (GS1 separators kept), as our decoder and the corpus give it.
    plain = zxingcpp.TextMode.Plain
    print(json.dumps({"zxingcpp": metadata.version("zxing-cpp")}), flush=True)
    for path in argv:
        width, height, pixels = read_pgm(path)
        image = memoryview(pixels).cast("B", (height, width))
        times, texts = [], []
        for _ in range(repeat):
            start = time.perf_counter()
            found = zxingcpp.read_barcodes(image, formats=formats, text_mode=plain)
            times.append((time.perf_counter() - start) * 1000.0)
            texts = [b.text for b in found]
        print(json.dumps({"file": path, "texts": texts, "ms": times}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
