#!/usr/bin/python3
"""Split examples/threshold-spectra.csv (a matrix: one spectrum per pump
column) into examples/spectra-folder/, one two-column file per pump, the
way a spectrometer saves a pump series. Each file records its pump in a
'# pump_uJ_cm2: X' metadata line (gainkit.read(folder, param=...)).
Run from the repository root: /usr/bin/python3 examples/gen/split_spectra.py"""
import os

rows = [l.rstrip("\n") for l in open("examples/threshold-spectra.csv")]
data = [l.split(",") for l in rows if l and not l.startswith("#")]
head, body = data[0], data[1:]
os.makedirs("examples/spectra-folder", exist_ok=True)
for j, p in enumerate(head[1:], start=1):
    name = f"examples/spectra-folder/pump_{float(p):07.3f}uJ.csv"
    with open(name, "w") as f:
        f.write("# one spectrum of the synthetic pump series of examples/gen/gen_threshold.c\n")
        f.write(f"# pump_uJ_cm2: {p}\n")
        f.write("wavelength (nm),counts\n")
        for r in body:
            f.write(f"{r[0]},{r[j]}\n")
