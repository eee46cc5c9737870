"""Time-domain, spectrally resolved stripe simulation (gainkit/simulate.h;
Milanese et al., Adv. Opt. Mater. 2024, §2.4.3-2.4.4).

Configuration: a YAML file (docs/simulate.md lists the keys, values may
carry units) or a dict of gk_sim_config fields in internal units (cm, s, nm,
J/cm², cm², cm^-3, cm^-1) applied over the library's defaults; keyword
overrides are applied last. Runs release the GIL and Ctrl-C cancels them
through the library's progress callback (KeyboardInterrupt)."""
from __future__ import annotations

import dataclasses
import math
import os

import numpy as np

from ._core import Cancel, Result, as_f64, carray, dptr, new_error, raise_for, usage
from ._ffi import ffi, lib

_BANDS = ("background", "emission", "sigma_e", "sigma_a", "sigma_esa")


def _fields():
    return [f for f, _ in ffi.typeof("gk_sim_config").fields]


class Config:
    """A gk_sim_config with its owner (the YAML file's tables live as long
    as this object). ``cfg`` is the C struct; attribute access forwards."""

    def __init__(self, source=None, **overrides):
        self._file = None
        self.path = ""
        self.sweep_kind, self.sweep = None, None
        self._keep = []
        if isinstance(source, (str, os.PathLike)):
            f = ffi.new("gk_sim_file *")
            err = new_error()
            raise_for(lib.gk_sim_config_read(os.fsencode(source), f, err), err)
            self._file = ffi.gc(f, lib.gk_sim_file_free)
            # film.confinement_from: Γ, mode losses and weights, and with
            # pump.depth: stack the pump's stack, from `modes` (as the CLI)
            raise_for(lib.gk_sim_file_confinement(f, err), err)
            self.cfg = f.cfg  # a view into the file struct
            self.path = os.fspath(source)
            if f.sweep != ffi.NULL:
                self.sweep = carray(f.sweep, f.nsweep)
                self.sweep_kind = "fluence" if f.sweep_kind == lib.GK_SIM_SWEEP_FLUENCE else "length"
        else:
            self._own = ffi.new("gk_sim_config *")
            lib.gk_sim_config_default(self._own)
            self.cfg = self._own[0]
            if source:
                overrides = {**dict(source), **overrides}
        for k, v in overrides.items():
            self.set(k, v)

    def set(self, key, value):
        names = _fields()
        if key not in names:
            raise usage(f"simulate config: unknown field '{key}' (fields: {', '.join(names)})")
        if key in _BANDS:
            b = getattr(self.cfg, key)
            if isinstance(value, dict):
                for bk, bv in value.items():
                    if bk in ("peak", "center", "fwhm"):
                        setattr(b, bk, float(bv))
                    elif bk == "table":
                        lam, val = (as_f64(x, f"{key}.table") for x in value["table"])
                        self._keep += [lam, val]
                        b.ntab, b.tab_lambda, b.tab_value = lam.shape[0], dptr(lam), dptr(val)
                    else:
                        raise usage(f"simulate config: {key}.{bk}: not one of peak, center, fwhm, table")
            else:
                raise usage(f"simulate config: {key} takes a dict (peak, center, fwhm or table)")
        else:
            setattr(self.cfg, key, value)

    def __getattr__(self, k):
        if k in _fields():
            v = getattr(self.cfg, k)
            if k in _BANDS:
                return {"peak": v.peak, "center": v.center, "fwhm": v.fwhm, "ntab": v.ntab}
            return v
        raise AttributeError(k)

    def check(self):
        err = new_error()
        raise_for(lib.gk_sim_config_check(ffi.addressof(self.cfg), err), err)


def _summary(lam, spec):
    m = 0
    for j in range(len(spec)):
        if spec[j] > spec[m]:
            m = j
    peak_nm, peak = lam[m], spec[m]
    h = 0.5 * peak
    lo = hi = math.nan
    for j in range(m, 0, -1):
        if spec[j - 1] <= h:
            lo = lam[j - 1] + (h - spec[j - 1]) / (spec[j] - spec[j - 1]) * (lam[j] - lam[j - 1])
            break
    for j in range(m, len(spec) - 1):
        if spec[j + 1] <= h:
            hi = lam[j] + (spec[j] - h) / (spec[j] - spec[j + 1]) * (lam[j + 1] - lam[j])
            break
    return float(peak_nm), float(peak), float(hi - lo)


