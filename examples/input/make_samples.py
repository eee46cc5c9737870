#!/usr/bin/env python3
"""Writes the sample exports in examples/input/ and the per-fluence folder
examples/fluence-series/ from the documented vendor layouts (see
docs/input-formats.md). Deterministic: rerunning gives the same bytes.

Spectra are Gaussians with known peak, FWHM and area, so the tests can check
that each reader gives the right numbers:
  peak at 520 nm, FWHM 20 nm, height H: area = H * FWHM * sqrt(pi / (4 ln 2)).
"""
import math
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def gauss(wl, c, fwhm, h):
    s = fwhm / (2 * math.sqrt(2 * math.log(2)))
    return h * np.exp(-0.5 * ((wl - c) / s) ** 2)


def write(path, text, crlf=False, bom=False):
    data = text.replace("\n", "\r\n") if crlf else text
    raw = data.encode("utf-8")
    if bom:
        raw = b"\xef\xbb\xbf" + raw
    with open(path, "wb") as f:
        f.write(raw)


wl = np.round(np.arange(460.0, 580.0001, 0.25), 2)          # 481 points
y = gauss(wl, 520.0, 20.0, 20000.0)

# 1. OceanView: header, tab, CRLF
lines = [
    "Data from film_A.txt Node",
    "",
    "Date: Wed Nov 04 10:22:11 CET 2026",
    "User: lab",
    "Spectrometer: USB2+H12345",
    "Trigger mode: 0",
    "Integration Time (sec): 1.000000E-1",
    "Scans to average: 5",
    "Electric dark correction enabled: false",
    "Nonlinearity correction enabled: false",
    "Boxcar width: 0",
    "XAxis mode: Wavelengths",
    "Number of Pixels in Spectrum: %d" % len(wl),
    ">>>>>Begin Spectral Data<<<<<",
]
lines += ["%.2f\t%.2f" % (a, b) for a, b in zip(wl, y)]
write(os.path.join(HERE, "ocean-oceanview.txt"), "\n".join(lines) + "\n", crlf=True)

# 2. SpectraSuite: usec, processed markers, decimal comma
lines = [
    "SpectraSuite Data File",
    "++++++++++++++++++++++++++++++++++++",
    "Date: Wed Nov 04 10:25:02 CET 2026",
    "User: lab",
    "Dark Spectrum Present: No",
    "Reference Spectrum Present: No",
    "Number of Sampled Component Spectra: 1",
    "Spectrometers: USB2E1234",
    "Integration Time (usec): 200000 (USB2E1234)",
    "Spectra Averaged: 3 (USB2E1234)",
    "Boxcar Smoothing: 0 (USB2E1234)",
    "Number of Pixels in Processed Spectrum: %d" % len(wl),
    ">>>>>Begin Processed Spectral Data<<<<<",
]
lines += [("%.2f\t%.2f" % (a, b)).replace(".", ",") for a, b in zip(wl, y)]
lines += [">>>>>End Processed Spectral Data<<<<<"]
write(os.path.join(HERE, "ocean-spectrasuite.txt"), "\n".join(lines) + "\n", crlf=True)

# 3. AvaSoft: sample includes a dark of 900 counts; peak 15000 at 530 nm
ya = gauss(wl, 530.0, 20.0, 15000.0)
dark = 900.0 + 0 * wl
lines = [
    "AvaSoft 8 export",
    "Integration time [ms]: 50",
    "Averaging Nr. [scans]: 10",
    "Smoothing Nr. [pixels]: 0",
    "Data measured with spectrometer [name]: 1502124U1",
    "Wave   ;Sample   ;Dark     ;Reference;Scope",
    "[nm]   ;[counts] ;[counts] ;[counts] ;[counts]",
    "",
]
lines += ["%8.3f;%10.3f;%9.3f;%9.3f;%10.3f" % (a, s + d, d, 40000.0, s + d)
          for a, s, d in zip(wl, ya, dark)]
write(os.path.join(HERE, "avantes-avasoft.ttt"), "\n".join(lines) + "\n", crlf=True)

# 4. Andor Solis .asc: 3-frame kinetic series, comma, footer
frames = [1000.0, 2000.0, 4000.0]
lines = ["%.3f,%s" % (a, ",".join("%.2f" % (h * v / 20000.0) for h in frames))
         for a, v in zip(wl, y)]
