#!/bin/bash
# sim_two_cores.sh — quiet-machine figures for the one-run two-thread speed-up
# of `gainkit simulate` (issue 16), a build against a baseline, alternately
# in the same window.
#   bash bench/sim_two_cores.sh BASE_DIR [BUILD_DIR] > out.txt
# BASE_DIR: a folder holding the baseline's bench_simulate and gainkit
#           (static binaries copied from an older build tree)
# BUILD_DIR: the build tree to measure (default: build)
# Runs: the cross-core ping-pong 3x (bench_pingpong: which state the machine
# is in), then bench_simulate base/build alternately (BENCH_REPEAT=5, ROUNDS
# rounds, default 3), then CLI one runs (NRUN each, default 30,
# OMP_NUM_THREADS=1 and 2, interleaved) of examples/sim-500ps.yaml at
# 1 mJ/cm2 (200 x 128) and of the same config on 400 x 256, fastest and
# median; then a summary table. Takes ~4 min. Check `uptime` first: the
# figures mean something only with nothing else running.
set -u
BASE=${1:?usage: sim_two_cores.sh BASE_DIR [BUILD_DIR]}
BR=${2:-build}
BR=$(cd "$BR" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
EX=$SRC/examples/sim-500ps.yaml
OUT=$(mktemp -d /tmp/sim_two_cores.XXXXXX)
echo "# $(date -u '+%F %T') UTC; $(uptime)"
echo "# base $BASE, build $BR ($(git -C "$SRC" log --oneline -1 2>/dev/null))"
echo "# CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2), $(nproc) CPUs"

for i in 1 2 3; do "$BR/bench/bench_pingpong"; done | tee "$OUT/pp.txt"

for r in $(seq 1 ${ROUNDS:-3}); do
  for side in base branch; do
    b=$BASE/bench_simulate; [ $side = branch ] && b=$BR/bench/bench_simulate
    echo "== bench_simulate $side round $r"
    BENCH_REPEAT=5 "$b" 2>&1 | tee -a "$OUT/bench.$side.txt"
  done
done

# 400 x 256 variant of the 500 ps config
sed -e 's/^\(  bins:\) *128/\1 256/' -e 's/^\(  cells:\) *200/\1 400/' "$EX" > "$OUT/sim-500ps-400x256.yaml"
grep -q 'cells: 400' "$OUT/sim-500ps-400x256.yaml" || echo "WARNING: 400x256 config not made"
cli() { # side threads config -> one wall time in ms
  local g=$BASE/gainkit; [ "$1" = branch ] && g=$BR/gainkit
  local t0 t1
  t0=$(date +%s%N)
  OMP_NUM_THREADS=$2 "$g" simulate "$3" --vpi 1mJ/cm2 > /dev/null 2>&1
  t1=$(date +%s%N)
  echo "scale=3; ($t1 - $t0) / 1000000" | bc
}
for cfg in "$EX" "$OUT/sim-500ps-400x256.yaml"; do
  tag=$(basename "$cfg" .yaml)
  for k in $(seq 1 ${NRUN:-30}); do
    for side in base branch; do
      for th in 1 2; do
        echo "$(cli $side $th "$cfg")" >> "$OUT/cli.$tag.$side.$th"
      done
    done
  done
done

/usr/bin/python3 - "$OUT" <<'PY'
import glob, os, re, statistics, sys
d = sys.argv[1]
pp = [float(x) for x in re.findall(r"round trip (\d+) ns", open(os.path.join(d, "pp.txt")).read())]
print("\n## Summary")
print("ping-pong round trip: %s ns (fast state ~70-110, slow ~360-490)" % ", ".join("%.0f" % x for x in pp))
rows = []
for side in ("base", "branch"):
    t = open(os.path.join(d, "bench.%s.txt" % side)).read()
    for grid in ("200x128", "400x256"):
        m = re.findall(r"per time step, %s: 1 thread p10 ([\d.]+) us, median ([\d.]+) us; 2 threads p10 ([\d.]+) us, median ([\d.]+) us" % grid, t)
        for i, x in enumerate(m):
            s10, s50, t10, t50 = map(float, x)
            rows.append((grid, side, i + 1, s10, t10, s10 / t10, s50 / t50))
    sw = re.findall(r"speed-up ([\d.]+)x", t)
print("\n| grid | side | round | 1 thread p10 (us/step) | 2 threads p10 | ratio p10 | ratio median |")
print("|---|---|---|---|---|---|---|")
for r in sorted(rows):
    print("| %s | %s | %d | %.1f | %.1f | %.2fx | %.2fx |" % r)
print("\n| bench_simulate wall speed-up lines (1 thread / 2 threads), per round |")
for side in ("base", "branch"):
    t = open(os.path.join(d, "bench.%s.txt" % side)).read()
    grid = ""
    for line in t.splitlines():
        g = re.match(r"^single run (\d+x\d+)", line)
        if g: grid = g.group(1)
        if "speed-up" in line:
            name = re.match(r"^\s*(.*?)\s+\d+ thread\(s\)", line).group(1)
            if name.startswith("same"): name = grid + " " + name
            print("  %-7s %-32s %s" % (side, re.sub(r"\s+", " ", name), re.search(r"speed-up ([\d.]+x)", line).group(1)))
print("\n| CLI one run --vpi 1mJ/cm2 (30 runs, wall ms incl. process start) | side | 1 thread fastest / median | 2 threads fastest / median | speed-up fastest / median |")
print("|---|---|---|---|---|")
for f in sorted(glob.glob(os.path.join(d, "cli.*.base.1"))):
    tag = os.path.basename(f).split(".")[1]
    for side in ("base", "branch"):
        a = [float(x) for x in open(os.path.join(d, "cli.%s.%s.1" % (tag, side)))]
        b = [float(x) for x in open(os.path.join(d, "cli.%s.%s.2" % (tag, side)))]
        print("| %s | %s | %.1f / %.1f | %.1f / %.1f | %.2fx / %.2fx |" % (tag, side, min(a), statistics.median(a), min(b), statistics.median(b), min(a) / min(b), statistics.median(a) / statistics.median(b)))
print("\nraw files: %s" % d)
PY