_BUDGET = (("absorbed", "absorbed"), ("spontaneous_guided", "decay_guided"),
           ("spontaneous_other_and_nonradiative", "decay_other"),
           ("stimulated_net", "stimulated_net"), ("out_edge", "out_edge"),
           ("out_far_end", "out_far"), ("loss_esa", "loss_esa"),
           ("loss_background", "loss_bg"), ("left_excited", "left"))


@dataclasses.dataclass
class SimResult(Result):
    """One run. Spectra in photons/nm (time-integrated) or photons/s/nm
    (time-resolved, ``spectrum_t[k, j]``); t in s; populations in cm^-3."""
    fluence: float
    stripe_length_cm: float
    pump_fwhm_s: float
    wavelength_nm: np.ndarray
    spectrum: np.ndarray
    t: np.ndarray
    pump: np.ndarray
    intensity: np.ndarray
    fwhm_t: np.ndarray
    budget: dict
    steps: int
    peak_nm: float
    peak: float
    fwhm_nm: float
    spectrum_t: np.ndarray | None = None
    n1_map: np.ndarray | None = None
    n2_map: np.ndarray | None = None
    x: np.ndarray | None = None
    config: str = ""
    converged: bool = True
    warnings: list = dataclasses.field(default_factory=list)
    # memory of the run's grids (bytes), "emitters"/"bulk", "te"/"te+tm", and
    # with TE + TM the per-mode spectra (photons/nm) and edge traces (photons/s)
    memory_bytes: float = math.nan
    kinetics: str = "emitters"
    modes: str = "te"
    spectrum_te: np.ndarray | None = None
    spectrum_tm: np.ndarray | None = None
    edge_te: np.ndarray | None = None
    edge_tm: np.ndarray | None = None
    # film.depth_slices > 1: pump photons absorbed per slice (pumped face first)
    absorbed_slice: np.ndarray | None = None
    # film.depth_slices > 1: each slice's populations (cm^-3; the mean over
    # the pumped cells of the central lateral strip): N1 (bulk: N) and N2,
    # their maxima over the run and their values at the pump peak t = 0
    # (NaN when the window leaves it out); see slice_populations
    slice_n1_max: np.ndarray | None = None
    slice_n1_at_peak: np.ndarray | None = None
    slice_n2_max: np.ndarray | None = None
    slice_n2_at_peak: np.ndarray | None = None
    density: float = math.nan       # emitters' N_tot (the excited fraction's denominator)
    pump_stack: bool = False        # pump.depth: stack (the budget has the pump's balance)

    @property
    def slice_populations(self):
        """The CLI's JSON ``slice_populations`` object (None without slices)."""
        if self.slice_n1_max is None:
            return None
        bulk = self.kinetics == "bulk"
        d = {"unit": "cm^-3", "n1": "carrier density N" if bulk else "emitting state N1",
             "where": "mean over the pumped cells of the central lateral strip; slice 0 at the pumped face",
             "n1_max": self.slice_n1_max, "n1_at_pump_peak": self.slice_n1_at_peak,
             "n2_max": self.slice_n2_max, "n2_at_pump_peak": self.slice_n2_at_peak}
        if not math.isfinite(self.slice_n1_at_peak[0]):
            d["at_pump_peak_reason"] = "the time window does not contain the pump peak t = 0"
        if not bulk:
            d["excited_fraction_at_pump_peak"] = (self.slice_n1_at_peak + self.slice_n2_at_peak) / self.density
        return d

    def _pol(self, d):
        if self.spectrum_tm is not None:
            d["spectrum_te_photons_per_nm"] = self.spectrum_te
            d["spectrum_tm_photons_per_nm"] = self.spectrum_tm
        return d

    def _dict(self):
        d = {"command": "simulate", "config": self.config,
             "stripe_length_cm": self.stripe_length_cm, "pump_fwhm_s": self.pump_fwhm_s,
             "wavelength_nm": self.wavelength_nm, "memory_bytes": self.memory_bytes,
             "kinetics": self.kinetics, "modes": self.modes, "fluence_J_cm-2": self.fluence,
             "peak_nm": self.peak_nm, "fwhm_nm": self.fwhm_nm,
             "spectrum_photons_per_nm": self.spectrum, "budget_photons": self.budget,
             "t_ns": self.t * 1e9, "pump_photons_cm-2_s-1": self.pump,
             "edge_photons_per_s": self.intensity, "fwhm_t_nm": self.fwhm_t}
        self._pol(d)
        if self.edge_tm is not None:
            d["edge_te_photons_per_s"] = self.edge_te
            d["edge_tm_photons_per_s"] = self.edge_tm
        if self.absorbed_slice is not None:
            d["absorbed_per_slice_photons"] = self.absorbed_slice
        if self.slice_n1_max is not None:
            d["slice_populations"] = self.slice_populations
        return d


