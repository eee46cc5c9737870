#!/usr/bin/env bash
# gainkit vsl: JSON contract, units, outputs, matrix mode, errors.
source "$GK_SOURCE_DIR/tests/cli/lib.sh"
EX="$SRC/examples"

# --model all on the NC1-like example: every model, a recommendation
run vsl "$EX/vsl-nc1.csv" --format json
expect_rc 0 "all models"
for k in '"command":	"vsl"' '"fits":' '"recommended":	"sat"' '"reason":' '"range_cm":	[0.05, 0.45]' \
         '"n_points":	17' '"chi2_red":' '"aicc":' '"bic":' '"warnings":' '"model":	"ahn"'; do
  expect_out "$k" "all: $k"
done
# the generator's true gain is 25 cm^-1 (examples/gen/gen_vsl.c): sat's g
# must be within 3 standard errors of it
g=$(printf '%s' "$OUT" | tr -d '\n\t ' | grep -o '"model":"sat",.*' | grep -o '"g":{"value":[^,]*,"stderr":[^}]*' | head -1)
val=${g#*\"value\":}; val=${val%%,*}; se=${g##*\"stderr\":}
awk -v v="$val" -v s="$se" 'BEGIN { exit !(v - 25 < 3 * s && 25 - v < 3 * s && s > 0) }' && ok || bad "sat g = $val +- $se not within 3 se of 25"

# parameter names exactly as the contract
declare -A names=([vsl1]='"g" "A"' [vsl2]='"g" "A1" "A2"' [sat]='"g" "A" "Is"' \
                  [sat-exact]='"gamma" "alpha" "A" "Is" "g"' [emp]='"g" "A" "Ls"' [ahn]='"g" "A" "B"')
for m in vsl1 vsl2 sat sat-exact emp ahn; do
  run vsl "$EX/vsl-nc1.csv" --model $m --format json
  expect_rc 0 "--model $m"
  expect_out "\"model\":	\"$m\"" "$m: model"
  expect_out '"converged":	true' "$m: converged"
  for p in ${names[$m]}; do expect_out "$p:	{" "$m: parameter $p"; done
done

# text format: a table with units and the recommendation
run vsl "$EX/vsl-nc1.csv"
expect_rc 0 "text"
expect_out "g (cm^-1)" "text: units in the table"
expect_out "counts/cm" "text: unit of A from the header"
expect_out "recommended: sat" "text: recommendation"

# --range in the input's unit (the example is in mm)
run vsl "$EX/vsl-nc1.csv" --model vsl1 --range 0.5:3 --format json
expect_rc 0 "--range mm"
expect_out '"range_cm":	[0.05, 0.3]' "--range: selected in mm, reported in cm"
expect_out '"n_points":	11' "--range: 11 points"
# --length-unit for a file without units: micrometres
awk -F, 'NR>4 { printf "%g,%s,%s\n", $1*1000, $2, $3 }' "$EX/vsl-nc1.csv" >"$T/um.csv"
run vsl "$T/um.csv" --length-unit um --model vsl1 --format json
expect_rc 0 "--length-unit um"
expect_out '"range_cm":	[0.05, 0.45]' "--length-unit um converts to cm"
# weights: sigma column by default (absolute), none on request
run vsl "$EX/vsl-nc1.csv" --model vsl1 --format json
expect_out '"weights":	"sigma"' "sigma column -> weights sigma"
run vsl "$EX/vsl-nc1.csv" --model vsl1 --weights relative --format json
expect_rc 0 "--weights relative"; expect_out '"weights":	"relative"' "relative"

# outputs: CSV with every fitted curve, JSON file, plot
run vsl "$EX/vsl-nc1.csv" -o "$T/fit.csv" --plot "$T/fit.png"
expect_rc 0 "csv + plot"
nocomments "$T/fit.csv" | head -2 | grep -q 'L (cm),I (counts),sigma (counts),vsl1 fit' && ok || bad "csv header: $(head -2 "$T/fit.csv")"
[ "$(grep -vc '^#' "$T/fit.csv")" -eq 18 ] && ok || bad "csv rows"
[ -s "$T/fit.png" ] && ok || bad "plot written"
run vsl "$EX/vsl-nc1.csv" --model sat -o "$T/fit.json" --plot "$T/fit.svg"
expect_rc 0 "json + svg"
grep -q '"Is"' "$T/fit.json" && ok || bad "json file"
[ -s "$T/fit.svg" ] && ok || bad "svg written"

# spectrally resolved
run vsl --matrix "$EX/vsl-matrix.csv" --model vsl1 --format json --plot "$T/spec.png"
expect_rc 0 "--matrix"
for k in '"wavelength_nm":' '"g":' '"g_stderr":' '"converged_per_wavelength":' '"n_wavelengths":	121'; do
  expect_out "$k" "matrix: $k"
done
[ -s "$T/spec.png" ] && ok || bad "matrix plot"
run vsl --matrix "$EX/vsl-matrix.csv" --format json
expect_rc 0 "--matrix --model all"
expect_out '"recommended_per_wavelength":' "matrix all: recommendation per wavelength, separately"
expect_out '"g_recommended_per_wavelength":' "matrix all: g of the recommended model, separately"
expect_out '"model":	"vsl1",' "matrix all: one model (most often recommended) at every wavelength"
expect_out '"model_choice":' "matrix all: the choice explained"
expect_out '"spectra":' "matrix all: spectra of every model"
# the headline spectrum is that one model's g at every wavelength
run vsl --matrix "$EX/vsl-matrix.csv" --model vsl1 -o "$T/v1.csv"
run vsl --matrix "$EX/vsl-matrix.csv" -o "$T/all.csv"
diff <(grep -v '^#' "$T/v1.csv") <(grep -v '^#' "$T/all.csv") >/dev/null && ok || bad "matrix all: g(lambda) is not vsl1's at every wavelength"

# vsl2's A2 >= 0: on the NC1 example (no background) A2 sits on its bound,
# reported as not determined with the reason, never as a negative number
run vsl "$EX/vsl-nc1.csv" --model vsl2 --format json
expect_rc 0 "vsl2 A2 at bound: g still determined"
a2=$(printf '%s' "$OUT" | tr -d '\n\t ' | grep -o '"A2":{[^}]*}')
case "$a2" in *'"value":0,'*'"determined":false'*'"reason":"atitslowerbound(A2>=0)"'*'"at_bound":"lower","bound":0'*) ok ;; *) bad "A2 at bound: $a2" ;; esac
run vsl "$EX/vsl-nc1.csv" --model vsl2
expect_out "A2           at bound (A2 >= 0): best fit 0 counts/cm" "text: A2 at bound"

