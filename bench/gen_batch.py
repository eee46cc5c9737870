#!/usr/bin/python3
"""The batch benchmark's input: N synthetic 30-point VSL files (vsl1, g 5-40
cm^-1, A 50-5000 counts/cm, 3 % + 20 counts of noise, lengths 0.1-3 mm, a
sigma column), numpy's default generator seeded with 7.

Usage: gen_batch.py OUTDIR [N]   (default 1000 files, s0000.csv ...)
Then, in OUTDIR: /usr/bin/time gainkit vsl s*.csv --model vsl1 > /dev/null
(docs/benchmarks.md, "Session 12: the batch and start-up on this CPU")."""
import os
import sys

import numpy as np


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(7)
    for k in range(n):
        L = np.linspace(0.1, 3.0, 30)  # mm
        g = rng.uniform(5, 40)          # cm^-1
        A = rng.uniform(50, 5000)
        intensity = A * np.expm1(g * L / 10) / (g / 10)
        intensity = intensity * (1 + 0.03 * rng.standard_normal(30)) + 20 * rng.standard_normal(30)
        sigma = 0.03 * np.abs(intensity) + 20
        with open(os.path.join(out, f"s{k:04d}.csv"), "w") as f:
            f.write("L (mm),I (counts),sigma (counts)\n")
            for a, b, c in zip(L, intensity, sigma):
                f.write(f"{a:.3f},{b:.6g},{c:.4g}\n")


if __name__ == "__main__":
    main()
