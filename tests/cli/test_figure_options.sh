#!/usr/bin/env bash
# The common figure options (--figure, --fig-width, --font-size, --dpi,
# --xlim, --log-x, --plot-data), the formats (SVG text, PDF fonts), quiet
# default warnings and `gainkit report`.
source "$GK_SOURCE_DIR/tests/cli/lib.sh"
EX="$SRC/examples"
be32() { od -An -tu1 -j"$2" -N4 "$1" | awk '{print $1*16777216+$2*65536+$3*256+$4}'; }

run vsl "$EX/vsl-nc1.csv" --model vsl1 --figure huge --plot "$T/a.svg"
expect_rc 2 "--figure huge"
expect_err "--figure: 'huge' is not a size"
[ ! -e "$T/a.svg" ] && ok || bad "a figure written after a bad --figure"
run vsl "$EX/vsl-nc1.csv" --model vsl1 --plot "$T/a.svg" --plot-data "$T/a.txt"
expect_rc 2 "--plot-data without .csv"
run vsl "$EX/vsl-nc1.csv" --model vsl1 --plot "$T/a.svg" --xlim 5:1
expect_rc 2 "--xlim empty"
run vsl "$EX/vsl-nc1.csv" --model vsl1 --plot "$T/a.svg" --fig-width 500
expect_rc 2 "--fig-width 500 cm"

# sizes: single column at 300 dpi, a width in mm, a font size
run vsl "$EX/vsl-nc1.csv" --model vsl1 --figure single --plot "$T/s.png"
expect_rc 0 "--figure single png"
[ "$(be32 "$T/s.png" 16)" = 1004 ] && ok || bad "single-column PNG is $(be32 "$T/s.png" 16) px wide, expected 1004 (8.5 cm at 300 dpi)"
run vsl "$EX/vsl-nc1.csv" --model vsl1 --fig-width 120mm --dpi 100 --plot "$T/w.png"
[ "$(be32 "$T/w.png" 16)" = 472 ] && ok || bad "--fig-width 120mm --dpi 100: $(be32 "$T/w.png" 16) px, expected 472"
run vsl "$EX/vsl-nc1.csv" --model vsl1 --figure double --font-size 9 --plot "$T/d.svg"
grep -q 'width="505pt"' "$T/d.svg" && ok || bad "double-column SVG is not 505 pt wide"
grep -q 'font-size="9"' "$T/d.svg" && ok || bad "--font-size 9 not in the SVG"
# SVG: editable text, no glyph outlines; PDF: embedded fonts
grep -q '<text' "$T/d.svg" && ! grep -q '<symbol' "$T/d.svg" && ok || bad "SVG text is not <text>"
run vsl "$EX/vsl-nc1.csv" --model vsl1 --plot "$T/d.pdf"
grep -aq '/FontFile' "$T/d.pdf" && ok || bad "PDF without an embedded font"

# --plot-data: the curves as CSV, finite, with the axis labels
run threshold "$EX/threshold-series.csv" --plot "$T/t.svg" --plot-data "$T/t.csv"
expect_rc 0 "threshold --plot-data"
grep -q '^panel,item,label,kind,x,y,err_or_z$' "$T/t.csv" && ok || bad "--plot-data header"
grep -q '# panel 1: title "S-curve", x "pump' "$T/t.csv" && ok || bad "--plot-data axis labels"
grep -q '"data",series,' "$T/t.csv" && ok || bad "--plot-data: the data series"
no_nonfinite "$T/t.csv" "--plot-data"
# the data rows are the input's pumps (the figure's engineering units do not leak in)
first=$(grep -m1 '"data",series,' "$T/t.csv" | cut -d, -f5)
firstin=$(grep -v '^#' "$EX/threshold-series.csv" | sed -n 2p | cut -d, -f1)
awk -v a="$first" -v b="$firstin" 'BEGIN{exit !(a+0 == b+0)}' && ok || bad "--plot-data x $first, input $firstin"

# --xlim on the main panel: the axis shows the range asked for
run threshold "$EX/threshold-series.csv" --plot "$T/x.svg" --xlim 10:100 --lin-x
expect_rc 0 "--xlim with --lin-x"
grep -q '>&#x31;&#x30;&#x30;</tspan>' "$T/x.svg" && ok || bad "--xlim 10:100: no 100 tick"

# routine runs stay quiet: the informational notes only with --verbose
run vsl "$EX/vsl-nc1.csv" --model all
expect_rc 0 "vsl --model all"
printf '%s' "$ERR" | grep -q "warning:" && bad "default vsl run warns: $ERR" || ok
run vsl "$EX/vsl-nc1.csv" --model all --verbose
expect_err "note: emp: emp is empirical"

# gainkit report: one page, figures embedded, nothing truncated
mkdir -p "$T/run"
"$GAINKIT" vsl "$EX/vsl-nc1.csv" --model all --plot "$T/run/vsl.png" --format json >"$T/run/vsl.json" 2>/dev/null
"$GAINKIT" vsl "$EX/vsl-nc1.csv" --model all >"$T/run/vsl.txt" 2>/dev/null
run report "$T/run"
expect_rc 0 "report"
[ -s "$T/run/report.html" ] && ok || bad "no report.html"
grep -q 'src="data:image/png;base64,iVBORw0KGgo' "$T/run/report.html" && ok || bad "report: the PNG is not embedded"
grep -q 'gainkit vsl ' "$T/run/report.html" && ok || bad "report: no command line"
last=$(tail -n 1 "$T/run/vsl.txt" | sed 's/[<>&]//g' | cut -c1-40)
grep -qF -- "$last" "$T/run/report.html" && ok || bad "report: the text output is cut ($last)"
run report "$T/run" --html "$T/run/r.htm"
expect_rc 2 "report --html without .html"
run report "$T/nonexistent"
expect_rc 2 "report on a missing directory"
# the JSON carries the fitted curves' parameters: they reproduce the
# thresholds (10^xb, 10^x0) and the data (the kink model within 25 % at
# the points below saturation)
run threshold "$EX/threshold-series.csv" --format json
/usr/bin/python3 - "$T/stdout" "$EX/threshold-series.csv" <<'PYEOF' && ok || bad "threshold JSON curve parameters"
import json, math, sys
t = json.load(open(sys.argv[1]))["thresholds"]
k, f = t["kink"]["curve"], t["fwhm"]["curve"]
assert abs(10 ** k["xb"] / t["kink"]["value"] - 1) < 1e-9, k
assert abs(10 ** f["x0"] / t["fwhm"]["value"] - 1) < 1e-9, f
assert f["s"] > 0
rows = [l.split(",") for l in open(sys.argv[2]) if l[0].isdigit()]
n = 0
for r in rows:
    p, i = float(r[0]), float(r[1])
    x = math.log10(p)
    y = k["a"] + k["b1"] * min(x - k["xb"], 0) + k["b2"] * max(x - k["xb"], 0)
    if p < t["kink"].get("saturation_pump", 1e300):
        assert abs(10 ** y / i - 1) < 0.25, (p, i, 10 ** y)
        n += 1
assert n >= 6, n
PYEOF
finish
