#!/usr/bin/python3
"""Per-call overhead of the Python package (issue 18): a vsl1 fit from
gainkit.vsl.fit against the same library call made directly through cffi
(the library's own time plus one foreign call), and a Python loop of 1000
fits against scipy.optimize.curve_fit doing the same fits.

    GAINKIT_LIBRARY=build/libgainkit.so /usr/bin/python3 bench/bench_python.py
Never part of `make check` (timings)."""
import os
import sys
os.environ.setdefault("OMP_NUM_THREADS", "1")
import time

import numpy as np
from scipy.optimize import curve_fit

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import gainkit  # noqa: E402
from gainkit._ffi import ffi, lib  # noqa: E402

N = 1000
rng = np.random.default_rng(1)
L = np.linspace(0.05, 0.45, 17)
sets = [2262 / 24.27 * np.expm1(24.27 * L) * (1 + 0.02 * rng.standard_normal(L.size)) for _ in range(N)]


# CPU time of this process (time.process_time), best of several rounds,
# the variants interleaved: on a shared machine wall time mostly measures
# the neighbours; OMP_NUM_THREADS=1 keeps the fit on this thread.
clock = time.process_time


def best(*fs, reps=7):
    out = [float("inf")] * len(fs)
    for _ in range(reps):
        for i, f in enumerate(fs):
            out[i] = min(out[i], f())
    return out


def raw():
    d = ffi.new("gk_vsl_data *")
    f = ffi.new("gk_vsl_fit *")
    err = ffi.new("gk_error *")
    d.n, d.L = L.size, ffi.cast("double *", ffi.from_buffer(L))
    t0 = clock()
    for I in sets:
        d.intensity = ffi.cast("double *", ffi.from_buffer(I))
        lib.gk_vsl_fit_model(d, lib.GK_VSL_VSL1, f, err)
        lib.gk_vsl_fit_free(f)
    return (clock() - t0) / N


def wrapped():
    t0 = clock()
    for I in sets:
        gainkit.vsl.fit(L, I, model="vsl1")
    return (clock() - t0) / N


def scipy():
    model = lambda x, g, A: A / g * np.expm1(g * x)  # noqa: E731
    t0 = clock()
    for I in sets:
        curve_fit(model, L, I, p0=(10.0, 1000.0))
    return (clock() - t0) / N


t_raw, t_py, t_sp = best(raw, wrapped, scipy)
print(f"vsl1 fit, 17 points, CPU time, best of 7 x {N} fits:")
print(f"  library via one cffi call   {t_raw * 1e6:8.1f} us/fit")
print(f"  gainkit.vsl.fit             {t_py * 1e6:8.1f} us/fit  (overhead {1e6 * (t_py - t_raw):.1f} us)")
print(f"  scipy curve_fit             {t_sp * 1e6:8.1f} us/fit  ({t_sp / t_py:.1f}x slower than gainkit)")
ok_over, ok_ratio = 1e6 * (t_py - t_raw) <= 20, t_sp / t_py >= 5
print(f"issue 18 targets: overhead <= 20 us {'met' if ok_over else 'NOT met'}, "
      f"loop >= 5x faster than curve_fit {'met' if ok_ratio else 'NOT met'}")