# sat-exact's alpha >= 0: on the same data alpha ends on its bound (the
# global optimum there is checked in unit test_vsl): at_bound in JSON,
# "at bound (alpha >= 0)" in text, and then g = gamma exactly
run vsl "$EX/vsl-nc1.csv" --model sat-exact --format json
al=$(printf '%s' "$OUT" | tr -d '\n\t ' | grep -o '"alpha":{[^}]*}')
case "$al" in *'"value":0,'*'"determined":false'*'"at_bound":"lower","bound":0'*) ok ;; *) bad "alpha at bound: $al" ;; esac
gm=$(printf '%s' "$OUT" | tr -d '\n\t ' | grep -o '"gamma":{"value":[-+0-9.eE]*' | sed 's/.*://')
gg=$(printf '%s' "$OUT" | tr -d '\n\t ' | grep -o '"g":{"value":[-+0-9.eE]*' | head -n1 | sed 's/.*://')
[ -n "$gm" ] && [ "$gm" = "$gg" ] && ok || bad "alpha at 0: g $gg != gamma $gm"
run vsl "$EX/vsl-nc1.csv" --model sat-exact
expect_out "alpha        at bound (alpha >= 0): best fit 0 cm^-1" "text: alpha at bound"

# a headline g the data do not determine (flat data, noise): value and
# uncertainty separately, "not determined", determined false, exit 1
printf 'L (cm),I,sigma\n0.05,10,3\n0.1,12,3\n0.15,9,3\n0.2,11,3\n0.25,10,3\n0.3,9.5,3\n' >"$T/flat.csv"
run vsl "$T/flat.csv" --model vsl1 --format json
expect_rc 1 "undetermined g -> exit 1"
expect_out '"determined":	false' "undetermined g -> determined false"
run vsl "$T/flat.csv" --model vsl1
expect_rc 1 "undetermined g (text) -> exit 1"
expect_out "g            not determined (standard error exceeds |value|): value" "text: g not determined"


