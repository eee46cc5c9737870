"""Random sat-exact VSL data sets over regimes (helper satx9, session 9).
dI/dx = A + gamma I/(1 + I/Is) - alpha I, integrated with scipy solve_ivp
(Radau, rtol 1e-11) -- independent of gainkit's closed form. Limits:
'quad' dI/dx = A + g I - k I^2 (Is -> infinity), 'lin' dI/dx = B - alpha I
(Is -> 0, the linear relaxation to a plateau).
Usage: gen.py OUTDIR N SEED"""
import sys, os, json, math
import numpy as np
from scipy.integrate import solve_ivp

out, N, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(seed)
cases = []
for k in range(N):
    n = int(rng.choice([30, 30, 30, 20, 15]))
    Lmax = 0.05 * 10 ** rng.uniform(0, 1)         # cm
    L = np.linspace(Lmax / n, Lmax, n)
    kind = rng.choice(["gen", "gen", "gen", "gen", "sat", "quad", "lin"])
    gL = 10 ** rng.uniform(math.log10(0.3), math.log10(60))
    gam = gL / Lmax
    A = 1e3 * 10 ** rng.uniform(0, 3)
    if kind in ("gen", "sat"):
        af = 0.0 if kind == "sat" else 10 ** rng.uniform(-2.5, math.log10(0.9))
        al = af * gam
        g = gam - al
        # unsaturated I(Lmax), then Is so that the onset lies inside/outside the range
        Iu = A / g * math.expm1(min(g * Lmax, 700)) if g != 0 else A * Lmax
        Is = Iu * 10 ** rng.uniform(-4, 2)
        f = lambda x, I: [A + gam * I[0] / (1 + I[0] / Is) - al * I[0]]
        par = dict(gamma=gam, alpha=al, A=A, Is=Is)
    elif kind == "quad":
        Iu = A / gam * math.expm1(gL)
        kq = gam / (Iu * 10 ** rng.uniform(-3, 1))
        f = lambda x, I: [A + gam * I[0] - kq * I[0] ** 2]
        par = dict(g=gam, A=A, k=kq)
    else:
        al = 10 ** rng.uniform(-0.5, 2) / Lmax
        B = A * 10 ** rng.uniform(0, 2)
        f = lambda x, I: [B - al * I[0]]
        par = dict(B=B, alpha=al)
    sol = solve_ivp(f, (0, Lmax), [0.0], method="Radau", t_eval=L, rtol=1e-11, atol=1e-12 * A * Lmax)
    I = sol.y[0]
    noise = float(rng.choice([0, 0.003, 0.03, 0.1, 0.25]))
    floor = float(rng.choice([0, 1, 20]))
    sig = noise * np.abs(I) + floor + (1e-6 * np.abs(I).max() if noise == 0 and floor == 0 else 0)
    Iobs = I + sig * rng.standard_normal(n) * (1 if noise or floor else 0)
    w = str(rng.choice(["sigma", "sigma", "relative", "none"]))
    fn = os.path.join(out, "c%03d.csv" % k)
    with open(fn, "w") as fh:
        fh.write("L (cm),I (counts),sigma (counts)\n")
        for a, b, c in zip(L, Iobs, sig):
            fh.write("%.12g,%.12g,%.12g\n" % (a, b, c))
    cases.append(dict(file=fn, kind=str(kind), weights=w, noise=noise, floor=floor, n=n, Lmax=Lmax, gL=gL, **par))
json.dump(cases, open(os.path.join(out, "cases.json"), "w"), indent=1)
