"""Global fits of variable-pump-intensity spectra (gainkit/vpi.h;
Milanese et al., Adv. Opt. Mater. 2024, Eq. 6-8):
g = gamma(lambda) dn(P) - alpha(lambda);
vpi1: I = W1(P) F (e^{gL} - 1)/g; vpi2 adds W2(P) F (1 - e^{-alpha L})/alpha."""
from __future__ import annotations

import dataclasses
import math
import os

import numpy as np

from ._core import InputError, Result, as_f64, carray, dptr, new_error, raise_for, usage
from ._ffi import constants, ffi, lib

SIGMA_FLOOR = 1e-3  # the CLI's floor: 1e-3 of each spectrum's largest |I|


@dataclasses.dataclass
class VpiFit(Result):
    """gamma, alpha in cm^-1 per wavelength; W per pump; globals P1, P2
    (pump unit), m, n; thresholds gl1 (g L = 1) and transparency (g = 0) in
    the pump unit with stderr, 3-sigma band interval (lo, hi), the 95 %
    profile-likelihood interval (threshold[...]["profile"]: level, lo, hi,
    lo_open, hi_open, determined) and whether the data determine them."""
    model: str
    converged: bool
    chi2_red: float
    weights: str
    length_cm: float
    params: dict
    stderr: dict
    params_determined: bool
    wavelength_nm: np.ndarray
    gamma: np.ndarray
    gamma_stderr: np.ndarray
    alpha: np.ndarray
    alpha_stderr: np.ndarray
    pump: np.ndarray
    w_ase: np.ndarray
    w_ase_stderr: np.ndarray
    w_fl: np.ndarray | None
    w_fl_stderr: np.ndarray | None
    peak_nm: float
    net_gain_at_peak: np.ndarray
    threshold: dict
    ase_over_background: float | None
    yhat: np.ndarray
    reason: str
    warnings: list = dataclasses.field(default_factory=list)
    # the headline: the gL=1 threshold is determined (the CLI's "determined")
    determined: bool = True
    params_each_determined: dict = dataclasses.field(default_factory=dict)
    # F(lambda) used, and whether it was estimated from the lowest-pump spectrum
    fluorescence: np.ndarray | None = None
    fluorescence_estimated: bool = True
    # vpi2 with an estimated F: the fraction of the lowest-pump spectrum at
    # the ASE peak that the fit calls ASE (that much of "F" is ASE)
    ase_fraction_lowest_pump: float | None = None
    # None, or the limit P1 -> 0 of the model the fit converged to (the
    # CLI's "boundary": at, net_gain, not_determined, chi2_limit,
    # chi2_interior, a0, a0_stderr, kappa, kappa_stderr; docs/vpi.md)
    boundary: dict | None = None
    # params at their bound at the boundary: {name: reason}
    params_at_bound: dict = dataclasses.field(default_factory=dict)
    # the profile as a search (the CLI's "profile_search"; docs/vpi.md "The
    # profile as a search"): refits, chi2_start_search, chi2,
    # lowest_pinned_dchi2; None when not profiled
    profile_search: dict | None = None

    def _dict(self):
        d = {"command": "vpi", "model": self.model, "converged": self.converged,
             "chi2_red": self.chi2_red}
        if self.profile_search is not None:
            d["profile_search"] = self.profile_search
        d.update({"weights": self.weights, "length_cm": self.length_cm,
             "params": {k: {"value": v, "stderr": self.stderr[k],
                            "determined": self.params_each_determined.get(k, self.params_determined),
                            **({"at_bound": True, "reason": self.params_at_bound[k]}
                               if k in self.params_at_bound else {})}
                        for k, v in self.params.items()},
             "determined": self.determined, "boundary": self.boundary,
             "fluorescence": {"source": "estimated: lowest-pump spectrum" if self.fluorescence_estimated
                              else "measured (--fluorescence)"}})
        if self.fluorescence_estimated:
            d["fluorescence"]["ase_fraction_lowest_pump"] = self.ase_fraction_lowest_pump
        d.update({
             "params_determined": self.params_determined, "wavelength_nm": self.wavelength_nm,
             "gamma": self.gamma, "gamma_stderr": self.gamma_stderr, "alpha": self.alpha,
             "alpha_stderr": self.alpha_stderr, "pump": self.pump, "w_ase": self.w_ase,
             "w_ase_stderr": self.w_ase_stderr})
        if self.model == "vpi2":
            d["w_fl"], d["w_fl_stderr"] = self.w_fl, self.w_fl_stderr
        d["peak_nm"] = self.peak_nm
        d["net_gain_at_peak"] = self.net_gain_at_peak
        d["threshold"] = self.threshold
        if self.model == "vpi2":
            d["ase_over_background"] = self.ase_over_background
        return d


