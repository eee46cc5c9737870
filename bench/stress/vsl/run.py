#!/usr/bin/python3
"""Fit every stress file with the baseline and the branch gainkit and compare.

Usage: run.py BASE_GAINKIT NEW_GAINKIT DIR MODELS [JOBS]
  MODELS: comma-separated (emp,vsl2,vsl1,sat)
Each file is fitted with two weightings: sigma and relative (files with a
sigma column), none and relative (files without). Per (file, weighting,
model): exit codes and chi2 (JSON "chi2") of both binaries. Prints one line
per difference and a summary per model: equal (1e-9 relative or both
below 1e-300), lower, higher (higher_rounding: the rise is below chi2's own
rounding, 1e-15 sqrt(chi2 yy) with yy = sum (y/s)^2), exit code changes."""
import concurrent.futures as cf
import glob
import json
import os
import subprocess
import sys


def run(exe, path, model, w):
    p = subprocess.run([exe, "vsl", path, "--model", model, "--weights", w, "--format", "json"],
                       capture_output=True, text=True)
    chi2 = conv = None
    if p.stdout.strip():
        try:
            j = json.loads(p.stdout)
            chi2 = j.get("chi2")
            conv = j.get("converged")
        except ValueError:
            pass
    return p.returncode, chi2, conv


def yy_of(path, w):
    """sum (y/s)^2 of the file under weighting w: chi2's scale, for its
    rounding level (noise-free data end at chi2 ~ 1e-20 yy and below)."""
    rows = [l.split(",") for l in open(path).read().split("\n")[2:] if l.strip()]
    y = [float(r[1]) for r in rows]
    if w == "relative":
        return float(len(y))
    if w == "sigma":
        return sum((float(r[1]) / float(r[2])) ** 2 for r in rows)
    return sum(v * v for v in y)


def job(args):
    base, new, path, model, w = args
    return (os.path.basename(path), model, w, run(base, path, model, w), run(new, path, model, w), yy_of(path, w))


def main():
    base, new, d, models = sys.argv[1:5]
    jobs = int(sys.argv[5]) if len(sys.argv) > 5 else 2
    files = sorted(glob.glob(os.path.join(d, "*.csv")))
    work = []
    for f in files:
        has_sigma = "sigma" in open(f).read().split("\n")[1]
        for w in (["sigma", "relative"] if has_sigma else ["none", "relative"]):
            for m in models.split(","):
                work.append((base, new, f, m, w))
    stats = {}
    with cf.ThreadPoolExecutor(jobs) as ex:
        for name, m, w, (rb, cb, vb), (rn, cn, vn), yy in ex.map(job, work):
            s = stats.setdefault(m, {"cases": 0, "equal": 0, "lower": 0, "higher": 0, "higher_rounding": 0,
                                     "rc_changed": 0, "both_failed": 0, "conv_changed": 0})
            s["cases"] += 1
            tag = f"{name} {m} {w}"
            if rb != rn:
                s["rc_changed"] += 1
                print(f"RC   {tag}: exit {rb} -> {rn} (chi2 {cb} -> {cn})")
                continue
            if cb is None or cn is None:
                s["both_failed"] += 1
                continue
            if vb != vn:
                s["conv_changed"] += 1
                print(f"CONV {tag}: converged {vb} -> {vn} (chi2 {cb} -> {cn})")
            tol = 1e-9 * max(abs(cb), abs(cn)) + 1e-300
            if abs(cn - cb) <= tol:
                s["equal"] += 1
            elif cn < cb:
                s["lower"] += 1
                print(f"LOW  {tag}: chi2 {cb!r} -> {cn!r} (rel {(cn - cb) / abs(cb):.2e})")
            elif cn - cb <= 1e-15 * (cb * yy) ** 0.5:
                # below the rounding of chi2 itself: residuals r_i of ~1e-16
                # relative error each move chi2 by ~2 eps sqrt(chi2 yy)
                s["higher_rounding"] += 1
                print(f"HIGHr {tag}: chi2 {cb!r} -> {cn!r} (rel {(cn - cb) / abs(cb):.2e}; "
                      f"difference {cn - cb:.1e} below chi2's rounding 1e-15 sqrt(chi2 yy) = {1e-15 * (cb * yy) ** 0.5:.1e})")
            else:
                s["higher"] += 1
                print(f"HIGH {tag}: chi2 {cb!r} -> {cn!r} (rel {(cn - cb) / abs(cb):.2e}, yy {yy:.3g})")
    for m, s in stats.items():
        print(f"SUMMARY {m}: " + ", ".join(f"{k} {v}" for k, v in s.items()))


if __name__ == "__main__":
    main()
