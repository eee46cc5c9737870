"""Net optical gain from variable-stripe-length (VSL) data
(Milanese et al., Adv. Opt. Mater. 2024, Eq. 1-5)."""
from __future__ import annotations

import dataclasses
import functools
import math

import _cffi_backend
import builtins
import os

import numpy as np

from ._core import (WEIGHT_NAMES, Cancel, Result, as_f64, carray, dptr, new_error, raise_for,
                    value_se,
                    s, usage, weighting_code)
from ._ffi import ffi, lib

_T_FIT = ffi.typeof("gk_vsl_fit *")
_T_DATA = ffi.typeof("gk_vsl_data *")
MODELS = tuple(s(lib.gk_vsl_model_name(m)) for m in range(lib.GK_VSL_NMODELS))


def _model_code(name):
    m = lib.gk_vsl_model_from_name(name.encode()) if isinstance(name, str) else -1
    if m < 0:
        raise usage(f"model: '{name}' is not one of {', '.join(MODELS)} or all")
    return m


def _check_model(model):
    """A model name or "all" (-1): the code, else the usage error."""
    return -1 if model == "all" else _model_code(model)


def _vsl_options(model, weights, range, length_unit, offset, keep):
    """The user's options as the library's gk_vsl_options (what `gainkit
    vsl` passes): range (Lmin, Lmax) in the file's length unit as text."""
    o = ffi.new("gk_vsl_options *")
    o.model = _check_model(model)
    for field, v in (("range", None if range is None else f"{float(range[0])!r}:{float(range[1])!r}"),
                     ("weights", weights), ("length_unit", length_unit)):
        if v is not None:
            keep.append(ffi.new("char[]", str(v).encode()))
            setattr(o, field, keep[-1])
    o.offset = int(bool(offset))
    return o


@dataclasses.dataclass
class VslFit(Result):
    """One model's fit. ``params``/``stderr`` by reported name (g in cm^-1,
    amplitudes in intensity/cm, Is in intensity units, Ls in cm);
    ``theta``/``cov`` are the fit parameters and their covariance (amplitudes,
    Is and Ls as natural logarithms, see gainkit/vsl.h)."""
    model: str
    converged: bool
    n_points: int
    range_cm: tuple
    params: dict
    stderr: dict
    units: dict
    theta: np.ndarray
    cov: np.ndarray
    chi2: float
    chi2_red: float
    aic: float
    aicc: float
    bic: float
    residuals_in: str
    chi2_intensity: float
    aicc_intensity: float
    yhat: np.ndarray
    warnings: list
    reason: str
    weights: str
    undetermined: dict = dataclasses.field(default_factory=dict)  # name -> reason
    offset: bool = False
    L: np.ndarray = dataclasses.field(default=None, repr=False)
    intensity: np.ndarray = dataclasses.field(default=None, repr=False)
    sigma: np.ndarray = dataclasses.field(default=None, repr=False)
    # with fit(..., lengths=True / offset_test=True), as the CLI reports them
    lengths: "VslLengths" = dataclasses.field(default=None, repr=False)
    offset_test: dict = dataclasses.field(default=None, repr=False)
    # sat-exact at its limit of unbounded Is (gk_vsl_fit.limit): as the
    # CLI's JSON "limit" object, else None
    limit: dict = None

    @property
    def g(self):
        return self.params["g"]

    @property
    def determined(self):
        """The headline g is determined by the data (as the CLI's top-level
        "determined"): standard error finite and <= |g|."""
        return "g" not in self.undetermined

    def _param(self, k, v):
        d = {"value": v, "stderr": self.stderr[k], "determined": k not in self.undetermined}
        if self.undetermined.get(k) is not None:
            d["reason"] = self.undetermined[k]
            if d["reason"].startswith("at its lower bound"):  # as the CLI's at_bound
                d["at_bound"] = "lower"
                d["bound"] = 0
        return d

    def _dict(self, top=True):
        d = {"model": self.model, "converged": self.converged, "n_points": self.n_points,
             "range_cm": list(self.range_cm),
             "params": {k: self._param(k, v) for k, v in self.params.items()},
             "offset": self.offset,
             "units": dict(self.units), "chi2": self.chi2, "chi2_red": self.chi2_red,
             "aic": self.aic, "aicc": self.aicc, "bic": self.bic,
             "residuals_in": self.residuals_in, "chi2_intensity": self.chi2_intensity,
             "aicc_intensity": self.aicc_intensity, "warnings": list(self.warnings)}
        if self.limit is not None:  # as the CLI's fit_json, before "offset"
            d = {k: v for k, v in d.items() if k != "offset"}
            d["limit"] = dict(self.limit)
            d["offset"] = self.offset
            d = {k: d[k] for k in ("model", "converged", "n_points", "range_cm", "params", "limit", "offset",
                                   "units", "chi2", "chi2_red", "aic", "aicc", "bic", "residuals_in",
                                   "chi2_intensity", "aicc_intensity", "warnings")}
        if top:
            d = {"command": "vsl", **d, "determined": self.determined, "weights": self.weights}
            _extras(d, self)
        return d

    def curve(self, L):
        """Model intensity at stripe lengths L (cm)."""
        return intensity(self.model, self.theta, L)


