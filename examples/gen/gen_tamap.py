#!/usr/bin/python3
"""gen_tamap.py — writes the example TA maps and PL decays in examples/tamap/,
deterministically (numpy seed 2026), from an independent solution: the rate
equations are integrated by scipy.integrate.solve_ivp (LSODA) with the
instrument response as a source term, not by gainkit's eigen-decomposition.

    /usr/bin/python3 examples/gen/gen_tamap.py examples/tamap

Scene (a CsPbBr3 nanocrystal film, numbers of the kind reported by Ahn et
al., Chem. Rev. 2023, and Qin et al., Nano Lett. 2021):
  H  -> X   0.4 ps   hot-exciton cooling
  XX -> X   40 ps    biexciton Auger recombination
  X  -> 0   3 ns     single exciton
IRF 120 fs FWHM; chirp t0(lambda) = 0.25 - 0.18 x + 0.07 x^2 ps with
x = (lambda - 500 nm)/100 nm; a coherent artefact (derivative of a Gaussian,
60 fs) at t0(lambda); a pre-time-zero offset of 0.3 mOD; noise 0.05 mOD.
Two fluences: <N> = 0.5 (XX fraction 0.1) and 2 (XX 0.6), written with the
delays in the first row (map_low.csv) and in the first column
(map_high.csv). The truths go into "# true_...:" lines.

TRPL: dN/dt = -k1 N - k2 N^2 - k3 N^3 for 4 initial densities (k1 = 1e7 /s,
k2 = 5e-10 cm3/s, k3 = 1e-28 cm6/s), PL = k2 N^2 x 1e-3 counts with 1 %
noise, one column per density (trpl.csv). sigma.csv: the long-delay
single-exciton bleach versus pump fluence, S = S_inf (1 - exp(-sigma F/h nu)),
sigma = 2.5e-14 cm2 at 3.1 eV, 1 % noise.
"""
import sys, os
import numpy as np
from scipy.integrate import solve_ivp

out = sys.argv[1] if len(sys.argv) > 1 else "examples/tamap"
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(2026)

wl = np.linspace(440, 560, 61)                     # nm
t = np.concatenate([np.arange(-1.0, 2.0, 0.04), 2.0 * 1.045 ** np.arange(0, 95)])  # ps
t = t[t <= 150.0]
chirp = lambda l: 0.25 - 0.18 * ((l - 500) / 100) + 0.07 * ((l - 500) / 100) ** 2
fwhm = 0.12
sg = fwhm / (2 * np.sqrt(2 * np.log(2)))
k = dict(hx=1 / 0.4, xxx=1 / 40.0, x0=1 / 3000.0)
# compartments H, XX, X
K = np.array([[-k["hx"], 0, 0], [0, -k["xxx"], 0], [k["hx"], k["xxx"], -k["x0"]]])


def conc(c0, tt):
    """c(t) for the IRF-driven rate equations at times tt (relative to t0)."""
    g = lambda s: np.exp(-0.5 * s * s / (sg * sg)) / (sg * np.sqrt(2 * np.pi))
    f = lambda s, c: K @ c + g(s) * np.asarray(c0)
    t_start = -8 * sg
    res = np.zeros((len(tt), 3))
    m = tt > t_start
    sol = solve_ivp(f, (t_start, tt.max()), np.zeros(3), t_eval=tt[m], method="LSODA",
                    rtol=1e-10, atol=1e-14, max_step=0.02)
    res[m] = sol.y.T
    return res


def band(l, c, w, a):
    return a * np.exp(-0.5 * ((l - c) / w) ** 2)


sas = np.stack([band(wl, 505, 25, -4.0) + band(wl, 470, 20, 1.5),      # H: broad bleach + induced absorption
                band(wl, 512, 6, -6.0) + band(wl, 525, 8, 2.5),       # XX: red-shifted (biexciton binding)
                band(wl, 507, 6, -10.0) + band(wl, 540, 12, 1.0)], 1)  # X: band-edge bleach (mOD)


