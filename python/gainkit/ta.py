"""Transient absorption of nanocrystal films: gain threshold where
-Delta alpha/alpha0 crosses 1 at the probe, gain spectra, bandwidth, gain
lifetime versus delay, optional Poisson gain-curve fit (gainkit/ta.h,
docs/ta.md; Klimov, Chem. Rev. 2023)."""
from __future__ import annotations

import math
import os

import numpy as np

from ._core import InputError, Record, as_f64, carray, dptr, new_error, raise_for, usage, value_se
from ._ffi import ffi, lib



def _bounded(name, v, se, lo, hi, free):
    """cmd_ta.c's ta_bound: {value, stderr}, and on a bound of the fit
    (GK_TA_DEGENERACY_MIN/MAX, 0..GK_TA_CHARGING_MAX) the at_bound record."""
    d = {"value": v, "stderr": se}
    side = None
    if free and math.isfinite(v):
        side = "lower" if v <= lo else "upper" if v >= hi else None
    if side:
        b = lo if side == "lower" else hi
        d.update(determined=False, reason=f"at its {side} bound ({name} {'>=' if side == 'lower' else '<='} {b:.4g})",
                 at_bound=side, bound=b)
    return d

def analyze(wavelength_nm, alpha0, n_mean, dod, delays=None, probe=None, window=None,
            delay=None, gain_fit=False, degeneracy=2.0, free_degeneracy=False, charging=0.0, alpha0_ref="own",
            fixed_charging=False, ne_poisson=False):
    """Analyse a TA set.

    wavelength_nm  nwl wavelengths (nm), monotonic
    alpha0         nwl ground-state absorbance (OD) on the same grid
                   (gainkit.ta.resample puts a measured one on it)
    n_mean         npump <N> (average excitons per NC), increasing
    dod            Delta OD: nwl x npump (one delay) or ndelay x nwl x npump
    delays         ndelay delays (s), increasing (needed for several delays)
    probe          probe wavelength (nm; default: the gain maximum at the top
                   pump) or window=(nm1, nm2) averaged
    delay          analyse the delay nearest this one (s; default the first)
    gain_fit       fit 1 - a(<N>; g, n_e) (Poisson statistics): degeneracy g
                   (fixed unless free_degeneracy), charging n_e (fitted unless
                   fixed_charging; ne_poisson: Poisson-distributed)
    Returns a Record with the CLI's keys (probe_nm, n_mean, normalized,
    pumped, alpha0_probe, threshold {value, stderr}, gain_bandwidth_nm, ...)
    and ``gain`` (nwl x npump gain spectra, OD).
    Example: gainkit.ta.analyze(wl, a0, N, dod, probe=537).threshold
    """
    wl = as_f64(wavelength_nm, "wavelength_nm")
    nwl = wl.shape[0]
    a0 = as_f64(alpha0, "alpha0", shape=(nwl,))
    nm = as_f64(n_mean, "n_mean")
    npump = nm.shape[0]
    d = np.asarray(dod)
    if d.ndim == 2:
        d = d[None]
    d = as_f64(d, "dod", ndim=3, shape=(None, nwl, npump))
    nd = d.shape[0]
    dl = as_f64(delays, "delays", shape=(nd,), optional=True)
    if nd > 1 and dl is None:
        raise usage("delays: several delays need their times")
    o = ffi.new("gk_ta_options *")
    lib.gk_ta_options_default(o)
    if probe is not None and window is not None:
        raise usage("probe and window exclude each other")
    if probe is not None:
        o.probe_nm = probe
    if window is not None:
        o.win_lo, o.win_hi = window
    if delay is not None:
        if dl is None:
            raise usage("delay: the data carry no delays")
        o.delay_index = int(np.argmin(np.abs(dl - delay)))
    o.gain_fit = int(bool(gain_fit))
    if alpha0_ref not in ("own", "neutral"):
        raise usage(f"alpha0_ref '{alpha0_ref}' is not own or neutral")
    o.alpha0_ref = lib.GK_TA_ALPHA0_OWN if alpha0_ref == "own" else lib.GK_TA_ALPHA0_NEUTRAL
    if not 0.5 <= degeneracy <= 50:
        raise usage("degeneracy must be 0.5 to 50")
    if not 0 <= charging <= 50:
        raise usage("charging must be 0 to 50")
    o.degeneracy, o.fit_degeneracy = degeneracy, int(bool(free_degeneracy))
    o.ne, o.fit_ne, o.ne_poisson = charging, int(not fixed_charging), int(bool(ne_poisson))
    s = ffi.new("gk_ta_set *", {"nwl": nwl, "npump": npump, "ndelay": nd, "wl": dptr(wl),
                                "alpha0": dptr(a0), "n_mean": dptr(nm),
                                "delay": dptr(dl) if nd > 1 else ffi.NULL, "dod": dptr(d)})
    r = ffi.new("gk_ta_result *")
    err = new_error()
    raise_for(lib.gk_ta_analyze(s, o, r, err), err)
    try:
        v = {"probe_nm": r.probe_nm}
        if r.window:
            v["window_nm"] = [r.win_lo, r.win_hi]
        v["delay_s"] = dl[r.delay_index] if dl is not None else math.nan
        v.update({"n_mean": nm, "normalized": carray(r.normalized, npump),
                  "pumped": carray(r.pumped, npump), "alpha0_probe": r.alpha0_probe,
                  "probe_choice": "window" if r.window else
                  "band-edge bleach maximum" if r.probe_auto else "given",
                  "alpha0_reference": "own" if o.alpha0_ref == lib.GK_TA_ALPHA0_OWN else "neutral",
                  "threshold": value_se(r.threshold, r.threshold_se, r.threshold_found,
                                        None if r.threshold_found else
                                        "-Delta alpha/alpha0 does not cross 1"),
                  "gain_bandwidth_nm": r.gain_bandwidth_nm,
                  "bandwidth_nm": carray(r.bandwidth, npump)})
        if not r.window:
            v["probe_sensitivity"] = [{"probe_nm": r.sens_nm[k], "threshold": r.sens_threshold[k]}
                                      for k in range(2) if not math.isnan(r.sens_nm[k])]
        warns = [] if r.threshold_found else \
            ["no gain threshold: -Delta alpha/alpha0 does not cross 1"]
        conv = True
        if r.fit_done:
            v["gain_fit"] = {"alpha0_reference": v["alpha0_reference"],
                             "threshold": {"value": r.fit_threshold, "stderr": r.fit_threshold_se},
                             "degeneracy": _bounded("g", r.g, r.g_se, 0.5, 50.0, free_degeneracy),
                             "charging": _bounded("n_e", r.ne, r.ne_se, 0.0, 50.0, not fixed_charging),
                             "chi2_red": r.fit_chi2_red, "converged": bool(r.fit_converged)}
            v["converged"] = conv = bool(r.fit_converged)
        if nd > 1:
            v["delays_s"] = dl
            tt, ts = carray(r.threshold_t, nd), carray(r.threshold_t_se, nd)
            v["threshold_by_delay"] = [{"delay_s": dl[k], "value": tt[k], "stderr": ts[k]}
                                       for k in range(nd)]
            v["gain_lifetime_s"] = carray(r.gain_lifetime, npump)
            v["lifetime_censored"] = carray(r.lifetime_censored, npump, np.intc).astype(bool)
        v["gain"] = carray(r.gain, nwl * npump).reshape(nwl, npump)
        return Record("ta", v, converged=conv, warnings=warns)
    finally:
        lib.gk_ta_result_free(r)


