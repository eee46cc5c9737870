import math

import numpy as np
import pytest
from scipy import special

from conftest import cli_json, ex, same


@pytest.mark.parametrize("args,kw", [
    ("--ge 2 --gh 2", dict(ge=2, gh=2)),
    ("--ne-mean 0.5 --statistics uniform", dict(ne_mean=0.5, statistics="uniform")),
    ("--ne 1 --statistics uniform", dict(ne=1, statistics="uniform")),
    ("--material pbs --transition 1P", dict(material="pbs", transition="1P")),
])
def test_nc_threshold_matches_cli(gk, args, kw):
    same(gk.nc.threshold(**kw).to_dict(), cli_json("nc", "threshold", *args.split()))


def test_nc_threshold_closed_form(gk):
    # uniform statistics, 1S: Eq. 5 g_h (g_e - n_e)/(g_e + g_h)
    r = gk.nc.threshold(ge=2, gh=2, ne=0.5, statistics="uniform")
    assert r["n_th"] == pytest.approx(2 * (2 - 0.5) / 4, rel=1e-12)


def test_nc_gain_curve_auger_pump_current_confinement_match_cli(gk):
    same(gk.nc.gain_curve(ne=1).to_dict(), cli_json("nc", "gain-curve", "--ne", "1"))
    same(gk.nc.auger(radius=2.5e-7, tau_rx=20e-9).to_dict(),
         cli_json("nc", "auger", "--radius", "2.5nm", "--tau-rx", "20ns"))
    same(gk.nc.auger(tau_xx=1.3e-9, tau_rxx=3e-9).to_dict(),
         cli_json("nc", "auger", "--tau-xx", "1.3ns", "--tau-rxx", "3ns"))
    same(gk.nc.pump(3e-15, 3.0, 20e-9, 65e-12).to_dict(),
         cli_json("nc", "pump", "--sigma-abs", "3e-15", "--photon-energy", "3eV", "--tau-x", "20ns",
                  "--tau-xx", "65ps"))
    same(gk.nc.current(2.5e-7, 0.5, 20e-9, 65e-12).to_dict(),
         cli_json("nc", "current", "--radius", "2.5nm", "--fill", "0.5", "--tau-x", "20ns",
                  "--tau-xx", "65ps"))
    r = gk.nc.confinement(2e-7, 0.13, 0.45, 1.74)
    same(r.to_dict(), cli_json("nc", "confinement", "--radius", "2nm", "--me", "0.13", "--mh",
                               "0.45", "--eg0", "1.74"))
    # independent: the 1P phase is the first zero of the spherical Bessel j1
    assert r["phi"]["1P"] == pytest.approx(4.493409457909064, rel=1e-12)
    assert r["phi"]["1S"] == pytest.approx(math.pi, rel=1e-12)


def test_nc_errors(gk):
    with pytest.raises(gk.InputError, match="material"):
        gk.nc.threshold(material="unobtainium")
    with pytest.raises(gk.InputError, match="transition"):
        gk.nc.threshold(transition="2S")
    with pytest.raises(gk.InputError):
        gk.nc.threshold(ge=-1)


