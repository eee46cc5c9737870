"""Spectrum metrics: baseline, window, refined peak, integrated intensity,
FWHM (gk_spectrum_analyse)."""
from __future__ import annotations

import dataclasses

import numpy as np

from ._core import Result, as_f64, dptr, new_error, raise_for, usage
from ._ffi import ffi, lib


@dataclasses.dataclass
class SpectrumStats(Result):
    """Peak wavelength and FWHM in nm, intensities in the data's unit
    (baseline removed); integrated = trapezoid over the window (unit x nm).
    fwhm_nm is NaN when a half-maximum crossing lies outside the window
    (fwhm_flags: 1 left, 2 right)."""
    baseline: float
    i0: int
    i1: int
    i_max: int
    peak_nm: float
    peak: float
    integrated: float
    half_lo_nm: float
    half_hi_nm: float
    fwhm_nm: float
    fwhm_flags: int
    converged: bool = True
    warnings: list = dataclasses.field(default_factory=list)


def analyse(wavelength_nm, y, window=None, baseline=None, smooth=0):
    """Metrics of one spectrum.

    wavelength_nm  increasing wavelengths (nm)
    y              intensities (same length)
    window         (lo, hi) in nm, or None for the whole spectrum
    baseline       None (none), "auto" (the lower of the means of the first
                   and last max(3, n/20) samples), int N (mean of the first
                   N samples) or a float (fixed value subtracted)
    smooth         peak and FWHM from a Savitzky-Golay smooth: 0 raw
                   samples (default), M half-width, "auto" (~FWHM/6)
    Example: gainkit.spectrum.analyse(wl, counts, baseline=10).fwhm_nm
    """
    wl = as_f64(wavelength_nm, "wavelength_nm")
    y = as_f64(y, "y", shape=(wl.shape[0],))
    o = ffi.new("gk_spectrum_options *")
    if baseline is None:
        o.baseline.kind = lib.GK_BASELINE_NONE
    elif isinstance(baseline, str) and baseline == "auto":
        o.baseline.kind = lib.GK_BASELINE_AUTO
    elif isinstance(baseline, (int, np.integer)) and not isinstance(baseline, bool):
        if baseline < 1:
            raise usage(f"baseline: {baseline} points: needs at least 1")
        o.baseline.kind, o.baseline.n = lib.GK_BASELINE_FIRST_N, int(baseline)
    elif isinstance(baseline, (float, np.floating)):
        o.baseline.kind, o.baseline.value = lib.GK_BASELINE_VALUE, float(baseline)
    else:
        raise usage(f"baseline: {baseline!r} is not None, an int N or a float value")
    if window is not None:
        o.use_window, o.window_lo, o.window_hi = 1, float(window[0]), float(window[1])
    if smooth == "auto":
        o.smooth = -1
    elif smooth in (None, "none"):
        o.smooth = 0
    else:
        o.smooth = int(smooth)
    st = ffi.new("gk_spectrum_stats *")
    err = new_error()
    raise_for(lib.gk_spectrum_analyse(dptr(wl), dptr(y), wl.shape[0], o, st, err), err)
    return SpectrumStats(baseline=st.baseline, i0=int(st.i0), i1=int(st.i1), i_max=int(st.i_max),
                         peak_nm=st.peak_nm, peak=st.peak, integrated=st.integrated,
                         half_lo_nm=st.half_lo_nm, half_hi_nm=st.half_hi_nm, fwhm_nm=st.fwhm_nm,
                         fwhm_flags=int(st.fwhm_flags))
