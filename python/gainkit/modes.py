"""Guided modes of a planar multilayer (gainkit/modes.h, docs/modes.md):
effective indices, confinement per layer, modal loss, DFB periods, cutoffs,
and sweeps of a layer thickness or the wavelength for TE0/TM0.

A stack is a YAML file (layers top to bottom; refractiveindex.info
material files or built-in materials) or the same structure as a dict:
    {"wavelength_nm": 540,
     "layers": [{"name": "air", "n": 1.0},
                {"name": "CsPbBr3", "n": 2.4, "thickness_nm": 100, "active": True},
                {"name": "quartz", "material": "SiO2"}]}
Material file names in a dict are relative to ``base_dir`` (default: the
current directory)."""
from __future__ import annotations

import json
import math
import os
import tempfile

import numpy as np

from ._core import Cancel, Record, as_f64, carray, dptr, new_error, raise_for, s, usage
from ._ffi import ffi, lib


class Stack:
    """A loaded gk_stack (freed with the object)."""

    def __init__(self, source, base_dir=None):
        self._c = ffi.new("gk_stack *")
        err = new_error()
        if isinstance(source, dict):
            base = base_dir or os.getcwd()
            d = json.loads(json.dumps(source))  # a deep copy, JSON-able
            for L in d.get("layers", []):
                m = L.get("material") if isinstance(L, dict) else None
                if isinstance(m, str) and not os.path.isabs(m) and os.path.exists(os.path.join(base, m)):
                    L["material"] = os.path.abspath(os.path.join(base, m))
            # JSON is YAML: the library's own reader parses it
            fd, path = tempfile.mkstemp(suffix=".yaml", prefix="gainkit-stack-")
            try:
                with os.fdopen(fd, "w") as f:
                    json.dump(d, f)
                rc = lib.gk_stack_load(path.encode(), self._c, err)
            finally:
                os.unlink(path)
            self.file = "<dict>"
            if rc:  # the temp name means nothing to the user
                err.file = b""
            raise_for(rc, err)
        else:
            raise_for(lib.gk_stack_load(os.fsencode(source), self._c, err), err)
            self.file = s(self._c.file)
        self._c = ffi.gc(self._c, lib.gk_stack_free)

    @property
    def layers(self):
        return [s(self._c.layers[i].name) for i in range(self._c.nlayers)]

    @property
    def wavelength_nm(self):
        return self._c.wavelength_nm

    @property
    def active(self):
        return self._c.active


def _stack(stack, base_dir=None):
    return stack if isinstance(stack, Stack) else Stack(stack, base_dir)


def _cx(z):
    z = complex(z)
    return [z.real, z.imag]


