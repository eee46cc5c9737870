#!/usr/bin/python3
"""Lowest loss of the TE Bragg mode of the Ahn et al. (Chem. Rev. 2023, section
6.4) BRW LED at a required gain-weighted QD confinement, over every layer
thickness and the DBR design (Nelder-Mead from several starts, penalty on
the confinement). Gain-weighted confinement (the modal-gain factor of a TE
mode): (n_QD / Re n_eff) x fraction of |E|^2 in the QD layer.

Usage: brw_front.py GAINKIT OUTDIR GAMMA [n_Ag] [k_ITO] [n_TFB]
Prints the best design and its loss split (Ag, ITO) on one line.
"""
import math, os, sys
import numpy as np
from scipy.optimize import minimize
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import brw_scan as B

gk, out, G = sys.argv[1], sys.argv[2], float(sys.argv[3])
nAg = float(sys.argv[4]) if len(sys.argv) > 4 else 0.056
kITO = float(sys.argv[5]) if len(sys.argv) > 5 else 0.0
nTFB = float(sys.argv[6]) if len(sys.argv) > 6 else 1.65
B.N['Ag'] = (nAg, 4.28); B.N['TFB'] = (nTFB, 0.0)
os.makedirs(out, exist_ok=True)
k0 = 2 * math.pi / (B.WL * 1e-7)
lo = np.array([10, 10, 30, 0, 20, 1.0, 0.6, 0.6]); hi = np.array([60, 250, 60, 80, 200, 1.45, 1.4, 1.4])


def params(x):
    x = np.clip(x, lo, hi)
    return dict(kAg=4.28, hatcn=round(x[0], 2), tfb=round(x[1], 2), qd=round(x[2], 2), zno=round(x[3], 2),
                ito=round(x[4], 2), nITO=1.9, kITO=kITO, design=x[5], hscale=x[6], lscale=x[7])


def evaluate(x):
    p = params(x)
    m = B.run(gk, p, out)
    if m is None: return None, p
    c, ne = m['confinement'], m['neff']['re']
    gw = c[3] * 1.9 / ne
    return (m['loss_cm'], gw, c, ne), p


def f(x):
    r, _ = evaluate(x)
    if r is None: return 1e4
    loss, gw, _, _ = r
    return loss + 2000 * max(0.0, G - gw)


rng = np.random.default_rng(3)
best = None
for s in range(8):
    x0 = lo + (hi - lo) * rng.random(8)
    res = minimize(f, x0, method='Nelder-Mead', options=dict(maxfev=250, xatol=0.01, fatol=0.01))
    if best is None or res.fun < best.fun: best = res
r, p = evaluate(best.x)
loss, gw, c, ne = r
iito = 5 if p['zno'] > 0 else 4
print(f"G>={G} nAg={nAg} kITO={kITO} nTFB={nTFB}: loss {loss:.1f} cm-1, Gamma_w {gw:.3f} (|E|^2 {c[3]:.3f}), "
      f"n_eff {ne:.4f}, Ag {k0 * 2 * nAg * 4.28 * c[0] / ne:.1f}, ITO {k0 * 2 * 1.9 * kITO * c[iito] / ne:.1f}; "
      + " ".join(f"{k}={v:.3g}" for k, v in p.items()))