class _LazyArray:
    """A VslFit field kept as the list of floats copied from C and made a
    numpy array on first access (most loops read g and never theta, cov or
    yhat: a numpy array per field would cost more than the rest of the
    unpacking). cov is square (ntheta x ntheta)."""

    def __init__(self, name, square=False):
        self.name, self.key, self.square = name, "_" + name, square

    def __set__(self, obj, value):
        obj.__dict__[self.key] = value

    def __get__(self, obj, cls=None):
        if obj is None:
            return None   # the dataclass default (fields declared without one)
        v = obj.__dict__[self.key]
        if v is not None and not isinstance(v, np.ndarray):
            v = np.array(v, dtype=np.float64)
            if self.square:
                k = int(round(len(v) ** 0.5))
                v = v.reshape(k, k)
            obj.__dict__[self.key] = v
        return v


VslFit.theta = _LazyArray("theta")
VslFit.cov = _LazyArray("cov", square=True)
VslFit.yhat = _LazyArray("yhat")


@dataclasses.dataclass
class VslAll(Result):
    """Every model fitted, with the library's recommendation."""
    converged: bool
    n_points: int
    range_cm: tuple
    weights: str
    fits: list
    recommended: str
    reliable: bool
    reason: str
    warnings: list = dataclasses.field(default_factory=list)
    lengths: "VslLengths" = dataclasses.field(default=None, repr=False)
    offset_test: dict = dataclasses.field(default=None, repr=False)
    # sat-exact at its limit of unbounded Is (gk_vsl_fit.limit): as the
    # CLI's JSON "limit" object, else None
    limit: dict = None

    @property
    def best(self):
        """The recommended fit (None when no model is recommended)."""
        return None if self.recommended == "none" else self[self.recommended]

    def __getitem__(self, model):
        for f in self.fits:
            if f.model == model:
                return f
        raise KeyError(model)

    def _dict(self):
        return {"command": "vsl", "converged": self.converged, "n_points": self.n_points,
                "range_cm": list(self.range_cm), "weights": self.weights,
                "fits": [f._dict(top=False) for f in self.fits],
                "recommended": self.recommended, "reliable": self.reliable, "reason": self.reason,
                "determined": self.best is not None and self.best.determined, **_extras({}, self)}


def _extras(d, r):
    if r.lengths is not None:
        d.update(r.lengths._dict())
    if r.offset_test is not None:
        d["offset_test"] = r.offset_test
    return d


_LTH_DEF = ("e^{gL} - 1 = 2 g L (amplified emission (A/g)(e^{gL} - 1) - A L equals the unamplified "
            "A L), g L = 1.25643, g of vsl1 on the small-signal range")
_LSS_DEF = ("the longest stripe up to which vsl1 on the shortest stripes passes a chi^2 test with "
            "absolute sigmas (p >= 0.001; the range ends where two successive stripes fail)")
_LSM_DEF = "the sat fit's (Milanese et al. 2024 Eq. 3) stripe length where I = Is (the gain halved)"


@dataclasses.dataclass
class VslLengths(Result):
    """Threshold and saturation lengths (gk_vsl_lengths_compute, as the
    CLI's vsl report), all in cm; NaN with a reason when not determined.
    threshold: L_th where amplified emission equals the unamplified signal
    (g L = 1.25643, g of vsl1 on the small-signal range), with stderr;
    saturation: the longest stripe up to which vsl1 passes a chi^2 test
    (needs sigma; lower_bound when never failed); saturation_model: the
    sat fit's L(I = Is)."""
    threshold: float
    threshold_stderr: float
    saturation: float
    saturation_model: float
    n_small: int
    g_small: float
    g_small_stderr: float
    p_value: float
    why_threshold: str = ""
    why_saturation: str = ""
    why_saturation_model: str = ""
    lower_bound: float | None = None

    def _dict(self):
        th = value_se(self.threshold, self.threshold_stderr, not self.why_threshold, self.why_threshold)
        th["definition"] = _LTH_DEF
        ss = value_se(self.saturation, float("nan"), not self.why_saturation, self.why_saturation)
        ss["definition"] = _LSS_DEF
        if self.lower_bound is not None:
            ss["lower_bound"] = self.lower_bound
        sm = value_se(self.saturation_model, float("nan"), not self.why_saturation_model,
                      self.why_saturation_model)
        sm["definition"] = _LSM_DEF
        return {"threshold_length_cm": th, "saturation_length_cm": ss,
                "saturation_length_model_cm": sm,
                "small_signal": {"n_points": self.n_small,
                                 "g": {"value": self.g_small, "stderr": self.g_small_stderr},
                                 "p_value": self.p_value}}