def test_carriers_match_cli(gk, tmp_path):
    same(gk.carriers.plqy(1e7, 2e-10, 1e-28, density=1e17).to_dict(),
         cli_json("carriers", "plqy", "--k1", "1e7", "--k2", "2e-10", "--k3", "1e-28",
                  "--density", "1e17"))
    same(gk.carriers.plqy(1e7, 2e-10, 1e-28, range=(1e15, 1e20)).to_dict(),
         cli_json("carriers", "plqy", "--k1", "1e7", "--k2", "2e-10", "--k3", "1e-28",
                  "--range", "1e15:1e20"))
    same(gk.carriers.pulse(1e7, 2e-10, 1e-28, fluence=50e-6, pulse_fwhm=1e-9, thickness=150e-7,
                           photon_energy=2.4, absorptance=0.5).to_dict(),
         cli_json("carriers", "pulse", "--k1", "1e7", "--k2", "2e-10", "--k3", "1e-28",
                  "--fluence", "50uJ/cm2", "--pulse-fwhm", "1ns", "--thickness", "150nm",
                  "--absorptance", "0.5", "--photon-energy", "2.4eV"))
    same(gk.carriers.threshold(150e-7, n_th=7.3e17, k2=2e-10).to_dict(),
         cli_json("carriers", "threshold", "--n-th", "7.3e17", "--thickness", "150nm",
                  "--k2", "2e-10"))
    same(gk.carriers.mott().to_dict(), cli_json("carriers", "mott"))
    r = gk.carriers.gain_fit_file(ex("gain_vs_density.csv"), gamma=0.65)
    ref = cli_json("carriers", "gain-fit", ex("gain_vs_density.csv"), "--gamma", "0.65")
    same(r.to_dict(), ref)
    assert r.converged
    # N_s on its bound 0 (every density far above saturation)
    n = 1.75e19 + 2.5e18 * np.arange(14)
    g = 1000 * (1 - 1.5e19 / n) * (1 + 0.002 * np.sin(1.3 * np.arange(14)))
    p = tmp_path / "gsat.csv"
    p.write_text("N (cm^-3),G (cm^-1)\n" + "".join(f"{a:.10e},{b:.10g}\n" for a, b in zip(n, g)))
    r = gk.carriers.gain_fit_file(str(p), gamma=0.5)
    ref = cli_json("carriers", "gain-fit", str(p), "--gamma", "0.5")
    same(r.to_dict(), ref)
    assert r["n_s"]["at_bound"] == "lower" and not r["determined"]
    assert abs(r["g_sat"]["value"] - 1000) < 4 * r["g_sat"]["stderr"]


def test_plqy_closed_form(gk):
    k1, k2, k3 = 1e7, 2e-10, 1e-28
    r = gk.carriers.plqy(k1, k2, k3, density=1e17)
    assert r["plqy"] == pytest.approx(k2 * 1e17 / (k1 + k2 * 1e17 + k3 * 1e34), rel=1e-14)
    assert r["n_at_max"] == pytest.approx(math.sqrt(k1 / k3), rel=1e-12)


def test_heat_matches_cli_and_closed_form(gk, tmp_path):
    r = gk.heat.run(4.8e-3, 1.9e-8, power=0.1)
    same(r.to_dict(), cli_json("heat", "--k", "4.8e-3", "--c", "1.9e-8", "--power", "0.1"))
    assert r["tau_t"] == pytest.approx(1.9e-8 / 4.8e-3, rel=1e-14)
    assert r["delta_t_dc"] == pytest.approx(0.1 / 4.8e-3, rel=1e-14)
    r = gk.heat.run(4.8e-3, 19e-9, power=0.1, pulse=1e-6, duty=0.2)
    same(r.to_dict(), cli_json("heat", "--k", "4.8mW/K", "--c", "19nJ/K", "--power", "0.1",
                               "--pulse", "1us", "--duty", "0.2"))
    tau = 19e-9 / 4.8e-3
    assert r["delta_t_pulse"] == pytest.approx(0.1 / 4.8e-3 * (1 - math.exp(-1e-6 / tau)), rel=1e-12)
    f = gk.heat.fit_file(ex("heat_pulse_length.csv"))
    same(f.to_dict(), cli_json("heat", "--fit", ex("heat_pulse_length.csv")))
    # tau_T on its bound 0 (flat DT/P): the same at_bound record as the CLI
    flat = tmp_path / "flat.csv"
    flat.write_text("t_p,dt\n1e-3,2.0\n2e-3,2.0\n5e-3,2.0\n1e-2,2.0\n2e-2,2.0\n")
    f = gk.heat.fit_file(str(flat))
    assert f.to_dict()["tau_t"]["at_bound"] == "lower"
    same(f.to_dict(), cli_json("heat", "--fit", str(flat)))
    with pytest.raises(gk.InputError):
        gk.heat.run(-1, 1e-8, power=0.1)


def test_kinetics_matches_cli(gk):
    f = ex("kinetics/pump_series.csv")
    ref = cli_json("kinetics", f, "--global", "--components", "2", "--irf-fwhm", "5ps")
    r = gk.kinetics.fit_file(f, global_=True, components=2, irf_fwhm=5e-12)
    same(r.to_dict(), ref)
    ref = cli_json("kinetics", f, "--trace", "3", "--components", "auto")
    same(gk.kinetics.fit_file(f, trace=3, components="auto").to_dict(), ref)


