#!/usr/bin/env bash
# gainkit threshold: the bundled examples (series with known thresholds,
# spectra), output forms, and bad input.
source "$GK_SOURCE_DIR/tests/cli/lib.sh"
EX="$SRC/examples"
SER="$EX/threshold-series.csv"
SPEC="$EX/threshold-spectra.csv"

# csv_comment FILE KEY -> "value se" from "# KEY: value +- se unit"
csv_comment() { awk -v k="# $2:" 'index($0, k) == 1 { print $3, $5; exit }' "$1"; }
# expect_json KEY VALUE DESC: "KEY": VALUE in the (pretty, tab-indented) JSON
expect_json() { if printf '%s' "$OUT" | grep -qE "\"$1\":[[:space:]]*$2"; then ok; else bad "$3: no \"$1\": $2"; fi; }
# within VALUE SE TRUE N: |value - true| <= N se
within() { awk -v v="$1" -v s="$2" -v t="$3" -v n="$4" 'BEGIN { d = v - t; if (d < 0) d = -d; exit !(s > 0 && d <= n * s) }'; }

# ---- series with known thresholds (generator: kink 32, FWHM step 34 uJ/cm2)
run threshold "$SER" -o "$T/s.csv"
expect_rc 0 "series"
expect_out "pump in uJ/cm2" "text names the pump unit"
expect_out "Thresholds:" "text lists thresholds"
read -r kv ks <<<"$(csv_comment "$T/s.csv" kink_threshold)"
if within "$kv" "$ks" 32 3; then ok; else bad "kink $kv ± $ks not within 3 se of 32"; fi
read -r fv fs <<<"$(csv_comment "$T/s.csv" fwhm_threshold)"
if within "$fv" "$fs" 34 3; then ok; else bad "fwhm $fv ± $fs not within 3 se of 34"; fi
# lines is out of the default set (issue 14: ~4x above the kink on the
# bundled spectra); by name or with all
grep -q lines_threshold "$T/s.csv" && bad "lines ran by default" || ok
run threshold "$SER" --method all -o "$T/s-all.csv"
read -r lv _ <<<"$(csv_comment "$T/s-all.csv" lines_threshold)"
# the linear-scale construction is dominated by the steep upper points: it
# lands above the onset but inside the measured range
if awk -v v="$lv" 'BEGIN { exit !(v > 20 && v < 250) }'; then ok; else bad "lines $lv outside the data"; fi
[ "$(grep -vc '^#' "$T/s.csv")" -eq 17 ] && ok || bad "CSV has header + 16 rows"
nocomments "$T/s.csv" | head -n 5 | grep -q '^pump (uJ/cm2),' && ok || bad "CSV header carries the pump unit"

run threshold "$SER" --format json
expect_rc 0 "series json"
expect_json command '"threshold"' "json command"
expect_json pump_unit '"uJ/cm2"' "json pump unit"
expect_out '"kink"' "json kink"
expect_json determined true "json: kink determined"
expect_out '"fwhm_nm"' "json series fwhm"
if printf '%s' "$OUT" | grep -q '"peak_nm"'; then bad "peak_nm only with --spectra"; else ok; fi

run threshold "$SER" --method kink --format json
expect_rc 0 "kink only"
if printf '%s' "$OUT" | grep -q '"lines"'; then bad "--method kink ran lines"; else ok; fi

# two columns: no FWHM; --method all skips fwhm, --method fwhm is an error
cut -d, -f1,2 "$SER" >"$T/two.csv"
run threshold "$T/two.csv" --format json
expect_rc 0 "two columns"
if printf '%s' "$OUT" | grep -q '"fwhm"'; then bad "fwhm without widths"; else ok; fi
expect_input_error "needs a FWHM column" "fwhm without widths" -- threshold "$T/two.csv" --method fwhm

