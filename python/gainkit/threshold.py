"""ASE threshold from a pump series: kink (log-log two-segment fit), lines
(two straight lines in linear scale) and fwhm (logistic step of the
linewidth). See gainkit/threshold.h and docs/threshold.md."""
from __future__ import annotations

import dataclasses

import numpy as np

from ._core import Result, as_f64, determined, dptr, new_error, raise_for, s, usage
from ._ffi import ffi, lib
from . import spectrum as _spectrum

METHODS = ("kink", "lines", "fwhm")


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
            if self.fwhm_nm is not None:
                o["fwhm_nm"] = self.fwhm_nm[i]
            if self.fwhm_flags is not None and self.fwhm_flags[i]:
                o["fwhm_flag"] = flag.get(int(self.fwhm_flags[i]), "")
            series.append(o)
        d = {"command": "threshold", "input": self.input, "pump_unit": self.pump_unit,
             "converged": self.converged}
        if self.baselines is not None:
            b = self.baselines
            d["baseline"] = {"kind": self.baseline_kind, "mean": float(np.mean(b)) if len(b) else None,
                             "min": float(np.min(b)) if len(b) else None,
                             "max": float(np.max(b)) if len(b) else None}
        d.update({"series": series, "thresholds": self.thresholds})
        return d


def find(pump, intensity, fwhm=None, method="all", pump_unit="", _input="", _spectra=None):
    """ASE threshold of a pump series.

    pump       pump values (> 0, any unit: the threshold comes back in it)
    intensity  emission intensity (> 0 for kink: it works in log-log)
    fwhm       linewidths in nm (optional; needed for the fwhm method;
               non-finite widths are left out)
    method     "kink", "lines", "fwhm" or "all" (default: every method the
               data allow)
    At least 6 points. Returns Threshold; a method that did not converge,
    or whose threshold the data do not determine, has converged False and a
    reason (the library's). Example:
        gainkit.threshold(P, I).thresholds["kink"]["value"]
    """
    pump = as_f64(pump, "pump")
    n = pump.shape[0]
    intensity = as_f64(intensity, "intensity", shape=(n,))
    fwhm = as_f64(fwhm, "fwhm", shape=(n,), optional=True)
    if method == "all":
        methods = set(METHODS)
    elif method in METHODS:
        methods = {method}
    else:
        raise usage(f"method: '{method}' is not one of kink, lines, fwhm, all")
    order = np.argsort(pump, kind="stable")
    pump, intensity = pump[order], intensity[order]
    fwhm = fwhm[order] if fwhm is not None else None
    if n < lib.GK_THRESHOLD_MIN_POINTS:
        raise usage(f"a threshold needs at least {lib.GK_THRESHOLD_MIN_POINTS} points, got {n}")
    if np.any(~(pump > 0)):
        raise usage(f"pump {pump[~(pump > 0)][0]:g} is not positive")
    if "kink" in methods and np.any(~(intensity > 0)):
        raise usage(f"intensity {intensity[~(intensity > 0)][0]:g} is not positive "
                    "(the kink method works in log-log)")
    if methods == {"fwhm"} and fwhm is None:
        raise usage("method fwhm needs fwhm (the linewidths)")
    err = new_error()
    out, curves, warns = {}, {}, []
    if "kink" in methods:
        k = ffi.new("gk_threshold_kink *")
        rc = lib.gk_threshold_kink_fit(dptr(pump), dptr(intensity), n, k, err)
        if rc not in (lib.GK_OK, lib.GK_ENOCONV):
            raise_for(rc, err)
        # the CLI's k_ok / k_reason / kink_json (cmd_threshold.c)
        ok = rc == lib.GK_OK and bool(k.converged) and bool(k.cov_ok) and not k.no_threshold \
            and determined(k.value, k.stderr_)
        d = {"value": float("nan") if k.no_threshold else k.value, "stderr": k.stderr_}
        d["determined"] = ok
        if not ok:
            d["reason"] = s(k.reason) if (not k.converged or k.no_threshold) else \
                "break point not determined by the data (no change of slope?)" if not k.cov_ok else \
                "standard error larger than the value"
        d["converged"] = ok
        d["slope_below"], d["slope_above"] = k.p[lib.GK_KINK_B1], k.p[lib.GK_KINK_B2]
        if k.no_threshold:
            d["break"] = k.value
        if np.isfinite(k.saturation):
            d["saturation_pump"], d["slope_saturated"] = k.saturation, k.slope_saturated
            d["n_used"] = int(k.n_used)
        out["kink"] = d
        curves["kink"] = lambda P, k=k: np.array([lib.gk_threshold_kink_eval(k, float(p)) for p in np.atleast_1d(P)])
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
            out["fwhm"] = d
            curves["fwhm"] = lambda P, f=f: np.array([lib.gk_threshold_fwhm_eval(f, float(x)) for x in np.atleast_1d(P)])
    res = Threshold(converged=all(d["converged"] for d in out.values()), pump=pump,
                    intensity=intensity, fwhm_nm=fwhm, thresholds=out, pump_unit=pump_unit,
                    input=_input, warnings=warns, curves=curves)
    if _spectra is not None:
        res.peak_nm, res.peak_intensity, res.fwhm_flags = (a[order] for a in _spectra)
    return res