_WEIGHTS = {"none": lib.GK_VPI_WEIGHTS_NONE, "relative": lib.GK_VPI_WEIGHTS_RELATIVE,
            "poisson": lib.GK_VPI_WEIGHTS_POISSON}


def _weights_code(weights):
    if weights not in _WEIGHTS:
        raise usage(f"weights: expected none, relative or poisson, got '{weights}'")
    return _WEIGHTS[weights]


def _prepared(p):
    """The arrays of a gk_vpi_prepared, copied."""
    nl, npump = int(p.nl), int(p.np)
    return dict(wavelength_nm=carray(getattr(p, "lambda"), nl), pump=carray(p.pump, npump),
                intensity=carray(p.intensity, nl * npump).reshape(nl, npump),
                fluorescence=carray(p.F, nl), fluorescence_estimated=bool(p.F_estimated),
                losses=carray(p.alpha, nl), sigma=None if p.sigma == ffi.NULL else
                carray(p.sigma, nl * npump).reshape(nl, npump), length_cm=float(p.L),
                pump_unit=ffi.string(p.pump_unit).decode(),
                notes=[ffi.string(p.notes.msg[k]).decode() for k in range(p.notes.n)])


def _prepare_arrays(wl, pump, I, length, weights, fluorescence=None, losses=None):
    """gk_vpi_prepare (the function `gainkit vpi` calls) on arrays: a
    gk_matrix over the caller's buffers (rows wavelengths, columns pumps),
    so the order, checks, sigmas and F/losses files are the library's.
    fluorescence/losses: file names or None."""
    m = ffi.new("gk_matrix *")
    m.nrow, m.ncol = wl.shape[0], pump.shape[0]
    m.row, m.col, m.z = dptr(wl), dptr(pump), dptr(I)
    o = ffi.new("gk_vpi_prepare_options *")
    o.length = float(length)
    o.weights = _weights_code(weights)
    keep = []
    for field, v in (("fluorescence", fluorescence), ("losses", losses)):
        if v is not None:
            keep.append(ffi.new("char[]", os.fsencode(v)))
            setattr(o, field, keep[-1])
    p = ffi.new("gk_vpi_prepared *")
    err = new_error()
    try:
        raise_for(lib.gk_vpi_prepare(m, o, p, err), err)
        return _prepared(p)
    finally:
        lib.gk_vpi_prepared_free(p)


def sigma_for(intensity, weights):
    """The CLI's noise model, from the library (gk_vpi_prepare): relative
    sigma = |I|, poisson sqrt|I|, each floored at 1e-3 of its pump
    column's largest |I| (intensity[wavelength, pump], >= 3 x 2, finite);
    None for 'none'."""
    _weights_code(weights)
    I = as_f64(intensity, "intensity", ndim=2)
    nl, npump = I.shape
    axis = np.arange(1.0, max(nl, npump) + 1.0)
    return _prepare_arrays(axis[:nl].copy(), axis[:npump].copy(), I, 1.0, weights)["sigma"]


def _why_undet(v, se, flag_ok, flag_why="the data do not bound it"):
    """The CLI's why_undet_flag (cli/cmd_vpi.c): None when determined."""
    if not math.isfinite(v):
        return "no value"
    if not flag_ok:
        return flag_why
    if not math.isfinite(se):
        return "no standard error"
    if se > abs(v):
        return "standard error exceeds |value|"
    return None