def solve(stack, wavelength_nm=None, pol="both", base_dir=None):
    """Every guided TE and TM mode at one wavelength.

    stack          YAML path, dict (see the module doc) or Stack
    wavelength_nm  default: the stack's wavelength_nm
    pol            "te", "tm" or "both"
    Returns a Record with the CLI's keys: layers (name, index [n, k],
    thickness_nm), modes (pol, order, neff [re, im], confinement per layer,
    loss_cm, dfb_period_nm [1st, 2nd order], modal_angle_deg), guide
    (core_layer, critical_angle_deg, cutoff_te_nm, cutoff_tm_nm), converged.
    Example: gainkit.modes.solve("examples/stack-cspbbr3.yaml")["modes"][0]["confinement"]
    """
    st = _stack(stack, base_dir)
    wl = wavelength_nm if wavelength_nm is not None else st.wavelength_nm
    if not wl > 0:
        raise usage(f"no wavelength: give wavelength_nm or put wavelength_nm in {st.file}")
    pols = {"te": lib.GK_MODES_TE, "tm": lib.GK_MODES_TM, "both": lib.GK_MODES_BOTH}.get(str(pol).lower())
    if pols is None:
        raise usage(f"pol: '{pol}' is not te, tm or both")
    g = ffi.new("gk_guide *")
    err = new_error()
    raise_for(lib.gk_guide_from_stack(g, st._c, wl, err), err)
    m = ffi.new("gk_modes *")
    try:
        raise_for(lib.gk_modes_find(g, pols, m, err), err)
        nl = g.nlayers
        idx = [complex(g.index[i]) for i in range(nl)]
        core = 1
        for j in range(1, nl - 1):  # films only (as cmd_modes.c): never the substrate
            if idx[j].real > idx[core].real:
                core = j
        if st.active > 0:
            core = st.active
        ncore, nclad = idx[core].real, max(idx[0].real, idx[nl - 1].real)
        layers = []
        for i in range(nl):
            L = {"name": s(st._c.layers[i].name), "index": _cx(idx[i])}
            if 0 < i < nl - 1:
                L["thickness_nm"] = g.thickness_nm[i]
            if i == st.active:
                L["active"] = True
            layers.append(L)
        modes = []
        for i in range(m.n):
            md = m.mode[i]
            ne = complex(md.neff)
            modes.append({"pol": "TE" if md.pol == lib.GK_TE else "TM", "order": md.order,
                          "neff": _cx(ne), "confinement": carray(md.confinement, nl),
                          "loss_cm": md.loss_cm,
                          "dfb_period_nm": [lib.gk_modes_dfb_period_nm(1, wl, ne.real),
                                            lib.gk_modes_dfb_period_nm(2, wl, ne.real)],
                          "modal_angle_deg": lib.gk_modes_modal_angle_deg(ne.real, ncore)})
        cut = [[math.nan, math.nan], [math.nan, math.nan]]
        d = ffi.new("double *")
        for p in range(2):
            for o in range(2):
                ce = new_error()
                if core + 1 < nl and lib.gk_modes_cutoff_nm(g, p, core, o, 20 * wl, d, ce) == lib.GK_OK:
                    cut[p][o] = d[0]
        v = {"wavelength_nm": wl, "stack": st.file, "layers": layers, "modes": modes,
             "guide": {"core_layer": s(st._c.layers[core].name),
                       "critical_angle_deg": lib.gk_modes_critical_angle_deg(nclad, ncore),
                       "cutoff_te_nm": cut[0], "cutoff_tm_nm": cut[1]},
             "converged": bool(m.converged)}
        # as cmd_modes.c: a film at or below a cladding's index guides nothing
        if not ncore > nclad:
            v["guide"]["reason"] = ("no guided mode (film index below the substrate's)" if ncore < nclad
                                    else "no guided mode (film index equal to the cladding's)")
        elif not all(math.isfinite(c) for c in cut[0] + cut[1]):
            v["guide"]["cutoff_reason"] = "null: no cutoff thickness found below 20 wavelengths"
        return Record("modes", v, converged=bool(m.converged))
    finally:
        lib.gk_modes_free(m)
        lib.gk_guide_free(g)


def steps(start, stop, step):
    """The CLI's FROM:TO:STEP grid (TO included when it falls on the grid)."""
    if not (step > 0 and stop >= start and start >= 0):
        raise usage("need 0 <= start <= stop and step > 0")
    cnt = math.floor((stop - start) / step * (1 + 1e-12) + 1e-9) + 1
    return np.array([start + step * i for i in range(int(cnt))])