def from_spectra(wavelength_nm, spectra, pump, method="all", window=None, baseline="auto",
                 pump_unit="", _input="", smooth="auto"):
    """Threshold from spectra: spectra[i, j] at wavelength_nm[i] and pump[j]
    (the CLI's --spectra). Each spectrum gives its integrated intensity,
    peak and FWHM (gainkit.spectrum.analyse with window=(nm1, nm2) and
    baseline = None | int N (mean of the first N points) | float value)."""
    wl = as_f64(wavelength_nm, "wavelength_nm")
    pump = as_f64(pump, "pump")
    z = as_f64(spectra, "spectra", ndim=2, shape=(wl.shape[0], pump.shape[0]))
    if wl.shape[0] > 1 and wl[1] < wl[0]:
        wl, z = wl[::-1].copy(), z[::-1]
    stats = [_spectrum.analyse(wl, np.ascontiguousarray(z[:, j]), window=window, baseline=baseline,
                               smooth=smooth)
             for j in range(pump.shape[0])]
    I = np.array([st.integrated for st in stats])
    for j, st in enumerate(stats):
        if "kink" in (METHODS if method == "all" else (method,)) and not (st.integrated > 0):
            raise usage(f"spectrum at pump {pump[j]:g} {pump_unit}: integrated intensity "
                        f"{st.integrated:g} is not positive (the kink method works in log-log; "
                        "check baseline and window)")
    extra = (np.array([st.peak_nm for st in stats]), np.array([st.peak for st in stats]),
             np.array([st.fwhm_flags for st in stats]))
    res = find(pump, I, np.array([st.fwhm_nm for st in stats]), method=method,
               pump_unit=pump_unit, _input=_input, _spectra=extra)
    order = np.argsort(pump, kind="stable")
    res.baselines = np.array([st.baseline for st in stats])[order]
    res.baseline_kind = "none" if baseline is None else "auto" if baseline == "auto" else \
        "first_n" if isinstance(baseline, (int, np.integer)) else "value"
    return res


def from_file(path, spectra=False, method="all", window=None, baseline="auto", smooth="auto"):
    """Read a threshold file as the CLI does and find the threshold."""
    from .io import read_matrix, read_table
    if spectra:
        m = read_matrix(path, require_increasing_rows=True, min_rows=3)
        return from_spectra(m.row, m.z, m.col, method=method, window=window, baseline=baseline,
                            pump_unit=m.col_unit_in or m.col_unit, _input=path, smooth=smooth)
    t = read_table(path)
    if t.v.shape[1] not in (2, 3):
        raise usage(f"{path}: {t.v.shape[1]} column(s); expected pump, intensity and optionally FWHM (nm)")
    return find(t.v[:, 0], t.v[:, 1], t.v[:, 2] if t.v.shape[1] == 3 else None, method=method,
                pump_unit=t.units[0], _input=path)