def load_curve(path, wavelength_nm, what="curve"):
    """A two-column file (wavelength nm, value) interpolated linearly onto
    wavelength_nm, as the CLI's --fluorescence/--losses: every wavelength
    must lie inside the file's range (InputError naming file and line
    otherwise). The interpolation is GSL's linear one, in numpy."""
    from .io import read_columns
    wl = as_f64(wavelength_nm, "wavelength_nm")
    c = read_columns(path, xkind="wavelength", x_unit_default="nm", min_points=2,
                     allow_unsorted=True, require_positive_sigma=False)
    lo, hi = c.x[0], c.x[-1]
    if wl[0] < lo or wl[-1] > hi:
        line = int(c.line[0 if wl[0] < lo else -1])
        msg = f"{what} covers {lo:g}-{hi:g} nm but the data need {wl[0]:g}-{wl[-1]:g} nm"
        raise InputError(f"{c.path}:{line}: {msg}", code=lib.GK_EINPUT, file=c.path, line=line,
                         message=msg)
    # gsl_interp_linear: interval i with x[i] <= x < x[i+1] (the last
    # interval for x = x[n-1]), y[i] + (y[i+1]-y[i])/(x[i+1]-x[i]) * (x - x[i])
    i = np.clip(np.searchsorted(c.x, wl, side="right") - 1, 0, len(c.x) - 2)
    x0, x1, y0, y1 = c.x[i], c.x[i + 1], c.y[i], c.y[i + 1]
    return y0 + (y1 - y0) / (x1 - x0) * (wl - x0)


PROFILE_LEVEL = 0.95  # the CLI's level of the thresholds' profile-likelihood intervals


def _profile(r, est, lo, hi, det, factor, crit):
    """The CLI's profile_json (cli/emit_vpi.c): the profile-likelihood
    interval of one threshold; lo/hi None with lo_open/hi_open True where
    the data do not bound that side; the criterion (Delta chi2 <= criterion
    x chi2_red) with its bootstrap Bartlett factor (docs/vpi.md)."""
    p = {"level": r.prof_level,
         "method": ("profile likelihood, bootstrap-Bartlett-calibrated criterion" if r.prof_nboot
                    else "profile likelihood, chi-square(1) criterion"),
         "criterion": crit, "bartlett_factor": factor, "bootstrap_replicates": float(r.prof_nboot)}
    if not math.isfinite(est) and not (math.isnan(lo) or math.isnan(hi)):
        p["reason"] = "no estimate (the fitted gain does not cross the target): one-sided interval"
    if math.isnan(lo) or math.isnan(hi):
        p.update({"lo": None, "hi": None, "reason": "no threshold to profile"})
    else:
        lo_open, hi_open = not lo > 0, not math.isfinite(hi)
        p.update({"lo": None if lo_open else lo, "hi": None if hi_open else hi,
                  "lo_open": lo_open, "hi_open": hi_open})
    p["determined"] = bool(det)
    return p


def fit(wavelength_nm, pump, intensity, length, model="vpi2", fluorescence=None, losses=None,
        weights="relative"):
    """Global VPI fit.

    wavelength_nm  nl wavelengths (nm), increasing
    pump           np pump values (> 0, increasing; P1, P2 and the
                   thresholds come back in this unit)
    intensity      nl x np spectra, intensity[i, j] at wavelength i, pump j
    length         stripe length, cm
    model          "vpi1" or "vpi2" (default)
    fluorescence   F(lambda) (nl values >= 0), or a two-column file
                   (wavelength nm, F) interpolated onto wavelength_nm (the
                   CLI's --fluorescence); default None: the lowest-pump
                   spectrum normalised to its maximum
    losses         alpha(lambda) in cm^-1 (>= 0) to hold fixed, as values or
                   a two-column file (the CLI's --losses); default None: fit
    weights        "relative" (default), "poisson" or "none"
    Example: gainkit.vpi.fit(wl, P, I, 0.2, model="vpi1").threshold["gl1"]
    """
    wl = as_f64(wavelength_nm, "wavelength_nm")
    pump = as_f64(pump, "pump")
    nl, npump = wl.shape[0], pump.shape[0]
    I = as_f64(intensity, "intensity", ndim=2, shape=(nl, npump))
    fpath = os.fspath(fluorescence) if isinstance(fluorescence, (str, bytes, os.PathLike)) else None
    lpath = os.fspath(losses) if isinstance(losses, (str, bytes, os.PathLike)) else None
    F = None if fpath else as_f64(fluorescence, "fluorescence", shape=(nl,), optional=True)
    alpha = None if lpath else as_f64(losses, "losses", shape=(nl,), optional=True)
    if nl < 3:
        raise usage(f"wavelength_nm: {nl} wavelengths, need at least 3")
    if npump < 2:
        raise usage(f"pump: {npump} pumps, need at least 2")
    if model not in ("vpi1", "vpi2"):
        raise usage(f"model: expected vpi1 or vpi2, got '{model}'")
    if not float(length) > 0:
        raise usage(f"length: must be > 0 cm, got {length}")
    if alpha is not None:
        bad = np.flatnonzero(~(alpha >= 0))
        if bad.size:
            msg = f"losses must be >= 0 ({alpha[bad[0]]:g} cm^-1 at {wl[bad[0]]:g} nm)"
            raise InputError(msg, code=lib.GK_EINPUT, file="", message=msg)
    # the library's preparation, as for files: order, checks, the weights'
    # sigmas, F and losses files interpolated, F estimated when not given
    p = _prepare_arrays(wl, pump, I, length, weights, fpath, lpath)
    if F is not None or alpha is not None:
        # arrays given on the caller's wavelengths: in the prepared order
        order = np.argsort(wl, kind="stable")
        F = F[order] if F is not None else None
        alpha = alpha[order] if alpha is not None else None
    if F is None:
        F = p["fluorescence"]
    if alpha is None:
        alpha = p["losses"]
    return _fit_core(p["wavelength_nm"], p["pump"], p["intensity"], length, model, F, alpha, p["sigma"],
                     weights, estimated=p["fluorescence_estimated"])


