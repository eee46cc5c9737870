#!/usr/bin/env bash
# Automatic layout check of the figures (issue: no collisions, no clipping):
# every figure of `make demo` (examples/demo.d) is rendered again as SVG
# (PLplot's svg driver keeps text as <text>), at the default size (17.8 cm,
# 8.5 pt) and the VSL, threshold, VPI, kinetics and simulate figures also
# at --figure single; tests/layout_check.py estimates every text's box from
# its font size, anchor, transform and character advances and fails when a
# box leaves the page, two boxes overlap, or a legend covers more than 3
# data markers. The checker itself is checked on hand-made figures that
# must fail.
source "$GK_SOURCE_DIR/tests/cli/lib.sh"
PY=/usr/bin/python3
CHECK="$SRC/tests/layout_check.py"
EX="$SRC/examples"

# --- the checker fails where it must ------------------------------------
mk() { # mk FILE BODY: an SVG page of 200 x 100 pt in the driver's layout
  printf '<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="200pt" height="100pt" viewBox="0 0 200 100"><g transform="matrix(1 0 0 -1 0 100)">%s</g></svg>\n' "$2" >"$1"
}
txt() { # txt X Y TEXT [ANCHOR]
  printf '<g><text font-size="8" transform="matrix(1 0 0 -1 %s %s)" text-anchor="%s" x="0" y="3"><tspan>%s</tspan></text></g>' "$1" "$2" "${4:-start}" "$3"
}
mk "$T/good.svg" "$(txt 10 50 label)$(txt 10 20 other)"
$PY "$CHECK" "$T/good.svg" >/dev/null && ok || bad "layout_check: a clean page fails"
mk "$T/overlap.svg" "$(txt 10 50 'a long label')$(txt 30 51 'another')"
out=$($PY "$CHECK" "$T/overlap.svg"); [ $? -eq 1 ] && printf '%s' "$out" | grep -q overlap && ok || bad "layout_check: overlap not found: $out"
mk "$T/clip.svg" "$(txt 185 50 'FWHM/100 nm')"
out=$($PY "$CHECK" "$T/clip.svg"); [ $? -eq 1 ] && printf '%s' "$out" | grep -q "leaves the page" && ok || bad "layout_check: clipping not found: $out"
mk "$T/clip2.svg" "$(txt 100 50 'centred label' middle)$(txt 2 50 'x' end)"
out=$($PY "$CHECK" "$T/clip2.svg"); [ $? -eq 1 ] && printf '%s' "$out" | grep -q "'x' leaves" && ok || bad "layout_check: right-anchored clipping not found: $out"
marks=""
for x in 60 70 80 90; do marks="$marks$(txt $x 50 '●')"; done
legend='<polyline fill="#FFFFFF" fill-opacity="0.850000" points="50,40 120,40 120,60 50,60 50,40 "/>'
mk "$T/legend.svg" "$marks$legend$(txt 100 50 'fit')"
out=$($PY "$CHECK" "$T/legend.svg"); [ $? -eq 1 ] && printf '%s' "$out" | grep -q "covers 4 data points" && ok || bad "layout_check: covered points not found: $out"
mk "$T/legend3.svg" "$(txt 60 50 '●')$(txt 70 50 '●')$(txt 80 50 '●')$legend$(txt 55 50 '●')"
$PY "$CHECK" "$T/legend3.svg" >/dev/null && ok || bad "layout_check: 3 covered points (and the legend's own marker) fail"

# --- every demo figure --------------------------------------------------
# The demo steps call `step NAME gainkit-args...`; here a step renders its
# figure as SVG instead (its --plot FILE.png/svg becomes NAME.svg).
OUTDIR="$T/demo"; mkdir -p "$OUTDIR"
nfig=0
step() {
  local name=$1; shift
  local args=() prev="" a has=0
  for a in "$@"; do
    if [ "$prev" = "--plot" ]; then a="$OUTDIR/$name.svg"; has=1; fi
    case "$prev" in -o|--output) a="$T/$name.out.${a##*.}";; esac
    args+=("$a"); prev=$a
  done
  [ $has -eq 1 ] || return 0
  "$GAINKIT" "${args[@]}" >/dev/null 2>"$T/$name.err"
  local rc=$?
  if [ $rc -gt 1 ] || [ ! -s "$OUTDIR/$name.svg" ]; then bad "demo step $name: exit $rc, no figure: $(head -c 300 "$T/$name.err")"; return; fi
  nfig=$((nfig+1))
}
GAINKIT_SAVED=$GAINKIT
EX="$SRC/examples" OUT="$OUTDIR"
for f in "$EX"/demo.d/*.sh; do
  # shellcheck source=/dev/null
  source "$f"
done
[ "$nfig" -ge 20 ] && ok || bad "only $nfig demo figures rendered"
# the five figures of the issue, at one journal column too
G=$GAINKIT_SAVED
"$G" vsl "$EX/vsl-nc1.csv" --model all --figure single --plot "$OUTDIR/single-vsl.svg" >/dev/null 2>&1
"$G" threshold "$EX/threshold-spectra.csv" --spectra --window 490:590 --figure single --plot "$OUTDIR/single-threshold.svg" >/dev/null 2>&1
"$G" threshold "$EX/threshold-series.csv" --figure single --plot "$OUTDIR/single-threshold-series.svg" >/dev/null 2>&1
"$G" kinetics "$EX/kinetics/pump_series.csv" --global --components 2 --irf-fwhm 5ps --figure single --plot "$OUTDIR/single-kinetics.svg" >/dev/null 2>&1
"$G" simulate "$EX/sim-500ps.yaml" --vpi 0.73mJ/cm2 --time-resolved --figure single --plot "$OUTDIR/single-simulate.svg" >/dev/null 2>&1
"$G" vpi "$EX/vpi-ddab.csv" --model both --fluorescence "$EX/vpi-ddab-fl.csv" --figure double --plot "$OUTDIR/double-vpi.svg" >/dev/null 2>&1
for f in "$OUTDIR"/*.svg; do
  out=$($PY "$CHECK" "$f")
  if [ $? -eq 0 ]; then ok; else bad "layout: $out"; fi
done
finish
