import numpy as np
import pytest
from scipy.optimize import curve_fit

from conftest import cli_json, ex, same

MODELS = ["vsl1", "vsl2", "sat", "sat-exact", "emp", "ahn"]
# every key of the CLI's JSON is compared, the offset test and the
# threshold/saturation lengths included
SKIP = ()


@pytest.mark.parametrize("model", MODELS)
def test_each_model_matches_cli(gk, model):
    ref = cli_json("vsl", ex("vsl-nc1.csv"), "--model", model)
    r = gk.vsl.fit_file(ex("vsl-nc1.csv"), model=model)
    same(r.to_dict(), ref, skip=SKIP)
    assert r.cov.shape == (len(r.theta), len(r.theta))


def test_all_models_and_recommendation_match_cli(gk):
    ref = cli_json("vsl", ex("vsl-nc1.csv"))
    r = gk.vsl.fit_file(ex("vsl-nc1.csv"))
    same(r.to_dict(), ref, skip=SKIP)
    assert r.recommended == ref["recommended"]
    assert r["vsl1"].g == ref["fits"][0]["params"]["g"]["value"]
    # every library model is fitted, Ahn et al.'s A L + B e^{gL} included,
    # and that one is shown for comparison only, never recommended
    assert [f["model"] for f in ref["fits"]] == MODELS
    assert r.recommended != "ahn"


def test_length_unit_and_range_match_cli(gk):
    ref = cli_json("vsl", ex("input/vsl-mm.csv"), "--model", "vsl1", "--range", "0.5:4")
    r = gk.vsl.fit_file(ex("input/vsl-mm.csv"), model="vsl1", range=(0.5, 4))
    same(r.to_dict(), ref, skip=SKIP)


def test_lengths_and_offset_test_present_and_match_cli(gk):
    ref = cli_json("vsl", ex("vsl-nc1.csv"), "--model", "vsl1")
    for k in ("offset_test", "threshold_length_cm", "saturation_length_cm",
              "saturation_length_model_cm", "small_signal"):
        assert k in ref
    r = gk.vsl.fit_file(ex("vsl-nc1.csv"), model="vsl1")
    same(r.to_dict(), ref)
    # independent: L_th solves e^{gL} - 1 = 2 g L with g of the small-signal fit
    x = r.lengths.threshold * r.lengths.g_small
    assert np.expm1(x) == pytest.approx(2 * x, rel=1e-9)
    # the same from arrays, on request
    c = gk.io.read_columns(ex("vsl-nc1.csv"), xkind="length", x_unit_default="cm")
    a = gk.vsl.fit(c.x, c.y, c.sigma, model="vsl1", lengths=True, offset_test=True,
                   intensity_unit=c.y_unit)
    same(a.to_dict(), ref)


@pytest.mark.parametrize("model", ["vsl1", "all"])
def test_offset_fit_matches_cli(gk, model):
    ref = cli_json("vsl", ex("vsl-nc1.csv"), "--model", model, "--offset")
    r = gk.vsl.fit_file(ex("vsl-nc1.csv"), model=model, offset=True)
    same(r.to_dict(), ref)
    assert "offset_test" not in r.to_dict()


def test_offset_recovered_on_exact_data(gk):
    # independent: exact vsl1 data plus a constant 50: the offset fit finds it
    L = np.linspace(0.02, 0.4, 15)
    I = 10.0 / 25.0 * np.expm1(25.0 * L) + 50.0
    r = gk.vsl.fit(L, I, model="vsl1", offset=True)
    assert r.params["I0"] == pytest.approx(50.0, rel=1e-6)
    assert r.g == pytest.approx(25.0, rel=1e-8)
    t = gk.vsl.fit(L, I, model="vsl1", offset_test=True).offset_test
    assert t["offset_suggested"] is True and t["I0"]["value"] == pytest.approx(50.0, rel=1e-6)


def test_unsorted_file_sorted_and_averaged_as_cli(gk, tmp_path):
    lines = open(ex("vsl-nc1.csv")).read().splitlines()
    head = [l for l in lines if l.startswith("#") or not l[:1].isdigit()]
    data = [l for l in lines if l[:1].isdigit()]
    p = tmp_path / "shuffled.csv"
    p.write_text("\n".join(head + data[::-1]) + "\n")
    ref = cli_json("vsl", str(p), "--model", "vsl1")
    r = gk.vsl.fit_file(str(p), model="vsl1")
    same(r.to_dict(), ref)


def test_matrix_matches_cli(gk):
    ref = cli_json("vsl", "--matrix", ex("vsl-matrix.csv"))
    r = gk.vsl.fit_file(ex("vsl-matrix.csv"), matrix=True)
    same(r.to_dict(), ref, skip=SKIP)
    ref1 = cli_json("vsl", "--matrix", ex("vsl-matrix.csv"), "--model", "vsl1")
    same(gk.vsl.fit_file(ex("vsl-matrix.csv"), matrix=True, model="vsl1").to_dict(), ref1, skip=SKIP)