def resample(wl_from, alpha0, wl_to):
    """A ground-state absorbance measured on wl_from, put on the grid wl_to
    (linear interpolation; InputError outside the measured range)."""
    x = as_f64(wl_from, "wl_from")
    y = as_f64(alpha0, "alpha0", shape=(x.shape[0],))
    w = as_f64(wl_to, "wl_to")
    out = np.empty_like(w)
    err = new_error()
    raise_for(lib.gk_ta_resample(dptr(x), dptr(y), x.shape[0], dptr(w), w.shape[0], dptr(out), err),
              err)
    return out


# h c / e in eV nm, as GK_HC_EV_NM in gainkit/constants.h (the same
# operations in the same order: the same double)
HC_EV_NM = 6.62607015e-34 * 2.99792458e10 * 1e7 / 1.602176634e-19


def _quantity(v, base, name):
    """A number (in base) or a string with a unit suffix converted to base
    by the library ("5e-15cm2", "400nm")."""
    if not isinstance(v, str):
        return float(v)
    q = ffi.new("double *")
    err = new_error()
    if lib.gk_parse_quantity(v.encode(), base.encode(), q, err) != lib.GK_OK:
        raise usage(f"{name}: {ffi.string(err.msg).decode()}")
    return q[0]


def pump_axis(pump, pump_unit="", cross_section=None, pump_wavelength=None, photon_fluence=None,
              n_mean=None, _path="", _line=0):
    """<N> (average excitons per NC) for each pump column, as the CLI's
    --n-mean / --cross-section / --pump-wavelength / --photon-fluence:

    n_mean           the <N> values themselves (one per column)
    cross_section    absorption cross-section sigma at the pump, cm^2 (or
                     "5e-15cm2"): <N> = sigma j_p (Klimov, Chem. Rev. 2023)
    pump_wavelength  nm (or "400nm"): an energy fluence (pump_unit a fluence
                     such as "uJ/cm2") becomes a photon fluence j_p = F/(h nu)
    photon_fluence   j_p per column in cm^-2 (with cross_section), instead of
                     the pump values
    Without any of them, pump must be dimensionless (<N>); pump in a
    photon-fluence unit ("cm^-2") is converted to cm^-2. Defaults None.
    Example: gainkit.ta.pump_axis([10, 20], "uJ/cm2", cross_section=5e-15,
                                  pump_wavelength=400)"""
    pump = as_f64(pump, "pump")
    nc = pump.shape[0]
    if n_mean is not None:
        if cross_section is not None:
            raise usage("n_mean and cross_section exclude each other")
        nm = as_f64(n_mean, "n_mean")
        if nm.shape[0] != nc:
            raise usage(f"n_mean: {nm.shape[0]} values for {nc} pump columns" +
                        (f" in {_path}" if _path else ""))
        return nm.copy()
    info = ffi.new("gk_unit_info *")
    has_unit = bool(pump_unit) and \
        lib.gk_unit_describe(pump_unit.encode(), info, ffi.NULL) == lib.GK_OK
    dim = ffi.string(info.dimension).decode() if has_unit else ""
    where = f"{_path}:{_line}: " if _path and _line else f"{_path}: " if _path else ""
    if cross_section is None:
        if photon_fluence is not None:
            raise usage("photon_fluence needs cross_section")
        if has_unit and dim != "dimensionless":
            msg = (f"pump columns are in '{pump_unit}'; give cross_section (and pump_wavelength "
                   "for an energy fluence) or n_mean")
            raise InputError(where + msg, code=lib.GK_EINPUT, file=_path, line=_line, message=msg)
        return pump.copy()
    sigma = _quantity(cross_section, "cm2", "cross_section")
    if not sigma > 0:
        raise usage("cross_section: must be positive")
    ev = math.nan
    if pump_wavelength is not None:
        wl = _quantity(pump_wavelength, "nm", "pump_wavelength")
        if not wl > 0:
            raise usage("pump_wavelength: must be positive")
        ev = HC_EV_NM / wl
    if photon_fluence is not None:
        jp = as_f64([_quantity(x, "cm^-2", "photon_fluence") for x in np.atleast_1d(photon_fluence)]
                    if not isinstance(photon_fluence, np.ndarray) else photon_fluence,
                    "photon_fluence")
        if jp.shape[0] != nc:
            raise usage(f"photon_fluence: {jp.shape[0]} values for {nc} pump columns")
    elif has_unit and dim == "fluence":
        if math.isnan(ev):
            raise usage(f"pump columns{' of ' + _path if _path else ''} are an energy fluence "
                        f"({pump_unit}): give pump_wavelength")
        jp = np.array([lib.gk_ta_photon_fluence(p * info.factor, ev) for p in pump])
    else:
        f = 1.0
        if has_unit:
            fp = ffi.new("double *")
            if lib.gk_unit_factor(pump_unit.encode(), b"cm^-2", fp, ffi.NULL) != lib.GK_OK:
                msg = f"pump unit '{pump_unit}' is neither an energy nor a photon fluence"
                raise InputError(where + msg, code=lib.GK_EINPUT, file=_path, line=_line,
                                 message=msg)
            f = fp[0]
        jp = pump * f
    return np.array([lib.gk_ta_n_mean(sigma, float(j)) for j in jp])