def _fit_core(wl, pump, I, length, model, F, alpha, sig, weights, estimated=None):
    """The fit of checked arrays (F None: estimated from the lowest-pump
    spectrum, gk_vpi_default_fluorescence), profile intervals, verdicts."""
    nl, npump = wl.shape[0], pump.shape[0]
    d = ffi.new("gk_vpi_data *")
    d.nl, d.np = nl, npump
    setattr(d, "lambda", dptr(wl))
    d.pump, d.intensity, d.L = dptr(pump), dptr(I), float(length)
    err = new_error()
    if estimated is None:
        estimated = F is None
    if F is None:
        F = np.empty(nl)
        raise_for(lib.gk_vpi_default_fluorescence(d, dptr(F), err), err)
    d.F, d.sigma, d.alpha_fixed = dptr(F), dptr(sig), dptr(alpha)
    r = ffi.new("gk_vpi_result *")
    rc = lib.gk_vpi_fit(d, lib.GK_VPI1 if model == "vpi1" else lib.GK_VPI2, ffi.NULL, r, err)
    try:
        raise_for(rc, err)
        # profile-likelihood intervals of both thresholds, as the CLI after
        # each fit (cli/cmd_vpi.c; docs/vpi.md): replaces the thresholds'
        # "determined" verdicts and, when bounded, their standard errors
        raise_for(lib.gk_vpi_profile_thresholds(d, r, PROFILE_LEVEL, err), err)
        gn = ("P1", "P2", "m", "n")
        warns = []
        if not r.converged:
            warns.append(f"{model} fit did not converge: {ffi.string(r.reason).decode()}")
        if not r.glob_determined:
            warns.append(f"{model}: P1, P2, m, n are not determined by these data (relative stderr "
                         f"above {100 * constants.get('GK_VPI_GLOB_RELSE', 0.5):g} %)")
        search = None
        if r.profiled or r.prof_refits:
            search = {"refits": float(r.prof_refits),
                      "chi2_start_search": r.prof_chi2_search if r.prof_refits else r.chi2,
                      "chi2": r.chi2, "lowest_pinned_dchi2": r.prof_dchi2_low}
        if r.prof_refits:
            warns.append(f"{model}: the thresholds' profile found a lower valley than the start search "
                         f"(chi2 {r.chi2:.6g} against {r.prof_chi2_search:.6g}); the fit was redone from "
                         f"there and every result shown is the lower fit's")
        if r.profiled and r.prof_unsettled:
            s2 = r.chi2_red if r.chi2_red > 0 else 1.0
            warns.append(f"{model}: the profile still reaches a chi2 {-r.prof_dchi2_low / s2:.3g} x chi2_red "
                         f"below this fit: its optimum is not settled, so neither are the thresholds")
        bnd, at_bound = None, {}
        if r.boundary:
            where = "P1 -> 0, P2 -> 0" if r.boundary == 2 else "P1 -> 0"
            warns.append(f"{model}: the best fit is the limit {where} of the model: gamma, alpha and "
                         f"W_fl diverge and are not determined")
            bnd = {"at": where,
                   "net_gain": "a0 - kappa psi(P), psi = P2^m (1/P - 1/Pmax) + "
                               "P2^(m-n) (P^(n-1) - Pmax^(n-1)) - (P^(m-1) - Pmax^(m-1))",
                   "not_determined": "gamma, alpha and w_fl diverge (w_fl here: the amplitude "
                                     "of the limit background F/kappa)",
                   "chi2_limit": r.chi2_limit, "chi2_interior": r.chi2_interior,
                   "a0": carray(r.a0, nl), "a0_stderr": carray(r.a0_se, nl),
                   "kappa": carray(r.kappa, nl), "kappa_stderr": carray(r.kappa_se, nl)}
            at_bound["P1"] = "the optimum is the limit of the model at this bound"
            if r.boundary == 2:
                at_bound["P2"] = "the optimum is the limit of the model at this bound"
                at_bound["n"] = "leaves the model at P2 = 0"
        if not r.th_gl1_determined:
            warns.append(f"{model}: the gL=1 threshold is not determined by these data")
        th = {"gl1": {"value": r.th_gl1, "stderr": r.th_gl1_se, "lo": r.th_gl1_lo,
                      "hi": r.th_gl1_hi, "determined": bool(r.th_gl1_determined)},
              "transparency": {"value": r.th_tr, "stderr": r.th_tr_se, "lo": r.th_tr_lo,
                               "hi": r.th_tr_hi, "determined": bool(r.th_tr_determined)}}
        if r.profiled:
            th["gl1"]["profile"] = _profile(r, r.th_gl1, r.th_gl1_plo, r.th_gl1_phi, r.th_gl1_pdet,
                                            r.prof_factor_gl1, r.prof_crit_gl1)
            th["transparency"]["profile"] = _profile(r, r.th_tr, r.th_tr_plo, r.th_tr_phi, r.th_tr_pdet,
                                                     r.prof_factor_tr, r.prof_crit_tr)
        v2 = model == "vpi2"
        th["gl1"]["determined"] = _why_undet(r.th_gl1, r.th_gl1_se, r.th_gl1_determined) is None
        th["transparency"]["determined"] = _why_undet(r.th_tr, r.th_tr_se, r.th_tr_determined) is None
        each = {gn[k]: _why_undet(r.glob[k], r.glob_se[k], r.glob_determined) is None for k in range(4)}
        frac = None
        if estimated:
            frac = float("nan")
            if v2:
                ase, bg = ffi.new("double *"), ffi.new("double *")
                lib.gk_vpi_terms(r, dptr(F), r.ipk, pump[0], r.w1[0], r.w2[0], ase, bg)
                if ase[0] + bg[0] > 0:
                    frac = ase[0] / (ase[0] + bg[0])
        return VpiFit(
            determined=th["gl1"]["determined"], params_each_determined=each,
            boundary=bnd, params_at_bound=at_bound, profile_search=search,
            fluorescence=F, fluorescence_estimated=estimated, ase_fraction_lowest_pump=frac,
            model=model, converged=bool(r.converged), chi2_red=r.chi2_red, weights=weights,
            length_cm=float(length), params={gn[k]: r.glob[k] for k in range(4)},
            stderr={gn[k]: r.glob_se[k] for k in range(4)},
            params_determined=bool(r.glob_determined), wavelength_nm=wl,
            gamma=carray(r.gamma, nl), gamma_stderr=carray(r.gamma_se, nl),
            alpha=carray(r.alpha, nl), alpha_stderr=carray(r.alpha_se, nl), pump=pump,
            w_ase=carray(r.w1, npump), w_ase_stderr=carray(r.w1_se, npump),
            w_fl=carray(r.w2, npump) if v2 else None,
            w_fl_stderr=carray(r.w2_se, npump) if v2 else None, peak_nm=r.peak_nm,
            net_gain_at_peak=np.array([lib.gk_vpi_gain(r, r.ipk, float(p)) for p in pump]),
            threshold=th,
            ase_over_background=(pump[0] if r.ase_over_bg_at_lowest else r.ase_over_bg) if v2 else None,
            yhat=carray(r.yhat, nl * npump).reshape(nl, npump),
            reason=ffi.string(r.reason).decode(), warnings=warns)
    finally:
        lib.gk_vpi_result_free(r)


