#!/usr/bin/python3
"""Independent check of a leaky (Bragg-reflection) TE mode of a planar stack,
for tests/cli/test_modes_leaky.sh: the poles of the stack's reflection
coefficient for a plane wave incident from the substrate.

The reflection coefficients seen from the active layer, upwards (cover
side) and downwards (DBR and substrate), are built by Rouard's (Parratt's)
recursion of Fresnel coefficients; a mode is a pole of the round-trip
response 1/(1 - r_up r_dn e^{2 i q d}), i.e. a zero of its denominator, with
the substrate wave on the outgoing (leaky) branch. (The reflection
coefficient seen from the substrate itself is useless here: through a
10-pair DBR its pole and a nearby zero lie ~1e-10 apart.) The zeros are located on a grid of |1/R| over the
complex n_eff window given and refined by a secant iteration. For each the
TE field is then integrated layer by layer (Simpson's rule on the
closed-form layer solutions) for the |E|^2 fraction in the active layer
(cover tail included, the radiating substrate left out, as gainkit
defines it). Nothing is shared with gainkit's transfer-matrix dispersion
function or its argument-principle search.

Usage: brw_poles.py STACK.yaml RE_LO RE_HI IM_HI
Prints, for the pole of largest active-layer confinement:
  neff_re neff_im loss_cm gamma_active gamma_gain
"""
import sys
import numpy as np
import yaml


def layers(path):
    doc = yaml.safe_load(open(path))
    out = []

    def add(items):
        for it in items:
            if 'repeat' in it:
                for _ in range(int(it['repeat'])):
                    add(it['layers'])
            else:
                out.append((complex(it['n'], it.get('k', 0.0)), float(it.get('thickness_nm', 0.0)),
                            bool(it.get('active', False))))
    add(doc['layers'])
    return float(doc['wavelength_nm']), out


def q_of(k0, n, ne):
    return k0 * np.sqrt(n * n - ne * ne + 0j)


def round_trip(k0, L, act, ne):
    """1 - r_up r_dn e^{2 i q d} in the active layer (TE): zero at a mode.
    r_up (down-going / up-going amplitude at the top of the active layer) by
    Rouard's recursion from the cover, whose up-going wave decays upwards:
    rho = 0 there; across an interface from q_a (above) to q_b (below)
      rho_b = (q_b (rho_a + 1) + q_a (rho_a - 1)) / (q_b (rho_a + 1) - q_a (rho_a - 1)),
    across a layer rho -> rho e^{2 i q d}. r_dn (up-going / down-going at the
    bottom of the active layer) by the mirror recursion from the substrate,
    whose only wave is the outgoing down-going one: sigma = 0 there."""
    qa = q_of(k0, L[0][0], ne)
    if qa.imag < 0:
        qa = -qa
    rho = 0j
    for j in range(1, act + 1):
        n, d, _ = L[j]
        qb = q_of(k0, n, ne)
        rho = (qb * (rho + 1) + qa * (rho - 1)) / (qb * (rho + 1) - qa * (rho - 1))
        if j < act:
            rho = rho * np.exp(2j * qb * d)
        qa = qb
    qb = q_of(k0, L[-1][0], ne)       # principal branch: outgoing, leaky
    sigma = 0j
    for j in range(len(L) - 2, act - 1, -1):
        n, d, _ = L[j]
        qa = q_of(k0, n, ne)
        sigma = (qa * (1 + sigma) - qb * (1 - sigma)) / (qa * (1 + sigma) + qb * (1 - sigma))
        if j > act:
            sigma = sigma * np.exp(2j * qa * d)
        qb = qa
    q, d = q_of(k0, L[act][0], ne), L[act][1]
    return 1 - rho * sigma * np.exp(2j * q * d)


def field_fractions(k0, L, ne, nsub=4000):
    """|E|^2 per layer (TE), cover tail analytic, substrate excluded."""
    gc = k0 * np.sqrt(ne * ne - L[0][0] ** 2 + 0j)
    if gc.real < 0:
        gc = -gc
    E, dE = 1 + 0j, gc
    P = [1 / (2 * gc.real)]
    for n, d, _ in L[1:-1]:
        q = q_of(k0, n, ne)
        s = np.linspace(0, d, nsub + 1)
        e = E * np.cos(q * s) + dE * np.sinc(q * s / np.pi) * s
        w = np.ones(nsub + 1); w[1:-1:2] = 4; w[2:-1:2] = 2
        P.append(float(np.sum(w * abs(e) ** 2) * d / (3 * nsub)))
        E, dE = E * np.cos(q * d) + dE * np.sinc(q * d / np.pi) * d, -E * q * np.sin(q * d) + dE * np.cos(q * d)
    P.append(0.0)
    P = np.array(P)
    return P / P.sum()


def main():
    path, lo, hi, imhi = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
    wl, L = layers(path)
    k0 = 2 * np.pi / wl
    act = [i for i, l in enumerate(L) if l[2]][0]
    re = np.linspace(lo, hi, 400)
    im = np.linspace(imhi / 200, imhi, 100)
    V = np.array([[abs(round_trip(k0, L, act, a + 1j * b)) for a in re] for b in im])
    poles = []
    for i in range(1, len(im) - 1):
        for j in range(1, len(re) - 1):
            if V[i, j] > V[i - 1:i + 2, j - 1:j + 2].min():
                continue
            z0 = re[j] + 1j * im[i]
            z1 = z0 + 1e-7
            f0, f1 = round_trip(k0, L, act, z0), round_trip(k0, L, act, z1)
            for _ in range(100):
                if f1 == f0:
                    break
                z2 = z1 - f1 * (z1 - z0) / (f1 - f0)
                z0, f0, z1 = z1, f1, z2
                f1 = round_trip(k0, L, act, z1)
                if abs(z1 - z0) < 1e-14:
                    break
            if abs(f1) < 1e-9 and lo <= z1.real <= hi and 0 < z1.imag <= imhi and \
                    all(abs(z1 - p) > 1e-9 for p in poles):
                poles.append(z1)
    best = None
    for z in poles:
        g = field_fractions(k0, L, z)[act]
        if best is None or g > best[1]:
            best = (z, g)
    z, g = best
    print(f"{z.real:.12f} {z.imag:.6e} {4 * np.pi * z.imag / (wl * 1e-7):.6f} {g:.8f} "
          f"{g * L[act][0].real / z.real:.8f}")


if __name__ == '__main__':
    main()