def _lengths(d, L, has_sigma):
    """The CLI's report_lengths (cli/cmd_vsl.c) on data d."""
    ln = ffi.new("gk_vsl_lengths *")
    err = new_error()
    ok = lib.gk_vsl_lengths_compute(d, ln, err) == lib.GK_OK
    nan = float("nan")
    if not ok:
        ln.l_th = ln.l_sat_model = ln.l_sat_data = ln.g_small = ln.se_g_small = ln.p_value = nan
        ln.n_small, ln.saturated = 0, 0
    gl = lib.gk_vsl_threshold_gl()
    se_th = gl * ln.se_g_small / (ln.g_small * ln.g_small) if math.isfinite(ln.l_th) else nan
    wth = wss = wsm = ""
    if not ok:
        wth = wss = wsm = s(err.msg)
    else:
        if ln.n_small == 0:
            wth = f"vsl1 fails the chi^2 test already on the 4 shortest stripes (L <= {L[3]:g} cm)"
        elif not math.isfinite(ln.g_small):
            wth = "vsl1 on the small-signal range did not fit"
        elif not math.isfinite(ln.l_th):
            wth = f"no net gain on the small-signal range (g = {ln.g_small:.4g} cm^-1)"
        if not has_sigma:
            wss = "needs a sigma column (the chi^2 test needs absolute errors)"
        elif ln.n_small == 0:
            wss = f"vsl1 fails already on the 4 shortest stripes: below {L[3]:g} cm"
        elif not ln.saturated:
            wss = (f"not reached: vsl1 holds up to the longest stripe, {L[-1]:g} cm "
                   "(a lower bound)")
        if not math.isfinite(ln.l_sat_model):
            wsm = "the sat fit did not converge or Is lies beyond 100 x the largest intensity"
    lb = float(L[-1]) if ok and has_sigma and ln.n_small > 0 and not ln.saturated else None
    return VslLengths(threshold=ln.l_th, threshold_stderr=se_th,
                      saturation=nan if wss else ln.l_sat_data, saturation_model=ln.l_sat_model,
                      n_small=int(ln.n_small), g_small=ln.g_small, g_small_stderr=ln.se_g_small,
                      p_value=ln.p_value, why_threshold=wth, why_saturation=wss,
                      why_saturation_model=wsm, lower_bound=lb)


def _offset_test(d, hm, aicc_I):
    """The CLI's offset suggestion: refit model hm with an offset I0; a
    significant I0 (|I0| > 3 se) lowering AICc (in I) by more than 10 means
    the L -> 0 extrapolation does not go to zero. None when that refit
    gives no converged fit."""
    d1 = ffi.new(_T_DATA, d[0])
    d1.offset = 1
    fo = ffi.new(_T_FIT)
    err = new_error()
    try:
        if lib.gk_vsl_fit_model(d1, hm, fo, err) != lib.GK_OK or not fo.ok or not fo.converged:
            return None
        sig = math.isfinite(fo.I0_se) and abs(fo.I0) > 3 * fo.I0_se and fo.aicc_I < aicc_I - 10
        return {"model": MODELS[hm], "I0": {"value": fo.I0, "stderr": fo.I0_se},
                "g_with_offset": fo.value[4 if hm == _SATEXACT else 0],
                "delta_aicc": fo.aicc_I - aicc_I, "offset_suggested": bool(sig)}
    finally:
        lib.gk_vsl_fit_free(fo)


@dataclasses.dataclass
class VslSpectrum(Result):
    """Spectrally resolved gain g(lambda) (``fit_matrix``)."""
    model: str
    converged: bool
    wavelength_nm: np.ndarray
    L: np.ndarray
    g: np.ndarray
    g_stderr: np.ndarray
    converged_per_wavelength: np.ndarray
    model_per_wavelength: list
    spectra: dict
    weights: str
    warnings: list = dataclasses.field(default_factory=list)
    chosen: str = None            # the model whose g is in g (one at every wavelength)
    model_choice: str = None
    g_recommended: np.ndarray = None          # g of the per-wavelength recommendation
    g_stderr_recommended: np.ndarray = None

    def _dict(self):
        d = {"command": "vsl", "model": self.chosen or self.model, "converged": self.converged,
             "n_wavelengths": len(self.wavelength_nm), "n_lengths": len(self.L),
             "n_converged": int(np.sum(self.converged_per_wavelength)),
             "range_cm": [self.L[0], self.L[-1]], "weights": self.weights,
             "wavelength_nm": self.wavelength_nm, "g": self.g, "g_stderr": self.g_stderr,
             "converged_per_wavelength": [bool(c) for c in self.converged_per_wavelength]}
        if self.model == "all":
            d["model_choice"] = self.model_choice
            d["recommended_per_wavelength"] = self.model_per_wavelength
            d["g_recommended_per_wavelength"] = self.g_recommended
            d["g_stderr_recommended_per_wavelength"] = self.g_stderr_recommended
            d["spectra"] = [{"model": m, "g": sp["g"], "g_stderr": sp["g_stderr"],
                             "converged": [bool(c) for c in sp["converged"]]}
                            for m, sp in self.spectra.items()]
        return d


@functools.lru_cache(maxsize=None)
def _names(m):
    return tuple(s(lib.gk_vsl_param_name(m, k)) for k in range(lib.gk_vsl_nreport(m)))


@functools.lru_cache(maxsize=None)
def _param_unit(m, k, yunit):
    u = s(lib.gk_vsl_param_unit(m, k))
    iu = yunit or "a.u."
    return iu if u == "I" else f"{iu}/cm" if u == "I/cm" else u