def prepare_file(path, length=None, window=None, max_pump=None, auto_max_pump=False, fluorescence=None,
                 losses=None, weights="relative", **input_kw):
    """Read and prepare a VPI data set exactly as `gainkit vpi` does: the
    input layer (gk_io_assemble: a matrix file, several spectrum files or a
    folder; input_kw as gainkit.io.read_input) and gk_vpi_prepare (window
    in nm, pumps sorted and cut at max_pump, a number in the file's pump
    unit or a string with a unit such as "0.05mJ/cm2", auto_max_pump,
    stripe length in cm or the file's '# stripe_length_cm:', F(lambda) and
    fixed losses from two-column files interpolated, the weights' sigmas).
    Returns a dict: wavelength_nm, pump, intensity[nl, np], fluorescence,
    fluorescence_estimated, losses (or None), sigma (or None), length_cm,
    pump_unit, notes."""
    from .io import input_c
    _weights_code(weights)
    m, notes = input_c(path, **input_kw)
    keep = []
    o = ffi.new("gk_vpi_prepare_options *")
    if window is not None:
        o.window, o.window_lo, o.window_hi = 1, float(window[0]), float(window[1])
    if max_pump is not None:
        keep.append(ffi.new("char[]", (max_pump if isinstance(max_pump, str) else repr(float(max_pump))).encode()))
        o.max_pump = keep[-1]
    o.auto_max_pump = int(bool(auto_max_pump))
    o.length = float(length) if length is not None else 0.0
    for field, v in (("fluorescence", fluorescence), ("losses", losses)):
        if v is not None:
            keep.append(ffi.new("char[]", os.fsencode(v)))
            setattr(o, field, keep[-1])
    o.weights = _weights_code(weights)
    p = ffi.new("gk_vpi_prepared *")
    err = new_error()
    try:
        raise_for(lib.gk_vpi_prepare(m, o, p, err), err)
        d = _prepared(p)
        d["notes"] = notes + d["notes"]
        return d
    finally:
        lib.gk_vpi_prepared_free(p)
        lib.gk_matrix_free(m)