# fit-window scan: g versus Lmax with its band and the longest valid range;
# on the NC1 example (saturating at the longest stripes) the range stops
# before the last point
run vsl "$EX/vsl-nc1.csv" --window-scan --format json -o "$T/ws.csv" --plot "$T/ws.png"
expect_rc 0 "--window-scan"
for k in '"analysis":	"window-scan"' '"Lmax_cm":' '"g_band95_lo":' '"g_band95_hi":' '"model_holds":' '"longest_valid_range":'; do
  expect_out "$k" "window scan: $k"
done
lmax=$(printf '%s' "$OUT" | tr -d '\n\t ' | grep -o '"longest_valid_range":{"Lmax_cm":[^,]*' | sed 's/.*://')
awk -v l="$lmax" 'BEGIN { exit !(l > 0.2 && l < 0.45) }' && ok || bad "window scan: longest range $lmax not inside (0.2, 0.45) cm"
[ -s "$T/ws.png" ] && ok || bad "window scan plot"
grep -v '^#' "$T/ws.csv" | head -1 | grep -q 'Lmax (cm),g (cm^-1)' && ok || bad "window scan csv"
run vsl "$EX/vsl-nc1.csv" --window-scan
expect_out "longest range where vsl1 holds: L <= " "window scan text"
expect_input_error "--window-scan works on one data set" "window scan with matrix" -- vsl --matrix "$EX/vsl-matrix.csv" --window-scan

# threshold and saturation lengths (gk_vsl_lengths_compute, in fluence.h).
# jval KEY: the "value" of the JSON object KEY in $OUT
jval() { printf '%s' "$OUT" | tr -d '\n\t ' | grep -o "\"$1\":{\"value\":[^,}]*" | head -1 | sed 's/.*://'; }
# noise-free vsl1 data I = (A/g)(e^{gL} - 1), g = 30 cm^-1, 1 % sigmas: the
# documented threshold length solves e^{gL} - 1 = 2 g L, i.e. L_th = x/g
# with x the root of e^x - 1 = 2x (bisection here, independent of the
# library's Newton); every stripe follows vsl1, so L_ss is "not reached"
awk 'BEGIN { print "L (cm),I (counts),sigma (counts)";
  for (i = 0; i < 25; i++) { L = 0.01 + 0.29 * i / 24; I = 500 / 30 * (exp(30 * L) - 1);
    printf "%.10g,%.12g,%.6g\n", L, I, 0.01 * I + 1 } }' >"$T/len1.csv"
xth=$(awk 'BEGIN { a = 0.5; b = 3; for (i = 0; i < 200; i++) { m = (a + b) / 2; if (exp(m) - 1 - 2 * m > 0) b = m; else a = m } printf "%.15g", (a + b) / 2 }')
run vsl "$T/len1.csv" --model vsl1 --format json
expect_rc 0 "lengths: vsl1 data"
lth=$(jval threshold_length_cm)
awk -v l="$lth" -v x="$xth" 'BEGIN { e = x / 30; exit !(l != "" && (l - e) / e < 1e-6 && (e - l) / e < 1e-6) }' \
  && ok || bad "L_th = $lth, closed form x/g = $xth/30"
printf '%s' "$OUT" | tr -d '\n\t ' | grep -q '"saturation_length_cm":{"value":null,"stderr":null,"determined":false,"reason":"notreached[^"]*","definition":"[^"]*","lower_bound":0.3}' \
  && ok || bad "L_ss not reached on vsl1 data: $OUT"
expect_out '"n_points":	25' "lengths: every stripe in the small-signal range"
! printf '%s' "$OUT" | grep -qE '\b(nan|-?inf|NaN|Infinity)\b' && ok || bad "lengths JSON has nan/inf"
run vsl "$T/len1.csv" --model vsl1 -o "$T/len1-fit.csv"
expect_out "threshold length L_th     418.8 ± 0.5 um" "lengths text in um (x/30 = 418.81 um)"
expect_out "saturation length L_ss    not determined (not reached" "lengths text: not reached"
grep -q '^# threshold length L_th (cm): 0.04188' "$T/len1-fit.csv" && ok || bad "L_th in the CSV: $(grep '^#' "$T/len1-fit.csv")"
grep -q '^# saturation length L_ss: not determined (not reached' "$T/len1-fit.csv" && ok || bad "L_ss in the CSV"
# without a sigma column L_th still comes from every stripe; L_ss needs sigma
awk -F, 'NR == 1 { print "L (cm),I (counts)"; next } { print $1 "," $2 }' "$T/len1.csv" >"$T/len1ns.csv"
run vsl "$T/len1ns.csv" --model vsl1 --format json
lth=$(jval threshold_length_cm)
awk -v l="$lth" -v x="$xth" 'BEGIN { e = x / 30; exit !(l != "" && (l - e) / e < 1e-6 && (e - l) / e < 1e-6) }' \
  && ok || bad "L_th without sigma = $lth, closed form $xth/30"