@functools.lru_cache(maxsize=None)
def _units(m, yunit):
    return {nm: _param_unit(m, k, yunit) for k, nm in enumerate(_names(m))}


# per-model constants, looked up once (each a foreign call otherwise)
_NTHETA = tuple(int(lib.gk_vsl_ntheta(m)) for m in range(lib.GK_VSL_NMODELS))
_CODES = {name: m for m, name in enumerate(MODELS)}
_OK, _ENOCONV = lib.GK_OK, lib.GK_ENOCONV
_VSL2, _SATEXACT = lib.GK_VSL_VSL2, lib.GK_VSL_SATEXACT
_NAN = float("nan")
builtins_range = builtins.range
_isfinite = math.isfinite
_newp = _cffi_backend.newp
_from_buffer = _cffi_backend.from_buffer
_T_DARR = ffi.typeof("double[]")
_T_ERR = ffi.typeof("gk_error *")
_fit_model = lib.gk_vsl_fit_model
_fit_free = lib.gk_vsl_fit_free

# C structs for single fits, reused (a free list: list.pop/append are
# atomic, so two threads, or a signal handler fitting while a fit is
# being unpacked, each take their own set)
_pool = []


def _take():
    try:
        return _pool.pop()
    except IndexError:
        return ffi.new(_T_DATA), ffi.new(_T_FIT), ffi.new(_T_ERR)


def _build(f, m, rc, n, L, yunit, weights_name, I=None, S=None):
    """VslFit from a filled gk_vsl_fit (not freed here)."""
    ok = rc == _OK and bool(f.ok)
    names = _names(m)
    npar = len(names)
    nt = _NTHETA[m]
    v = ffi.unpack(f.value, npar)
    e = ffi.unpack(f.se, npar)
    if ok:
        vals = dict(zip(names, v))
        ses = dict(zip(names, e))
        chi2, chi2_red, aic, aicc, bic = f.chi2, f.chi2_red, f.aic, f.aicc, f.bic
        chi2_I, aicc_I = f.chi2_I, f.aicc_I
        converged = bool(f.converged)
    else:
        vals = dict.fromkeys(names, _NAN)
        ses = dict.fromkeys(names, _NAN)
        chi2 = chi2_red = aic = aicc = bic = chi2_I = aicc_I = _NAN
        converged = False
    warns = [s(f.warn[k]) for k in range(f.nwarn)] if f.nwarn else []
    if not ok:
        warns.append("no fit was obtained")
    # as the CLI's "not determined" (cli/cmd_vsl.c why_undetermined)
    und = {}
    for k, nm in enumerate(names):
        vk, ek = v[k], e[k]
        if not ok:
            und[nm] = "no fit"
        elif m == _SATEXACT and f.limit and not _isfinite(vk):
            und[nm] = "limit of unbounded Is: diverges (gamma, alpha unbounded with g and gamma/Is fixed)"
        elif m == _VSL2 and k == 2 and f.a2_at_bound:
            und[nm] = "at its lower bound (A2 >= 0)"
        elif m == _SATEXACT and k == 1 and vk <= 1e-12 * abs(v[0]):
            und[nm] = "at its lower bound (alpha >= 0)"
        elif not _isfinite(ek):
            und[nm] = "no standard error (the data do not constrain it)"
        elif not _isfinite(vk):
            und[nm] = "no value"
        elif ek > abs(vk):
            und[nm] = "standard error exceeds |value|"
    offset = bool(f.has_offset)
    units = dict(_units(m, yunit))
    if offset:
        # as the CLI's fit_json: I0 with its standard error, determined when
        # the standard error is finite and <= |I0| (no reason given)
        vals["I0"], ses["I0"] = f.I0, f.I0_se
        units["I0"] = yunit or "a.u."
        if not (_isfinite(f.I0_se) and f.I0_se <= abs(f.I0)):
            und["I0"] = None
    yh = f.yhat
    return VslFit(model=MODELS[m], converged=converged, n_points=n,
                  range_cm=(float(L[0]), float(L[-1])), params=vals, stderr=ses,
                  units=units,
                  theta=ffi.unpack(f.theta, nt), cov=ffi.unpack(f.cov, nt * nt),
                  chi2=chi2, chi2_red=chi2_red, aic=aic, aicc=aicc, bic=bic,
                  residuals_in="L" if f.residual_in_L else "I",
                  chi2_intensity=chi2_I, aicc_intensity=aicc_I,
                  yhat=ffi.unpack(yh, n) if yh != ffi.NULL else None,
                  warnings=warns, reason=ffi.string(f.reason).decode("utf-8", "replace"),
                  weights=weights_name, undetermined=und, offset=offset,
                  limit=({"kind": "unbounded Is (quadratic saturation)", "equation": "dI/dx = A + g I - k I^2",
                          "k": f.limit_k, "k_stderr": f.limit_k_se} if ok and m == _SATEXACT and f.limit else None),
                  L=L, intensity=I, sigma=S)


