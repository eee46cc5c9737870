"""Spectrum metrics: baseline, window, refined peak, integrated intensity,
FWHM (gk_spectrum_analyse)."""
from __future__ import annotations

import dataclasses
import os

import numpy as np

from ._core import InputError, Record, Result, as_f64, dptr, new_error, raise_for, usage
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
    centroid_nm: float = float("nan")   # intensity-weighted mean wavelength (window, baseline removed)
    clipped: bool = False                # a flat top: the detector saturated (gk_io_clipped)


def options(window=None, baseline=None, smooth=0, wl=None, y=None):
    """The gk_spectrum_options (cdata) of analyse's keywords, as the CLI
    builds them from --window/--baseline/--smooth ("edges" needs wl and y)."""
    o = ffi.new("gk_spectrum_options *")
    if baseline is None:
        o.baseline.kind = lib.GK_BASELINE_NONE
    elif isinstance(baseline, str) and baseline == "auto":
        o.baseline.kind = lib.GK_BASELINE_AUTO
    elif isinstance(baseline, str) and baseline == "edges":
        level, noise, sig = ffi.new("double *"), ffi.new("double *"), ffi.new("int *")
        level[0] = float("nan")
        lib.gk_io_offset(dptr(wl), dptr(y), wl.shape[0], level, noise, sig)
        o.baseline.kind, o.baseline.value = lib.GK_BASELINE_VALUE, level[0]
    elif isinstance(baseline, (int, np.integer)) and not isinstance(baseline, bool):
        if baseline < 1:
            raise usage(f"baseline: {baseline} points: needs at least 1")
        o.baseline.kind, o.baseline.n = lib.GK_BASELINE_FIRST_N, int(baseline)
    elif isinstance(baseline, (float, np.floating)):
        o.baseline.kind, o.baseline.value = lib.GK_BASELINE_VALUE, float(baseline)
    else:
        raise usage(f"baseline: {baseline!r} is not None, 'auto', 'edges', an int N or a float value")
    if window is not None:
        o.use_window, o.window_lo, o.window_hi = 1, float(window[0]), float(window[1])
    if smooth == "auto":
        o.smooth = -1
    elif smooth in (None, "none"):
        o.smooth = 0
    else:
        o.smooth = int(smooth)
    return o


def analyse(wavelength_nm, y, window=None, baseline=None, smooth=0):
    """Metrics of one spectrum.

    wavelength_nm  increasing wavelengths (nm)
    y              intensities (same length)
    window         (lo, hi) in nm, or None for the whole spectrum
    baseline       None (none, default), "auto" (the lower of the means of
                   the first and last max(3, n/20) samples), "edges" (the
                   CLI spectrum command's: the edge level of gk_io_offset,
                   first and last 5 %), int N (mean of the first N samples)
                   or a float (fixed value subtracted)
    smooth         peak and FWHM from a Savitzky-Golay smooth: 0 raw
                   samples (default), M half-width, "auto" (~FWHM/6)
    Example: gainkit.spectrum.analyse(wl, counts, baseline=10).fwhm_nm
    """
    wl = as_f64(wavelength_nm, "wavelength_nm")
    y = as_f64(y, "y", shape=(wl.shape[0],))
    o = options(window, baseline, smooth, wl, y)
    st = ffi.new("gk_spectrum_stats *")
    err = new_error()
    raise_for(lib.gk_spectrum_analyse(dptr(wl), dptr(y), wl.shape[0], o, st, err), err)
    lvl, cnt = ffi.new("double *"), ffi.new("size_t *")
    return SpectrumStats(baseline=st.baseline, i0=int(st.i0), i1=int(st.i1), i_max=int(st.i_max),
                         peak_nm=st.peak_nm, peak=st.peak, integrated=st.integrated,
                         half_lo_nm=st.half_lo_nm, half_hi_nm=st.half_hi_nm, fwhm_nm=st.fwhm_nm,
                         fwhm_flags=int(st.fwhm_flags),
                         centroid_nm=lib.gk_spectra_centroid(dptr(wl), dptr(y), st.i0, st.i1,
                                                             st.baseline),
                         clipped=bool(lib.gk_io_clipped(dptr(y), wl.shape[0], lvl, cnt)))


_FLAG = {1: "left crossing outside window", 2: "right crossing outside window",
         3: "both crossings outside window"}


def from_file(paths, window=None, baseline=None, **io_kw):
    """Every spectrum of every file (vendor exports read by gk_io_read), as
    the CLI's `gainkit spectrum FILE...`: a Record with "files" (path,
    format, metadata, notes) and "spectra" (file, label, peak_nm, peak,
    fwhm_nm, integrated, centroid_nm, baseline, clipped). window (nm1, nm2)
    in nm; baseline None (default), "edges", int N or a value; io_kw as
    gainkit.io.read_spectra (format=, x_col=, ...). Example:
        gainkit.spectrum.from_file("examples/input/ocean-oceanview.txt")["spectra"][0]["fwhm_nm"]"""
    from .io import read_spectra
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    files, rows, warns = [], [], []
    for p in paths:
        sp = read_spectra(p, **io_kw)
        files.append({"path": sp.path, "format": sp.format, "metadata": dict(sp.meta),
                      "notes": list(sp.notes)})
        for k, label in enumerate(sp.labels):
            try:
                st = analyse(sp.wl, np.ascontiguousarray(sp.y[k]), window=window, baseline=baseline)
            except InputError as e:
                if e.file:
                    raise
                msg = f"{label}: {e.message}"
                raise InputError(f"{os.fspath(p)}: {msg}", code=e.code, file=os.fspath(p),
                                 message=msg) from None
            o = {"file": os.fspath(p), "label": label, "peak_nm": st.peak_nm, "peak": st.peak,
                 "fwhm_nm": st.fwhm_nm}
            if st.fwhm_flags:
                o["fwhm_reason"] = _FLAG.get(st.fwhm_flags, "")
                warns.append(f"{os.fspath(p)} ({label}): {o['fwhm_reason']}; FWHM undefined")
            o.update({"integrated": st.integrated, "centroid_nm": st.centroid_nm,
                      "baseline": st.baseline, "clipped": st.clipped})
            if st.clipped:
                warns.append(f"{os.fspath(p)} ({label}): clipped: the detector saturated")
            rows.append(o)
    return Record("spectrum", {"files": files, "spectra": rows}, warnings=warns)
