#!/usr/bin/env bash
# Numerical failure is explicit. Every command on every bundled input and on
# degenerate data (constant, all zero, straight lines, flat widths): the
# result is a number, or "converged": false with a reason and exit 1, or an
# input error (exit 2). No NaN or Inf ever appears in stdout, JSON or CSV
# (lib.sh's run() scans stdout and the -o file of every run in every CLI
# test; here the JSON files are also scanned for the literal tokens a
# hand-made JSON writer would print).
source "$GK_SOURCE_DIR/tests/cli/lib.sh"
EX="$SRC/examples"

# expect_json_key FILE KEY VALUE DESC
expect_json_key() { if grep -qE "\"$2\":[[:space:]]*$3" "$1"; then ok; else bad "$4: no \"$2\": $3 in $1"; fi; }
json_clean() {
  if grep -qE '(NaN|Infinity|-nan|[^a-z]inf[^a-z])' "$1"; then bad "$2: non-finite token in $1"; else ok; fi
}
# every non-converged method names a reason
reasons_given() {
  local nf nr
  nf=$(grep -cE '"converged":[[:space:]]*false' "$1")
  nr=$(grep -cE '"reason":[[:space:]]*"[^"]+' "$1")
  # the top level "converged" has no reason of its own; its methods do
  if [ "$nr" -ge $((nf - 1)) ] && { [ "$nf" -eq 0 ] || [ "$nr" -ge 1 ]; }; then ok
  else bad "$2: $nf converged:false but $nr reasons in $1"; fi
}

series() { # series FILE COLUMNS-FUNCTION: pump 1..10 with intensity/fwhm from awk
  local f=$1 expr=$2 hdr=$3
  printf '%s\n' "$hdr" >"$f"
  awk -v OFS=, "BEGIN { for (i = 1; i <= 10; i++) { p = i * 10; print p, $expr } }" >>"$f"
}
series "$T/const.csv" '5' 'pump (uJ/cm2),intensity'
series "$T/zero.csv" '0' 'pump (uJ/cm2),intensity'
series "$T/line.csv" '3 * p + 1' 'pump (uJ/cm2),intensity'
series "$T/power.csv" '2 * p ^ 1.7' 'pump (uJ/cm2),intensity'
series "$T/flatw.csv" '(p < 50 ? p : 50 + 20 * (p - 50)), 12' 'pump (uJ/cm2),intensity,fwhm (nm)'
series "$T/constw.csv" '5, 0' 'pump (uJ/cm2),intensity,fwhm (nm)'
series "$T/tiny.csv" '1e-300 * p' 'pump (uJ/cm2),intensity'
series "$T/huge.csv" '1e300 * p * p' 'pump (uJ/cm2),intensity'
# a matrix whose spectra are all zero, and one of constant spectra
{ printf 'wavelength (nm) \\ pump (uJ/cm2)'; for i in 1 2 3 4 5 6 7 8; do printf ',%d' $((i * 10)); done; echo
  for w in 500 501 502 503 504 505; do printf '%d' $w; for i in 1 2 3 4 5 6 7 8; do printf ',0'; done; echo; done; } >"$T/zspec.csv"
sed 's/,0/,7/g' "$T/zspec.csv" >"$T/cspec.csv"

# scan FILE ARGS...: threshold in JSON to stdout and to -o, CSV to -o
scan() {
  local desc=$1; shift
  run "$@" --format json -o "$T/r.json"
  case $RC in
  0|1)
    ok
    json_clean "$T/r.json" "$desc"
    reasons_given "$T/r.json" "$desc"
    if [ "$RC" -eq 1 ]; then expect_json_key "$T/r.json" converged false "$desc: exit 1"; fi
    run "$@" -o "$T/r.csv"
    [ -s "$T/r.csv" ] && ok || bad "$desc: no CSV" ;;
  2) expect_err '^gainkit: ' "$desc: input error names the file"
     [ -z "$OUT" ] && ok || bad "$desc: stdout on exit 2" ;;
  *) bad "$desc: exit $RC: $ERR" ;;
  esac
  rm -f "$T/r.json" "$T/r.csv"
}

for f in "$EX"/threshold-series.csv "$T"/const.csv "$T"/line.csv "$T"/power.csv "$T"/flatw.csv \
         "$T"/tiny.csv "$T"/huge.csv; do
  for m in all kink lines; do scan "threshold $(basename "$f") $m" threshold "$f" --method "$m"; done