def sweep(stack, layer=None, thickness_nm=None, wavelengths_nm=None, wavelength_nm=None,
          material_gain=0.0, base_dir=None, on_progress=None, full_search=False):
    """Fundamental TE0/TM0 over a grid of a layer's thickness (nm) and/or
    wavelengths (nm): active-layer confinement, modal loss and net gain
    g_net = confinement * material_gain - loss (cm^-1). Ctrl-C cancels.
    Each point continues Newton's method from the previous n_eff (checked,
    see docs/modes.md); full_search=True searches every point from scratch
    (the CLI's --full-search).
    Example: gainkit.modes.sweep("examples/stack-electrodes.yaml",
             layer="perovskite", thickness_nm=gainkit.modes.steps(20, 400, 5),
             material_gain=500)["te0_positive_net_gain_from_nm"]"""
    st = _stack(stack, base_dir)
    li = -1
    th = None
    if layer is not None:
        li = lib.gk_stack_find(st._c, str(layer).encode())
        if li < 0:
            raise usage(f"layer: {st.file} has no layer '{layer}'")
        if li == 0 or li + 1 == st._c.nlayers:
            raise usage(f"layer: '{layer}' is semi-infinite (cover or substrate); sweep a finite layer")
        th = as_f64(thickness_nm, "thickness_nm", min_len=1)
    wls = as_f64(wavelengths_nm, "wavelengths_nm", optional=True)
    if wls is not None and np.any(~(wls > 0)):
        raise usage("wavelengths must be positive")
    wl = wavelength_nm if wavelength_nm is not None else st.wavelength_nm
    if not wl > 0 and wls is None:
        raise usage(f"no wavelength: give wavelength_nm or put wavelength_nm in {st.file}")
    nth = th.shape[0] if th is not None else 0
    nwl = wls.shape[0] if wls is not None else 0
    npt = (nth if li >= 0 else 1) * (nwl or 1)
    P = ffi.new("gk_sweep_point[]", npt)
    conv = ffi.new("int *", 1)
    err = new_error()
    so = ffi.new("gk_modes_sweep_opts *")
    so.continuation = 0 if full_search else 1
    with Cancel(on_progress) as cancel:
        rc = lib.gk_modes_sweep_ex(st._c, li, dptr(th), nth, dptr(wls), nwl, wl, material_gain, P, conv,
                                   so, cancel.progress, err)
    cancel.check()
    raise_for(rc, err)
    pts = []
    for i in range(npt):
        o = {"thickness_nm": P[i].thickness_nm, "wavelength_nm": P[i].wavelength_nm}
        for p, key in ((0, "te0"), (1, "tm0")):
            o[key] = None if not P[i].found[p] else {
                "neff": _cx(P[i].neff[p]), "confinement_active": P[i].gamma_active[p],
                "loss_cm": P[i].loss_cm[p], "net_gain": P[i].net_gain[p]}
        pts.append(o)
    v = {"stack": st.file}
    if not nwl:
        v["wavelength_nm"] = wl
    if li >= 0:
        v["sweep_layer"] = s(st._c.layers[li].name)
    v["active_layer"] = s(st._c.layers[st.active].name) if st.active >= 0 else None
    v["material_gain_cm"] = material_gain
    v["solver"] = {"method": "full search" if full_search else "continuation"}
    if not full_search:
        v["solver"].update({"full_searches": so.full_solves, "continued_points": so.newton_solves,
                            "segments_redone": so.redone_segments})
    v["sweep"] = pts
    if li >= 0 and nwl <= 1 and st.active >= 0:
        dmin = math.nan
        for i in range(npt):
            if P[i].found[0] and P[i].net_gain[0] > 0:
                dmin = P[i].thickness_nm
                break
        v["te0_positive_net_gain_from_nm"] = dmin
        # the CLI's g_net = 0 crossing (first upwards, linear between grid points)
        g0 = math.nan
        for i in range(1, npt):
            a, b = P[i - 1], P[i]
            if a.found[0] and b.found[0] and a.net_gain[0] <= 0 < b.net_gain[0]:
                g0 = a.thickness_nm + (0 - a.net_gain[0]) * (b.thickness_nm - a.thickness_nm) / \
                    (b.net_gain[0] - a.net_gain[0])
                break
        v["te0_net_gain_zero_nm"] = g0
    v["converged"] = bool(conv[0])
    return Record("modes", v, converged=bool(conv[0]))


def material_nk(name_or_path, wavelength_nm):
    """n and k of a built-in material (name) or a refractiveindex.info YAML
    file at the given wavelengths (nm): arrays n, k."""
    mp = ffi.new("gk_material **")
    err = new_error()
    if os.path.exists(name_or_path):
        raise_for(lib.gk_material_load(os.fsencode(name_or_path), mp, err), err)
    else:
        raise_for(lib.gk_material_builtin(str(name_or_path).encode(), mp, err), err)
    try:
        w = np.atleast_1d(np.asarray(wavelength_nm, dtype=float))
        n, k = np.empty_like(w), np.empty_like(w)
        a, b = ffi.new("double *"), ffi.new("double *")
        for i, x in enumerate(w):
            raise_for(lib.gk_material_nk(mp[0], float(x), a, b, err), err)
            n[i], k[i] = a[0], b[0]
        return n, k
    finally:
        lib.gk_material_free(mp[0])