_PUMP_BUDGET = (("pump_incident", "pump_incident"), ("pump_reflected", "pump_reflected"),
                ("pump_absorbed_above_film", "pump_above"), ("pump_passed_below_film", "pump_below"))


def _budget(b, stack):
    d = {k: getattr(b, f) for k, f in _BUDGET}
    if stack:  # pump.depth: stack: the pump's own balance (as the CLI's JSON)
        d.update({k: getattr(b, f) for k, f in _PUMP_BUDGET})
        d["pump_transfer_matrix_solves"] = int(b.pump_solves)
    return d


def _result(r, c, path):
    nb, nt, nx = r.nbins, r.ntimes, r.ncells
    lam = carray(getattr(r, "lambda"), nb)  # "lambda" is a Python keyword
    spec = carray(r.spectrum, nb)
    pk_nm, pk, fw = _summary(lam, spec)
    b = r.budget
    nz = r.nslices
    sl = nz > 1 and r.slice_n1_max != ffi.NULL
    stack = c.pump_stack_layers > 0
    tr = r.spectrum_t != ffi.NULL
    two = r.npol == 2
    pol = carray(r.spectrum_pol, 2 * nb) if two else None
    ipol = carray(r.intensity_pol, 2 * nt) if two else None
    return SimResult(memory_bytes=float(lib.gk_sim_memory_bytes(ffi.addressof(c))),
                     kinetics="bulk" if c.kinetics == lib.GK_SIM_BULK else "emitters",
                     modes="te+tm" if two else "te",
                     spectrum_te=pol[:nb] if two else None, spectrum_tm=pol[nb:] if two else None,
                     edge_te=ipol[:nt] if two else None, edge_tm=ipol[nt:] if two else None,fluence=c.pump_fluence, stripe_length_cm=c.stripe_length,
                     pump_fwhm_s=c.pump_fwhm, wavelength_nm=lam, spectrum=spec,
                     t=carray(r.t, nt), pump=carray(r.pump, nt), intensity=carray(r.intensity, nt),
                     fwhm_t=carray(r.fwhm, nt), budget=_budget(b, stack),
                     slice_n1_max=carray(r.slice_n1_max, nz) if sl else None,
                     slice_n1_at_peak=carray(r.slice_n1_at_peak, nz) if sl else None,
                     slice_n2_max=carray(r.slice_n2_max, nz) if sl else None,
                     slice_n2_at_peak=carray(r.slice_n2_at_peak, nz) if sl else None,
                     density=c.density, pump_stack=stack,
                     steps=int(r.steps), peak_nm=pk_nm, peak=pk, fwhm_nm=fw,
                     spectrum_t=carray(r.spectrum_t, nt * nb).reshape(nt, nb) if tr else None,
                     n1_map=carray(r.n1_map, nt * nx).reshape(nt, nx) if tr else None,
                     n2_map=carray(r.n2_map, nt * nx).reshape(nt, nx) if tr else None,
                     x=carray(r.x, nx) if r.x != ffi.NULL else None, config=path,
                     absorbed_slice=(carray(r.absorbed_slice, r.nslices)
                                     if r.nslices > 1 and r.absorbed_slice != ffi.NULL else None))


def _config(config, overrides):
    if isinstance(config, Config):
        if overrides:
            for k, v in overrides.items():
                config.set(k, v)
        return config
    return Config(config, **overrides)