expect_out '"reason":	"needs a sigma column' "L_ss without sigma: null + reason"
# noise-free sat data (Eq. 3, g = 40 cm^-1, A = 1000, Is = 2e4, 1 % sigmas,
# I up to 5 Is): the sat fit's L(I = Is) equals the closed form
# 1/k + g/k^2 ln(1 + k Is/A), k = g + A/Is, and vsl1 stops holding before it
awk 'BEGIN { g = 40; A = 1000; Is = 2e4; k = g + A / Is; print "L (cm),I (counts),sigma (counts)";
  for (i = 0; i < 30; i++) { I = 20 * exp(log(1e5 / 20) * i / 29); L = (I / Is) / k + g / (k * k) * log(1 + k * I / A);
    printf "%.12g,%.12g,%.6g\n", L, I, 0.01 * I } }' >"$T/lensat.csv"
lis=$(awk 'BEGIN { g = 40; A = 1000; Is = 2e4; k = g + A / Is; printf "%.15g", 1 / k + g / (k * k) * log(1 + k * Is / A) }')
run vsl "$T/lensat.csv" --format json
expect_rc 0 "lengths: sat data"
lsm=$(jval saturation_length_model_cm); lss=$(jval saturation_length_cm); lth=$(jval threshold_length_cm)
awk -v l="$lsm" -v e="$lis" 'BEGIN { exit !(l != "" && (l - e) / e < 1e-4 && (e - l) / e < 1e-4) }' \
  && ok || bad "sat-fit L(Is) = $lsm, closed form $lis"
awk -v s="$lss" -v e="$lis" -v t="$lth" 'BEGIN { exit !(s != "" && s != "null" && s > t && s < e) }' \
  && ok || bad "L_ss = $lss not between L_th = $lth and L(Is) = $lis"
# L_th from the small-signal gain (near the true 40 cm^-1): within 5 % of x/40
awk -v l="$lth" -v x="$xth" 'BEGIN { e = x / 40; exit !(l != "" && (l - e) / e < 0.05 && (e - l) / e < 0.05) }' \
  && ok || bad "sat data: L_th = $lth, x/40 = $xth/40"
run vsl "$T/lensat.csv"
expect_out "saturation length L_ss    1.1" "L_ss text in mm"

# a constant offset (800 counts under g = 30 cm^-1, deterministic +-1 sigma
# scatter): suggested without --offset, recovered with it
awk 'BEGIN { print "L (cm),I (counts),sigma (counts)";
  for (i = 0; i < 25; i++) { L = 0.02 + 0.28 * i / 24; I = 400 / 30 * (exp(30 * L) - 1) + 800; s = 0.02 * I + 20;
    printf "%.6g,%.8g,%.6g\n", L, I + s * sin(7 * i), s } }' >"$T/offset.csv"
