"""Python and the CLI prepare data identically: the file readers of the
Python modules call the library's gk_<module>_prepare functions, the ones
`gainkit` calls, so the same file and options give the same numbers. Each
case below exercises a preparation step (a folder of spectra with a dark,
a time unit, a pump limit with a unit suffix, weights) and compares every
key of the CLI's JSON (conftest.same, exact up to cJSON's printing)."""
import numpy as np

from conftest import cli_json, ex, same


def test_threshold_folder_with_dark_matches_cli(gk):
    # 15 exports in a folder, pumps from the file names, a dark subtracted
    # (gk_io_assemble), each spectrum analysed (gk_threshold_prepare_matrix)
    d = ex("fluence-series")
    ref = cli_json("threshold", d, "--spectra", "--pump-from-name", "--dark", ex("fluence-series/dark.txt"),
                   "--method", "kink")
    r = gk.threshold.from_file(d, spectra=True, dark=ex("fluence-series/dark.txt"), method="kink")
    same(r.to_dict(), ref)
    p = gk.threshold.prepare_file(d, spectra=True, dark=ex("fluence-series/dark.txt"))
    assert len(p["pump"]) == 15 and np.all(np.diff(p["pump"]) > 0)
    assert any("dark" in n for n in p["notes"])


def test_threshold_range_with_unit_suffix_matches_cli(gk):
    ref = cli_json("threshold", ex("threshold-series.csv"), "--range", "5uJ/cm2:0.2mJ/cm2")
    r = gk.threshold.from_file(ex("threshold-series.csv"), range=("5uJ/cm2", "0.2mJ/cm2"))
    same(r.to_dict(), ref)


def test_kinetics_time_unit_and_poisson_match_cli(gk, tmp_path):
    # a header without a unit: --time-unit decides (here ns), poisson sigmas
    t = np.linspace(-0.05, 2.0, 120)
    y = 500 * np.exp(-np.clip(t, 0, None) / 0.4) * (t >= 0) + 5
    f = tmp_path / "trace.csv"
    f.write_text("t,counts\n" + "\n".join(f"{a:.6g},{b:.6g}" for a, b in zip(t, y)) + "\n")
    ref = cli_json("kinetics", str(f), "--time-unit", "ns", "--poisson", "--offset")
    r = gk.kinetics.fit_file(str(f), time_unit="ns", poisson=True, offset=True)
    same(r.to_dict(), ref)
    tt, yy, sig, names, notes = gk.kinetics.prepare_file(str(f), time_unit="ns", poisson=True)
    assert np.allclose(tt, t * 1e-9, rtol=1e-12)
    assert np.allclose(sig[0], np.sqrt(np.maximum(np.abs(yy[0]), 1)), rtol=1e-15)


def test_vsl_relative_weights_match_cli(gk):
    ref = cli_json("vsl", ex("vsl-nc1.csv"), "--model", "vsl1", "--weights", "relative")
    r = gk.vsl.fit_file(ex("vsl-nc1.csv"), model="vsl1", weights="relative")
    same(r.to_dict(), ref)
    p = gk.vsl.prepare_file(ex("vsl-nc1.csv"), model="vsl1", weights="relative")
    assert p["weights"] == "relative" and len(p["L"]) == ref["n_points"]


def test_vpi_max_pump_with_unit_matches_cli(gk):
    # max_pump as text with a unit, converted to the file's pump unit by
    # gk_vpi_prepare (as --max-pump)
    ref = cli_json("vpi", ex("vpi-ddab.csv"), "--model", "vpi1", "--window", "522:536",
                   "--max-pump", "1200uJ/cm2")
    r = gk.vpi.fit_file(ex("vpi-ddab.csv"), model="vpi1", window=(522, 536), max_pump="1200uJ/cm2")
    same(r.to_dict(), ref)
    p = gk.vpi.prepare_file(ex("vpi-ddab.csv"), window=(522, 536), max_pump="1200uJ/cm2")
    assert p["pump"].max() <= 1.2 and p["fluorescence_estimated"]


def test_vsl_matrix_range_matches_cli(gk):
    # the stripe lengths of a matrix in a range (gk_vsl_prepare_matrix)
    ref = cli_json("vsl", "--matrix", ex("vsl-matrix.csv"), "--model", "vsl1", "--range", "0.1:0.3")
    r = gk.vsl.fit_file(ex("vsl-matrix.csv"), matrix=True, model="vsl1", range=(0.1, 0.3))
    same(r.to_dict(), ref)
    p = gk.vsl.prepare_matrix_file(ex("vsl-matrix.csv"), model="vsl1", range=(0.1, 0.3))
    assert p["L"][0] == 0.1 and p["L"][-1] == 0.3 and p["z"].shape == (len(p["wavelength_nm"]), len(p["L"]))


def test_vpi_arrays_use_the_library_preparation(gk):
    # vpi.fit() on arrays goes through gk_vpi_prepare like the CLI: the
    # same sigmas (the library's weights), the pumps put in order by the
    # library (here given decreasing), and the same fit as `gainkit vpi`.
    args = dict(window=(522, 536), max_pump="1200uJ/cm2", weights="poisson")
    ref = cli_json("vpi", ex("vpi-ddab.csv"), "--model", "vpi1", "--window", "522:536",
                   "--max-pump", "1200uJ/cm2", "--weights", "poisson")
    p = gk.vpi.prepare_file(ex("vpi-ddab.csv"), **args)
    assert np.array_equal(gk.vpi.sigma_for(p["intensity"], "poisson"), p["sigma"])
    r = gk.vpi.fit(p["wavelength_nm"], p["pump"][::-1], p["intensity"][:, ::-1], p["length_cm"],
                   model="vpi1", weights="poisson")
    same(r.to_dict(), ref)