def make(c0, scale):
    z = np.zeros((len(wl), len(t)))
    for i, l in enumerate(wl):
        t0 = chirp(l)
        c = conc(c0, t - t0)
        z[i] = scale * (c @ sas[i])
        s_a = 0.06 / (2 * np.sqrt(2 * np.log(2)))
        z[i] += -1.5 * (t - t0) / s_a * np.exp(-0.5 * ((t - t0) / s_a) ** 2)   # coherent artefact
    z += 0.3 + 0.05 * rng.standard_normal(z.shape)
    return z


truth = ("# true_scheme: H->X:0.4ps, XX->X:40ps, X->0:3ns\n"
         "# true_irf_fwhm_ps: 0.12\n# true_chirp_ps: 0.25 -0.18 0.07 (x = (lambda - 500 nm)/100 nm)\n")
zl = make([1.0, 0.1, 0.0], 1.0)
with open(os.path.join(out, "map_low.csv"), "w") as fp:
    fp.write(truth + "# true_init: H=1, XX=0.1\n")
    fp.write("wavelength (nm) \\ delay (ps)," + ",".join("%.6g" % v for v in t) + "\n")
    for i, l in enumerate(wl):
        fp.write("%.6g," % l + ",".join("%.5f" % v for v in zl[i]) + "\n")
zh = make([1.0, 0.6, 0.0], 2.0)
with open(os.path.join(out, "map_high.csv"), "w") as fp:
    fp.write(truth + "# true_init: H=1, XX=0.6, x2 amplitude\n")
    fp.write("delay (ps) \\ wavelength (nm)," + ",".join("%.6g" % v for v in wl) + "\n")
    for j, tv in enumerate(t):
        fp.write("%.6g," % tv + ",".join("%.5f" % v for v in zh[:, j]) + "\n")

# TRPL
k1, k2, k3 = 1e7, 5e-10, 1e-28
n0s = [1e17, 5e17, 2e18, 8e18]
tt = np.concatenate([np.arange(0, 2.0, 0.05), 2.0 * 1.05 ** np.arange(0, 80)]) * 1e-9
cols = []
for n0 in n0s:
    sol = solve_ivp(lambda s, y: -k1 * y - k2 * y * y - k3 * y ** 3, (0, tt[-1]), [n0], t_eval=tt,
                    method="LSODA", rtol=1e-11, atol=1e3)
    N = sol.y[0]
    cols.append(1e-3 * k2 * N * N * (1 + 0.01 * rng.standard_normal(len(tt))))
with open(os.path.join(out, "trpl.csv"), "w") as fp:
    fp.write("# true_k1: 1e7 s^-1\n# true_k2: 5e-10 cm^3/s\n# true_k3: 1e-28 cm^6/s\n")
    fp.write("# n0 (cm^-3) of the columns: 1e17, 5e17, 2e18, 8e18\n")
    fp.write("t (ns)," + ",".join("PL %g" % n for n in n0s) + "\n")
    for q, tv in enumerate(tt):
        fp.write("%.6g," % (tv * 1e9) + ",".join("%.6g" % c[q] for c in cols) + "\n")

# fluence series of the single-exciton bleach
F = 2e-6 * 1.5 ** np.arange(12)               # J/cm2
hnu = 3.1 * 1.602176634e-19
S = 12.0 * -np.expm1(-2.5e-14 * F / hnu) * (1 + 0.01 * rng.standard_normal(len(F)))
with open(os.path.join(out, "sigma.csv"), "w") as fp:
    fp.write("# true_sigma: 2.5e-14 cm2 at 3.1 eV; S_inf 12 mOD\n")
    fp.write("fluence (uJ/cm2),bleach (mOD)\n")
    for f_, s_ in zip(F, S):
        fp.write("%.6g,%.6g\n" % (f_ * 1e6, s_))
