"""ABC recombination dN/dt = G(t) - k1 N - k2 N² - k3 N³ in bulk gain
films (Goldberg et al., Adv. Mater. 2024; Tatarinov et al., Adv. Opt.
Mater. 2023). Units: k1 s^-1, k2 cm³/s, k3 cm⁶/s, N cm^-3, thickness cm,
fluence J/cm², photon energy eV, time s. Results are Records with the
CLI's JSON keys (``gainkit carriers SUBCOMMAND --format json``)."""
from __future__ import annotations

import math

import numpy as np

from ._core import (Cancel, Record, as_f64, carray, determined, dptr, new_error, raise_for, usage,
                    value_se, value_se_bounded)
from ._ffi import ffi, lib


def _abc(k1, k2, k3):
    k = ffi.new("gk_abc *", {"k1": k1, "k2": k2, "k3": k3})
    err = new_error()
    raise_for(lib.gk_abc_check(k, err), err)
    return k


def _logspace(a, b, n):
    return np.array([a * (b / a) ** (i / (n - 1) if n > 1 else 0) for i in range(n)])


def plqy(k1, k2, k3, density=None, range=None, points=61):
    """PLQY = k2 N/(k1 + k2 N + k3 N²): its value at ``density``, the
    maximum (closed form and numeric) and, with range=(N1, N2), the curve
    on ``points`` log-spaced densities.
    Example: gainkit.carriers.plqy(1e7, 2e-10, 1e-28, density=1e17)["plqy"]"""
    k = _abc(k1, k2, k3)
    if density is not None and range is not None:
        raise usage("give either density or range, not both")
    if not k2 > 0:
        raise usage("k2 must be positive for the PLQY (k2 = 0: no radiative recombination)")
    pm, nm = ffi.new("double *"), ffi.new("double *")
    lib.gk_plqy_max(k, pm, nm)
    pmn, nmn = ffi.new("double *"), ffi.new("double *")
    err = new_error()
    ok = lib.gk_plqy_max_numeric(k, pmn, nmn, err) == lib.GK_OK
    v = {}
    if density is not None:
        v["density"], v["plqy"] = density, lib.gk_plqy(k, density)
    v.update({"n_c": lib.gk_plqy_nc(k), "plqy_max": pm[0], "n_at_max": nm[0],
              "plqy_max_numeric": pmn[0] if ok else math.nan,
              "n_at_max_numeric": nmn[0] if ok else math.nan})
    if not ok:
        v["numeric_reason"] = ffi.string(err.msg).decode()
    if range is not None:
        if not range[0] > 0:
            raise usage("range: densities must be positive")
        x = _logspace(range[0], range[1], int(points))
        v["n"], v["plqy_curve"] = x, np.array([lib.gk_plqy(k, float(n)) for n in x])
    return Record("carriers plqy", v)


def pulse(k1, k2, k3, fluence, pulse_fwhm=None, thickness=None, photon_energy=None,
          absorptance=1.0, t_end=0.0, points=400, sweep_fwhm=None):
    """N(t) under a Gaussian pulse (stiff ODE, GSL msbdf): n0 deposited,
    n_peak, t_peak, plqy_integrated, n_end_fraction, t_end, and t, n.
    Units: k1 s^-1, k2 cm^3/s, k3 cm^6/s, fluence J/cm^2, pulse_fwhm s,
    thickness cm, photon_energy eV, t_end s (default 0: automatic).
    sweep_fwhm=(t1, t2, n): instead, the peak density for n pulse widths
    log-spaced from t1 to t2 (s), as the CLI's --sweep-fwhm: keys fwhm,
    n_peak (pulse_fwhm then not needed). Example:
        gainkit.carriers.pulse(1e7, 2e-10, 1e-28, 50e-6, 1e-9, 150e-7, 2.4)["n_peak"]"""
    if thickness is None or photon_energy is None:
        raise usage("pulse needs thickness (cm) and photon_energy (eV)")
    k = _abc(k1, k2, k3)
    o = ffi.new("gk_pulse_opts *")
    o.k = k[0]
    o.n0 = lib.gk_pulse_density(fluence, absorptance, photon_energy, thickness)
    o.t_end, o.n_out, o.rtol = t_end, int(points), 0
    if not (2 <= points <= 1e6 and points == int(points)):
        raise usage("points: must be an integer from 2 to 1e6")
    err = new_error()
    if sweep_fwhm is not None:
        t1, t2, n = sweep_fwhm
        if not (t1 > 0 and t2 > t1):
            raise usage("sweep_fwhm: widths must be positive and t1 < t2")
        if not (2 <= n <= 10000 and n == int(n)):
            raise usage("sweep_fwhm: n must be an integer from 2 to 10000")
        n = int(n)
        # the CLI's logspace: a (b/a)^(i/(n-1))
        w = np.array([t1 * (t2 / t1) ** (i / (n - 1)) for i in range(n)])
        pk = np.empty(n)
        with Cancel() as cancel:
            for i in range(n):
                o.fwhm, o.n_out = w[i], 2
                r = ffi.new("gk_pulse_result *")
                raise_for(lib.gk_pulse_run(o, r, err), err)
                pk[i] = r.n_peak
                lib.gk_pulse_result_free(r)
                if cancel.requested:
                    break
        cancel.check()
        return Record("carriers pulse", {"n0": o.n0, "fwhm": w, "n_peak": pk})
    if pulse_fwhm is None:
        raise usage("pulse needs pulse_fwhm (s) or sweep_fwhm")
    o.fwhm = pulse_fwhm
    r = ffi.new("gk_pulse_result *")
    raise_for(lib.gk_pulse_run(o, r, err), err)
    try:
        return Record("carriers pulse", {"n0": o.n0, "n_peak": r.n_peak, "t_peak": r.t_peak,
                                         "plqy_integrated": r.plqy_integrated,
                                         "n_end_fraction": r.n_end_fraction, "t_end": r.t_end,
                                         "t": carray(r.t, r.n), "n": carray(r.N, r.n)})
    finally:
        lib.gk_pulse_result_free(r)


