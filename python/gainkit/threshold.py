"""ASE threshold from a pump series: kink (log-log two-segment fit), lines
(two straight lines in linear scale) and fwhm (logistic step of the
linewidth). See gainkit/threshold.h and docs/threshold.md."""
from __future__ import annotations

import builtins
import dataclasses
import os

import numpy as np

from ._core import Result, as_f64, carray, determined, dptr, new_error, raise_for, s, usage
from ._ffi import ffi, lib
from . import spectrum as _spectrum

builtins_range = builtins.range

METHODS = ("kink", "lines", "fwhm", "peak")


@dataclasses.dataclass
class Threshold(Result):
    """``thresholds[method]`` is a dict: value (pump unit), stderr (kink,
    fwhm), converged, and the method's extras (slope_below/above,
    n_below, fwhm_below_nm/above_nm), reason when not converged."""
    converged: bool
    pump: np.ndarray
    intensity: np.ndarray
    fwhm_nm: np.ndarray | None
    thresholds: dict
    pump_unit: str = ""
    input: str = ""
    peak_nm: np.ndarray | None = None
    peak_intensity: np.ndarray | None = None
    fwhm_flags: np.ndarray | None = None
    baselines: np.ndarray | None = None
    baseline_kind: str = ""
    warnings: list = dataclasses.field(default_factory=list)
    curves: dict = dataclasses.field(default_factory=dict, repr=False)
    # {"from", "to", "n_excluded"} when range/max_pump restricted the pumps
    pump_range: dict | None = None
    # the peak method's series: intensity at its wavelength (NaN: left out)
    intensity_at_ase_peak: np.ndarray | None = None
    spectra: bool = False

    def __getitem__(self, method):
        return self.thresholds[method]

    def _dict(self):
        flag = {1: "left crossing outside window", 2: "right crossing outside window",
                3: "both crossings outside window"}
        series = []
        for i in range(len(self.pump)):
            o = {"pump": self.pump[i], "intensity": self.intensity[i]}
            if self.peak_nm is not None:
                o["peak_nm"] = self.peak_nm[i]
                o["peak_intensity"] = self.peak_intensity[i]
            if self.baselines is not None:
                o["baseline"] = self.baselines[i]
            if self.intensity_at_ase_peak is not None:
                o["intensity_at_ase_peak"] = self.intensity_at_ase_peak[i]
            if self.fwhm_nm is not None:
                o["fwhm_nm"] = self.fwhm_nm[i]
            if self.fwhm_flags is not None and self.fwhm_flags[i]:
                o["fwhm_flag"] = flag.get(int(self.fwhm_flags[i]), "")
            series.append(o)
        d = {"command": "threshold", "input": self.input, "pump_unit": self.pump_unit,
             "converged": self.converged}
        if self.pump_range is not None:
            d["pump_range"] = dict(self.pump_range)
        if self.baselines is not None:
            b = self.baselines
            d["baseline"] = {"kind": self.baseline_kind, "mean": float(np.mean(b)) if len(b) else None,
                             "min": float(np.min(b)) if len(b) else None,
                             "max": float(np.max(b)) if len(b) else None}
        d.update({"series": series, "thresholds": self.thresholds})
        return d


_ALL = ("kink", "lines", "fwhm", "peak")
_DEFAULT = ("kink", "fwhm", "peak")


def _parse_methods(method):
    """The CLI's --method: one name, a comma-separated list (or a list),
    "default" (kink, fwhm, peak) or "all"."""
    toks = method.split(",") if isinstance(method, str) else list(method)
    out = set()
    for tok in toks:
        if tok == "all":
            out.update(_ALL)
        elif tok == "default":
            out.update(_DEFAULT)
        elif tok in _ALL:
            out.add(tok)
        else:
            raise usage(f"method: '{tok}' is not a method (use kink, lines, fwhm, peak, default or all)")
    if not out:
        raise usage(f"method: '{method}' names no method")
    return out


