"""Nanocrystal (quantum dot) optical gain from band-edge statistics
(Klimov, Chem. Rev. 2023; Qin et al., Nano Lett. 2021). Units: radius cm,
times s, energies eV, cross-sections cm², fluence J/cm², intensity W/cm²,
current density A/cm². Each function returns a Record whose keys are the
CLI's JSON keys (``gainkit nc SUBCOMMAND --format json``)."""
from __future__ import annotations

import math

import numpy as np

from ._core import Record, new_error, raise_for, s, usage
from ._ffi import ffi, lib

_TRANS = {"1S": lib.GK_NC_1S, "1P": lib.GK_NC_1P, "1D": lib.GK_NC_1D}


def materials():
    """The material table: name -> dict(label, chi (ps nm^-3), ge, gh, source)."""
    out = {}
    for i in range(lib.gk_nc_material_count()):
        m = lib.gk_nc_material_at(i)
        out[s(m.name)] = {"label": s(m.label), "chi": m.chi, "ge": m.ge, "gh": m.gh,
                          "source": s(m.source)}
    return out


def _material(name):
    m = lib.gk_nc_material_find(name.encode())
    if m == ffi.NULL:
        raise usage(f"material: '{name}' is not one of {', '.join(materials())}")
    return m


def _model(ge=None, gh=None, ne=None, ne_mean=None, statistics="poisson", transition="1S",
           material=None):
    m = ffi.new("gk_nc_gain_model *")
    m.ge = m.gh = 2
    if material is not None:
        mat = _material(material)
        m.ge, m.gh = mat.ge, mat.gh
    if ge is not None:
        m.ge = ge
    if gh is not None:
        m.gh = gh
    if ne is not None and ne_mean is not None:
        raise usage("give either ne (fixed) or ne_mean (Poisson), not both")
    m.ne = ne_mean if ne_mean is not None else ne if ne is not None else 0
    m.ne_poisson = int(ne_mean is not None)
    if str(statistics).lower() not in ("uniform", "poisson"):
        raise usage(f"statistics: '{statistics}' is not uniform or poisson")
    m.stat = lib.GK_NC_UNIFORM if str(statistics).lower() == "uniform" else lib.GK_NC_POISSON
    t = str(transition).upper()
    if t not in _TRANS:
        raise usage(f"transition: '{transition}' is not 1S, 1P or 1D")
    m.transition = _TRANS[t]
    err = new_error()
    raise_for(lib.gk_nc_model_check(m, err), err)
    return m


def _model_json(m):
    return {"ge": m.ge, "gh": m.gh, ("ne_mean" if m.ne_poisson else "ne"): m.ne,
            "transition": {0: "1S", 1: "1P", 2: "1D"}[m.transition]}


def _threshold(m, stat):
    mm = ffi.new("gk_nc_gain_model *", m[0])
    mm.stat = stat
    n = ffi.new("double *")
    err = new_error()
    raise_for(lib.gk_nc_threshold(mm, n, err), err)
    return n[0]


def threshold(ge=None, gh=None, ne=None, ne_mean=None, statistics="poisson", transition="1S",
              material=None):
    """Gain threshold <N_th> (average excitons per NC).

    ge, gh      band-edge electron/hole degeneracies (default 2, 2; or the
                material's)
    ne          fixed extra electrons per NC, or ne_mean: Poisson mean
    statistics  "poisson" (default) or "uniform" (Eq. 5)
    transition  "1S" (default), "1P" or "1D"
    Example: gainkit.nc.threshold(ge=2, gh=2)["n_th"]  -> 1.1462
    """
    m = _model(ge, gh, ne, ne_mean, statistics, transition, material)
    n = _threshold(m, m.stat)
    v = {"n_th": n, "statistics": "uniform" if m.stat == lib.GK_NC_UNIFORM else "poisson",
         **_model_json(m)}
    if m.stat == lib.GK_NC_UNIFORM and m.transition == lib.GK_NC_1S and not m.ne_poisson:
        v["n_th_eq5"] = lib.gk_nc_threshold_uniform(m.ge, m.gh, m.ne)
    return Record("nc threshold", v)


def gain_curve(n=None, ge=None, gh=None, ne=None, ne_mean=None, transition="1S", material=None,
               points=201):
    """Normalised gain -alpha/alpha0 versus <N> for uniform and Poisson
    occupancy. n: the <N> values (default 0 to twice the states, points)."""
    m = _model(ge, gh, ne, ne_mean, "poisson", transition, material)
    if n is None:
        hi = 2 * max(m.ge, m.gh) * (m.transition + 1) * (m.transition + 1)
        n = [0 + (hi - 0) * i / (points - 1) for i in range(points)]
    x = np.asarray(n, dtype=float)
    mu = ffi.new("gk_nc_gain_model *", m[0])
    mp = ffi.new("gk_nc_gain_model *", m[0])
    mu.stat, mp.stat = lib.GK_NC_UNIFORM, lib.GK_NC_POISSON
    gu = np.array([-lib.gk_nc_absorption(mu, float(v)) for v in x])
    gp = np.array([-lib.gk_nc_absorption(mp, float(v)) for v in x])
    return Record("nc gain-curve", {**_model_json(m),
                                    "n_th_uniform": _threshold(m, lib.GK_NC_UNIFORM),
                                    "n_th_poisson": _threshold(m, lib.GK_NC_POISSON),
                                    "n": x, "gain_uniform": gu, "gain_poisson": gp})


