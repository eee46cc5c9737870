"""Lumped thermal model of an electrically driven gain device (Klimov,
Chem. Rev. 2023, Eq. 10-13): C dDT/dt = A_d j V - K DT, tau_T = C/K.
Units: K in W/K, C in J/K, power W, times s, DT in K."""
from __future__ import annotations

import numpy as np

from ._core import Record, as_f64, carray, determined, dptr, new_error, raise_for, usage, value_se, value_se_bounded
from ._ffi import ffi, lib


def run(k, c, power=None, area=None, current_density=None, voltage=None, pulse=None,
        period=None, duty=None, pulses=10, points=500):
    """Temperature rise: d.c. (tau_t, delta_t_dc), one square pulse
    (delta_t_pulse) or a pulse train (delta_t_max/min in the periodic
    steady state), and the transient t, delta_t on ``points`` samples.

    k (W/K), c (J/K); power (W) or area (cm²) x current_density (A/cm²) x
    voltage (V); pulse t_p (s); period (s) or duty (t_p/T) for a train;
    pulses: periods shown (default 10).
    Example: gainkit.heat(4.8e-3, 1.9e-8, power=0.1)["tau_t"]  -> 3.96e-6 s
    """
    has_ajv = any(v is not None for v in (area, current_density, voltage))
    if (power is not None) == has_ajv:
        raise usage("give either power or area, current_density and voltage")
    if has_ajv:
        if None in (area, current_density, voltage):
            raise usage("area, current_density and voltage go together")
        power = area * current_density * voltage
    if period is not None and duty is not None:
        raise usage("give either period or duty, not both")
    if (period is not None or duty is not None) and pulse is None:
        raise usage("a pulse train needs pulse")
    if duty is not None:
        period = pulse / duty
    if period is not None and not period > pulse:
        raise usage(f"period must be longer than the pulse ({pulse:g} s)")
    if not (1 <= pulses <= 1e5 and pulses == int(pulses)):
        raise usage("pulses must be an integer from 1 to 1e5")
    if not (2 <= points <= 1e6 and points == int(points)):
        raise usage("points must be an integer from 2 to 1e6")
    h = ffi.new("gk_heat *", {"k": k, "c": c, "power": power})
    err = new_error()
    raise_for(lib.gk_heat_check(h, err), err)
    tau, dc = lib.gk_heat_tau(h), lib.gk_heat_dc(h)
    train = period is not None
    t_win = 5 * tau if pulse is None else pulses * period if train else pulse + 5 * tau
    tr = ffi.new("gk_heat_train *", {"tp": pulse if pulse is not None else t_win * 2,
                                     "period": period if train else t_win * 4})
    v = {"k": k, "c": c, "power": power, "tau_t": tau, "delta_t_dc": dc}
    if pulse is not None:
        v["pulse"], v["delta_t_pulse"] = pulse, lib.gk_heat_pulse(h, pulse)
    if train:
        mx, mn = ffi.new("double *"), ffi.new("double *")
        lib.gk_heat_train_steady(h, tr, mx, mn)
        v.update({"period": period, "duty": pulse / period, "delta_t_max": mx[0],
                  "delta_t_min": mn[0]})
    n = int(points)
    t = np.array([t_win * i / (n - 1) for i in range(n)])
    v["t"], v["delta_t"] = t, np.array([lib.gk_heat_train_at(h, tr, float(x)) for x in t])
    return Record("heat", v)


def fit(tp, dt_per_p, file="", observable="average"):
    """Fit K and C to DT/P (K/W) versus pulse length tp (s), relative
    weights: k, c, tau_t with stderr, chi2_red, converged. observable:
    "average" (default, the rise averaged over the pulse, Ahn et al., Chem.
    Rev. 2023, section 6.1.5) or "end" (at the end of the pulse, Eq. 12)."""
    if observable not in ("average", "end"):
        raise usage(f"observable '{observable}' is not end or average")
    obs = lib.GK_HEAT_AVERAGE if observable == "average" else lib.GK_HEAT_END
    tp = as_f64(tp, "tp")
    y = as_f64(dt_per_p, "dt_per_p", shape=(tp.shape[0],))
    f = ffi.new("gk_heat_fit *")
    err = new_error()
    raise_for(lib.gk_heat_fit_observable(dptr(tp), dptr(y), tp.shape[0], obs, f, err), err)
    try:
        inf = float("inf")
        det = (determined(f.k, f.se_k) and determined(f.c, f.se_c) and determined(f.tau, f.se_tau)
               and f.k > 0 and f.tau > 0)  # K, tau_T >= 0: on the bound not determined (as the CLI)
        v = {"file": file, "observable": observable, "k": value_se_bounded("K", f.k, f.se_k, 0, inf),
             "c": value_se_bounded("C", f.c, f.se_c, 0, inf),
             "tau_t": value_se_bounded("tau_T", f.tau, f.se_tau, 0, inf),
             "chi2_red": f.fit.chi2_red, "converged": bool(f.converged), "determined": det,
             "yhat": carray(f.fit.yhat, tp.shape[0])}
        return Record("heat fit", v, converged=bool(f.converged) and det)
    finally:
        lib.gk_heat_fit_free(f)


def fit_file(path, observable="average"):
    """fit on a two-column file (pulse length with a header time unit, DT/P)."""
    from .io import read_columns
    c = read_columns(path, min_points=3, allow_unsorted=True)
    factor = 1.0
    if c.x_unit_in:
        u = ffi.new("double *")
        err = new_error()
        raise_for(lib.gk_unit_factor(c.x_unit_in.encode(), b"s", u, err), err)
        factor = u[0]
    return fit(c.x * factor, c.y, file=path, observable=observable)