def pump_value(v, pump_unit="", name="range"):
    """A pump value of range/max_pump: a number is in the pump unit of the
    data; a string may carry a unit suffix ("0.1mJ/cm2"), converted to the
    pump unit by the library when that is a physical unit (as the CLI's
    --range/--max-pump)."""
    if not isinstance(v, str):
        return float(v)
    err = new_error()
    out = ffi.new("double *")
    info = ffi.new("gk_unit_info *")
    uerr = new_error()
    if pump_unit and lib.gk_unit_describe(pump_unit.encode(), info, uerr) == lib.GK_OK:
        rc = lib.gk_parse_quantity(v.encode(), pump_unit.encode(), out, err)
        if rc:
            raise usage(f"{name}: {s(err.msg)}")
    elif lib.gk_parse_number(v.encode(), out, err) != lib.GK_OK:
        raise usage(f"{name}: '{v}' is not a number (the pump unit '{pump_unit}' takes no suffix)")
    return out[0]


def _pump_limits(range, max_pump, pump_unit):
    if range is not None and max_pump is not None:
        raise usage("range and max_pump exclude each other")
    if range is None and max_pump is None:
        return None
    if range is not None:
        if isinstance(range, str):
            parts = range.split(":")
            if len(parts) != 2:
                raise usage(f"range: '{range}' is not a range (expected P1:P2)")
            range = parts
        lo, hi = (pump_value(x, pump_unit, "range") for x in range)
        if not lo < hi:
            raise usage(f"range: {lo:g}:{hi:g} is empty (P1 must be less than P2)")
        return lo, hi
    return -np.inf, pump_value(max_pump, pump_unit, "max_pump")


def _kink_dict(rc, k):
    # the CLI's k_ok / k_reason / kink_json (cmd_threshold.c)
    ok = rc == lib.GK_OK and bool(k.converged) and bool(k.cov_ok) and not k.no_threshold \
        and determined(k.value, k.stderr_)
    d = {"value": float("nan") if k.no_threshold else k.value, "stderr": k.stderr_}
    d["determined"] = ok
    if not ok:
        d["reason"] = _kink_reason(k)
    d["converged"] = ok
    d["slope_below"], d["slope_above"] = k.p[lib.GK_KINK_B1], k.p[lib.GK_KINK_B2]
    d["curve"] = {"model": "log10(I) = a + b1*min(x - xb, 0) + b2*max(x - xb, 0), x = log10(pump)",
                  "a": k.p[lib.GK_KINK_A], "b1": k.p[lib.GK_KINK_B1], "b2": k.p[lib.GK_KINK_B2],
                  "xb": k.p[lib.GK_KINK_XB]}
    if k.no_threshold:
        d["break"] = k.value
    if np.isfinite(k.saturation):
        d["saturation_pump"], d["slope_saturated"] = k.saturation, k.slope_saturated
        d["n_used"] = int(k.n_used)
    return d


def _kink_reason(k):
    return s(k.reason) if (not k.converged or k.no_threshold) else \
        "break point not determined by the data (no change of slope?)" if not k.cov_ok else \
        "standard error larger than the value"


def _kink_curve(k):
    return lambda P: np.array([lib.gk_threshold_kink_eval(k, float(p)) for p in np.atleast_1d(P)])