def _vec(a, name, n=None):
    """as_f64 with a fast path for what a loop passes: a float64,
    C-contiguous 1-D ndarray (no copy, no conversion)."""
    if type(a) is np.ndarray and a.dtype is _F64 and a.ndim == 1 and a.flags.c_contiguous \
            and (n is None or a.shape[0] == n):
        return a
    return as_f64(a, name, shape=None if n is None else (n,))


_F64 = np.dtype(np.float64)


def fit(L, intensity, sigma=None, model="all", weights=None, range=None, intensity_unit="",
        offset=False, lengths=False, offset_test=False):
    """Fit VSL data: edge intensity versus stripe length.

    L          stripe lengths in cm (1-D, strictly increasing, >= 0)
    intensity  edge-emitted intensities (any unit; same length as L)
    sigma      absolute uncertainties of the intensities, or None (default)
    model      "vsl1", "vsl2", "sat", "sat-exact", "emp", "ahn" or "all"
               (default: fit every model and recommend one, with the
               reason; "ahn", A L + B e^{gL} of Ahn et al., Chem. Rev.
               2023, is fitted and shown but never recommended)
    weights    None (default: "sigma" when sigma is given, else "none"),
               "none", "sigma" (absolute) or "relative"
    range      (Lmin, Lmax) in cm: use only those stripe lengths
               (default None: all)
    intensity_unit  only for the units in the result ("counts"; default "")
    offset     fit a constant offset I0 as well, I = model(L) + I0 (the
               CLI's --offset; default False); reported as params["I0"]
    lengths    also report the threshold and saturation lengths
               (VslLengths, cm; default False: the CLI always does)
    offset_test  also refit the headline model with an offset and say
               whether one is suggested (default False; the CLI does
               without --offset)

    Returns VslFit (one model) or VslAll (model="all"); g in cm^-1,
    amplitudes in intensity/cm, Is in intensity units, Ls in cm.
    Raises InputError for unusable data (message from the library),
    FitError when no start gave any fit.
    Example: gainkit.vsl.fit(L_cm, I, model="vsl1").g
    """
    L = _vec(L, "L")
    n = L.shape[0]
    intensity = _vec(intensity, "intensity", n)
    if sigma is not None:
        sigma = _vec(sigma, "sigma", n)
    if range is not None:
        lo, hi = range
        keep = (L >= lo) & (L <= hi)
        L, intensity = L[keep], intensity[keep]
        sigma = sigma[keep] if sigma is not None else None
        n = L.shape[0]
    if weights is None:
        w = lib.GK_WEIGHT_SIGMA if sigma is not None else lib.GK_WEIGHT_NONE
    else:
        w = weighting_code(weights, sigma is not None)
    if model == "all":
        m = -1
        need = _NTHETA[_SATEXACT]
    else:
        m = _CODES.get(model, -1) if isinstance(model, str) else -1
        if m < 0:
            _model_code(model)  # raises with the list of models
        need = _NTHETA[m]
    if n < need:
        raise usage(f"{n} points are fewer than the {need} parameters of "
                    f"{'sat-exact (model all)' if model == 'all' else model}")
    wn = WEIGHT_NAMES[w]
    Lb, Ib = _from_buffer(_T_DARR, L, False), _from_buffer(_T_DARR, intensity, False)
    Sb = _from_buffer(_T_DARR, sigma, False) if sigma is not None else ffi.NULL
    off = 1 if offset else 0
    if m >= 0:
        c = _take()
        d, f, err = c
        d.n, d.L, d.intensity, d.sigma, d.weighting, d.offset = n, Lb, Ib, Sb, w, off
        try:  # a Ctrl-C right after the call still frees yhat and returns the structs
            rc = _fit_model(d, m, f, err)
            if rc != _OK and rc != _ENOCONV:
                e = ffi.new(_T_ERR)
                ffi.memmove(e, err, ffi.sizeof("gk_error"))
                lib.gk_error_clear(err)
                raise_for(rc, e)
            res = _build(f, m, rc, n, L, intensity_unit, wn, intensity, sigma)
            ok = rc == _OK and f.ok
        finally:
            _fit_free(f)
            _pool.append(c)
        if lengths or offset_test:
            d = ffi.new(_T_DATA, {"n": n, "L": Lb, "intensity": Ib, "sigma": Sb, "weighting": w,
                                  "offset": off})
            if lengths:
                res.lengths = _lengths(d, L, sigma is not None)
            if offset_test and not offset and ok:
                res.offset_test = _offset_test(d, m, res.aicc_intensity)
        return res
    d = ffi.new(_T_DATA)
    d.n, d.L, d.intensity, d.sigma, d.weighting, d.offset = n, Lb, Ib, Sb, w, off
    err = new_error()
    models = list(_range_models())
    cfits = ffi.new("gk_vsl_fit[]", lib.GK_VSL_NMODELS)
    fits, oks = [], []
    try:
        for mm in models:
            rc = lib.gk_vsl_fit_model(d, mm, ffi.addressof(cfits, mm), err)
            if rc not in (lib.GK_OK, lib.GK_ENOCONV):
                raise_for(rc, err)
            oks.append(bool(cfits[mm].ok))
            fits.append(_build(cfits[mm], mm, rc, n, L, intensity_unit, wn, intensity, sigma))
        rel = ffi.new("int *")
        why = ffi.new("char[600]")
        rec = lib.gk_vsl_recommend(d, cfits, rel, why, len(why))
    finally:
        for mm in models:
            lib.gk_vsl_fit_free(ffi.addressof(cfits, mm))
    recname = MODELS[rec] if rec >= 0 else "none"
    # as the CLI: the recommended fit converged (reliable is reported apart)
    conv = rec >= 0 and fits[rec].converged
    res = VslAll(converged=conv, n_points=n, range_cm=(float(L[0]), float(L[-1])),
                 weights=wn, fits=fits, recommended=recname, reliable=bool(rel[0]),
                 reason=s(why), warnings=[f"{f.model}: {x}" for f in fits for x in f.warnings])
    if lengths:
        res.lengths = _lengths(d, L, sigma is not None)
    if offset_test and not offset and rec >= 0 and oks[rec]:
        res.offset_test = _offset_test(d, rec, fits[rec].aicc_intensity)
    return res