def from_files(ground, delta=None, long=None, delays=None, n_mean=None, cross_section=None,
               pump_wavelength=None, photon_fluence=None, **kw):
    """Read the CLI's inputs and analyse: ground (wavelength, OD), delta
    files (one matrix per delay, delay from '# delay: 4 ps' or ``delays``
    in s) or one long-format table. The matrices' first row is the pump:
    <N> itself, or converted as the CLI does with n_mean, cross_section
    (cm^2), pump_wavelength (nm) and photon_fluence (cm^-2): see
    gainkit.ta.pump_axis. Other keywords as gainkit.ta.analyze. Example:
        gainkit.ta.from_files("examples/ta/ground.csv",
                              delta="examples/ta/delta_04ps.csv", probe=537)"""
    from .io import read_columns, read_long, read_matrix
    if (delta is None) == (long is None):
        raise usage("give delta files or long, not both")
    g = read_columns(ground, xkind="wavelength", allow_unsorted=True)
    if long is not None:
        lg = read_long(long)
        mats, dl = lg.matrices, lg.delay
        hl = lg.header_line
    else:
        if isinstance(delta, (str, os.PathLike)):
            delta = [delta]
        mats = [read_matrix(p) for p in delta]
        for m in mats[1:]:
            if m.z.shape != mats[0].z.shape or not (np.array_equal(m.row, mats[0].row)
                                                   and np.array_equal(m.col, mats[0].col)):
                raise usage(f"{m.path}: wavelengths and pump columns must match {mats[0].path}")
        if delays is not None:
            dl = np.asarray(delays, dtype=float)
        else:
            dl = []
            for m in mats:
                if "delay" in m.meta:
                    q = ffi.new("double *")
                    err = new_error()
                    raise_for(lib.gk_parse_quantity(m.meta["delay"].encode(), b"s", q, err), err)
                    dl.append(q[0])
                else:
                    dl.append(math.nan)
            dl = np.array(dl)
        hl = int(mats[0].line[0]) - 1 if mats[0].line is not None and len(mats[0].line) else 0
    m0 = mats[0]
    a0 = resample(g.x, g.y, m0.row)
    nm = pump_axis(m0.col, m0.col_unit_in or "", cross_section=cross_section,
                   pump_wavelength=pump_wavelength, photon_fluence=photon_fluence, n_mean=n_mean,
                   _path=m0.path, _line=hl)
    dod = np.stack([m.z for m in mats])
    if len(mats) == 1 and (dl is None or np.all(np.isnan(dl))):
        r = analyze(m0.row, a0, nm, dod, **kw)
    else:
        r = analyze(m0.row, a0, nm, dod, delays=dl if len(mats) > 1 else None, **kw)
    if len(mats) == 1:
        r.values["delay_s"] = float(dl[0]) if dl is not None and len(dl) else math.nan
    return r