def threshold(thickness, fluence_th=None, photon_energy=None, absorptance=1.0, n_th=None,
              k2=None, tau=None, iqe=1.0):
    """Threshold carrier density N_th = F_th A/(hbar omega d) (or n_th
    given) and current density J_th = q d k2 N_th²/IQE (with k2) or
    q d N_th/(tau IQE) (with tau); j_th NaN without either."""
    if (fluence_th is None) == (n_th is None):
        raise usage("give either fluence_th (with photon_energy) or n_th")
    if fluence_th is not None:
        if photon_energy is None:
            raise usage("fluence_th needs photon_energy")
        n_th = lib.gk_pulse_density(fluence_th, absorptance, photon_energy, thickness)
    if k2 is not None and tau is not None:
        raise usage("give either k2 or tau, not both")
    j = lib.gk_current_threshold(n_th, thickness, k2 or 0.0, tau or 0.0, iqe) \
        if (k2 is not None or tau is not None) else math.nan
    return Record("carriers threshold", {"n_th": n_th, "j_th": j})


def mott(temperature=300.0, bohr_radius=3.5e-7, binding_energy=0.035):
    """Mott density n_M = 1.19² k_B T/(2 a_B³ E_b) (cm^-3; T in K, a_B cm, E_b eV)."""
    return Record("carriers mott", {"n_mott": lib.gk_mott_density(temperature, bohr_radius,
                                                                  binding_energy)})


def gain_fit(n, g, gamma, sigma0=0.0, n_th0=0.0, n_s0=0.0, temperature=300.0,
             bohr_radius=3.5e-7, binding_energy=0.035, file=""):
    """Fit the modal gain G = Gamma sigma (N - N_th)/(1 + N/N_s) (cm^-1)
    to densities n (cm^-3); returns sigma (cm²), n_th, n_s (cm^-3) with
    stderr, chi2_red, converged, and the Mott density. When the optimum lies
    on the bound N_s = 0 (every density far above saturation), n_s is "at
    bound", sigma not determined and g_sat = Gamma sigma N_s (cm^-1) given."""
    n = as_f64(n, "n")
    g = as_f64(g, "g", shape=(n.shape[0],))
    f = ffi.new("gk_gain_fit *")
    err = new_error()
    raise_for(lib.gk_gain_fit_run(dptr(n), dptr(g), n.shape[0], gamma, sigma0, n_th0, n_s0, f, err),
              err)
    try:
        v = {"file": file, "gamma": gamma}
        if f.n_s_at_bound:
            # N_s on its bound 0: sigma runs to infinity, only G_sat = Gamma sigma N_s
            v["sigma"] = value_se(None, None, False,
                                  "N_s at its bound 0: only G_sat = Gamma sigma N_s is determined")
            v["g_sat"] = value_se(f.g_sat, f.se_g_sat)
        else:
            v["sigma"] = value_se_bounded("sigma", f.sigma, f.se_sigma, 0, math.inf)
        v.update({
             "n_th": value_se(f.n_th, f.se_n_th),
             "n_s": value_se_bounded("N_s", f.n_s, f.se_n_s, 0, math.inf), "chi2_red": f.chi2_red,
             "converged": bool(f.converged),
             "determined": determined(f.sigma, f.se_sigma) and determined(f.n_th, f.se_n_th)
                           and determined(f.n_s, f.se_n_s) and f.sigma > 0 and f.n_s > 0
                           and not f.n_s_at_bound,
             "n_mott": lib.gk_mott_density(temperature, bohr_radius, binding_energy),
             "yhat": carray(f.fit.yhat, n.shape[0])})
        warn = [] if f.converged else [f"did not converge: {ffi.string(f.fit.reason).decode()}"]
        return Record("carriers gain-fit", v, converged=bool(f.converged), warnings=warn)
    finally:
        lib.gk_gain_fit_free(f)


def gain_fit_file(path, gamma, **kw):
    """gain_fit on a two-column file (N with a header unit, G in cm^-1)."""
    from .io import read_columns
    c = read_columns(path, min_points=4, allow_unsorted=True)
    factor = 1.0
    if c.x_unit_in:
        u = ffi.new("double *")
        err = new_error()
        raise_for(lib.gk_unit_factor(c.x_unit_in.encode(), b"cm^-3", u, err), err)
        factor = u[0]
    return gain_fit(c.x * factor, c.y, gamma, file=path, **kw)