def _range_models():
    return range(lib.GK_VSL_NMODELS)


def intensity(model, theta, L):
    """Model intensity I(L) for fit parameters theta (see gainkit/vsl.h)."""
    m = _model_code(model)
    th = as_f64(theta, "theta", shape=(lib.gk_vsl_ntheta(m),))
    L = as_f64(L, "L")
    out = np.empty_like(L)
    err = lib.gk_vsl_intensity(m, dptr(th), dptr(L), L.shape[0], dptr(out), ffi.NULL)
    if err:
        raise_for(err, new_error())
    return out


def fit_matrix(L, z, wavelength_nm, model="all", weights="none", on_progress=None):
    """Spectrally resolved VSL (the CLI's --matrix): z[i, j] is the
    intensity at wavelength_nm[i] and stripe length L[j] (cm). Fits every
    wavelength (OpenMP threads, GIL released); g(lambda) in cm^-1. For
    model="all" the recommended model per wavelength is reported.
    Ctrl-C cancels (KeyboardInterrupt); on_progress(done, total) may return
    True to cancel too."""
    L = as_f64(L, "L")
    wl = as_f64(wavelength_nm, "wavelength_nm")
    z = as_f64(z, "z", ndim=2, shape=(wl.shape[0], L.shape[0]))
    if weights not in ("none", "relative"):
        raise usage("weights: a matrix has no sigma: use 'none' or 'relative'")
    w = weighting_code(weights, False)
    if model == "all":
        mask, models = (1 << lib.GK_VSL_NMODELS) - 1, list(_range_models())
    else:
        mc = _model_code(model)
        mask, models = 1 << mc, [mc]
    nw = wl.shape[0]
    need = lib.gk_vsl_ntheta(lib.GK_VSL_SATEXACT if model == "all" else models[0])
    if L.shape[0] < need:
        raise usage(f"{L.shape[0]} stripe lengths are fewer than the {need} parameters of "
                    f"{'sat-exact (model all)' if model == 'all' else model}")
    if nw < 1:
        raise usage("z: no wavelengths")
    spec = ffi.new("gk_vsl_spectrum[]", lib.GK_VSL_NMODELS)
    rec = np.full(nw, -1, dtype=np.intc)
    err = new_error()
    with Cancel(on_progress) as cancel:
        rc = lib.gk_vsl_spectral(dptr(L), L.shape[0], dptr(z), nw, w, mask, spec,
                                 ffi.cast("int *", ffi.from_buffer(rec)) if model == "all" else ffi.NULL,
                                 cancel.progress, err)
    try:
        cancel.check()
        raise_for(rc, err)
        out = {}
        for m in models:
            sp = spec[m]
            out[MODELS[m]] = {"g": carray(sp.g, nw), "g_stderr": carray(sp.g_se, nw),
                              "converged": carray(sp.converged, nw, np.intc).astype(bool)}
    finally:
        for m in _range_models():
            lib.gk_vsl_spectrum_free(ffi.addressof(spec, m))
    choice = None
    if model == "all":
        # one model at every wavelength, as the CLI: the one recommended
        # most often (ties: the simpler, order vsl1, sat, vsl2, sat-exact)
        names = [MODELS[r] if r >= 0 else None for r in rec]
        count = {m: sum(1 for r in rec if r == m) for m in _range_models()}
        chosen = lib.GK_VSL_SAT
        for k, m in enumerate((lib.GK_VSL_VSL1, lib.GK_VSL_SAT, lib.GK_VSL_VSL2, lib.GK_VSL_SATEXACT)):
            if count[m] > count[chosen] or (count[m] == count[chosen] and k == 0):
                chosen = m
        cname = MODELS[chosen]
        choice = (f"one model at every wavelength: {cname}, recommended at {count[chosen]} of {nw} wavelengths")
        g, se, cv = out[cname]["g"], out[cname]["g_stderr"], out[cname]["converged"]
        grec = np.array([out[n]["g"][i] if n else np.nan for i, n in enumerate(names)])
        serec = np.array([out[n]["g_stderr"][i] if n else np.nan for i, n in enumerate(names)])
    else:
        names = [model] * nw
        cname = model
        g, se, cv = out[model]["g"], out[model]["g_stderr"], out[model]["converged"]
        grec = serec = None
    return VslSpectrum(model=model, converged=bool(cv.all()), wavelength_nm=wl, L=L, g=g,
                       g_stderr=se, converged_per_wavelength=cv, model_per_wavelength=names,
                       spectra=out, weights=WEIGHT_NAMES[w], chosen=cname, model_choice=choice,
                       g_recommended=grec, g_stderr_recommended=serec)


