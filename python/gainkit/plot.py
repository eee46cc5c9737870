"""matplotlib helpers that draw a result on the user's own axes:
    fig, ax = plt.subplots(); gainkit.plot.vsl(result, ax=ax)
Each returns the axes. matplotlib is imported only when called."""
from __future__ import annotations

import numpy as np


def _ax(ax):
    if ax is None:
        import matplotlib.pyplot as plt
        ax = plt.gca()
    return ax


def vsl(result, ax=None, models=None, log=False):
    """Data (with error bars when sigma is known) and the fitted curve(s)
    of gainkit.vsl.fit: I versus L (cm); log=True for a log intensity axis."""
    ax = _ax(ax)
    fits = getattr(result, "fits", None) or [result]
    if models is not None:
        fits = [f for f in fits if f.model in models]
    f0 = fits[0]
    if f0.sigma is not None:
        ax.errorbar(f0.L, f0.intensity, yerr=f0.sigma, fmt="o", ms=4, color="k", label="data")
    else:
        ax.plot(f0.L, f0.intensity, "o", ms=4, color="k", label="data")
    Lc = np.linspace(f0.L[0], f0.L[-1], 200)
    for f in fits:
        if not np.all(np.isfinite(f.theta)):
            continue
        try:
            y = f.curve(Lc)
        except Exception:  # a model outside its domain draws nothing
            continue
        ax.plot(Lc, y, label=f"{f.model}: g = {f.g:.4g} ± {f.stderr['g']:.2g} cm$^{{-1}}$")
    ax.set_xlabel("stripe length L (cm)")
    ax.set_ylabel("edge intensity" + (f" ({f0.units.get('A', '').replace('/cm', '')})"
                                      if f0.units.get("A") else ""))
    if log:
        ax.set_yscale("log")
    ax.legend(fontsize="small")
    return ax


def vsl_spectrum(result, ax=None):
    """g(lambda) with its standard error from gainkit.vsl.fit_matrix."""
    ax = _ax(ax)
    ax.errorbar(result.wavelength_nm, result.g, yerr=result.g_stderr, fmt=".-", ms=3)
    ax.axhline(0, color="0.6", lw=0.8)
    ax.set_xlabel("wavelength (nm)")
    ax.set_ylabel("net gain g (cm$^{-1}$)")
    return ax


def threshold(result, ax=None, fwhm_ax=None):
    """Light-in/light-out curve (log-log) with the kink fit and every
    threshold found; with fwhm_ax, the linewidth and its logistic fit."""
    ax = _ax(ax)
    P, I = result.pump, result.intensity
    ax.loglog(P, I, "o", ms=4, color="k", label="data")
    Pc = np.geomspace(P.min(), P.max(), 200)
    if "kink" in result.curves:
        ax.plot(Pc, result.curves["kink"](Pc), "-", label="kink fit")
    if "lines" in result.curves:
        c_lo, m_lo, c_hi, m_hi = result.curves["lines"]
        v = result.thresholds["lines"]["value"]
        lo, hi = Pc[Pc <= v], Pc[Pc >= v]
        ax.plot(lo, c_lo + m_lo * lo, ":", color="C2")
        ax.plot(hi, c_hi + m_hi * hi, ":", color="C2", label="lines")
    peak = getattr(result, "intensity_at_ase_peak", None)
    if peak is not None and "peak" in result.curves:
        ok = np.isfinite(peak)
        wl = result.thresholds["peak"].get("wavelength_nm", float("nan"))
        ax.loglog(P[ok], peak[ok], "^", ms=4, color="C1", label=f"at {wl:.1f} nm")
        ax.plot(Pc, result.curves["peak"](Pc), "-", color="C1", label="peak fit")
    for i, (name, d) in enumerate(result.thresholds.items()):
        if d.get("converged") and np.isfinite(d["value"]):
            ax.axvline(d["value"], color=f"C{i + 3}", ls="--", lw=1,
                       label=f"{name}: {d['value']:.4g}" + (f" ± {d['stderr']:.2g}" if "stderr" in d else ""))
    unit = f" ({result.pump_unit})" if result.pump_unit else ""
    ax.set_xlabel("pump" + unit)
    ax.set_ylabel("intensity")
    ax.legend(fontsize="small")
    if fwhm_ax is not None and result.fwhm_nm is not None:
        fwhm_ax.semilogx(P, result.fwhm_nm, "s", ms=4, color="k")
        if "fwhm" in result.curves:
            fwhm_ax.plot(Pc, result.curves["fwhm"](Pc), "-")
        fwhm_ax.set_xlabel("pump" + unit)
        fwhm_ax.set_ylabel("FWHM (nm)")
    return ax


def vpi(result, ax=None):
    """gamma(lambda) and alpha(lambda) (cm^-1) of gainkit.vpi.fit."""
    ax = _ax(ax)
    ax.errorbar(result.wavelength_nm, result.gamma, yerr=result.gamma_stderr, fmt=".-", label="gamma")
    ax.errorbar(result.wavelength_nm, result.alpha, yerr=result.alpha_stderr, fmt=".-", label="alpha")
    ax.set_xlabel("wavelength (nm)")
    ax.set_ylabel("cm$^{-1}$")
    ax.legend(fontsize="small")
    return ax


def spectra(wavelength_nm, z, params, ax=None, label="pump"):
    """A family of spectra z[:, j] (one per parameter value), coloured by
    the parameter."""
    import matplotlib.cm as cm
    ax = _ax(ax)
    p = np.asarray(params, dtype=float)
    norm = (np.log(p) - np.log(p.min())) / max(np.ptp(np.log(p)), 1e-300)
    for j in range(z.shape[1]):
        ax.plot(wavelength_nm, z[:, j], color=cm.viridis(norm[j]), lw=1)
    ax.set_xlabel("wavelength (nm)")
    ax.set_ylabel("intensity")
    ax.set_title(f"{len(p)} spectra, {label} {p.min():.3g} to {p.max():.3g}", fontsize="small")
    return ax


def simulate(result, ax=None):
    """Edge spectrum of gainkit.simulate.run (photons/nm), or every point
    of a sweep."""
    ax = _ax(ax)
    if hasattr(result, "results"):
        for v, r in zip(result.values, result.results):
            ax.semilogy(r.wavelength_nm, np.maximum(r.spectrum, 1e-300), lw=1, label=f"{v:.3g}")
    else:
        ax.plot(result.wavelength_nm, result.spectrum)
    ax.set_xlabel("wavelength (nm)")
    ax.set_ylabel("edge spectrum (photons/nm)")
    return ax


def kinetics(t, y, result, ax=None):
    """Decay data and the multi-exponential fit (t in s, shown in ps)."""
    ax = _ax(ax)
    yh = np.atleast_2d(result["yhat"])
    yy = np.atleast_2d(y)
    for k in range(yy.shape[0]):
        ax.plot(np.asarray(t) * 1e12, yy[k], ".", ms=3, color=f"C{k}")
        ax.plot(np.asarray(t) * 1e12, yh[k], "-", color=f"C{k}")
    ax.set_xlabel("t (ps)")
    ax.set_ylabel("signal")
    return ax
