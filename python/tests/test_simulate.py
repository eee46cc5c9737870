import os
import signal
import threading
import time

import numpy as np
import pytest

from conftest import cli_json, ex, same


def test_single_run_matches_cli(gk, tmp_path):
    # the example without its sweep section: a single run at 0.73 mJ/cm2
    text = open(ex("sim-500ps.yaml")).read().split("\nsweep:")[0] + "\n"
    cfg = tmp_path / "single.yaml"
    cfg.write_text(text)
    ref = cli_json("simulate", str(cfg))
    r = gk.simulate.run(str(cfg))
    same(r.to_dict(), ref)
    assert r.fluence == pytest.approx(0.73e-3)


def test_sweep_matches_cli(gk):
    ref = cli_json("simulate", ex("sim-500ps.yaml"), "--vpi", "0.1mJ/cm2,1mJ/cm2")
    r = gk.simulate.sweep(ex("sim-500ps.yaml"), fluences=[1e-4, 1e-3])
    same(r.to_dict(), ref)
    assert r.spectra.shape == (len(r.wavelength_nm), 2)


def test_photon_budget_closes(gk):
    # independent check: absorbed pump photons = every way they leave
    r = gk.simulate.run(None, nbins=32, ncells=24, ntimes=40)
    b = r.budget
    out = (b["spontaneous_other_and_nonradiative"] + b["out_edge"] + b["out_far_end"]
           + b["loss_esa"] + b["loss_background"] + b["left_excited"])
    assert out == pytest.approx(b["absorbed"], rel=1e-3)


def test_dict_config_and_errors(gk):
    with pytest.raises(gk.InputError, match="unknown field"):
        gk.simulate.run({"no_such_field": 1})
    with pytest.raises(gk.InputError):
        gk.simulate.run(None, thickness=-1.0)
    with pytest.raises(gk.InputError) as e:
        gk.simulate.run(ex("stack-cspbbr3.yaml"))
    assert "stack-cspbbr3.yaml" in str(e.value)


def _slow(gk):
    # a fine grid: seconds per run even on a fast machine
    return dict(config=ex("sim-500ps.yaml"), nbins=256, ncells=400, accuracy=0.001)


def test_keyboard_interrupt_stops_run_cleanly(gk):
    kw = _slow(gk)
    timer = threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT))
    t0 = time.monotonic()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        gk.simulate.run(**kw)
    dt = time.monotonic() - t0
    timer.join()
    assert dt < 30, f"cancel took {dt:.1f} s"
    # the handler is restored and the library still works
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    r = gk.simulate.run(None, nbins=16, ncells=10, ntimes=10)
    assert r.steps > 0


def test_keyboard_interrupt_during_sweep(gk):
    kw = _slow(gk)
    timer = threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        gk.simulate.sweep(fluences=[1e-4, 2e-4, 3e-4, 4e-4], **kw)
    timer.join()


def test_progress_callback_can_cancel(gk):
    seen = []

    def prog(done, total):
        seen.append((done, total))
        return len(seen) > 3

    with pytest.raises(KeyboardInterrupt):
        gk.simulate.run(None, nbins=32, ncells=20, on_progress=prog)
    assert len(seen) == 4


def test_gil_released_during_run(gk):
    # With a huge switch interval the interpreter hands the GIL over only
    # when a thread releases it itself; the main thread then runs while the
    # worker is inside the library only if the foreign call released it.
    import sys
    stop = threading.Event()
    err = []

    def work():
        try:
            gk.simulate.run(on_progress=lambda d, t: stop.is_set(), **_slow(gk))
        except KeyboardInterrupt:
            pass
        except Exception as e:  # pragma: no cover
            err.append(e)

    old = sys.getswitchinterval()
    sys.setswitchinterval(100.0)
    try:
        th = threading.Thread(target=work)
        th.start()
        time.sleep(0.2)
        n, alive = 0, True
        t_end = time.monotonic() + 0.2
        while time.monotonic() < t_end:
            n += 1
        alive = th.is_alive()
        stop.set()
        th.join(60)
    finally:
        sys.setswitchinterval(old)
    assert not err
    assert alive and n > 1000, "the main thread did not run while the library worked"


def test_time_resolved_matches_cli_csv(gk, tmp_path):
    # --time-resolved writes the edge spectrum versus time (columns t in ns,
    # 10 significant digits); run(time_resolved=True) returns the same map
    text = open(ex("sim-500ps.yaml")).read().split("\nsweep:")[0] + "\n"
    cfg = tmp_path / "single.yaml"
    cfg.write_text(text)
    out = tmp_path / "tr.csv"
    import subprocess
    from conftest import CLI, SRC
    p = subprocess.run([CLI, "simulate", str(cfg), "--time-resolved", "-o", str(out)],
                       capture_output=True, text=True, cwd=SRC)
    assert p.returncode == 0, p.stderr
    rows = [ln for ln in out.read_text().splitlines() if ln and not ln.startswith("#")]
    t_ns = np.array([float(x) for x in rows[0].split(",")[1:]])
    data = np.array([[float(x) for x in ln.split(",")] for ln in rows[1:]])
    r = gk.simulate.run(str(cfg), time_resolved=True)
    assert np.allclose(r.t * 1e9, t_ns, rtol=1e-9, atol=0)
    assert np.allclose(r.wavelength_nm, data[:, 0], rtol=1e-9, atol=0)
    # 10 significant digits: rounding <= 5e-10 relative (plus the parse)
    assert np.allclose(r.spectrum_t.T, data[:, 1:], rtol=6e-10, atol=0)
    # independent: the time integral of the edge spectrum is the
    # time-integrated spectrum (the bins tile the run)
    dt = np.diff(r.t).mean()
    assert np.allclose(r.spectrum_t.sum(axis=0) * dt, r.spectrum, rtol=1e-6)


def test_stack_pump_and_slice_populations_match_cli(gk, tmp_path):
    # the nanocrystal example (8 slices, Γ and |E|^2 from its stack) pumped
    # through its stack (pump.depth: stack with emitters), on a coarse grid
    # with the pump peak inside the window: the pump's balance and the slice
    # populations as the CLI's JSON, and the balance closes
    text = open(ex("sim-cspbbr3-nc.yaml")).read().split("\nsweep:")[0] + "\n"
    text = (text.replace("  cross_section: 5e-15 cm2", "  cross_section: 5e-15 cm2\n  depth: stack")
            .replace("  bins: 64", "  bins: 16").replace("  cells: 100", "  cells: 12")
            .replace("  time_bins: 200", "  time_bins: 10")
            .replace("  t_end: 400 ns", "  t_end: 30 ns"))
    assert "depth: stack" in text and "t_start" in text
    cfg = tmp_path / "ncstack.yaml"
    cfg.write_text(text)
    (tmp_path / "stack-cspbbr3-nc.yaml").write_text(open(ex("stack-cspbbr3-nc.yaml")).read())
    ref = cli_json("simulate", str(cfg))
    r = gk.simulate.run(str(cfg))
    same(r.to_dict(), ref)
    b = r.budget
    s = b["pump_reflected"] + b["pump_absorbed_above_film"] + b["absorbed"] + b["pump_passed_below_film"]
    assert s == pytest.approx(b["pump_incident"], rel=1e-3)
    p = r.slice_populations
    assert p["unit"] == "cm^-3" and len(p["n1_max"]) == 8
    assert np.all(p["n1_at_pump_peak"] > 0) and np.all(p["n1_at_pump_peak"] <= p["n1_max"])