def window_scan(L, intensity, sigma=None, model="vsl1", weights=None, range=None, offset=False):
    """Fit-window analysis (the CLI's --window-scan, gk_vsl_window_scan_run):
    g (cm^-1) of `model` (default vsl1; "all" means vsl1 as in the CLI)
    fitted on the shortest stripes up to each Lmax (cm), with its 95 %
    band, chi2_red and points, and the longest range where the model
    holds (converged, no residual trend, chi^2 test with sigmas, g within 2
    standard errors of the shorter windows). Arguments as gainkit.vsl.fit
    (L in cm; weights default "sigma" with sigma). Returns a Record with the
    CLI's JSON keys (Lmax_cm, g, g_stderr, g_band95_lo/hi, chi2_red,
    n_points, model_holds, longest_valid_range); converged False when the
    model holds in no window. Example:
        gainkit.vsl.window_scan(L, I, sigma)["longest_valid_range"]["Lmax_cm"]"""
    from ._core import Record
    L = as_f64(L, "L")
    n = L.shape[0]
    intensity = as_f64(intensity, "intensity", shape=(n,))
    sigma = as_f64(sigma, "sigma", shape=(n,), optional=True)
    if range is not None:
        keep = (L >= range[0]) & (L <= range[1])
        L, intensity = np.ascontiguousarray(L[keep]), np.ascontiguousarray(intensity[keep])
        sigma = np.ascontiguousarray(sigma[keep]) if sigma is not None else None
        n = L.shape[0]
    m = lib.GK_VSL_VSL1 if model == "all" else _model_code(model)
    w = weighting_code(weights, sigma is not None)
    d = ffi.new(_T_DATA, {"n": n, "L": dptr(L), "intensity": dptr(intensity), "sigma": dptr(sigma),
                          "weighting": w, "offset": 1 if offset else 0})
    ws = ffi.new("gk_vsl_window_scan *")
    err = new_error()
    raise_for(lib.gk_vsl_window_scan_run(d, m, ws, err), err)
    try:
        nw, k = int(ws.nw), int(ws.longest)
        found = k < nw
        g, se = carray(ws.g, nw), carray(ws.g_se, nw)
        Lmax = carray(ws.Lmax, nw)
        acc = [bool(ws.acceptable[i]) and i <= k for i in builtins_range(nw)]
        nan = float("nan")
        v = {"analysis": "window-scan", "model": MODELS[m], "weights": WEIGHT_NAMES[w],
             "converged": found, "Lmax_cm": Lmax, "g": g, "g_stderr": se,
             "g_band95_lo": g - 1.96 * se, "g_band95_hi": g + 1.96 * se,
             "chi2_red": carray(ws.chi2_red, nw),
             "n_points": [int(ws.npts[i]) for i in builtins_range(nw)], "model_holds": acc,
             "longest_valid_range": {"Lmax_cm": Lmax[k] if found else nan,
                                     "g": {"value": g[k] if found else nan,
                                           "stderr": se[k] if found else nan}}}
    finally:
        lib.gk_vsl_window_scan_free(ws)
    warns = [] if found else [f"{MODELS[m]} holds in no window (not even the shortest)"]
    return Record("vsl", v, converged=found, warnings=warns)


def fit_files(paths, model="all", **kw):
    """Several VSL files, as `gainkit vsl FILE1 FILE2 ...`: each is fitted
    by fit_file (same keywords) and the result is a Record with "files"
    (each file's to_dict() plus "input") and "table" (file, model, g with
    stderr in cm^-1, converged = converged and g determined), converged
    when every file's is. Example:
        gainkit.vsl.fit_files(["examples/vsl-nc1.csv", "examples/input/vsl-mm.csv"], model="vsl1")["table"]"""
    from ._core import Record
    files, table, ok_all = [], [], True
    for p in paths:
        r = fit_file(p, model=model, **kw)
        d = r.to_dict()
        d["input"] = os.fspath(p)
        if isinstance(r, VslAll):
            best = r.best
            name = r.recommended
        else:
            best, name = r, r.model
        g = best.params["g"] if best is not None else _NAN
        se = best.stderr["g"] if best is not None else _NAN
        ok = best is not None and best.converged and best.determined
        ok_all = ok_all and ok
        files.append(d)
        table.append({"file": os.fspath(p), "model": name, "g": {"value": g, "stderr": se},
                      "converged": ok})
    return Record("vsl", {"converged": ok_all, "table": table, "files": files}, converged=ok_all)


