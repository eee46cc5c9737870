#!/usr/bin/python3
"""jsondiff.py A.json B.json: the numbers that differ between two gainkit JSON
outputs (keys date, path, file, version, provenance skipped), with the
largest relative difference; 'same' when none."""
import json
import sys

SKIP = {"date", "path", "file", "version", "provenance", "command_line", "argv"}


def walk(a, b, path, out):
    if isinstance(a, dict) and isinstance(b, dict):
        for k in set(a) | set(b):
            if k in SKIP:
                continue
            walk(a.get(k), b.get(k), path + "." + k, out)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            walk(x, y, f"{path}[{i}]", out)
    elif isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        if a != b:
            out.append((abs(a - b) / max(abs(a), abs(b)), path, a, b))
    elif a != b:
        out.append((float("inf"), path, a, b))


def main():
    a, b = (json.load(open(f)) for f in sys.argv[1:3])
    out = []
    walk(a, b, "", out)
    if not out:
        print("same")
        return
    out.sort(reverse=True)
    print(f"{len(out)} numbers differ, max rel {out[0][0]:.2e} at {out[0][1]} ({out[0][2]} -> {out[0][3]})")


if __name__ == "__main__":
    main()