run vsl "$T/offset.csv" --model vsl1 --format json
expect_out '"offset_suggested":	true' "offset suggested when the L -> 0 extrapolation is significant"
expect_err "rerun with --offset" "offset suggestion warned"
run vsl "$T/offset.csv" --model vsl1 --offset --format json
expect_rc 0 "--offset"
expect_out '"offset":	true' "--offset in JSON"
g=$(printf '%s' "$OUT" | tr -d '\n\t ' | grep -o '"g":{"value":[^,]*,"stderr":[^,}]*' | head -1)
val=${g#*\"value\":}; val=${val%%,*}; se=${g##*\"stderr\":}
awk -v v="$val" -v s="$se" 'BEGIN { exit !(v - 30 < 3 * s && 30 - v < 3 * s && s > 0) }' && ok || bad "--offset: g = $val +- $se not within 3 se of 30"
expect_out '"I0":	{' "--offset: I0 reported"
run vsl "$T/offset.csv" --offset
expect_out "I0 " "--offset: I0 in text"

# valid data but no fit: decreasing intensity has no vsl1 solution
printf 'L (cm),I\n0.1,5\n0.2,4\n0.3,3\n0.4,2\n0.5,1\n' >"$T/dec.csv"
run vsl "$T/dec.csv" --model vsl1 --format json
expect_rc 1 "no fit -> exit 1"
expect_out '"converged":	false' "no fit -> converged false, output printed"

# bad input: exit 2, file:line, nothing written
printf 'L,I\n0.1,0\n0.2,0\n0.3,0\n0.4,0\n' >"$T/zero.csv"
expect_input_error "zero.csv:2: all intensities are zero" "all-zero intensity" -- vsl "$T/zero.csv"
printf 'L,I\n0.1,1\n0.2,2\n0.2,3\n0.4,4\n0.5,5\n' >"$T/dup.csv"
# repeated and unordered stripe lengths are sorted / averaged with a note (issue 13)
run vsl "$T/dup.csv" --model vsl1; [ "$RC" -ne 2 ] && ok || bad "duplicate length averaged: exit $RC"
expect_err "1 repeated value averaged \\(4 distinct x from 5 rows\\)" "duplicate length note"
expect_out "4 points" "duplicate length: 4 points after averaging"
printf 'L,I\n0.1,1\n0.3,2\n0.2,3\n0.4,4\n0.5,5\n' >"$T/noninc.csv"
run vsl "$T/noninc.csv" --model vsl1; [ "$RC" -ne 2 ] && ok || bad "unordered lengths sorted: exit $RC"
expect_err "not in order in the file; sorted increasing" "unordered lengths note"
printf 'L,I\n-0.1,1\n0.3,2\n0.4,3\n0.5,4\n0.6,5\n' >"$T/neg.csv"
expect_input_error "neg.csv:2: negative stripe length" "negative length" -- vsl "$T/neg.csv"
printf 'L,I\n0.1,1\n0.2,2\n0.3,4\n' >"$T/three.csv"
expect_input_error "three.csv: 3 points are fewer than the 4 parameters" "fewer points than parameters" -- vsl "$T/three.csv"
printf 'L,I\n0.1,1\n0.2,2\n' >"$T/two.csv"
expect_input_error "two.csv: 2 points are fewer than the 3 parameters of vsl2" "fewer points, vsl2" -- vsl "$T/two.csv" --model vsl2
expect_input_error "--range: .* leaves 2 points" "range leaves too few" -- vsl "$EX/vsl-nc1.csv" --model vsl2 --range 0.5:0.8
# sat-exact on a plateau that fixes only gamma - alpha (the matrix example at
# 534.5 nm: se(gamma), se(alpha) ~ 1.7e9 cm^-1): var(g) = var(gamma) +
# var(alpha) - 2 cov is then below the rounding of its own terms (one build
# printed "g 15.68 cm^-1" with se 0, another se 32 - both noise). g must be
# "not determined", or carry a se above that rounding level (> 1e-6 se(gamma)).
{ echo 'L (cm),I'
  row=$(grep '^534.5,' "$EX/vsl-matrix.csv")
  paste -d, <(grep -v '^#' "$EX/vsl-matrix.csv" | head -1 | tr ',' '\n' | tail -n +2) \
            <(printf '%s\n' "$row" | tr ',' '\n' | tail -n +2); } > "$T/w5345.csv"
run vsl "$T/w5345.csv" --model sat-exact --format json
c=$(printf '%s' "$OUT" | tr -d '\n\t ')
gse=$(printf '%s' "$c" | grep -o '"g":{"value":[^}]*' | grep -o '"stderr":[^,}]*' | head -1); gse=${gse#*:}
gamse=$(printf '%s' "$c" | grep -o '"gamma":{"value":[^}]*' | grep -o '"stderr":[^,}]*' | head -1); gamse=${gamse#*:}
gdet=$(printf '%s' "$c" | grep -o '"g":{"value":[^}]*' | grep -o '"determined":[a-z]*' | head -1)
if [ "$gse" = null ]; then
  [ "$gdet" = '"determined":false' ] && ok || bad "sat-exact plateau: g without stderr but $gdet"
else
  awk -v s="$gse" -v G="$gamse" 'BEGIN { exit !(s > 1e-6 * G) }' && ok \
    || bad "sat-exact plateau: se(g) = $gse is rounding noise next to se(gamma) = $gamse"
fi

expect_input_error "--weights: 'sigma' needs a sigma column" "sigma weights without sigma" -- vsl "$T/dec.csv" --weights sigma
expect_input_error "--model: 'vsl3'" "unknown model" -- vsl "$EX/vsl-nc1.csv" --model vsl3
expect_input_error "--length-unit" "bad length unit" -- vsl "$EX/vsl-nc1.csv" --length-unit furlong
expect_input_error "missing FILE" "no file" -- vsl
finish
