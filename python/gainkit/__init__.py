"""gainkit: optical-gain analysis of thin-film gain media, on numpy arrays,
over the C library libgainkit (loaded with cffi in ABI mode; nothing is
compiled). docs/python.md lists the API.

    import gainkit
    r = gainkit.vsl.fit(L_cm, I, model="vsl1")      # r.g, r.stderr["g"], r.to_dict()
    t = gainkit.threshold(pump, intensity)          # t["kink"]["value"]

The library is found through GAINKIT_LIBRARY (path of libgainkit.so), else
the build tree of the checkout this package sits in, else system paths.
"""
from ._ffi import LibraryNotFound, library_path, include_path, ffi, lib  # noqa: F401
from ._core import GainkitError, InputError, FitError  # noqa: F401
from . import io, spectrum, vsl, vpi, simulate, nc, carriers, kinetics, modes, plot  # noqa: F401
from . import heat as _heat_mod
from . import ta as _ta_mod
from . import threshold as _threshold_mod
from .io import read  # noqa: F401

__version__ = ffi.string(lib.gk_version()).decode()


class _ThresholdModule:
    """``gainkit.threshold(pump, intensity, ...)`` finds the threshold;
    ``gainkit.threshold.from_spectra`` / ``from_file`` / ``find`` too."""

    def __call__(self, pump, intensity, fwhm=None, method="default", pump_unit="", range=None,
                 max_pump=None):
        return _threshold_mod.find(pump, intensity, fwhm, method=method, pump_unit=pump_unit,
                                   range=range, max_pump=max_pump)

    __call__.__doc__ = _threshold_mod.find.__doc__

    def __getattr__(self, k):
        return getattr(_threshold_mod, k)

    def __repr__(self):
        return repr(_threshold_mod)


threshold = _ThresholdModule()


class _HeatModule:
    """``gainkit.heat(k, c, power=...)`` (= heat.run); heat.fit, heat.fit_file."""

    def __call__(self, *a, **kw):
        return _heat_mod.run(*a, **kw)

    __call__.__doc__ = _heat_mod.run.__doc__

    def __getattr__(self, k):
        return getattr(_heat_mod, k)


heat = _HeatModule()


class _TaModule:
    """``gainkit.ta(wavelength_nm, alpha0, n_mean, dod, ...)`` (= ta.analyze);
    ta.from_files, ta.resample."""

    def __call__(self, *a, **kw):
        return _ta_mod.analyze(*a, **kw)

    __call__.__doc__ = _ta_mod.analyze.__doc__

    def __getattr__(self, k):
        return getattr(_ta_mod, k)


ta = _TaModule()

__all__ = ["read", "io", "spectrum", "vsl", "vpi", "simulate", "threshold", "nc", "carriers", "heat", "kinetics", "ta", "modes", "plot", "GainkitError",
           "InputError", "FitError", "LibraryNotFound"]
