import numpy as np
import pytest

from conftest import cli_json, ex, same


def test_series_all_methods_match_cli(gk):
    ref = cli_json("threshold", ex("threshold-series.csv"), "--method", "all")
    r = gk.threshold.from_file(ex("threshold-series.csv"))
    same(r.to_dict(), ref)


@pytest.mark.parametrize("method", ["kink", "lines", "fwhm"])
def test_each_method_matches_cli(gk, method):
    ref = cli_json("threshold", ex("threshold-series.csv"), "--method", method)
    same(gk.threshold.from_file(ex("threshold-series.csv"), method=method).to_dict(), ref)


def test_spectra_match_cli(gk):
    # the Python wrapper has no peak-wavelength method yet: the CLI's other methods
    ref = cli_json("threshold", ex("threshold-spectra.csv"), "--spectra", "--baseline", "10",
                   "--window", "490:590", "--method", "kink,lines,fwhm")
    r = gk.threshold.from_file(ex("threshold-spectra.csv"), spectra=True, baseline=10,
                               window=(490, 590))
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
