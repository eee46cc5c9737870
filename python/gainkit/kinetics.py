"""Multi-exponential decay fits y(t) = sum_i A_i exp(-(t - t0)/tau_i)
(+ offset), convolved with a Gaussian or measured instrument response
(gainkit/kinetics.h, docs/kinetics.md). Times in s."""
from __future__ import annotations

import math
import os

import numpy as np

from ._core import Record, as_f64, carray, determined, dptr, new_error, raise_for, s, usage
from ._ffi import ffi, lib


def fit(t, y, components=1, irf_fwhm=None, irf=None, offset=False, t0=None, sigma=None,
        poisson=False, names=None, file=""):
    """Fit one trace (y 1-D) or several with shared lifetimes (y 2-D,
    y[k, i] = trace k at t[i]: global fit).

    t           times, s (strictly increasing)
    components  1..4, or "auto" (choice by AICc)
    irf_fwhm    Gaussian instrument response FWHM, s; or irf=(t_irf, y_irf)
                a measured one (normalised to unit area by the library)
    offset      fit a constant offset per trace
    t0          hold time zero at t0 (s); default fitted with an IRF, 0 without
    sigma       uncertainties like y, or poisson=True: sqrt(max(|y|, 1))
    Returns a Record with the CLI's keys: components [{tau, tau_stderr,
    amplitude, amplitude_stderr, fraction}], offset, chi2_red, converged,
    t0, tau_amplitude_weighted, tau_intensity_weighted, aicc, dof.
    Example: gainkit.kinetics.fit(t, y, components=2, irf_fwhm=5e-12)
    """
    t = as_f64(t, "t")
    n = t.shape[0]
    y = np.asarray(y)
    if y.ndim == 1:
        y = as_f64(y, "y", shape=(n,))[None, :]
    y = as_f64(y, "y", ndim=2, shape=(None, n))
    K = y.shape[0]
    if poisson and sigma is not None:
        raise usage("give either sigma or poisson, not both")
    if poisson:
        sigma = np.sqrt(np.where(np.abs(y) > 1, np.abs(y), 1.0))
    sig = as_f64(sigma, "sigma", ndim=2, shape=(K, n), optional=True) if sigma is None or \
        np.ndim(sigma) == 2 else as_f64(np.asarray(sigma)[None, :], "sigma", ndim=2, shape=(K, n))
    o = ffi.new("gk_kin_options *")
    lib.gk_kin_options_default(o)
    if components == "auto":
        o.ncomp = 0
    elif components in (1, 2, 3, 4):
        o.ncomp = int(components)
    else:
        raise usage(f"components: expected 1..{lib.GK_KIN_MAX_COMPONENTS} or auto, got {components!r}")
    keep = []
    if irf_fwhm is not None and irf is not None:
        raise usage("irf and irf_fwhm exclude each other")
    if irf_fwhm is not None:
        if not irf_fwhm > 0:
            raise usage("irf_fwhm must be positive")
        o.irf.kind, o.irf.fwhm = lib.GK_KIN_IRF_GAUSS, float(irf_fwhm)
    if irf is not None:
        it = as_f64(irf[0], "irf time")
        iy = as_f64(irf[1], "irf value", shape=(it.shape[0],))
        keep += [it, iy]
        o.irf.kind, o.irf.t, o.irf.y, o.irf.n = lib.GK_KIN_IRF_MEASURED, dptr(it), dptr(iy), it.shape[0]
        err = new_error()
        raise_for(lib.gk_kin_irf_check(ffi.addressof(o.irf), err), err)
    o.offset = int(bool(offset))
    if t0 is not None:
        o.t0, o.t0_fixed = float(t0), 1
    d = ffi.new("gk_kin_data *", {"n": n, "t": dptr(t), "ntrace": K, "y": dptr(y),
                                  "sigma": dptr(sig)})
    r = ffi.new("gk_kin_result *")
    err = new_error()
    raise_for(lib.gk_kin_fit(d, o, r, err), err)
    try:
        nc = r.ncomp
        # the CLI's per-component verdict (cmd_kinetics.c)
        window = float(t[-1] - t[0])
        comps, all_det = [], True
        for i in range(nc):
            c = {"tau": r.tau[i], "tau_stderr": r.tau_se[i], "amplitude": r.amp[i],
                 "amplitude_stderr": r.amp_se[i], "fraction": r.frac[i]}
            why = None
            if r.tau[i] <= 0:  # the fit's bound tau >= 0 (as the CLI)
                why = "at its lower bound (tau >= 0)"
                c["at_bound"] = "lower"
                c["bound"] = 0
            elif not r.tau[i] <= lib.GK_KIN_TAU_MAX_WINDOWS * window:
                why = "lifetime beyond 10 time windows"
            elif not abs(r.amp[i]) > 2 * r.amp_se[i] and r.ntrace == 1:
                why = "amplitude consistent with zero"
            elif not determined(r.tau[i], r.tau_se[i]):
                why = "standard error larger than the value"
            c["determined"] = why is None
            if why:
                c["reason"] = why
            all_det = all_det and why is None
            comps.append(c)
        if lib.gk_kin_degenerate(d, r, ffi.NULL, 0):
            all_det = False
        v = {"file": file, "components": comps, "determined": all_det,
             "offset": r.off[0] if offset else None,
             "chi2_red": r.chi2_red, "converged": bool(r.converged),
             "t0": {"value": r.t0, "stderr": r.t0_se},
             "tau_amplitude_weighted": {"value": r.tau_amp, "stderr": r.tau_amp_se},
             "tau_intensity_weighted": {"value": r.tau_int, "stderr": r.tau_int_se},
             "aicc": r.aicc, "dof": int(r.dof)}
        if r.auto_chosen:
            v["choice"] = ffi.string(r.choice).decode()
        v["reason"] = ffi.string(r.reason).decode()
        if K > 1:
            amp = carray(r.amp, K * nc).reshape(K, nc)
            frac = carray(r.frac, K * nc).reshape(K, nc)
            off = carray(r.off, K)
            v["traces"] = []
            for k in range(K):
                tr = {"name": names[k] if names else str(k + 1), "amplitudes": amp[k],
                      "fractions": frac[k]}
                if offset:
                    tr["offset"] = off[k]
                v["traces"].append(tr)
        v["yhat"] = carray(r.yhat, K * n).reshape(K, n) if K > 1 else carray(r.yhat, n)
        warn = [] if r.converged else [f"did not converge: {v['reason']}"]
        if not all_det:
            warn.append("a component is not resolved by the data")
        return Record("kinetics", v, converged=bool(r.converged) and all_det, warnings=warn)
    finally:
        lib.gk_kin_result_free(r)