def auger(radius=None, volume=None, material="cdse", chi=None, tau_rx=None, tau_rxx=None,
          tau_xx=None, ne=0.0, max_n=4):
    """Biexciton Auger lifetime tau_A,XX = chi V (V-scaling) and the
    multiexciton lifetimes by statistical scaling (Klimov review Eq. 6).

    radius (cm) or volume (cm³); material (default cdse) or chi (ps nm^-3);
    tau_rx / tau_rxx radiative exciton / biexciton lifetime (s; tau_r,XX =
    tau_r,X/4); tau_xx a measured biexciton lifetime (s) instead of the size.
    Example: gainkit.nc.auger(radius=2.5e-7, tau_rx=20e-9)["tau_a_xx"]
    """
    mat = _material(material)
    if radius is not None and volume is not None:
        raise usage("give either radius or volume, not both")
    have_size = radius is not None or volume is not None
    r_cm = radius if radius is not None else math.nan
    v = lib.gk_nc_volume_nm3(radius) if radius is not None else volume * 1e21 if volume is not None else math.nan
    if tau_rx is not None and tau_rxx is not None:
        raise usage("give either tau_rx or tau_rxx, not both")
    if max_n != int(max_n) or not 2 <= max_n <= 100:
        raise usage("max_n must be an integer from 2 to 100")
    t_rxx = tau_rxx if tau_rxx is not None else tau_rx / 4 if tau_rx is not None else math.nan
    chi_v = chi if chi is not None else mat.chi
    if tau_xx is not None:
        if math.isnan(t_rxx):
            raise usage("tau_xx needs tau_rx or tau_rxx to separate Auger from radiative decay")
        if not tau_xx < t_rxx:
            raise usage(f"tau_xx must be shorter than the radiative biexciton lifetime ({t_rxx:g} s)")
        tau_a = lib.gk_nc_tau_a_from_xx(tau_xx, t_rxx)
    else:
        if not have_size:
            raise usage("give radius or volume (or tau_xx with tau_rx)")
        tau_a = lib.gk_nc_auger_xx(chi_v, v)
    out = {"tau_a_xx": tau_a}
    if have_size:
        out["radius"], out["volume_nm3"] = r_cm, v
    if tau_xx is not None and have_size:
        out["chi"] = tau_a * 1e12 / v
    elif tau_xx is None:
        out["chi"] = chi_v
        out["material"] = s(mat.label)
        out["chi_source"] = "--chi" if chi is not None else s(mat.source)
    if not math.isnan(t_rxx):
        txx = tau_xx if tau_xx is not None else lib.gk_nc_tau_xx(tau_a, t_rxx)
        out["tau_r_xx"], out["tau_xx"], out["q_xx"] = t_rxx, txx, txx / t_rxx
    out["multiexcitons"] = [{"n": n, "n_e": n + ne, "n_h": n,
                             "tau_a": lib.gk_nc_auger_scaled(tau_a, n + ne, n)}
                            for n in range(1, int(max_n) + 1)]
    return Record("nc auger", out)


def pump(sigma_abs, photon_energy, tau_x, tau_xx, n_th=1.0):
    """Optical thresholds: w_th (J/cm²), i_th and i_half (W/cm²) from the
    absorption cross-section (cm²), photon energy (eV) and the exciton /
    biexciton lifetimes (s)."""
    p = ffi.new("gk_nc_pump *")
    err = new_error()
    raise_for(lib.gk_nc_pump_thresholds(sigma_abs, photon_energy, tau_x, tau_xx, n_th, p, err), err)
    return Record("nc pump", {"w_th": p.w_th, "i_th": p.i_th, "i_half": p.i_half,
                              "g_th": p.g_th, "g_half": p.g_half, "n_th": n_th})


def current(radius, fill, tau_x, tau_xx):
    """Electrical thresholds j_th, j_half (A/cm², Klimov review Eq. 8-9):
    radius (cm), areal filling factor, lifetimes (s)."""
    c = ffi.new("gk_nc_current *")
    err = new_error()
    raise_for(lib.gk_nc_current_thresholds(radius, fill, tau_x, tau_xx, c, err), err)
    return Record("nc current", {"j_th": c.j_th, "j_half": c.j_half, "sigma_g": c.sigma_g})


def confinement(radius, me, mh, eg0):
    """1S/1P/1D electron and hole confinement energies (eV) and band gap:
    radius (cm), effective masses (free-electron mass), bulk gap eg0 (eV)."""
    k = ffi.new("gk_nc_confinement *")
    err = new_error()
    raise_for(lib.gk_nc_confinement_calc(radius, me, mh, eg0, k, err), err)
    lv = ("1S", "1P", "1D")
    return Record("nc confinement", {"phi": {lv[i]: k.phi[i] for i in range(3)},
                                     "electron": {lv[i]: k.e_e[i] for i in range(3)},
                                     "hole": {lv[i]: k.e_h[i] for i in range(3)},
                                     "e_conf": k.e_conf, "e_g": k.e_g})
