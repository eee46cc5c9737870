"""Global fits of variable-pump-intensity spectra (gainkit/vpi.h;
Milanese et al., Adv. Opt. Mater. 2024, Eq. 6-8):
g = gamma(lambda) dn(P) - alpha(lambda);
vpi1: I = W1(P) F (e^{gL} - 1)/g; vpi2 adds W2(P) F (1 - e^{-alpha L})/alpha."""
from __future__ import annotations

import dataclasses

import numpy as np

from ._core import Result, as_f64, carray, dptr, new_error, raise_for, usage
from ._ffi import constants, ffi, lib

SIGMA_FLOOR = 1e-3  # the CLI's floor: 1e-3 of each spectrum's largest |I|


@dataclasses.dataclass
class VpiFit(Result):
    """gamma, alpha in cm^-1 per wavelength; W per pump; globals P1, P2
    (pump unit), m, n; thresholds gl1 (g L = 1) and transparency (g = 0) in
    the pump unit with stderr, 3-sigma band interval (lo, hi) and whether
    the data determine them."""
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

    def _dict(self):
        d = {"command": "vpi", "model": self.model, "converged": self.converged,
             "chi2_red": self.chi2_red, "weights": self.weights, "length_cm": self.length_cm,
             "params": {k: {"value": v, "stderr": self.stderr[k]} for k, v in self.params.items()},
             "params_determined": self.params_determined, "wavelength_nm": self.wavelength_nm,
             "gamma": self.gamma, "gamma_stderr": self.gamma_stderr, "alpha": self.alpha,
             "alpha_stderr": self.alpha_stderr, "pump": self.pump, "w_ase": self.w_ase,
             "w_ase_stderr": self.w_ase_stderr}
        if self.model == "vpi2":
            d["w_fl"], d["w_fl_stderr"] = self.w_fl, self.w_fl_stderr
        d["peak_nm"] = self.peak_nm
        d["net_gain_at_peak"] = self.net_gain_at_peak
        d["threshold"] = self.threshold
        if self.model == "vpi2":
            d["ase_over_background"] = self.ase_over_background
        return d


def sigma_for(intensity, weights):
    """The CLI's noise model: relative sigma = |I|, poisson sqrt|I|, each
    floored at 1e-3 of its pump column's largest |I|; None for 'none'."""
    if weights == "none":
        return None
    if weights not in ("relative", "poisson"):
        raise usage(f"weights: expected none, relative or poisson, got '{weights}'")
    a = np.abs(intensity)
    mx = a.max(axis=0)
    fl = np.where(mx > 0, SIGMA_FLOOR * mx, 1.0)
    a = np.maximum(a, fl[None, :])
    return np.ascontiguousarray(a if weights == "relative" else np.sqrt(a))


def fit(wavelength_nm, pump, intensity, length, model="vpi2", fluorescence=None, losses=None,
        weights="relative"):
    """Global VPI fit.

    wavelength_nm  nl wavelengths (nm), increasing
    pump           np pump values (> 0, increasing; P1, P2 and the
                   thresholds come back in this unit)
    intensity      nl x np spectra, intensity[i, j] at wavelength i, pump j
    length         stripe length, cm
    model          "vpi1" or "vpi2" (default)
    fluorescence   F(lambda) (nl values >= 0); default: the lowest-pump
                   spectrum normalised to its maximum
    losses         alpha(lambda) in cm^-1 to hold fixed, or None to fit
    weights        "relative" (default), "poisson" or "none"
    Example: gainkit.vpi.fit(wl, P, I, 0.2, model="vpi1").threshold["gl1"]
    """
    wl = as_f64(wavelength_nm, "wavelength_nm")
    pump = as_f64(pump, "pump")
    nl, npump = wl.shape[0], pump.shape[0]
    I = as_f64(intensity, "intensity", ndim=2, shape=(nl, npump))
    F = as_f64(fluorescence, "fluorescence", shape=(nl,), optional=True)
    alpha = as_f64(losses, "losses", shape=(nl,), optional=True)
    if nl < 3:
        raise usage(f"wavelength_nm: {nl} wavelengths, need at least 3")
    if npump < 2:
        raise usage(f"pump: {npump} pumps, need at least 2")
    if model not in ("vpi1", "vpi2"):
        raise usage(f"model: expected vpi1 or vpi2, got '{model}'")
    sig = sigma_for(I, weights)
    d = ffi.new("gk_vpi_data *")
    d.nl, d.np = nl, npump
    setattr(d, "lambda", dptr(wl))
    d.pump, d.intensity, d.L = dptr(pump), dptr(I), float(length)
    err = new_error()
    if F is None:
        F = np.empty(nl)
        raise_for(lib.gk_vpi_default_fluorescence(d, dptr(F), err), err)
    d.F, d.sigma, d.alpha_fixed = dptr(F), dptr(sig), dptr(alpha)
    r = ffi.new("gk_vpi_result *")
    rc = lib.gk_vpi_fit(d, lib.GK_VPI1 if model == "vpi1" else lib.GK_VPI2, ffi.NULL, r, err)
    try:
        raise_for(rc, err)
        gn = ("P1", "P2", "m", "n")
        warns = []
        if not r.converged:
            warns.append(f"{model} fit did not converge: {ffi.string(r.reason).decode()}")
        if not r.glob_determined:
            warns.append(f"{model}: P1, P2, m, n are not determined by these data (relative stderr "
                         f"above {100 * constants.get('GK_VPI_GLOB_RELSE', 0.5):g} %)")
        if not r.th_gl1_determined:
            warns.append(f"{model}: the gL=1 threshold is not determined by these data")
        th = {"gl1": {"value": r.th_gl1, "stderr": r.th_gl1_se, "lo": r.th_gl1_lo,
                      "hi": r.th_gl1_hi, "determined": bool(r.th_gl1_determined)},
              "transparency": {"value": r.th_tr, "stderr": r.th_tr_se, "lo": r.th_tr_lo,
                               "hi": r.th_tr_hi, "determined": bool(r.th_tr_determined)}}
        v2 = model == "vpi2"
        return VpiFit(
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


def fit_file(path, length=None, model="vpi2", window=None, max_pump=None, fluorescence=None,
             losses=None, weights="relative"):
    """Read a VPI matrix as the CLI does (length from '# stripe_length_cm:'
    when not given; window (nm1, nm2); pumps up to max_pump) and fit it."""
    from .io import read_matrix
    m = read_matrix(path, require_increasing_rows=True, min_rows=2, min_cols=2)
    if length is None:
        if "stripe_length_cm" not in m.meta:
            raise usage(f"length: missing: give the stripe length or put "
                        f"'# stripe_length_cm: L' in {path}")
        length = float(m.meta["stripe_length_cm"])
    wl, z = m.row, m.z
    if len(wl) > 1 and wl[1] < wl[0]:
        wl, z = wl[::-1], z[::-1]
    if window is not None:
        k = (wl >= window[0]) & (wl <= window[1])
        wl, z = wl[k], z[k]
    order = np.argsort(m.col, kind="stable")
    if max_pump is not None:
        order = order[m.col[order] <= max_pump]
    return fit(np.ascontiguousarray(wl), m.col[order], np.ascontiguousarray(z[:, order]), length,
               model=model, fluorescence=fluorescence, losses=losses, weights=weights)