def prepare_file(path, global_=False, trace=1, time_unit="ps", poisson=False):
    """Read a kinetics file and prepare it exactly as the CLI does: the
    library's gk_table_read and gk_kin_prepare (time unit from the header,
    else ``time_unit``; trace ``trace`` or, with global_=True, every trace
    column; poisson=True: sigma = sqrt(max(|y|, 1)); increasing times,
    finite values, time plausibility). Returns (t in s, y[K, n], sigma
    [K, n] or None, trace names, notes)."""
    if global_ and trace != 1:
        raise usage("trace and global_ exclude each other")
    keep = [ffi.new("char[]", os.fsencode(path)), ffi.new("char[]", str(time_unit).encode())]
    ro = ffi.new("gk_read_options *")
    ro.min_rows = 3
    tb = ffi.new("gk_table *")
    err = new_error()
    raise_for(lib.gk_table_read(keep[0], ro, tb, err), err)
    p = ffi.new("gk_kin_prepared *")
    try:
        po = ffi.new("gk_kin_prepare_options *", {"time_unit": keep[1], "global": int(bool(global_)),
                                                  "trace": int(trace), "poisson": int(bool(poisson))})
        raise_for(lib.gk_kin_prepare(tb, po, p, err), err)
        n, K = int(p.d.n), int(p.d.ntrace)
        t = carray(p.d.t, n)
        y = carray(p.d.y, K * n).reshape(K, n)
        sig = carray(p.d.sigma, K * n)
        sig = sig.reshape(K, n) if sig is not None else None
        names = [s(tb.raw[p.first_trace + k]) for k in range(K)]
        notes = [s(p.notes.msg[k]) for k in range(p.notes.n)]
        return t, y, sig, names, notes
    finally:
        lib.gk_kin_prepared_free(p)
        lib.gk_table_free(tb)


def fit_file(path, global_=False, trace=1, time_unit="ps", poisson=False, **kw):
    """Read a kinetics file as the CLI does (prepare_file: gk_kin_prepare,
    the same function `gainkit kinetics` calls) and fit trace ``trace`` or,
    with global_=True, all traces with shared lifetimes. The library's
    notes (implausible times) are the Record's warnings."""
    t, y, sig, names, notes = prepare_file(path, global_, trace, time_unit, poisson)
    if global_:
        r = fit(t, y, names=names, file=path, sigma=sig, **kw)
    else:
        r = fit(t, y[0], file=path, sigma=None if sig is None else sig[0], **kw)
    r.warnings = notes + list(r.warnings)
    return r
