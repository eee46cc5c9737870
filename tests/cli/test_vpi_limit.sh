#!/bin/bash
# VPI at the P1 -> 0 boundary of the model (docs/vpi.md "The P1 -> 0
# boundary"; src/vpi/limit.c) and the linearised threshold band's width.
# 1. tests/vpi_limit_scipy.py: a 40 x 40 unweighted vpi2 set whose optimum
#    is the limit; gainkit must report the boundary, converged, exit 1
#    (gamma, alpha not determined), a chi2 the interior model reaches as
#    P1 -> 0 (evaluated by the script) and that scipy least_squares cannot
#    beat. Skipped when /usr/bin/python3 has no numpy/scipy.
# 2. the text and JSON of that fit: no number for gamma/alpha, P1 at bound.
# 3. the bundled example, vpi1: the transparency band had lo = hi = the
#    threshold (a band narrower than the scan's step); now it has width.
source "$GK_SOURCE_DIR/tests/cli/lib.sh"
if ! /usr/bin/python3 -c 'import numpy, scipy' 2>/dev/null; then
  echo "note: /usr/bin/python3 with numpy and scipy not found; the boundary check is skipped"
else
  # ~30 s CPU; the watchdog only stops a hang
  timeout -k 5 1200 /usr/bin/python3 "$SRC/tests/vpi_limit_scipy.py" "$GAINKIT" "$T" >"$T/ref.txt" 2>&1
  rc=$?
  cat "$T/ref.txt"
  [ "$rc" -eq 0 ] && ok || bad "boundary case: independent check failed (rc $rc)"
  run vpi "$T/limit.csv" --model vpi2 --weights none --fluorescence "$T/limit-fl.csv" --profile-boot 0
  expect_rc 1 "boundary text: gamma, alpha not determined"
  expect_out "at the boundary P1 -> 0 of the model" "boundary text"
  expect_out "gamma        not determined (diverges as P1 -> 0)" "boundary text gamma"
  expect_out "a0 = g(Pmax)" "boundary text a0"
  expect_err "the best fit is the limit P1 -> 0" "boundary warning"
  run vpi "$T/limit.csv" --model vpi2 --weights none --fluorescence "$T/limit-fl.csv" --profile-boot 0 \
    --format json
  expect_rc 1 "boundary json"
  printf '%s' "$OUT" | python3 -c '
import json, sys
j = json.load(sys.stdin)
p = j["params"]["P1"]
assert p["value"] == 0 and p["stderr"] is None and p["at_bound"] and not p["determined"], p
assert j["boundary"]["at"].startswith("P1 -> 0") and j["converged"]
assert all(v is None for v in j["gamma"]) and all(v is None for v in j["alpha"])
assert all(v is not None for v in j["boundary"]["a0"])
assert j["threshold"]["gl1"]["value"] is not None
' && ok || bad "boundary json content"
fi
# 3. the band of the bundled example's vpi1 thresholds (~5 s CPU)
run vpi "$SRC/examples/vpi-ddab.csv" --model vpi1 --fluorescence "$SRC/examples/vpi-ddab-fl.csv" \
  --profile-boot 0 --format json
expect_rc 0 "example vpi1"
printf '%s' "$OUT" | python3 -c '
import json, sys
j = json.load(sys.stdin)
assert j["boundary"] is None
for k in ("gl1", "transparency"):
    t = j["threshold"][k]
    assert t["lo"] < t["value"] < t["hi"], (k, t)
    # a band, not a point: at least half the 3-sigma delta-method width
    assert t["hi"] - t["lo"] > 3 * t["stderr"], (k, t)
' && ok || bad "example vpi1: threshold band collapsed"
finish