# ---- spectra
run threshold "$SPEC" --spectra --baseline 10 --window 490:590 --format json -o "$T/sp.csv"
expect_rc 0 "spectra"
expect_out '"peak_nm"' "json has peak_nm"
expect_out '"peak_intensity"' "json has the peak intensity"
expect_json pump_unit '"uJ/cm2"' "unit from the corner cell"
[ "$(grep -vc '^#' "$T/sp.csv")" -eq 17 ] && ok || bad "spectra CSV rows"
# FWHM collapse: first spectrum broad (> 15 nm), last narrow (< 6 nm)
awk -F, '!/^#/ && NR > 1 && $1 + 0 > 0 { w[++n] = $4 } END { exit !(w[1] > 15 && w[n] < 6) }' "$T/sp.csv" \
  && ok || bad "FWHM does not collapse from >15 to <6 nm"
read -r kv ks <<<"$(csv_comment "$T/sp.csv" kink_threshold)"
read -r fv fs <<<"$(csv_comment "$T/sp.csv" fwhm_threshold)"
# kink onset and FWHM midpoint both sit in the 10..40 uJ/cm2 region where
# the generator's gain-length product crosses ~1..5
if awk -v a="$kv" -v b="$fv" 'BEGIN { exit !(a > 8 && a < 40 && b > 8 && b < 40) }'; then ok; else bad "spectra thresholds kink $kv fwhm $fv"; fi

# the same spectra with the wavelength axis reversed give the same table
{ grep '^#' "$SPEC"; grep -v '^#' "$SPEC" | head -n 1; grep -v '^#' "$SPEC" | tail -n +2 | tac; } >"$T/rev.csv"
run threshold "$T/rev.csv" --spectra --baseline 10 --window 490:590 -o "$T/rev-out.csv"
expect_rc 0 "reversed wavelengths"
if diff <(grep -v '^#' "$T/sp.csv") <(grep -v '^#' "$T/rev-out.csv") >/dev/null; then ok; else bad "reversed axis changes the result"; fi

# a window that cuts the narrow line: flagged, warned, FWHM null
run threshold "$SPEC" --spectra --baseline 10 --window 480:535 --format json
expect_err "outside window" "warns about crossings outside the window"
expect_out '"fwhm_flag"' "json flags the spectrum"
expect_json fwhm_nm null "flagged FWHM is null"

# ---- plot
# (PLplot's fontconfig/libltdl process-lifetime allocations are suppressed
# for LeakSanitizer by tests/lsan.supp, set for every test by CMake)
if run threshold "$SPEC" --spectra --baseline 10 --plot "$T/th.svg"; [ "$RC" -eq 0 ] && [ -s "$T/th.svg" ]; then ok; else bad "plot not written (rc $RC): $ERR"; fi

# a straight line: the two lines are parallel -> no threshold, exit 1 with
# the output still printed and "converged": false
printf 'pump (mJ/cm2),intensity\n' >"$T/straight.csv"
for i in 1 2 3 4 5 6 7 8; do echo "$i,$((3 * i + 1))" >>"$T/straight.csv"; done
run threshold "$T/straight.csv" --method lines --format json
expect_rc 1 "parallel lines"
expect_json converged false "not converged"
expect_json pump_unit '"mJ/cm2"' "another pump unit passes through"
expect_err "parallel" "warns about parallel lines"

# a power law with a flat FWHM: neither a break nor a step -> exit 1
printf 'pump (uJ/cm2),intensity,fwhm (nm)\n' >"$T/flat.csv"
for i in 1 2 3 4 5 6 7 8; do echo "$i,$((10 * i * i)),$((20 + i % 2)).0" >>"$T/flat.csv"; done
run threshold "$T/flat.csv" --method kink --format json
expect_rc 1 "power law: kink not determined"
expect_err "kink: break point not determined" "says why"
run threshold "$T/flat.csv" --method fwhm --format json
expect_rc 1 "flat FWHM: step not determined"
expect_err "fwhm: " "says why"