def test_vsl1_against_scipy_curve_fit(gk):
    # independent: scipy's curve_fit on the closed form (A/g)(e^{gL}-1)
    rng = np.random.default_rng(3)
    L = np.linspace(0.02, 0.3, 25)
    g0, A0 = 30.0, 50.0
    I = A0 / g0 * np.expm1(g0 * L) * (1 + 0.02 * rng.standard_normal(L.size))
    r = gk.vsl.fit(L, I, model="vsl1")
    p, C = curve_fit(lambda L, g, A: A / g * np.expm1(g * L), L, I, p0=(20, 20))
    assert r.converged
    assert r.g == pytest.approx(p[0], rel=1e-6)
    assert r.params["A"] == pytest.approx(p[1], rel=1e-6)
    assert r.stderr["g"] == pytest.approx(np.sqrt(C[0, 0]), rel=1e-3)
    # the model curve goes through the fitted values
    assert np.allclose(r.curve(L), r.yhat, rtol=1e-12)


def test_exact_data_recovers_parameters(gk):
    L = np.linspace(0, 0.4, 12)
    I = 10.0 / 25.0 * np.expm1(25.0 * L)
    r = gk.vsl.fit(L, I, model="vsl1")
    assert r.g == pytest.approx(25.0, rel=1e-8)


def test_bad_input_raises_input_error_with_message(gk):
    with pytest.raises(gk.InputError, match="duplicate stripe length"):
        gk.vsl.fit([0.1, 0.2, 0.2, 0.3], [1, 2, 3, 4], model="vsl1")
    with pytest.raises(gk.InputError, match="model"):
        gk.vsl.fit([0.1, 0.2, 0.3], [1, 2, 3], model="vsl9")
    with pytest.raises(gk.InputError, match="sigma"):
        gk.vsl.fit([0.1, 0.2, 0.3], [1, 2, 3], model="vsl1", weights="sigma")
    with pytest.raises(gk.InputError) as e:
        gk.vsl.fit_file(ex("vsl-nc1.csv") + ".missing")
    assert "vsl-nc1.csv.missing" in str(e.value)


def test_file_error_carries_file_and_line(gk, tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("L (cm),I\n0.1,1\n0.2,x\n0.3,3\n")
    with pytest.raises(gk.InputError) as e:
        gk.vsl.fit_file(str(p))
    assert e.value.file.endswith("bad.csv") and e.value.line == 3
    assert str(e.value).startswith(str(p) + ":3:")


def test_array_checks(gk):
    L = np.linspace(0.05, 0.45, 9)
    I = np.expm1(20 * L)
    with pytest.raises(TypeError, match="real numbers"):
        gk.vsl.fit(L.astype(complex), I)
    with pytest.raises(TypeError):
        gk.vsl.fit(L, np.array(["a"] * 9))
    with pytest.raises(ValueError, match="shape"):
        gk.vsl.fit(L, I[:-1])
    with pytest.raises(ValueError, match="1-D"):
        gk.vsl.fit(L[None, :], I)
    # non-contiguous and integer/float32 input give the same fit as float64
    big = np.zeros((9, 2))
    big[:, 0] = I
    a = gk.vsl.fit(L, I, model="vsl1")
    b = gk.vsl.fit(list(L), big[:, 0], model="vsl1")  # a list and a strided column
    assert a.g == b.g


def test_nan_is_refused_not_a_crash(gk):
    L = np.linspace(0.05, 0.45, 9)
    I = np.expm1(20 * L)
    I[3] = np.nan
    with pytest.raises(gk.InputError):
        gk.vsl.fit(L, I, model="vsl1")


def test_help_shows_units_and_defaults(gk):
    doc = gk.vsl.fit.__doc__
    assert "cm^-1" in doc and "cm" in doc and "default" in doc


def test_to_dict_has_no_nan(gk):
    import json
    r = gk.vsl.fit_file(ex("vsl-matrix.csv"), matrix=True)
    s = json.dumps(r.to_dict(), allow_nan=False)  # raises on NaN/Inf
    assert "NaN" not in s


@pytest.mark.parametrize("opts", [(), ("--model", "sat"), ("--model", "all")])
def test_window_scan_matches_cli(gk, opts):
    ref = cli_json("vsl", ex("vsl-nc1.csv"), "--window-scan", *opts)
    model = opts[1] if opts else "vsl1"
    r = gk.vsl.fit_file(ex("vsl-nc1.csv"), window_scan=True, model=model)
    same(r.to_dict(), ref)
    assert r.to_dict()["converged"] == ref["converged"]


def test_window_scan_range_and_independent_vsl1(gk):
    ref = cli_json("vsl", ex("input/vsl-mm.csv"), "--window-scan", "--range", "0.5:4")
    r = gk.vsl.fit_file(ex("input/vsl-mm.csv"), window_scan=True, range=(0.5, 4))
    same(r.to_dict(), ref)
    # independent: each window's g is the plain vsl1 fit of those points
    c = gk.io.read_columns(ex("vsl-nc1.csv"), xkind="length", x_unit_default="cm")
    ws = gk.vsl.window_scan(c.x, c.y, c.sigma)
    for Lmax, g, n in zip(ws["Lmax_cm"], ws["g"], ws["n_points"]):
        k = c.x <= Lmax
        assert k.sum() == n
        if np.isfinite(g):
            assert g == pytest.approx(gk.vsl.fit(c.x[k], c.y[k], c.sigma[k], model="vsl1").g, rel=1e-9)


@pytest.mark.parametrize("model", ["vsl1", "all"])
def test_several_files_match_cli(gk, model):
    files = [ex("vsl-nc1.csv"), ex("input/vsl-mm.csv")]
    ref = cli_json("vsl", *files, "--model", model)
    r = gk.vsl.fit_files(files, model=model)
    same(r.to_dict(), ref)
    assert [t["file"] for t in ref["table"]] == files
