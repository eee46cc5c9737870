import os

import numpy as np
import pytest

from conftest import cli_json, ex, same


@pytest.mark.parametrize("model", ["vpi1", "vpi2"])
def test_vpi_matches_cli(gk, model):
    ref = cli_json("vpi", ex("vpi-ddab.csv"), "--model", model, "--window", "515:545")
    r = gk.vpi.fit_file(ex("vpi-ddab.csv"), model=model, window=(515, 545))
    # every key, the "determined" verdicts and the estimated-F report too
    same(r.to_dict(), ref)
    assert ref["fluorescence"]["source"].startswith("estimated")


@pytest.mark.parametrize("model", ["vpi1", "vpi2"])
def test_vpi_fluorescence_and_losses_files_match_cli(gk, model, tmp_path):
    fl = ex("vpi-ddab-fl.csv")
    ref = cli_json("vpi", ex("vpi-ddab.csv"), "--model", model, "--window", "515:545",
                   "--fluorescence", fl)
    r = gk.vpi.fit_file(ex("vpi-ddab.csv"), model=model, window=(515, 545), fluorescence=fl)
    same(r.to_dict(), ref)
    assert ref["fluorescence"]["source"].startswith("measured")
    # a losses file: alpha(lambda) on a coarser, unsorted grid in um (the
    # reader converts to nm and sorts; values interpolated between rows)
    wl = np.linspace(505, 555, 11)
    lp = tmp_path / "alpha.csv"
    rows = [f"{w / 1000:.4f},{2 + 0.1 * (w - 505):.3f}" for w in wl[::-1]]
    lp.write_text("wavelength (um),alpha (cm-1)\n" + "\n".join(rows) + "\n")
    ref = cli_json("vpi", ex("vpi-ddab.csv"), "--model", model, "--window", "515:545",
                   "--fluorescence", fl, "--losses", str(lp))
    r = gk.vpi.fit_file(ex("vpi-ddab.csv"), model=model, window=(515, 545), fluorescence=fl,
                        losses=str(lp))
    same(r.to_dict(), ref)
    # alpha held: it is the interpolated file (independent: numpy's interp)
    assert np.allclose(r.alpha, np.interp(r.wavelength_nm, wl, 2 + 0.1 * (wl - 505)), rtol=1e-12)


def test_vpi_curve_file_errors(gk, tmp_path):
    short = tmp_path / "short.csv"
    short.write_text("wavelength (nm),F\n520,1\n530,2\n")
    with pytest.raises(gk.InputError, match="covers 520-530 nm but the data need 515-545") as e:
        gk.vpi.fit_file(ex("vpi-ddab.csv"), window=(515, 545), fluorescence=str(short))
    assert e.value.file.endswith("short.csv") and e.value.line == 2
    neg = tmp_path / "neg.csv"
    neg.write_text("wavelength (nm),alpha\n500,1\n560,-1\n")
    with pytest.raises(gk.InputError, match="losses must be >= 0"):
        gk.vpi.fit_file(ex("vpi-ddab.csv"), window=(515, 545), losses=str(neg))


