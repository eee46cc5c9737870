#!/usr/bin/python3
"""Scan of the Bragg-reflection-waveguide (BRW) QD LED of Ahn, Livache,
Pinchetti, Klimov, Chem. Rev. 2023, section 6.4 (Ag / HAT-CN / TFB / QDs /
ZnO / ITO / 10 x (Nb2O5/SiO2) / glass at 642 nm): for each design the TE
Bragg mode of `gainkit modes --leaky` (the one with the largest QD
confinement), its QD confinement and its loss, split by layer by
perturbation (loss_j = k0 Im(eps_j) Gamma_j / Re n_eff, TE).

Usage: brw_scan.py GAINKIT OUTDIR [samples] [seed]   (writes OUTDIR/brw-scan.csv)
The review gives no thicknesses; the ranges below are the plausible ones
(organic transport layers 10-200 nm, 2-4 QD monolayers, commercial ITO).
"""
import csv, json, math, os, random, subprocess, sys

WL = 642.0
N = dict(Ag=(0.056, 4.28), HATCN=(1.70, 0.0), TFB=(1.65, 0.0), QD=(1.90, 0.0), ZnO=(2.00, 0.0),
         Nb2O5=(2.30, 0.0), SiO2=(1.46, 0.0), glass=(1.50, 0.0))


def stack(p):
    qh = WL / (4 * math.sqrt(N['Nb2O5'][0] ** 2 - p['design'] ** 2))
    ql = WL / (4 * math.sqrt(N['SiO2'][0] ** 2 - p['design'] ** 2))
    L = [f"  - {{name: Ag, n: {N['Ag'][0]}, k: {p['kAg']}}}",
         f"  - {{name: HAT-CN, n: {N['HATCN'][0]}, thickness_nm: {p['hatcn']}}}",
         f"  - {{name: TFB, n: {N['TFB'][0]}, thickness_nm: {p['tfb']}}}",
         f"  - {{name: QDs, n: {N['QD'][0]}, thickness_nm: {p['qd']}, active: true}}"]
    if p['zno'] > 0: L.append(f"  - {{name: ZnO, n: {N['ZnO'][0]}, thickness_nm: {p['zno']}}}")
    L += [f"  - {{name: ITO, n: {p['nITO']}, k: {p['kITO']}, thickness_nm: {p['ito']}}}",
          "  - repeat: 10", "    layers:",
          f"      - {{name: Nb2O5, n: {N['Nb2O5'][0]}, thickness_nm: {qh * p['hscale']:.3f}}}",
          f"      - {{name: SiO2, n: {N['SiO2'][0]}, thickness_nm: {ql * p['lscale']:.3f}}}",
          f"  - {{name: glass, n: {N['glass'][0]}}}"]
    return f"wavelength_nm: {WL}\nlayers:\n" + "\n".join(L) + "\n"


def run(gk, p, tmp):
    f = os.path.join(tmp, 'brw.yaml')
    open(f, 'w').write(stack(p))
    r = subprocess.run([gk, 'modes', f, '--leaky', '--pol', 'te', '--format', 'json'], capture_output=True, text=True)
    if r.returncode not in (0, 1): return None
    d = json.loads(r.stdout)
    best = None
    for m in d['modes']:
        if not m['bragg']: continue
        c = m['confinement']
        iq = 3
        if best is None or c[iq] > best['confinement'][iq]: best = m
    return best


def main():
    gk, out = sys.argv[1], sys.argv[2]
    ns = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
    random.seed(int(sys.argv[4]) if len(sys.argv) > 4 else 1)
    os.makedirs(out, exist_ok=True)
    k0 = 2 * math.pi / (WL * 1e-7)
    rows = []
    for i in range(ns):
        p = dict(kAg=4.28, hatcn=10, tfb=random.uniform(10, 200), qd=random.choice([30, 40, 50]),
                 zno=random.choice([0, 20, 40, 60]), ito=random.uniform(20, 150), nITO=1.9,
                 kITO=random.choice([0.0, 0.001, 0.003, 0.01]), design=random.uniform(1.0, 1.45),
                 hscale=random.uniform(0.7, 1.3), lscale=random.uniform(0.7, 1.3))
        m = run(gk, p, out)
        if m is None: continue
        c, ne = m['confinement'], m['neff']['re']
        eAg = 2 * N['Ag'][0] * p['kAg']
        iITO = 5 if p['zno'] > 0 else 4
        eITO = 2 * p['nITO'] * p['kITO']
        row = dict(p, neff=ne, gamma_qd=c[3], loss=m['loss_cm'], leak=m['leakage_cm'],
                   loss_ag=k0 * eAg * c[0] / ne, loss_ito=k0 * eITO * c[iITO] / ne,
                   gamma_ag=c[0], gamma_ito=c[iITO])
        rows.append(row)
    with open(os.path.join(out, 'brw-scan.csv'), 'w', newline='') as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0].keys()))
        w.writeheader(); w.writerows(rows)


if __name__ == '__main__':
    main()