done
scan "threshold flat widths fwhm" threshold "$T/flatw.csv" --method fwhm
scan "threshold spectra" threshold "$EX/threshold-spectra.csv" --spectra
scan "threshold const spectra" threshold "$T/cspec.csv" --spectra
for f in "$EX"/threshold-series.csv "$EX"/threshold-spectra.csv "$T"/*.csv; do
  run inspect "$f" --format json -o "$T/i.json"
  if [ "$RC" -le 2 ]; then ok; else bad "inspect $f: exit $RC"; fi
  [ -f "$T/i.json" ] && json_clean "$T/i.json" "inspect $f"
  rm -f "$T/i.json"
done

# simulate on reduced grids (each run well under a second): every bundled
# config, and the degenerate ones: no pump at all, a pump that bleaches the
# film, almost no emitters, one cell, the loosest step control, the
# time-resolved output and a length sweep.
simcfg() { # simcfg EXAMPLE OUT [SED-EXPR]: coarse grid, no sweep section
  sed -e 's/^  bins: .*/  bins: 16/; s/^  cells: .*/  cells: 10/; s/^  time_bins: .*/  time_bins: 12/' \
      -e '/^sweep:/,$d' -e "${3:-}" "$EX/$1" >"$T/$2"
}
for ex in sim-500ps sim-10ns sim-cspbbr3-nc; do
  simcfg $ex.yaml $ex.yaml
  scan "simulate $ex" simulate "$T/$ex.yaml" --vpi 0.05mJ/cm2,1mJ/cm2
done
simcfg sim-500ps.yaml s-zero.yaml 's/^  fluence: .*/  fluence: 0 mJ\/cm2/'
scan "simulate zero fluence" simulate "$T/s-zero.yaml"
scan "simulate zero fluence, time-resolved" simulate "$T/s-zero.yaml" --time-resolved
scan "simulate bleaching fluence" simulate "$T/sim-500ps.yaml" --vpi 1J/cm2
simcfg sim-500ps.yaml s-dilute.yaml 's/^  density: .*/  density: 1 cm^-3/'
scan "simulate one emitter per cm3" simulate "$T/s-dilute.yaml"
simcfg sim-500ps.yaml s-one.yaml 's/^  cells: .*/  cells: 1/; s/^  accuracy: .*/  accuracy: 0.5/'
scan "simulate one cell, accuracy 0.5" simulate "$T/s-one.yaml" --vpi 0.1mJ/cm2,2mJ/cm2
scan "simulate time-resolved" simulate "$T/sim-cspbbr3-nc.yaml" --vpi 1mJ/cm2 --time-resolved
scan "simulate length sweep" simulate "$T/sim-500ps.yaml" --vsl-range 0.001:0.5:3
run simulate "$T/s-zero.yaml" --format json
expect_rc 0 "simulate, no pump: a result"
expect_out '"fwhm_nm":	null' "simulate, no pump: no width, null"
run simulate "$T/s-zero.yaml"
expect_out 'FWHM:         - nm' "simulate, no pump: text says -"

# The degenerate cases, precisely.
run threshold "$T/const.csv" --method all --format json
expect_rc 1 "constant intensity"
expect_out '"converged":	false' "constant: not converged"
expect_out 'no change of slope' "constant: kink says why"
expect_out 'parallel' "constant: lines say why"
run threshold "$T/const.csv" --method all
expect_rc 1 "constant intensity (text)"
expect_out 'none (the best two lines are parallel' "text says none"
run threshold "$T/zero.csv" --method kink
expect_rc 2 "all-zero intensity: log of 0 is invalid input"
expect_err 'zero\.csv:2: intensity 0 is not positive' "all zero names the line"
run threshold "$T/zero.csv" --method lines --format json
expect_rc 1 "all-zero, lines: parallel"
expect_out '"reason"' "all-zero lines: reason"
run threshold "$T/constw.csv" --method fwhm
expect_rc 2 "zero FWHM is invalid input"
expect_err 'constw\.csv' "zero FWHM names the file"
run threshold "$T/zspec.csv" --spectra
expect_rc 2 "all-zero spectra"
expect_err 'not positive' "all-zero spectra: says why"

finish