def find(pump, intensity, fwhm=None, method="default", pump_unit="", range=None, max_pump=None,
         _input="", _spectra=None):
    """ASE threshold of a pump series.

    pump       pump values (> 0, any unit: the threshold comes back in it)
    intensity  emission intensity (> 0 for kink: it works in log-log)
    fwhm       linewidths in nm (optional; needed for the fwhm method;
               non-finite widths are left out)
    method     "kink", "lines", "fwhm", "peak", "default" (the default, as
               the CLI's: kink, fwhm when widths are given and, from
               spectra, peak), "all" (every method the data allow, lines
               included), or a list / comma-separated string ("kink,lines").
               "peak" needs spectra (from_spectra / from_file(spectra=True))
    pump_unit  the unit of pump (for the result, and for unit suffixes in
               range/max_pump); default "" (none)
    range      (P1, P2): use only pumps P1 <= P <= P2 (the CLI's --range);
               numbers in the pump unit, or strings with a unit suffix
               ("0.1mJ/cm2") converted to pump_unit. Default None: all
    max_pump   use only pumps <= max_pump (the CLI's --max-pump; same
               units). Default None
    At least 6 points (after range/max_pump). Returns Threshold; a method
    that did not converge, or whose threshold the data do not determine,
    has converged False and a reason (the library's). Example:
        gainkit.threshold(P, I).thresholds["kink"]["value"]
    """
    pump = as_f64(pump, "pump")
    n = pump.shape[0]
    intensity = as_f64(intensity, "intensity", shape=(n,))
    fwhm = as_f64(fwhm, "fwhm", shape=(n,), optional=True)
    methods = _parse_methods(method)
    if methods == {"peak"}:
        raise usage("method peak needs spectra (gainkit.threshold.from_spectra)")
    limits = _pump_limits(range, max_pump, pump_unit)
    order = np.argsort(pump, kind="stable")
    pump, intensity = pump[order], intensity[order]
    fwhm = fwhm[order] if fwhm is not None else None
    if np.any(~(pump > 0)):
        raise usage(f"pump {pump[~(pump > 0)][0]:g} is not positive")
    prange = None
    if limits is not None:
        keep = (pump >= limits[0]) & (pump <= limits[1])
        prange = {"from": limits[0], "to": limits[1], "n_excluded": int(n - keep.sum())}
        pump, intensity = pump[keep], intensity[keep]
        fwhm = fwhm[keep] if fwhm is not None else None
    res = _methods(pump, intensity, fwhm, methods, pump_unit, _input)
    res.pump_range = prange
    return res