# ---- bad input
head -n 12 "$SER" >"$T/five.csv"   # 6 comment lines, header, 5 points
expect_input_error "at least 6 points" "five points" -- threshold "$T/five.csv"
sed 's/^9.146,/-9.146,/' "$SER" >"$T/negpump.csv"
expect_input_error "negpump.csv:[0-9]+: pump -9.146 is not positive" "negative pump" -- threshold "$T/negpump.csv"
sed 's/^12.05,343.97/12.05,-343.97/' "$SER" >"$T/negint.csv"
expect_input_error "negint.csv:[0-9]+: intensity .* not positive" "negative intensity" -- threshold "$T/negint.csv" --method kink
run threshold "$T/negint.csv" --method lines
expect_rc 0 "lines accepts a negative intensity"
sed 's/$/,1/' "$SER" | sed 's/^#.*,1$//' >"$T/four.csv"
expect_input_error "4 column" "four columns" -- threshold "$T/four.csv"
sed 's/^20.91,700.6/20.91,abc/' "$SER" >"$T/text.csv"
expect_input_error "text.csv:[0-9]+:" "non-numeric cell" -- threshold "$T/text.csv"
expect_input_error "no-such" "missing file" -- threshold "$T/no-such.csv"
expect_input_error "--method" "bad method" -- threshold "$SER" --method slope
expect_input_error "add --spectra" "window without spectra" -- threshold "$SER" --window 500:560
expect_input_error "--window" "window outside the spectra" -- threshold "$SPEC" --spectra --window 700:800
expect_input_error "--window" "reversed window" -- threshold "$SPEC" --spectra --window 560:500
expect_input_error "--baseline" "too many baseline points" -- threshold "$SPEC" --spectra --baseline 100000
expect_input_error "--baseline" "bad baseline" -- threshold "$SPEC" --spectra --baseline abc
expect_input_error "--baseline" "zero baseline points" -- threshold "$SPEC" --spectra --baseline 0
expect_input_error "not positive" "baseline above the signal" -- threshold "$SPEC" --spectra --baseline 1e9 --method kink
expect_input_error "missing input" "no file" -- threshold
run threshold "$SER" --plot "$T/x.gif"
expect_rc 2 "bad plot extension"

# ---- issue 14/22 ------------------------------------------------------------
# lines on 100 000 points: O(n) (the old search took 40 s at 40 000); an
# exact two-line series y = 1 + x below 50, 51 + 9 (x - 50) above: the
# lines meet at 50 (closed form). No timing asserted.
awk 'BEGIN { print "pump (uJ/cm2),intensity"; for (i = 0; i < 100000; i++) { x = 1 + i * 0.001;
  y = x < 50 ? 1 + x : 51 + 9 * (x - 50); printf "%.6f,%.6f\n", x, y } }' >"$T/big.csv"
run threshold "$T/big.csv" --method lines --format json
expect_rc 0 "lines on 1e5 points"
lv=$(printf '%s' "$OUT" | awk -F'[:,]' '/"lines"/ { f = 1 } f && /"value"/ { gsub(/[ \t]/, "", $2); print $2; exit }')
if awk -v v="$lv" 'BEGIN { d = v - 50; exit !(d < 1e-3 && d > -1e-3) }'; then ok; else bad "lines on 1e5 points: $lv, expected 50"; fi

# --range / --max-pump: points outside are left out and counted
run threshold "$SER" --range 10:100 --format json
expect_rc 0 "--range"
expect_json n_excluded 8 "--range 10:100 leaves out 8 of 16"
run threshold "$SER" --range 10uJ/cm2:0.1mJ/cm2 --format json
expect_rc 0 "--range with unit suffixes"
expect_json n_excluded 8 "--range 10uJ/cm2:0.1mJ/cm2 = 10:100 uJ/cm2"
run threshold "$SER" --max-pump 0.1mJ/cm2 --format json
expect_rc 0 "--max-pump with a unit"
expect_json n_excluded 4 "--max-pump 100 uJ/cm2 leaves out the 4 highest"
run threshold "$SER" --max-pump 100
expect_out "4 of 16 points excluded" "text says how many were excluded"
expect_input_error "--range" "reversed range" -- threshold "$SER" --range 100:10
expect_input_error "--range" "range without colon" -- threshold "$SER" --range 100
expect_input_error "--max-pump" "max pump not a number" -- threshold "$SER" --max-pump abc

