import math

import numpy as np
import pytest

from conftest import cli_json, ex, same


@pytest.mark.parametrize("stack", ["stack-cspbbr3.yaml", "stack-electrodes.yaml",
                                   "stack-conventional.yaml"])
def test_solve_matches_cli(gk, stack):
    ref = cli_json("modes", ex(stack))
    same(gk.modes.solve(ex(stack)).to_dict(), ref)


def test_sweep_matches_cli(gk):
    ref = cli_json("modes", ex("stack-electrodes.yaml"), "--sweep", "perovskite:20:400:5",
                   "--material-gain", "500")
    r = gk.modes.sweep(ex("stack-electrodes.yaml"), layer="perovskite",
                       thickness_nm=gk.modes.steps(20, 400, 5), material_gain=500)
    same(r.to_dict(), ref)
    ref = cli_json("modes", ex("stack-cspbbr3.yaml"), "--sweep-wavelength", "500:600:25")
    r = gk.modes.sweep(ex("stack-cspbbr3.yaml"), wavelengths_nm=gk.modes.steps(500, 600, 25))
    same(r.to_dict(), ref)


def test_dict_stack_and_symmetric_slab_closed_form(gk):
    # symmetric slab, TE0: the transcendental equation
    # kappa d/2 = atan(gamma/kappa) with kappa = k0 sqrt(n1^2-ne^2), gamma = k0 sqrt(ne^2-n2^2)
    n1, n2, d, lam = 2.0, 1.5, 300.0, 600.0
    st = {"wavelength_nm": lam, "layers": [{"name": "clad", "n": n2},
                                           {"name": "core", "n": n1, "thickness_nm": d, "active": True},
                                           {"name": "sub", "n": n2}]}
    r = gk.modes.solve(st, pol="te")
    ne = r["modes"][0]["neff"][0]
    k0 = 2 * math.pi / lam
    kap, gam = k0 * math.sqrt(n1 ** 2 - ne ** 2), k0 * math.sqrt(ne ** 2 - n2 ** 2)
    assert kap * d / 2 == pytest.approx(math.atan(gam / kap), rel=1e-9)
    assert r.to_dict()["stack"] == "<dict>"
    # the same stack from its YAML file gives the same numbers
    assert sum(r["modes"][0]["confinement"]) == pytest.approx(1.0, rel=1e-9)


def test_material_and_errors(gk):
    n, k = gk.modes.material_nk("SiO2", [500.0, 600.0])
    # independent: Malitson's Sellmeier formula for fused silica (J. Opt.
    # Soc. Am. 1965), lambda in um
    lam = np.array([0.5, 0.6])
    n2 = 1 + sum(B * lam ** 2 / (lam ** 2 - C ** 2) for B, C in
                 ((0.6961663, 0.0684043), (0.4079426, 0.1162414), (0.8974794, 9.896161)))
    assert np.allclose(n, np.sqrt(n2), rtol=1e-12) and np.all(k == 0)
    with pytest.raises(gk.InputError):
        gk.modes.solve({"layers": [{"name": "a", "n": 1.0}]}, wavelength_nm=500)
    with pytest.raises(gk.InputError, match="no layer"):
        gk.modes.sweep(ex("stack-cspbbr3.yaml"), layer="nope", thickness_nm=[100])
    with pytest.raises(gk.InputError):
        gk.modes.material_nk("unobtainium", 500)


def test_film_below_substrate_matches_cli(gk, tmp_path):
    # the film, never the substrate, is the core (issue 14): no guided mode,
    # no critical angle, the reason in words, as the CLI
    p = tmp_path / "nomode.yaml"
    p.write_text("wavelength_nm: 600\nlayers:\n  - {n: 1}\n  - {n: 1.3, thickness_nm: 200}\n  - {n: 1.5}\n")
    ref = cli_json("modes", str(p))
    assert ref["guide"]["reason"] == "no guided mode (film index below the substrate's)"
    same(gk.modes.solve(str(p)).to_dict(), ref)