def test_kinetics_exact_biexponential(gk):
    # independent: noiseless two-exponential decay, no IRF, t0 = 0
    t = np.linspace(0, 2e-9, 400)
    y = 3.0 * np.exp(-t / 50e-12) + 1.0 * np.exp(-t / 400e-12)
    r = gk.kinetics.fit(t, y, components=2)
    taus = sorted(c["tau"] for c in r["components"])
    assert taus[0] == pytest.approx(50e-12, rel=1e-6)
    assert taus[1] == pytest.approx(400e-12, rel=1e-6)
    with pytest.raises(gk.InputError, match="components"):
        gk.kinetics.fit(t, y, components=7)


def test_ta_matches_cli(gk):
    g, d4 = ex("ta/ground.csv"), ex("ta/delta_04ps.csv")
    ref = cli_json("ta", "--ground", g, "--delta", d4, "--probe", "537nm", "--gain-fit")
    r = gk.ta.from_files(g, delta=d4, probe=537, gain_fit=True)
    same(r.to_dict(), ref)
    # g free: n_e on its bound 0, the same at_bound record as the CLI
    ref = cli_json("ta", "--ground", g, "--delta", d4, "--probe", "537nm", "--gain-fit", "--free-degeneracy")
    r = gk.ta.from_files(g, delta=d4, probe=537, gain_fit=True, free_degeneracy=True)
    assert r.to_dict()["gain_fit"]["charging"]["at_bound"] == "lower"
    same(r.to_dict(), ref)
    ref = cli_json("ta", "--ground", g, "--long", ex("ta-long.csv"), "--probe", "537nm")
    same(gk.ta.from_files(g, long=ex("ta-long.csv"), probe=537).to_dict(), ref)
    ds = [ex(f"ta/delta_{k:02d}ps.csv") for k in (1, 2, 4, 8, 16)]
    args = sum((["--delta", p] for p in ds), [])
    ref = cli_json("ta", "--ground", g, *args, "--window", "530:540")
    same(gk.ta.from_files(g, delta=ds, window=(530, 540)).to_dict(), ref)


def _delta_with_pumps(tmp_path, name, corner, pumps):
    # examples/ta/delta_04ps.csv with its pump row replaced
    lines = open(ex("ta/delta_04ps.csv")).read().splitlines()
    k = next(i for i, l in enumerate(lines) if l.startswith("wavelength"))
    lines[k] = corner + "," + ",".join(f"{p:g}" for p in pumps)
    p = tmp_path / name
    p.write_text("\n".join(lines) + "\n")
    return str(p)