# a saturating S-curve (slope 1, 4 above 30, 1 again above 150): the kink
# stays at 30 (it was pulled to ~23), the saturation is reported
awk 'BEGIN { srand(5); print "pump (uJ/cm2),intensity"; x1 = log(30)/log(10); x2 = log(150)/log(10);
  for (i = 0; i < 30; i++) { p = 4 * 100^(i / 29); x = log(p)/log(10);
    c = x < x1 ? x1 : (x > x2 ? x2 : x); y = 2 + (x < x1 ? x - x1 : 0) + 4 * (c - x1) + (x > x2 ? x - x2 : 0);
    printf "%.6g,%.6g\n", p, 10^y } }' >"$T/sat.csv"
run threshold "$T/sat.csv" --format json -o "$T/sat-out.csv"
expect_rc 0 "saturating S-curve"
read -r kv ks <<<"$(csv_comment "$T/sat-out.csv" kink_threshold)"
if within "$kv" "$ks" 30 3 && awk -v v="$kv" 'BEGIN { exit !(v > 28 && v < 32) }'; then ok; else bad "saturating kink $kv ± $ks, truth 30"; fi
expect_out '"saturation_pump"' "saturation reported"
expect_err "saturates above" "saturation warned"

# slope above the break lower than below: no ASE threshold, exit 1
awk 'BEGIN { print "pump (uJ/cm2),intensity"; for (i = 0; i < 16; i++) { p = 3 * 100^(i / 15); x = log(p)/log(10) - log(30)/log(10);
  printf "%.6g,%.6g\n", p, 10^(2 + (x < 0 ? 2 * x : 0.8 * x)) } }' >"$T/sub.csv"
run threshold "$T/sub.csv" --format json
expect_rc 1 "no threshold: exit 1"
expect_json determined false "no threshold: determined false"
expect_out "no ASE threshold" "no threshold: reason"
run threshold "$T/sub.csv"
expect_out "none: log-log slope above" "text says none"

# a FWHM step sharper than the pump spacing (20 -> 4 nm between two pumps):
# the logistic width ends on its lower bound, median log10 spacing / 8 =
# (2/15)/8; the curve says so (at_bound), the step is flagged unresolved,
# and the threshold's uncertainty covers the interval holding the truth 30
awk 'BEGIN { print "pump (uJ/cm2),intensity,fwhm (nm)"; for (i = 0; i < 16; i++) { p = 3 * 100^(i / 15); x = log(p)/log(10) - log(30)/log(10);
  printf "%.6g,%.6g,%.4g\n", p, 10^(2 + (x < 0 ? x : 4 * x)), (p < 30 ? 20 : 4) + 0.1 * sin(3 * i) } }' >"$T/step.csv"
run threshold "$T/step.csv" --format json
expect_rc 0 "sharp FWHM step"
fj=$(printf '%s' "$OUT" | tr -d '\n\t ' | grep -o '"fwhm":{"value".*"at_bound":{[^}]*}')
case "$fj" in *'"step_resolved":false'*'"s":0.01666'*'"at_bound":{"s":"lower"}'*) ok ;; *) bad "FWHM step width at its bound: $fj" ;; esac
read -r fv fs <<<"$(printf '%s' "$fj" | sed -n 's/^"fwhm":{"value":\([-+0-9.eE]*\),"stderr":\([-+0-9.eE]*\).*/\1 \2/p')"
within "$fv" "$fs" 30 1 && ok || bad "sharp step: $fv +- $fs, truth 30"