def prepare_file(path, model="all", weights=None, range=None, length_unit=None, offset=False):
    """Read and prepare a VSL scan exactly as `gainkit vsl FILE` does: the
    library's gk_columns_read (lengths to cm from the header's unit or
    length_unit "um"/"mm"/"cm", else cm; decreasing or repeated stripe
    lengths sorted and averaged) and gk_vsl_prepare (range (Lmin, Lmax) in
    the file's length unit, the weighting: None = sigma when the file has a
    sigma column, the point count against the model's parameters, the
    background I(L -> 0) and length plausibility notes, gk_vsl_check).
    Returns a dict: L (cm), intensity, sigma (or None), weights, y_unit,
    note (what the reader sorted or averaged), notes (the library's),
    background, background_significant."""
    keep = []
    o = _vsl_options(model, weights, range, length_unit, offset, keep)
    col = ffi.new("gk_columns *")
    err = new_error()
    raise_for(lib.gk_vsl_read(os.fsencode(path), o, col, err), err)
    p = ffi.new("gk_vsl_prepared *")
    try:
        po = ffi.new("gk_vsl_prepare_options *")
        raise_for(lib.gk_vsl_options_resolve(o, col.x_unit_in, col.x_factor, int(col.sigma != ffi.NULL),
                                             os.fsencode(path), po, err), err)
        raise_for(lib.gk_vsl_prepare(col, po, p, err), err)
        n = int(p.d.n)
        return dict(L=carray(p.d.L, n), intensity=carray(p.d.intensity, n), sigma=carray(p.d.sigma, n),
                    weights=WEIGHT_NAMES[int(p.d.weighting)], y_unit=s(col.y_unit), note=s(col.note),
                    notes=[s(p.notes.msg[k]) for k in builtins_range(p.notes.n)],
                    background=float(p.background), background_significant=bool(p.background_significant))
    finally:
        lib.gk_vsl_prepared_free(p)
        lib.gk_columns_free(col)


def prepare_matrix_file(path, model="all", range=None, length_unit=None):
    """Read and prepare a spectrally resolved VSL matrix exactly as `gainkit
    vsl --matrix` does: gk_matrix_read (first row stripe lengths, to cm from
    the corner cell's unit or length_unit; a matrix saved one spectrum per
    row is read transposed, with a note) and gk_vsl_prepare_matrix (range
    (Lmin, Lmax) in the file's length unit, lengths increasing and
    non-negative, at least the model's parameters). Returns a dict: L (cm),
    z[wavelength, length], wavelength_nm, note."""
    keep = []
    o = _vsl_options(model, None, range, length_unit, False, keep)
    mx = ffi.new("gk_matrix *")
    err = new_error()
    raise_for(lib.gk_vsl_read_matrix(os.fsencode(path), o, mx, err), err)
    p = ffi.new("gk_vsl_prepared_matrix *")
    try:
        po = ffi.new("gk_vsl_prepare_options *")
        raise_for(lib.gk_vsl_options_resolve(o, mx.col_unit_in, mx.col_factor, 0, os.fsencode(path), po, err),
                  err)
        raise_for(lib.gk_vsl_prepare_matrix(mx, po, p, err), err)
        nL, nw = int(p.nL), int(p.nw)
        return dict(L=carray(p.L, nL), z=carray(p.z, nw * nL).reshape(nw, nL),
                    wavelength_nm=carray(mx.row, nw), note=s(mx.note))
    finally:
        lib.gk_vsl_prepared_matrix_free(p)
        lib.gk_matrix_free(mx)


def fit_file(path, model="all", weights=None, range=None, length_unit=None, matrix=False,
             offset=False, window_scan=False):
    """Read a VSL file as the CLI does (prepare_file: gk_columns_read and
    gk_vsl_prepare, the functions `gainkit vsl` calls) and fit it: lengths
    to cm from the header's unit or length_unit ("um", "mm", "cm"; default:
    the header's, else cm), decreasing or repeated stripe lengths sorted and
    averaged, range (Lmin, Lmax) in the file's length unit. As the CLI, the
    result also carries the threshold and saturation lengths and (without
    offset) the offset test; ``input_note`` is what the reader sorted or
    averaged, ``input_notes`` the library's notes (implausible lengths, a
    background at L -> 0). matrix=True reads and prepares a spectrally
    resolved matrix (prepare_matrix_file, as --matrix; range applies) and
    calls fit_matrix; window_scan=True runs
    gainkit.vsl.window_scan instead of the fits (the CLI's --window-scan).
    Example: gainkit.vsl.fit_file("examples/vsl-nc1.csv", model="vsl1").g"""
    if matrix:
        p = prepare_matrix_file(path, model=model, range=range, length_unit=length_unit)
        return fit_matrix(p["L"], p["z"], p["wavelength_nm"], model=model, weights=weights or "none")
    p = prepare_file(path, model=model, weights=weights, range=range, length_unit=length_unit,
                     offset=offset)
    if window_scan:
        return globals()["window_scan"](p["L"], p["intensity"], p["sigma"], model=model,
                                        weights=p["weights"], offset=offset)
    r = fit(p["L"], p["intensity"], p["sigma"], model=model, weights=p["weights"],
            intensity_unit=p["y_unit"], offset=offset, lengths=True, offset_test=True)
    r.input_note = p["note"]   # what the reader sorted or averaged (the CLI's "note:"), or ""
    r.input_notes = p["notes"]
    return r