def test_ta_pump_conversions_match_cli(gk, tmp_path):
    # the CLI's --cross-section, --pump-wavelength, --photon-fluence and
    # --n-mean: pump columns as energy fluence, photon fluence, or replaced
    g = ex("ta/ground.csv")
    N = np.arange(1, 21) * 0.1
    sigma, lam = 5e-15, 400.0
    ev = gk.ta.HC_EV_NM / lam
    # energy fluences (uJ/cm2) that give about N = 0.1 .. 2
    F = N / sigma * ev * 1.602176634e-19 * 1e6
    fe = _delta_with_pumps(tmp_path, "fluence.csv", "wavelength (nm) \\ pump (uJ/cm2)", F)
    ref = cli_json("ta", "--ground", g, "--delta", fe, "--probe", "537nm", "--cross-section", "5e-15",
                   "--pump-wavelength", "400")
    r = gk.ta.from_files(g, delta=fe, probe=537, cross_section=sigma, pump_wavelength=lam)
    same(r.to_dict(), ref)
    # independent: <N> = sigma F / (h nu) with F in J/cm2, F as written to
    # the file (%g: 6 digits, hence N only close to 0.1 .. 2)
    Ff = np.array([float(f"{x:g}") for x in F])
    assert np.allclose(r["n_mean"], sigma * Ff * 1e-6 / (ev * 1.602176634e-19), rtol=1e-12)
    assert np.allclose(r["n_mean"], N, rtol=1e-5)
    # the same with unit suffixes
    r2 = gk.ta.from_files(g, delta=fe, probe=537, cross_section="5e-15cm2", pump_wavelength="400nm")
    assert np.array_equal(r2["n_mean"], r["n_mean"])
    # photon fluence columns (cm^-2)
    jp = N / sigma
    pf = _delta_with_pumps(tmp_path, "photons.csv", "wavelength (nm) \\ pump (cm^-2)", jp)
    ref = cli_json("ta", "--ground", g, "--delta", pf, "--probe", "537nm", "--cross-section", "5e-15")
    same(gk.ta.from_files(g, delta=pf, probe=537, cross_section=sigma).to_dict(), ref)
    # --photon-fluence given per column; --n-mean
    lst = ",".join(f"{x:g}" for x in jp)
    ref = cli_json("ta", "--ground", g, "--delta", ex("ta/delta_04ps.csv"), "--probe", "537nm",
                   "--cross-section", "5e-15", "--photon-fluence", lst)
    same(gk.ta.from_files(g, delta=ex("ta/delta_04ps.csv"), probe=537, cross_section=sigma,
                          photon_fluence=[float(x) for x in lst.split(",")]).to_dict(), ref)
    nl = ",".join(f"{x:g}" for x in 2 * N)
    ref = cli_json("ta", "--ground", g, "--delta", ex("ta/delta_04ps.csv"), "--probe", "537nm",
                   "--n-mean", nl)
    same(gk.ta.from_files(g, delta=ex("ta/delta_04ps.csv"), probe=537,
                          n_mean=[float(x) for x in nl.split(",")]).to_dict(), ref)


def test_ta_pump_conversion_errors(gk, tmp_path):
    g = ex("ta/ground.csv")
    fe = _delta_with_pumps(tmp_path, "fluence.csv", "wavelength (nm) \\ pump (uJ/cm2)",
                           np.arange(1, 21.0))
    # a fluence without a cross-section is not silently taken as <N>
    with pytest.raises(gk.InputError, match="give cross_section") as e:
        gk.ta.from_files(g, delta=fe, probe=537)
    assert e.value.file.endswith("fluence.csv") and e.value.line == 3
    with pytest.raises(gk.InputError, match="give pump_wavelength"):
        gk.ta.from_files(g, delta=fe, probe=537, cross_section=5e-15)
    with pytest.raises(gk.InputError, match="20 pump columns"):
        gk.ta.from_files(g, delta=ex("ta/delta_04ps.csv"), n_mean=[1, 2])
    with pytest.raises(gk.InputError, match="needs cross_section"):
        gk.ta.from_files(g, delta=ex("ta/delta_04ps.csv"), photon_fluence=np.ones(20))


def test_carriers_pulse_sweep_fwhm_matches_cli(gk):
    ref = cli_json("carriers", "pulse", "--k1", "1e7", "--k2", "2e-10", "--k3", "1e-28",
                   "--fluence", "50uJ/cm2", "--thickness", "150nm", "--absorptance", "0.5",
                   "--photon-energy", "2.4eV", "--sweep-fwhm", "0.1:1000:7")
    # the widths the CLI parsed (ps -> s) are exact doubles in its JSON
    t1, t2 = ref["fwhm"][0], ref["fwhm"][-1]
    assert t1 == pytest.approx(1e-13, rel=1e-15) and t2 == pytest.approx(1e-9, rel=1e-15)
    r = gk.carriers.pulse(1e7, 2e-10, 1e-28, fluence=50e-6, thickness=150e-7, photon_energy=2.4,
                          absorptance=0.5, sweep_fwhm=(t1, t2, 7))
    same(r.to_dict(), ref)
    # independent: a pulse much shorter than every lifetime deposits n0 before
    # anything decays (peak -> n0); a long one peaks lower
    assert r["n_peak"][0] == pytest.approx(r["n0"], rel=1e-3)
    assert r["n_peak"][-1] < 0.9 * r["n0"]
    with pytest.raises(gk.InputError, match="sweep_fwhm"):
        gk.carriers.pulse(1e7, 2e-10, 1e-28, 50e-6, thickness=150e-7, photon_energy=2.4,
                          sweep_fwhm=(1e-9, 1e-12, 5))