def _methods(pump, intensity, fwhm, methods, pump_unit, _input, spectra=None):
    """The CLI's run_methods on a sorted, restricted series. spectra: for
    the peak method, (wavelength_nm, norm, peak_intensity, peak_nm) with
    norm[k] the k-th spectrum with its baseline removed, divided by its peak."""
    n = pump.shape[0]
    pump = np.ascontiguousarray(pump)
    intensity = np.ascontiguousarray(intensity)
    if n < lib.GK_THRESHOLD_MIN_POINTS:
        raise usage(f"a threshold needs at least {lib.GK_THRESHOLD_MIN_POINTS} points, got {n}")
    if "kink" in methods and np.any(~(intensity > 0)):
        bad = intensity[~(intensity > 0)][0]
        if spectra is not None:
            P = pump[~(intensity > 0)][0]
            raise usage(f"spectrum at pump {P:g} {pump_unit}: integrated intensity {bad:g} is not "
                        "positive (the kink method works in log-log; check baseline and window)")
        raise usage(f"intensity {bad:g} is not positive (the kink method works in log-log)")
    if methods == {"fwhm"} and fwhm is None:
        raise usage("method fwhm needs fwhm (the linewidths)")
    err = new_error()
    out, curves, warns = {}, {}, []
    if "kink" in methods:
        k = ffi.new("gk_threshold_kink *")
        rc = lib.gk_threshold_kink_fit(dptr(pump), dptr(intensity), n, k, err)
        if rc not in (lib.GK_OK, lib.GK_ENOCONV):
            raise_for(rc, err)
        out["kink"] = _kink_dict(rc, k)
        if rc == lib.GK_OK and not out["kink"]["converged"]:
            warns.append("kink: " + out["kink"]["reason"])
        curves["kink"] = _kink_curve(k)
    if "lines" in methods:
        ln = ffi.new("gk_threshold_lines *")
        rc = lib.gk_threshold_lines_fit(dptr(pump), dptr(intensity), n, ln, err)
        d = {"value": ln.value, "converged": rc == lib.GK_OK, "determined": rc == lib.GK_OK}
        if rc == lib.GK_ENOCONV:
            why = s(err.msg)
            d["reason"] = why[7:] if why.startswith("lines: ") else why
            warns.append("lines: " + d["reason"])
        elif rc:
            raise_for(rc, err)
        d["n_below"] = int(ln.n_below)
        d["slope_below"], d["slope_above"] = ln.m_lo, ln.m_hi
        d["pump_axis_intercept"] = ln.axis
        d["intercept_below"], d["intercept_above"] = ln.c_lo, ln.c_hi
        out["lines"] = d
        curves["lines"] = (ln.c_lo, ln.m_lo, ln.c_hi, ln.m_hi)
    if "fwhm" in methods and fwhm is not None:
        keep = np.isfinite(fwhm)
        m = int(keep.sum())
        if m < n:
            warns.append(f"{n - m} of {n} spectra have a half-maximum crossing outside the window; "
                         "their FWHM is left out")
        if m < lib.GK_THRESHOLD_MIN_POINTS and methods != {"fwhm"}:
            warns.append(f"fwhm: only {m} widths, at least {lib.GK_THRESHOLD_MIN_POINTS} needed; "
                         "method skipped")
        else:
            p, w = np.ascontiguousarray(pump[keep]), np.ascontiguousarray(fwhm[keep])
            f = ffi.new("gk_threshold_fwhm *")
            rc = lib.gk_threshold_fwhm_fit(dptr(p), dptr(w), m, f, err)
            if rc not in (lib.GK_OK, lib.GK_ENOCONV):
                raise_for(rc, err)
            ok = rc == lib.GK_OK and bool(f.converged) and bool(f.cov_ok) and \
                determined(f.value, f.stderr_)
            d = {"value": f.value, "stderr": f.stderr_, "determined": ok}
            if not ok:
                d["reason"] = s(f.reason) if not f.converged else \
                    "step not determined by the data (no FWHM collapse?)" if not f.cov_ok else \
                    "standard error larger than the value"
            d["converged"] = ok
            d["step_resolved"] = not f.unresolved
            d["fwhm_below_nm"], d["fwhm_above_nm"] = f.p[lib.GK_LOGI_WLO], f.p[lib.GK_LOGI_WHI]
            d["curve"] = {"model": "w = w_hi + (w_lo - w_hi)/(1 + exp((x - x0)/s)), x = log10(pump)",
                          "w_lo": f.p[lib.GK_LOGI_WLO], "w_hi": f.p[lib.GK_LOGI_WHI],
                          "x0": f.p[lib.GK_LOGI_X0], "s": f.p[lib.GK_LOGI_S]}
            if f.unresolved:  # s on its lower bound (as emit_threshold.c)
                d["curve"]["at_bound"] = {"s": "lower"}
            out["fwhm"] = d
            curves["fwhm"] = lambda P, f=f: np.array([lib.gk_threshold_fwhm_eval(f, float(x)) for x in np.atleast_1d(P)])
    peak_int = None
    if "peak" in methods and spectra is not None:
        # Milanese et al., Adv. Opt. Mater. 2024, section 2.2: the emission at
        # the ASE peak wavelength (fixed: the peak of the highest-pump
        # spectrum) versus pump, threshold at its slope change (kink method);
        # the same arithmetic as the CLI (cmd_threshold.c run_methods)
        wl, norm, peak, peak_nm = spectra
        peak_wl = float(peak_nm[n - 1])
        wlp = dptr(wl)
        peak_int = np.full(n, np.nan)
        for i in builtins_range(n):
            if peak[i] > 0:
                row = np.ascontiguousarray(norm[i])
                val = peak[i] * lib.gk_spectra_value_at(wlp, dptr(row), wl.shape[0], peak_wl)
            else:
                val = np.nan
            if val > 0:
                peak_int[i] = val
        use = peak_int > 0
        m = int(use.sum())
        if m < n:
            warns.append(f"peak: {n - m} of {n} spectra have no positive intensity at {peak_wl:.2f} nm; "
                         "left out")
        if m < lib.GK_THRESHOLD_MIN_POINTS and methods != {"peak"}:
            warns.append(f"peak: only {m} usable spectra, at least {lib.GK_THRESHOLD_MIN_POINTS} "
                         "needed; method skipped")
        else:
            p, v = np.ascontiguousarray(pump[use]), np.ascontiguousarray(peak_int[use])
            k = ffi.new("gk_threshold_kink *")
            rc = lib.gk_threshold_kink_fit(dptr(p), dptr(v), m, k, err)
            if rc not in (lib.GK_OK, lib.GK_ENOCONV):
                raise_for(rc, err)
            d = _kink_dict(rc, k)
            d["wavelength_nm"] = peak_wl
            if rc == lib.GK_OK and not d["converged"]:
                warns.append("peak: " + d["reason"])
            out["peak"] = d
            curves["peak"] = _kink_curve(k)
    res = Threshold(converged=all(d["converged"] for d in out.values()), pump=pump,
                    intensity=intensity, fwhm_nm=fwhm, thresholds=out, pump_unit=pump_unit,
                    input=_input, warnings=warns, curves=curves)
    res.intensity_at_ase_peak = peak_int
    return res