lines += ["", "", "Date and Time:Wed Nov 04 10:30:00 2026", "Software Version:4.32",
          "Model:DU420A_BEX2-DD", "Data Type:Counts", "Acquisition Mode:Kinetics",
          "Exposure Time (secs):0.05", "Number of Accumulations:4",
          "Number in Kinetics Series:3", "Serial Number:12345", ""]
write(os.path.join(HERE, "andor-kinetic.asc"), "\n".join(lines) + "\n")

# 5. LightField long CSV: 2 frames
lines = ["Frame,Row,Column,Wavelength,Intensity"]
for fr, h in ((1, 5000.0), (2, 7500.0)):
    for i, (a, v) in enumerate(zip(wl, y)):
        lines.append("%d,0,%d,%.4f,%.2f" % (fr, i, a, h * v / 20000.0))
write(os.path.join(HERE, "lightfield-frames.csv"), "\n".join(lines) + "\n", crlf=True)

# 6. LabSpec
lines = ["#Acq. time (s)=\t0.5", "#Accumulations=\t2", "#Range=\t460..580",
         "#Date=\t04.11.2026 10:40", "#Instrument=\tLabRAM HR Evolution",
         "#Detector=\tSyncerity"]
lines += ["%.2f\t%.3f" % (a, b / 10) for a, b in zip(wl, y)]
write(os.path.join(HERE, "labspec.txt"), "\n".join(lines) + "\n")

# 7. Origin CSV: Long Name, Units, Comments
lines = ["Wavelength,Intensity", "nm,a.u.", ",film A 40 uJ/cm2"]
lines += ["%.2f,%.5f" % (a, b / 20000.0) for a, b in zip(wl, y)]
write(os.path.join(HERE, "origin.csv"), "\n".join(lines) + "\n")

# 8. Excel CSV: BOM, CRLF, trailing empty cells
lines = ["Wavelength (nm),Intensity (counts),,"]
lines += ["%.2f,%.2f,," % (a, b) for a, b in zip(wl, y)]
write(os.path.join(HERE, "excel.csv"), "\n".join(lines) + "\n", crlf=True, bom=True)

# 9. European CSV: ';' and decimal comma
lines = ["Wellenl\u00e4nge (nm);Intensit\u00e4t (counts)"]
lines += [("%.2f;%.2f" % (a, b)).replace(".", ",") for a, b in zip(wl, y)]
write(os.path.join(HERE, "european.csv"), "\n".join(lines) + "\n", crlf=True)

# 10. Clipped: a 16-bit detector saturating
yc = np.minimum(gauss(wl, 520.0, 20.0, 90000.0), 65535.0)
lines = ["wavelength (nm),counts"] + ["%.2f,%.0f" % (a, b) for a, b in zip(wl, yc)]
write(os.path.join(HERE, "clipped.csv"), "\n".join(lines) + "\n")

# 11. Three columns: sigma named, and a reference column (ignored)
lines = ["wavelength (nm),intensity,sigma"] + ["%.2f,%.2f,%.2f" % (a, b, 10 + 0.01 * b) for a, b in zip(wl, y)]
write(os.path.join(HERE, "with-sigma.csv"), "\n".join(lines) + "\n")
lines = ["wavelength (nm),intensity,reference"] + ["%.2f,%.2f,%.2f" % (a, b, 30000) for a, b in zip(wl, y)]
write(os.path.join(HERE, "with-reference.csv"), "\n".join(lines) + "\n")

# 12. Swapped columns
lines = ["intensity,wavelength (nm)"] + ["%.2f,%.2f" % (b, a) for a, b in zip(wl, y)]
write(os.path.join(HERE, "swapped.csv"), "\n".join(lines) + "\n")

# 13. Background of 950 counts under the spectrum
lines = ["wavelength (nm),counts"] + ["%.2f,%.2f" % (a, b + 950) for a, b in zip(wl, y)]
write(os.path.join(HERE, "offset.csv"), "\n".join(lines) + "\n")

# ---- the per-fluence folder: 15 OceanView exports with a dark offset ----
# Emission = PL (broad, linear in pump) + ASE (narrow, from a threshold of
# 40 uJ/cm2); every file sits on a dark level of ~950 counts.
rng = np.random.default_rng(13)
wl2 = np.round(np.arange(480.0, 580.0001, 0.5), 1)            # 201 points
pumps = [5, 10, 15, 20, 25, 30, 35, 40, 50, 60, 70, 80, 100, 120, 150]
dark2 = np.round(950 + rng.normal(0, 3, wl2.size))
fs = os.path.join(ROOT, "fluence-series")
os.makedirs(fs, exist_ok=True)
merged = []


