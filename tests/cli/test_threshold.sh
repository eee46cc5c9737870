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
read -r lv _ <<<"$(csv_comment "$T/s.csv" lines_threshold)"
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
expect_out '"lines"' "json lines"
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
finish