# spectra: automatic baseline reported (the generator's dark offset is 100
# counts), the peak-wavelength method runs by default with its wavelength
run threshold "$SPEC" --spectra --window 490:590 --format json
expect_rc 0 "spectra, defaults"
bm=$(printf '%s' "$OUT" | awk -F'[:,]' '/"baseline":[ \t]*\{/ { f = 1 } f && /"mean"/ { gsub(/[ \t]/, "", $2); print $2; exit }')
if awk -v v="$bm" 'BEGIN { exit !(v > 95 && v < 105) }'; then ok; else bad "automatic baseline $bm, generator offset 100"; fi
expect_out '"peak":' "peak-wavelength method by default with spectra"
expect_out '"wavelength_nm"' "peak method names its wavelength"
run threshold "$SPEC" --spectra --window 490:590
expect_out "baseline: automatic" "text reports the baseline"
# the peak-wavelength method against a known break: spectra of one shape
# (Gaussian at 530 nm, FWHM 12 nm) whose amplitude is a two-slope power law
# in the pump (slopes 1 and 4, break at 30 uJ/cm2): the intensity at the
# peak wavelength breaks at 30 exactly
awk 'BEGIN { np = 16; printf "wavelength (nm) \\ pump (uJ/cm2)"; for (j = 0; j < np; j++) { p[j] = 3 * 100^(j / (np - 1)); printf ",%.6g", p[j] } print "";
  x1 = log(30) / log(10);
  for (w = 480; w <= 580; w += 0.5) { printf "%g", w; for (j = 0; j < np; j++) { x = log(p[j]) / log(10); a = 10^(2 + (x < x1 ? x - x1 : 4 * (x - x1)));
    printf ",%.8g", a * exp(-4 * log(2) * ((w - 530) / 12)^2) } print "" } }' >"$T/pk.csv"
run threshold "$T/pk.csv" --spectra --method peak --format json
expect_rc 0 "peak method on a known break"
pk=$(printf '%s' "$OUT" | tr -d '\n\t ' | sed -n 's/.*"peak":{"value":\([-+0-9.eE]*\),"stderr":\([-+0-9.eE]*\).*/\1 \2/p')
read -r pv ps <<<"$pk"
if within "$pv" "$ps" 30 3 && awk -v v="$pv" 'BEGIN { exit !(v > 29.99 && v < 30.01) }'; then ok; else bad "peak method $pv +- $ps, truth 30"; fi
expect_out '"wavelength_nm":	530' "peak method at the spectra's peak, 530 nm"
expect_input_error "needs spectra" "peak without spectra" -- threshold "$SER" --method peak
expect_input_error "add --spectra" "smooth without spectra" -- threshold "$SER" --smooth 5

# kink and fwhm on 100 000 points (issue 22: the fwhm fit ran one full fit
# per interval, O(n²)): a kink at 30 (slopes 1, 3.5) and a FWHM step at 30
awk 'BEGIN { srand(3); print "pump (uJ/cm2),intensity,fwhm (nm)"; for (i = 0; i < 100000; i++) { p = 4 * 100^(i / 99999);
  x = log(p)/log(10) - log(30)/log(10); y = 2 + (x < 0 ? x : 3.5 * x) + 0.03 * (rand() - 0.5);
  w = 4 + 21 / (1 + exp(x / 0.05)) + 0.3 * (rand() - 0.5); printf "%.6g,%.6g,%.4f\n", p, 10^y, w } }' >"$T/big3.csv"
run threshold "$T/big3.csv" -o "$T/big3-out.csv"
expect_rc 0 "kink and fwhm on 1e5 points"
read -r kv ks <<<"$(csv_comment "$T/big3-out.csv" kink_threshold)"
read -r fv fs <<<"$(csv_comment "$T/big3-out.csv" fwhm_threshold)"
if awk -v a="$kv" -v b="$fv" 'BEGIN { exit !(a > 29.9 && a < 30.1 && b > 29.9 && b < 30.1) }'; then ok; else bad "1e5 points: kink $kv, fwhm $fv (truth 30)"; fi

finish
