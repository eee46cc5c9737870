import numpy as np
import pytest

from conftest import cli_json, ex, same


def test_series_all_methods_match_cli(gk):
    ref = cli_json("threshold", ex("threshold-series.csv"), "--method", "all")
    r = gk.threshold.from_file(ex("threshold-series.csv"), method="all")
    same(r.to_dict(), ref)
    # the defaults are the CLI's (kink and fwhm here)
    ref = cli_json("threshold", ex("threshold-series.csv"))
    r = gk.threshold.from_file(ex("threshold-series.csv"))
    same(r.to_dict(), ref)
    assert sorted(r.thresholds) == sorted(ref["thresholds"]) == ["fwhm", "kink"]


@pytest.mark.parametrize("method", ["kink", "lines", "fwhm"])
def test_each_method_matches_cli(gk, method):
    ref = cli_json("threshold", ex("threshold-series.csv"), "--method", method)
    same(gk.threshold.from_file(ex("threshold-series.csv"), method=method).to_dict(), ref)


def test_spectra_match_cli(gk):
    # the Python wrapper has no peak-wavelength method yet: the CLI's other methods
    ref = cli_json("threshold", ex("threshold-spectra.csv"), "--spectra", "--baseline", "10",
                   "--window", "490:590", "--method", "kink,lines,fwhm")
    r = gk.threshold.from_file(ex("threshold-spectra.csv"), spectra=True, baseline=10,
                               window=(490, 590), method="kink,lines,fwhm")
    same(r.to_dict(), ref)


def test_call_on_arrays_and_closed_form_lines(gk):
    # two exact straight lines crossing at P = 10: lines finds it exactly
    P = np.arange(1.0, 21.0)
    I = np.where(P < 10, 1 + 0.1 * P, 2 + 5 * (P - 10))
    t = gk.threshold(P, I, method="lines")
    assert t["lines"]["value"] == pytest.approx(10.0, rel=1e-9)
    # kink: a power law with slopes 1 and 4 breaking at 30 (log-log exact)
    P = np.geomspace(3, 300, 25)
    I = np.where(P < 30, P, 30 * (P / 30) ** 4)
    k = gk.threshold(P, I, method="kink")["kink"]
    assert k["value"] == pytest.approx(30.0, rel=1e-6)
    assert k["slope_below"] == pytest.approx(1.0, rel=1e-6)
    assert k["slope_above"] == pytest.approx(4.0, rel=1e-6)


def test_errors(gk):
    with pytest.raises(gk.InputError, match="at least 6"):
        gk.threshold([1, 2, 3], [1, 2, 3])
    with pytest.raises(gk.InputError, match="not positive"):
        gk.threshold([1, 2, 3, 4, 5, 6], [1, 2, -3, 4, 5, 6], method="kink")
    with pytest.raises(gk.InputError, match="method"):
        gk.threshold([1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6], method="nope")


def test_straight_power_law_is_not_determined(gk):
    P = np.geomspace(1, 100, 12)
    k = gk.threshold(P, 3 * P ** 1.5, method="kink")["kink"]
    assert k["converged"] is False and "reason" in k
    assert gk.threshold(P, 3 * P ** 1.5, method="kink").to_dict()["converged"] is False


@pytest.mark.parametrize("opts", [
    ("--method", "default"),
    ("--method", "all"),
    ("--method", "peak"),
    ("--method", "kink,peak", "--range", "2:100"),
    ("--method", "all", "--max-pump", "50"),
])
def test_spectra_peak_method_and_range_match_cli(gk, opts):
    # the peak method (intensity at the ASE peak wavelength of the highest
    # pump) and --range/--max-pump, against the CLI on the same file
    ref = cli_json("threshold", ex("threshold-spectra.csv"), "--spectra", "--window", "490:590", *opts)
    kw = {"method": opts[1]}
    if "--range" in opts:
        kw["range"] = tuple(float(x) for x in opts[opts.index("--range") + 1].split(":"))
    if "--max-pump" in opts:
        kw["max_pump"] = float(opts[opts.index("--max-pump") + 1])
    r = gk.threshold.from_file(ex("threshold-spectra.csv"), spectra=True, window=(490, 590), **kw)
    assert "peak" in r.thresholds and "peak" in ref["thresholds"]
    same(r.to_dict(), ref)


@pytest.mark.parametrize("opts", [("--range", "5:200"), ("--max-pump", "60"),
                                  ("--range", "5uJ/cm2:0.2mJ/cm2")])
def test_series_range_and_max_pump_match_cli(gk, opts):
    ref = cli_json("threshold", ex("threshold-series.csv"), "--method", "all", *opts)
    if opts[0] == "--range":
        kw = {"range": tuple(opts[1].split(":"))}      # strings: unit suffixes converted
    else:
        kw = {"max_pump": opts[1]}
    r = gk.threshold.from_file(ex("threshold-series.csv"), method="all", **kw)
    assert ref["pump_range"]["n_excluded"] > 0
    same(r.to_dict(), ref)


def test_peak_method_on_arrays_recovers_a_known_threshold(gk):
    # independent: spectra whose amplitude at a fixed wavelength follows an
    # exact broken power law (slopes 1 and 3, break at 20): the peak method
    # finds the break of that law
    wl = np.linspace(500, 560, 121)
    P = np.geomspace(4, 100, 20)
    amp = np.where(P < 20, P, 20 * (P / 20) ** 3)
    z = np.exp(-0.5 * ((wl[:, None] - 530) / 4) ** 2) * amp[None, :]
    r = gk.threshold.from_spectra(wl, z, P, method="peak", baseline=None, smooth=None)
    assert r["peak"]["wavelength_nm"] == pytest.approx(530, abs=1e-6)
    assert r["peak"]["value"] == pytest.approx(20, rel=1e-5)


def test_range_errors(gk):
    P = np.arange(1.0, 13.0)
    with pytest.raises(gk.InputError, match="exclude each other"):
        gk.threshold(P, P, range=(1, 5), max_pump=5)
    with pytest.raises(gk.InputError, match="empty"):
        gk.threshold(P, P, range=(5, 1))
    with pytest.raises(gk.InputError, match="at least 6"):
        gk.threshold(P, P, range=(1, 3))
    with pytest.raises(gk.InputError, match="needs spectra"):
        gk.threshold(P, P, method="peak")
    with pytest.raises(gk.InputError, match="not a number"):
        gk.threshold(P, P, max_pump="5mJ")   # no pump unit: no suffix


def test_sharp_fwhm_step_at_bound_matches_cli(gk, tmp_path):
    # the logistic width on its lower bound: the curve's at_bound, as the CLI
    p = tmp_path / "step.csv"
    rows = ["pump (uJ/cm2),intensity,fwhm (nm)"]
    for i in range(16):
        pump = 3 * 100 ** (i / 15)
        x = np.log10(pump) - np.log10(30)
        rows.append(f"{pump:.6g},{10 ** (2 + (x if x < 0 else 4 * x)):.6g},{(20 if pump < 30 else 4) + 0.1 * np.sin(3 * i):.4g}")
    p.write_text("\n".join(rows) + "\n")
    ref = cli_json("threshold", str(p))
    assert ref["thresholds"]["fwhm"]["curve"]["at_bound"] == {"s": "lower"}
    same(gk.threshold.from_file(str(p)).to_dict(), ref)