def test_vpi_errors(gk):
    wl = np.linspace(500, 520, 5)
    P = np.array([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="shape"):
        gk.vpi.fit(wl, P, np.ones((5, 2)), 0.1)
    with pytest.raises(gk.InputError):
        gk.vpi.fit(wl, P, np.ones((5, 3)), -0.1)


def test_spectrum_gaussian_closed_form(gk):
    wl = np.linspace(400, 600, 4001)
    sig = 7.0
    y = 3.0 * np.exp(-0.5 * ((wl - 512.3) / sig) ** 2) + 100.0
    st = gk.spectrum.analyse(wl, y, baseline=100.0)
    assert st.fwhm_nm == pytest.approx(2 * np.sqrt(2 * np.log(2)) * sig, rel=1e-5)
    assert st.peak_nm == pytest.approx(512.3, abs=1e-3)
    assert st.integrated == pytest.approx(3.0 * sig * np.sqrt(2 * np.pi), rel=1e-6)
    st = gk.spectrum.analyse(wl, y, baseline=50, window=(505, 520))
    assert st.fwhm_flags != 0 and np.isnan(st.fwhm_nm)
    assert st.to_dict()["fwhm_nm"] is None


def test_read_columns_matrix_table(gk):
    c = gk.read(ex("input/vsl-mm.csv"), kind="columns", xkind="length")
    assert c.x_unit == "cm" and c.x_unit_in == "mm"
    raw = np.genfromtxt(ex("input/vsl-mm.csv"), delimiter=",", comments="#", skip_header=5)
    assert np.allclose(c.x, raw[:, 0] * 0.1, rtol=1e-15) and np.array_equal(c.y, raw[:, 1])
    m = gk.read(ex("vsl-matrix.csv"))
    assert m.z.shape == (len(m.row), len(m.col))
    assert m.row[0] == 500.0 and m.col[0] == 0.05
    t = gk.read(ex("threshold-series.csv"), kind="table")
    assert t.v.shape[1] == 3 and t.units[0] == "uJ/cm2"


def test_read_long(gk):
    lg = gk.read(ex("ta-long.csv"), kind="long")
    assert len(lg.matrices) == len(lg.delay) and np.all(np.diff(lg.delay) > 0)


def test_read_folder(gk, tmp_path):
    m = gk.read(ex("threshold-spectra.csv"))
    for j, p in enumerate(m.col):
        np.savetxt(tmp_path / f"spec_{p:g}uJ.csv", np.c_[m.row, m.z[:, j]], delimiter=",",
                   header="wavelength (nm),counts", comments="")
    f = gk.read(str(tmp_path))
    assert np.array_equal(f.col, m.col)
    assert np.array_equal(f.z, m.z) and np.array_equal(f.row, m.row)


def test_read_errors(gk, tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("a,b\n1,2\n3,nan\n")
    with pytest.raises(gk.InputError) as e:
        gk.read(str(p))
    assert e.value.line == 3
    with pytest.raises(gk.InputError, match="kind"):
        gk.read(str(p), kind="nope")
    os.mkdir(tmp_path / "empty")
    with pytest.raises(gk.InputError, match="no data files"):
        gk.read(str(tmp_path / "empty"))


def test_vendor_readers_and_assembly_forward_to_library(gk):
    import glob
    import re
    folder = ex("fluence-series")
    if not hasattr(gk.lib, "gk_io_assemble") or not os.path.isdir(folder):
        pytest.skip("this libgainkit has no vendor readers (gk_io_read/gk_io_assemble) "
                    "or examples/fluence-series is missing")
    files = sorted(glob.glob(os.path.join(folder, "film1_*")))
    dark = os.path.join(folder, "dark.txt")
    m = gk.io.assemble(files, dark=dark)
    # independent: every file through gk_io_read, dark subtracted, sorted by
    # the number in the name
    d = gk.io.read_spectra(dark).y[0]
    pumps = [float(re.search(r"_(\d+(?:\.\d+)?)uJ", f).group(1)) for f in files]
    order = np.argsort(pumps)
    z = np.stack([gk.io.read_spectra(files[k]).y[0] - d for k in order], axis=1)
    assert np.array_equal(m.col, np.sort(pumps))
    assert np.allclose(m.z, z, rtol=1e-12, atol=1e-9)
    # read() on the folder goes through the same library call
    m2 = gk.read(folder, pattern="film1_*", dark=dark)
    assert np.array_equal(m2.z, m.z)


def test_folder_through_the_library_matches_cli(gk):
    # a folder is read by gk_io_assemble, the CLI's reader: threshold on the
    # folder from Python and from the CLI give the same JSON
    folder = ex("spectra-folder")
    ref = cli_json("threshold", folder, "--spectra", "--pump-from-name", "--window", "490:590")
    r = gk.threshold.from_file(folder, spectra=True, window=(490, 590), method="default")
    same(r.to_dict(), ref)
    # the same files as a list
    files = sorted(os.path.join(folder, f) for f in os.listdir(folder))
    ref = cli_json("threshold", *files, "--spectra", "--pump-from-name", "--method", "kink")
    r = gk.threshold.from_file(files, spectra=True, method="kink")
    same(r.to_dict(), ref)
    # pumps from each file's "# pump_uJ_cm2:" line: the same spectra, the
    # pumps as the metadata say (independent: parsed here)
    m = gk.read(folder, param="pump_uJ_cm2")
    want = sorted(float(open(f).read().split("pump_uJ_cm2:")[1].split()[0]) for f in files)
    assert np.array_equal(m.col, want)
    assert np.array_equal(m.z, gk.read(folder).z)


def test_vpi_folder_matches_cli(gk, tmp_path):
    # the VPI matrix split into one file per pump, read back as a folder
    m = gk.read(ex("vpi-ddab.csv"))
    for j, p in enumerate(m.col):
        np.savetxt(tmp_path / f"vpi_{p:g}mJ.csv", np.c_[m.row, m.z[:, j]], delimiter=",",
                   header="wavelength (nm),counts", comments="", fmt="%.17g")
    ref = cli_json("vpi", str(tmp_path), "--pump-from-name", "--length", "0.45cm", "--model", "vpi1",
                   "--window", "515:545")
    r = gk.vpi.fit_file(str(tmp_path), length=0.45, model="vpi1", window=(515, 545))
    same(r.to_dict(), ref)


def test_read_matches_cli_inspect(gk):
    ref = cli_json("inspect", ex("input/vsl-mm.csv"))
    c = gk.read(ex("input/vsl-mm.csv"), xkind="length")
    assert len(c.x) == ref["rows"]
    assert c.x_unit_in == ref["x"]["unit_in_file"] and c.x_unit == ref["x"]["unit"]
    assert c.x_factor == ref["x"]["factor"]
    assert c.x.min() == pytest.approx(ref["x"]["min"], rel=4.5e-16)
    assert c.x.max() == pytest.approx(ref["x"]["max"], rel=4.5e-16)
    assert c.y.max() == ref["columns"][1]["max"] and c.y_unit == ref["columns"][1]["unit"]
    assert c.meta == ref["metadata"]


@pytest.mark.parametrize("name", ["vsl-matrix.csv", "threshold-spectra.csv", "vpi-ddab.csv"])
def test_read_matrix_matches_cli_inspect(gk, name):
    ref = cli_json("inspect", "--matrix", ex(name))
    m = gk.read(ex(name), kind="matrix")
    assert ref["shape"] == "matrix" and m.corner == ref["corner"]
    assert (len(m.row), len(m.col)) == (ref["rows"]["count"], ref["columns"]["count"])
    assert (m.row.min(), m.row.max()) == (ref["rows"]["min"], ref["rows"]["max"])
    assert (m.col.min(), m.col.max()) == (ref["columns"]["min"], ref["columns"]["max"])
    assert (m.z.min(), m.z.max()) == (ref["values"]["min"], ref["values"]["max"])
    assert m.col_unit == ref["columns"]["unit"] and m.meta == ref["metadata"]


def test_read_table_matches_cli_inspect(gk):
    ref = cli_json("inspect", ex("threshold-series.csv"))
    t = gk.read(ex("threshold-series.csv"), kind="table")
    assert t.v.shape == (ref["rows"], len(ref["columns"]))
    for k, col in enumerate(ref["columns"]):
        assert t.names[k] == col["name"] and t.units[k] == col["unit"]
        assert (t.v[:, k].min(), t.v[:, k].max()) == (col["min"], col["max"])
    assert t.meta == ref["metadata"]


@pytest.mark.parametrize("opts", [(), ("--baseline", "edges"), ("--baseline", "5", "--window", "500:540"),
                                  ("--baseline", "100.5")])
def test_spectrum_files_match_cli(gk, opts):
    files = [ex(f"input/{f}") for f in ("ocean-oceanview.txt", "avantes-avasoft.ttt", "andor-kinetic.asc",
                                                     "clipped.csv", "lightfield-frames.csv")]
    files = [f for f in files if os.path.exists(f)]
    assert files
    ref = cli_json("spectrum", *files, *opts)
    kw = {}
    if "--baseline" in opts:
        b = opts[opts.index("--baseline") + 1]
        kw["baseline"] = "edges" if b == "edges" else int(b) if b.isdigit() else float(b)
    if "--window" in opts:
        kw["window"] = tuple(float(x) for x in opts[opts.index("--window") + 1].split(":"))
    r = gk.spectrum.from_file(files, **kw)
    same(r.to_dict(), ref)
    assert len(ref["spectra"]) >= len(files)
    assert any(sp["clipped"] for sp in ref["spectra"])