def from_spectra(wavelength_nm, spectra, pump, method="default", window=None, baseline="auto",
                 pump_unit="", range=None, max_pump=None, _input="", smooth="auto"):
    """Threshold from spectra: spectra[i, j] at wavelength_nm[i] and pump[j]
    (the CLI's --spectra). Each spectrum gives its integrated intensity,
    peak and FWHM (gainkit.spectrum.analyse with window=(nm1, nm2) in nm,
    baseline = "auto" (default) | None | int N (mean of the first N points)
    | float value, smooth = "auto" (default) | M | None). method, range,
    max_pump as in gainkit.threshold.find; "peak" (in "default" and "all")
    is the kink method on the intensity at the ASE peak wavelength of the
    highest-pump spectrum."""
    wl = as_f64(wavelength_nm, "wavelength_nm")
    pump = as_f64(pump, "pump")
    z = as_f64(spectra, "spectra", ndim=2, shape=(wl.shape[0], pump.shape[0]))
    methods = _parse_methods(method)
    if wl.shape[0] > 1 and wl[1] < wl[0]:
        wl, z = wl[::-1].copy(), z[::-1]
    limits = _pump_limits(range, max_pump, pump_unit)
    order = np.argsort(pump, kind="stable")
    for j in order:
        if not pump[j] > 0:
            raise usage(f"pump {pump[j]:g} (column {j + 2}) is not positive")
    cols = [np.ascontiguousarray(z[:, j]) for j in order]
    stats = [_spectrum.analyse(wl, y, window=window, baseline=baseline, smooth=smooth)
             for y in cols]
    P = pump[order]
    n = P.shape[0]
    prange = None
    keep = np.ones(n, bool)
    if limits is not None:
        keep = (P >= limits[0]) & (P <= limits[1])
        prange = {"from": limits[0], "to": limits[1], "n_excluded": int(n - keep.sum())}
    idx = np.flatnonzero(keep)
    stats = [stats[i] for i in idx]
    cols = [cols[i] for i in idx]
    P = P[idx]
    I = np.array([st.integrated for st in stats])
    peak = np.array([st.peak for st in stats])
    peak_nm = np.array([st.peak_nm for st in stats])
    # normalised (baseline removed, peak = 1), as the CLI's colour map and peak method
    norm = [(y - st.baseline) / st.peak if st.peak > 0 else np.full(y.shape, np.nan)
            for y, st in zip(cols, stats)]
    res = _methods(P, I, np.array([st.fwhm_nm for st in stats]), methods, pump_unit, _input,
                   spectra=(wl, norm, peak, peak_nm))
    res.peak_nm, res.peak_intensity = peak_nm, peak
    res.fwhm_flags = np.array([st.fwhm_flags for st in stats])
    res.baselines = np.array([st.baseline for st in stats])
    res.baseline_kind = "none" if baseline is None else "auto" if baseline == "auto" else \
        "first_n" if isinstance(baseline, (int, np.integer)) else "value"
    res.pump_range = prange
    res.spectra = True
    return res