def fit_file(path, length=None, model="vpi2", window=None, max_pump=None, fluorescence=None,
             losses=None, weights="relative", auto_max_pump=False, **input_kw):
    """Read a VPI data set as the CLI does (prepare_file: gk_io_assemble and
    gk_vpi_prepare, the functions `gainkit vpi` calls) and fit it: length in
    cm (default: the file's '# stripe_length_cm:'), window (nm1, nm2) in nm,
    pumps up to max_pump (the file's pump unit, or a string with a unit;
    default all), fluorescence and losses as two-column files (wavelength
    nm, value) as the CLI's --fluorescence/--losses, or as arrays over the
    selected wavelengths. path: a matrix file, several spectrum files or a
    folder (pumps from the file names by default; input_kw as
    gainkit.io.read_input: dark=, pumps=, ...). Example:
        gainkit.vpi.fit_file("examples/vpi-ddab.csv", model="vpi1",
                             fluorescence="examples/vpi-ddab-fl.csv")"""
    if model not in ("vpi1", "vpi2"):
        raise usage(f"model: expected vpi1 or vpi2, got '{model}'")
    is_file = lambda v: isinstance(v, (str, bytes, os.PathLike))  # noqa: E731
    p = prepare_file(path, length, window, max_pump, auto_max_pump,
                     fluorescence if is_file(fluorescence) else None,
                     losses if is_file(losses) else None, weights, **input_kw)
    if fluorescence is not None and not is_file(fluorescence) or losses is not None and not is_file(losses):
        # arrays over the selected wavelengths: the array path (fit) on the prepared data
        return fit(p["wavelength_nm"], p["pump"], p["intensity"], p["length_cm"], model=model,
                   fluorescence=p["fluorescence"] if is_file(fluorescence) else fluorescence,
                   losses=p["losses"] if is_file(losses) else losses, weights=weights)
    r = _fit_core(p["wavelength_nm"], p["pump"], p["intensity"], p["length_cm"], model, p["fluorescence"],
                  p["losses"], p["sigma"], weights, estimated=p["fluorescence_estimated"])
    r.warnings = p["notes"] + list(r.warnings)
    return r
