#!/usr/bin/python3
"""Synthetic lasing line for `gainkit cavity --spectrum`: a Lorentzian of
FWHM 0.08 nm at 532.40 nm (Q = 6655) seen through a Gaussian spectrometer
of FWHM 0.10 nm, on a 150-count background, sampled every 0.01 nm, with
Gaussian noise of 1 % of the peak (seeded). Writes examples/lasing-line.csv."""
import numpy as np

rng = np.random.default_rng(20)
x = np.round(np.arange(531.5, 533.3001, 0.01), 4)
x0, wl, wg = 532.40, 0.08, 0.10
h = 1e-4
t = np.arange(-12, 12 + h / 2, h) * wg / 2.3548
g = np.exp(-0.5 * (t / (wg / 2.3548)) ** 2)
def voigt(u):
    return np.array([np.sum(g * (wl / 2) / ((ui - t) ** 2 + (wl / 2) ** 2)) for ui in u])
y = 150 + 4000 * voigt(x - x0) / voigt(np.array([0.0]))[0]
y += rng.normal(0, 40, x.size)
with open('examples/lasing-line.csv', 'w') as f:
    f.write('# synthetic lasing line: Lorentzian FWHM 0.08 nm at 532.40 nm, Gaussian instrument 0.10 nm\n')
    f.write('# (examples/gen/gen_lasing_line.py)\n')
    f.write('wavelength (nm),counts\n')
    for a, b in zip(x, y):
        f.write(f'{a:.2f},{b:.1f}\n')