def ocean(name, counts, pump=None):
    hdr = ["Data from %s Node" % name, "", "Date: Wed Nov 04 11:%02d:00 CET 2026" % (len(merged) % 60),
           "Spectrometer: USB2+H12345", "Integration Time (sec): 1.000000E-1",
           "Scans to average: 1", "Number of Pixels in Spectrum: %d" % wl2.size,
           ">>>>>Begin Spectral Data<<<<<"]
    body = ["%.1f\t%.0f" % (a, b) for a, b in zip(wl2, counts)]
    write(os.path.join(fs, name), "\n".join(hdr + body) + "\n", crlf=True)


for p in pumps:
    pl = 60.0 * p * np.exp(-0.5 * ((wl2 - 515) / 12) ** 2)
    ase = 900.0 * max(0.0, p - 40) * np.exp(-0.5 * ((wl2 - 528) / 2.5) ** 2)
    sig = np.round(pl + ase + rng.normal(0, 5, wl2.size))
    counts = sig + dark2
    ocean("film1_%guJ.txt" % p, counts)
    merged.append(counts - dark2)
ocean("dark.txt", dark2)
lines = ["wavelength (nm) \\ fluence (uJ), " + ", ".join("%g" % p for p in pumps)]
for i, a in enumerate(wl2):
    lines.append("%.1f, " % a + ", ".join("%.0f" % m[i] for m in merged))
write(os.path.join(ROOT, "fluence-series-merged.csv"), "\n".join(lines) + "\n")

# the same merged matrix, one spectrum per row, as people save it
lines = ["fluence (uJ) \\ wavelength (nm), " + ", ".join("%.1f" % a for a in wl2)]
for k, p in enumerate(pumps):
    lines.append("%g, " % p + ", ".join("%.0f" % v for v in merged[k]))
write(os.path.join(HERE, "threshold-transposed.csv"), "\n".join(lines) + "\n")
# ... and without its header row
write(os.path.join(HERE, "matrix-no-header.csv"), "\n".join(lines[1:]) + "\n")
# ... and not transposed, but on the dark level
lines = ["wavelength (nm) \\ fluence (uJ), " + ", ".join("%g" % p for p in pumps)]
for i, a in enumerate(wl2):
    lines.append("%.1f, " % a + ", ".join("%.0f" % (m[i] + dark2[i]) for m in merged))
write(os.path.join(HERE, "threshold-offset.csv"), "\n".join(lines) + "\n")

# ---- Princeton LightField .spe v3 (binary): 2 frames, uint16, XML footer ----
import struct

def spe3(path, wl, frames, exposure_ms=100.0):
    xdim, ydim, nf = len(wl), 1, len(frames)
    hdr = bytearray(4100)
    struct.pack_into("<H", hdr, 42, xdim)
    struct.pack_into("<h", hdr, 108, 3)           # uint16
    struct.pack_into("<H", hdr, 656, ydim)
    struct.pack_into("<i", hdr, 1446, nf)
    struct.pack_into("<f", hdr, 1992, 3.0)
    data = b"".join(struct.pack("<%dH" % xdim, *[int(round(v)) for v in f]) for f in frames)
    xml = ('<?xml version="1.0" encoding="utf-8"?><SpeFormat version="3.0">'
           '<DataFormat><DataBlock type="Frame" count="%d" pixelFormat="MonochromeUnsigned16">'
           '<DataBlock type="Region" width="%d" height="1"/></DataBlock></DataFormat>'
           '<Calibrations><WavelengthMapping id="1"><Wavelength xml:space="preserve">%s</Wavelength>'
           '</WavelengthMapping></Calibrations>'
           '<DataHistories><DataHistory><Origin software="LightField" created="2026-11-04T10:50:00.000+01:00">'
           '<Experiment><Devices><Cameras><Camera><ShutterTiming><ExposureTime type="Double">%g</ExposureTime>'
           '</ShutterTiming></Camera></Cameras></Devices></Experiment></Origin></DataHistory></DataHistories>'
           '</SpeFormat>') % (nf, xdim, ",".join("%.4f" % w for w in wl), exposure_ms)
    struct.pack_into("<Q", hdr, 678, 4100 + len(data))
    with open(path, "wb") as f:
        f.write(bytes(hdr) + data + xml.encode())


spe3(os.path.join(HERE, "lightfield-v3.spe"), wl, [y * 0.25, y * 0.5])