def prepare_file(path, spectra=False, window=None, baseline="auto", smooth="auto", range=None,
                 max_pump=None, **input_kw):
    """Read and prepare a threshold data set exactly as `gainkit threshold`
    does: a table (gk_table_read + gk_threshold_prepare_table: pump,
    intensity[, FWHM nm], the pump unit checked, pumps sorted, > 0) or, with
    spectra=True, a matrix / several spectrum files / a folder (the input
    layer gk_io_assemble, input_kw as gainkit.io.read_input, then
    gk_threshold_prepare_matrix: each spectrum's integral, peak and FWHM
    with window, baseline, smooth as in from_spectra), then the pump range
    (gk_threshold_series_restrict; range/max_pump as in find). Returns a
    dict of numpy arrays: pump, intensity, fwhm (or None), peak_nm, peak,
    flags, baseline, wl and norm (spectra), pump_unit, pump_range, notes."""
    from .io import input_c
    first = path if isinstance(path, (str, os.PathLike)) else list(path)[0]
    keep = [ffi.new("char[]", os.fsencode(first))]
    sp = ffi.new("gk_threshold_series *")
    err = new_error()
    notes = []
    try:
        if spectra:
            m, notes = input_c(path, **input_kw)
            try:
                o = _spectrum.options(window, baseline, smooth)
                raise_for(lib.gk_threshold_prepare_matrix(m, o, sp, err), err)
            finally:
                lib.gk_matrix_free(m)
        else:
            if input_kw:
                raise usage(f"{', '.join(input_kw)}: apply to spectra (spectra=True)")
            ro = ffi.new("gk_read_options *")
            tb = ffi.new("gk_table *")
            raise_for(lib.gk_table_read(keep[0], ro, tb, err), err)
            try:
                raise_for(lib.gk_threshold_prepare_table(tb, sp, err), err)
            finally:
                lib.gk_table_free(tb)
        unit = s(sp.pump_unit)
        limits = _pump_limits(range, max_pump, unit)
        prange = None
        if limits is not None:
            lib.gk_threshold_series_restrict(sp, limits[0], limits[1])
            prange = {"from": limits[0], "to": limits[1], "n_excluded": int(sp.n_out)}
        n = int(sp.n)
        out = dict(pump=carray(sp.pump, n), intensity=carray(sp.intensity, n),
                   fwhm=carray(sp.fwhm, n) if sp.has_fwhm else None, peak_nm=carray(sp.peak_nm, n),
                   peak=carray(sp.peak, n), flags=carray(sp.flags, n, np.intc),
                   baseline=carray(sp.baseline, n), pump_unit=unit, pump_range=prange, notes=notes,
                   spectra=bool(sp.spectra), wl=None, norm=None)
        if sp.spectra:
            nwl = int(sp.nwl)
            out["wl"] = carray(sp.wl, nwl)
            out["norm"] = carray(sp.norm, n * nwl).reshape(n, nwl)
        return out
    finally:
        lib.gk_threshold_series_free(sp)


def from_file(path, spectra=False, method="default", window=None, baseline="auto", smooth="auto",
              range=None, max_pump=None, **input_kw):
    """Read a threshold file as the CLI does (prepare_file: the library's
    gk_threshold_prepare_table / gk_io_assemble + gk_threshold_prepare_matrix
    and gk_threshold_series_restrict, the functions `gainkit threshold`
    calls) and find the threshold: columns pump, intensity[, FWHM nm], or
    with spectra=True a matrix (first row pumps, first column wavelength in
    nm), several spectrum files or a folder (pumps from the file names by
    default). method, range, max_pump as in gainkit.threshold.find (range
    in the file's pump unit, or strings with a unit suffix); window,
    baseline, smooth as in from_spectra. Example:
        gainkit.threshold.from_file("examples/threshold-series.csv", range=(5, 200))"""
    methods = _parse_methods(method)
    if not spectra and methods == {"peak"}:
        raise usage("method peak needs spectra (gainkit.threshold.from_spectra)")
    p = prepare_file(path, spectra, window, baseline, smooth, range, max_pump, **input_kw)
    first = os.fspath(path if isinstance(path, (str, os.PathLike)) else list(path)[0])
    if not spectra:
        res = _methods(p["pump"], p["intensity"], p["fwhm"], methods, p["pump_unit"], first)
        res.pump_range = p["pump_range"]
        return res
    res = _methods(p["pump"], p["intensity"], p["fwhm"], methods, p["pump_unit"], first,
                   spectra=(p["wl"], list(p["norm"]), p["peak"], p["peak_nm"]))
    res.peak_nm, res.peak_intensity = p["peak_nm"], p["peak"]
    res.fwhm_flags = p["flags"]
    res.baselines = p["baseline"]
    res.baseline_kind = "none" if baseline is None else "auto" if baseline == "auto" else \
        "first_n" if isinstance(baseline, (int, np.integer)) else "value"
    res.pump_range = p["pump_range"]
    res.spectra = True
    return res