def run(config=None, fluence=None, stripe_length=None, time_resolved=False, on_progress=None,
        **overrides):
    """One simulation.

    config         YAML path, dict of gk_sim_config fields, Config, or None
                   (the library's defaults: dye-doped polymer film)
    fluence        pump fluence, J/cm² (default: the config's)
    stripe_length  cm (default: the config's)
    time_resolved  keep the edge spectrum and populations per output bin
    on_progress    callable(done, total) -> True to cancel (optional)
    **overrides    any gk_sim_config field (internal units), e.g. nbins=64
    Ctrl-C stops the run cleanly (KeyboardInterrupt). Example:
        r = gainkit.simulate.run("examples/sim-500ps.yaml", fluence=0.73e-3)
        r.peak_nm, r.fwhm_nm
    """
    cfg = _config(config, overrides)
    if fluence is not None:
        cfg.cfg.pump_fluence = float(fluence)
    if stripe_length is not None:
        cfg.cfg.stripe_length = float(stripe_length)
    if time_resolved:
        cfg.cfg.time_resolved = 1
    r = ffi.new("gk_sim_result *")
    err = new_error()
    with Cancel(on_progress) as cancel:
        rc = lib.gk_sim_run(ffi.addressof(cfg.cfg), r, cancel.progress, err)
    try:
        cancel.check()
        raise_for(rc, err)
        return _result(r, cfg.cfg, cfg.path)
    finally:
        lib.gk_sim_result_free(r)


@dataclasses.dataclass
class SimSweep(Result):
    sweep: str
    values: np.ndarray
    wavelength_nm: np.ndarray
    results: list
    config: str = ""
    stripe_length_cm: float = math.nan
    pump_fwhm_s: float = math.nan
    converged: bool = True
    warnings: list = dataclasses.field(default_factory=list)

    @property
    def spectra(self):
        """Matrix spectra[i, k]: wavelength i, sweep point k (photons/nm),
        what gainkit.threshold.from_spectra and gainkit.vpi.fit read."""
        return np.stack([r.spectrum for r in self.results], axis=1)

    def _dict(self):
        vpi = self.sweep == "fluence"
        pts = []
        for v, r in zip(self.values, self.results):
            pts.append({("fluence_J_cm-2" if vpi else "stripe_length_cm"): v, "peak_nm": r.peak_nm,
                        "peak_photons_per_nm": r.peak, "fwhm_nm": r.fwhm_nm,
                        "edge_photons": r.budget["out_edge"], "steps": r.steps,
                        "spectrum_photons_per_nm": r.spectrum, "budget_photons": r.budget})
            r._pol(pts[-1])
        r0 = self.results[0]
        return {"command": "simulate", "config": self.config,
                "stripe_length_cm": self.stripe_length_cm, "pump_fwhm_s": self.pump_fwhm_s,
                "wavelength_nm": self.wavelength_nm, "memory_bytes": r0.memory_bytes,
                "kinetics": r0.kinetics, "modes": r0.modes,
                "sweep": "fluence" if vpi else "stripe_length", "points": pts}


def sweep(config=None, fluences=None, stripe_lengths=None, on_progress=None, **overrides):
    """Independent runs over pump fluences (J/cm²) or stripe lengths (cm),
    spread over OpenMP threads; without either, the config file's sweep.
    Returns SimSweep (``.spectra`` is the matrix the VPI/threshold
    analyses read)."""
    cfg = _config(config, overrides)
    if (fluences is None) == (stripe_lengths is None):
        if fluences is None and cfg.sweep is not None:
            kind, vals = cfg.sweep_kind, cfg.sweep
        else:
            raise usage("sweep: give fluences or stripe_lengths (one of them)")
    else:
        kind = "fluence" if fluences is not None else "length"
        vals = fluences if fluences is not None else stripe_lengths
    vals = as_f64(vals, "fluences" if kind == "fluence" else "stripe_lengths", min_len=1)
    n = vals.shape[0]
    res = ffi.new("gk_sim_result[]", n)
    err = new_error()
    k = lib.GK_SIM_SWEEP_FLUENCE if kind == "fluence" else lib.GK_SIM_SWEEP_LENGTH
    with Cancel(on_progress) as cancel:
        rc = lib.gk_sim_sweep(ffi.addressof(cfg.cfg), k, dptr(vals), n, res, cancel.progress, err)
    try:
        cancel.check()
        raise_for(rc, err)
        out = []
        for i in range(n):
            c = ffi.new("gk_sim_config *", cfg.cfg)
            if kind == "fluence":
                c.pump_fluence = vals[i]
            else:
                c.stripe_length = vals[i]
            out.append(_result(res[i], c[0], cfg.path))
    finally:
        for i in range(n):
            lib.gk_sim_result_free(ffi.addressof(res, i))
    return SimSweep(sweep=kind, values=vals, wavelength_nm=out[0].wavelength_nm, results=out,
                    config=cfg.path, stripe_length_cm=cfg.cfg.stripe_length,
                    pump_fwhm_s=cfg.cfg.pump_fwhm)
