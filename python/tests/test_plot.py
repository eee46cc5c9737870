import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from conftest import ex  # noqa: E402


def test_plot_helpers_draw_on_given_axes(gk, tmp_path):
    fig, axs = plt.subplots(2, 3, figsize=(12, 7))
    r = gk.vsl.fit_file(ex("vsl-nc1.csv"))
    assert gk.plot.vsl(r, ax=axs[0, 0]) is axs[0, 0]
    assert len(axs[0, 0].lines) >= 1 + 5  # data + a curve per model
    t = gk.threshold.from_file(ex("threshold-series.csv"))
    gk.plot.threshold(t, ax=axs[0, 1], fwhm_ax=axs[0, 2])
    v = gk.vpi.fit_file(ex("vpi-ddab.csv"), model="vpi1", window=(515, 545))
    gk.plot.vpi(v, ax=axs[1, 0])
    m = gk.read(ex("threshold-spectra.csv"))
    gk.plot.spectra(m.row, m.z, m.col, ax=axs[1, 1])
    sp = gk.vsl.fit_file(ex("vsl-matrix.csv"), matrix=True, model="vsl1")
    gk.plot.vsl_spectrum(sp, ax=axs[1, 2])
    out = tmp_path / "all.png"
    fig.savefig(out)
    plt.close(fig)
    assert out.stat().st_size > 10000


def test_threshold_plot_shows_the_peak_method(gk):
    fig, ax = plt.subplots()
    t = gk.threshold.from_file(ex("threshold-spectra.csv"), spectra=True, window=(490, 590))
    assert "peak" in t.thresholds
    gk.plot.threshold(t, ax=ax)
    labels = [ln.get_label() for ln in ax.lines]
    assert "peak fit" in labels and any(lb.startswith("at ") and lb.endswith(" nm") for lb in labels)
    plt.close(fig)
