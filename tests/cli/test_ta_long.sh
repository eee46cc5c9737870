#!/usr/bin/env bash
# gainkit ta --long: the long-format example gives exactly the numbers of
# the one-file-per-delay form, whatever the row and column order; bad long
# files and contradictory flags are input errors with file:line.
source "$GK_SOURCE_DIR/tests/cli/lib.sh"
EX=$SRC/examples
G=$EX/ta/ground.csv
files=(); for f in "$EX"/ta/delta_*ps.csv; do files+=(--delta "$f"); done

# the bundled example both ways: byte-identical JSON
args=(--probe 537 --delay 4ps --gain-fit --format json)
run ta --ground "$G" "${files[@]}" "${args[@]}"; expect_rc 0 "several files"; ref=$OUT; ref0=$OUT
run ta --ground "$G" --long "$EX/ta-long.csv" "${args[@]}"; expect_rc 0 "long"
[ "$(noprov "$OUT")" = "$(noprov "$ref")" ] && ok || bad "long-format JSON differs from the several-files JSON"
expect_out '"gain_lifetime_s"' "long: per-delay analysis"
expect_out '"delays_s"' "long: delays"

# rows shuffled (sorted by the dod text), columns reordered, other header spellings
{ echo 'dOD,N,Delay (ps),Wavelength (nm)'
  grep -v '^#' "$EX/ta-long.csv" | tail -n +2 | sort -t, -k4 | awk -F, '{print $4","$3","$2","$1}'
} >"$T/shuffled.csv"
run ta --ground "$G" --long "$T/shuffled.csv" "${args[@]}"; expect_rc 0 "shuffled"
[ "$(noprov "$OUT")" = "$(noprov "$ref")" ] && ok || bad "shuffled long file gives other numbers"
# text form, automatic probe, first delay
run ta --ground "$G" "${files[@]}"; ref_text=$OUT
run ta --ground "$G" --long "$T/shuffled.csv"
[ "$OUT" = "$ref_text" ] && ok || bad "text output differs: $OUT"

# pump column with a fluence unit: same path as a matrix corner 'pump (uJ/cm2)'
sed 's/^wavelength (nm) \\ <N>/wavelength (nm) \\ pump (uJ\/cm2)/' "$EX/ta/delta_04ps.csv" >"$T/fl.csv"
{ echo 'wavelength (nm),delay (ps),pump (uJ/cm2),dod'; grep '^[0-9.]*,4,' "$EX/ta-long.csv"; } >"$T/fl_long.csv"
fl=(--cross-section 5e-15 --pump-wavelength 400 --format json)
run ta --ground "$G" --delta "$T/fl.csv" "${fl[@]}"; expect_rc 0 "fluence matrix"; ref=$OUT
run ta --ground "$G" --long "$T/fl_long.csv" "${fl[@]}"; expect_rc 0 "fluence long"
[ "$(noprov "$OUT")" = "$(noprov "$ref")" ] && ok || bad "fluence long form differs"
expect_input_error "fl_long.csv:1: .*--cross-section" "fluence without cross-section" -- ta --ground "$G" --long "$T/fl_long.csv"

# bad long files
L=$EX/ta-long.csv
{ cat "$L"; sed -n 3p "$L"; } >"$T/dup.csv"
n=$(wc -l <"$T/dup.csv")
expect_input_error "dup.csv:$n: duplicate row for wavelength 505 nm, delay 1 ps, pump 0.1 \(also on line 3\)" \
  "duplicate triple" -- ta --ground "$G" --long "$T/dup.csv"
sed 10d "$L" >"$T/hole.csv"   # 505 nm, 1 ps, <N> 0.8; that block then starts on line 29
expect_input_error "hole.csv:29: delay 1 ps, pump 0.8: no row for wavelength 505 nm \(the grid has that wavelength from line 3\)" \
  "incomplete grid" -- ta --ground "$G" --long "$T/hole.csv"
sed '5s/,0.3,/,abc,/' "$L" >"$T/cell.csv"
expect_input_error "cell.csv:5: .*'abc' is not a number" "bad cell" -- ta --ground "$G" --long "$T/cell.csv"
sed '2s/,dod$//' "$L" | cut -d, -f1-3 >"$T/nodod.csv"
expect_input_error "nodod.csv:2: no dod column" "missing column" -- ta --ground "$G" --long "$T/nodod.csv"
sed '2s/delay (ps)/delay/' "$L" >"$T/nounit.csv"
expect_input_error "nounit.csv:2: .*has no unit.*or give --time-unit" "delay without unit" -- ta --ground "$G" --long "$T/nounit.csv"
# --time-unit names the unit the header does not: the same numbers as "delay (ps)"
run ta --ground "$G" --long "$T/nounit.csv" --time-unit ps "${args[@]}"; expect_rc 0 "--time-unit ps"
[ "$(noprov "$OUT")" = "$(noprov "$ref0")" ] && ok || bad "--long without a delay unit + --time-unit ps differs"
# delays of 1..64 "s" (the unit given, wrongly): a warning naming the value and the unit that fits
run ta --ground "$G" --long "$T/nounit.csv" --time-unit s "${args[@]}"
expect_err "warning: .*nounit.csv:[0-9]+: column 'delay': 64 s is outside the plausible time range.*did you mean ns\\?" "implausible delays"
expect_input_error "--time-unit: 'kg' is not a unit of time" "--time-unit not a time" -- ta --ground "$G" --long "$T/nounit.csv" --time-unit kg
# a bare '# delay: 4' in a --delta file is never seconds: refused, or read in --time-unit
bare=(); for f in "$EX"/ta/delta_*ps.csv; do b="$T/bare_$(basename "$f")"; sed 's/^# delay: \([0-9.]*\) ps$/# delay: \1/' "$f" >"$b"; bare+=(--delta "$b"); done
grep -q '^# delay: 4$' "$T/bare_delta_04ps.csv" && ok || bad "bare delay file not made"
expect_input_error "bare_delta_01ps.csv: metadata 'delay: 1' has no unit: write '# delay: 1 ps' or give --time-unit" \
  "bare delay metadata" -- ta --ground "$G" "${bare[@]}" "${args[@]}"
run ta --ground "$G" "${bare[@]}" --time-unit ps "${args[@]}"; expect_rc 0 "bare delays in --time-unit ps"
[ "$(noprov "$OUT")" = "$(noprov "$ref0")" ] && ok || bad "bare '# delay: N' + --time-unit ps differs from '# delay: N ps'"
{ echo 'wavelength (nm),delay (ps),n_mean,dod'; grep '^[0-9.]*,4,0.5,' "$L"; } >"$T/onepump.csv"
expect_input_error "onepump.csv:2: 1 pump level in 81 rows" "one pump level" -- ta --ground "$G" --long "$T/onepump.csv"
expect_input_error "nosuch.csv:.*cannot open" "missing file" -- ta --ground "$G" --long "$T/nosuch.csv"

# contradictory flags
expect_input_error "--long: give either --long FILE or --delta" "long and delta" -- \
  ta --ground "$G" --long "$L" --delta "$EX/ta/delta_04ps.csv"
expect_input_error "--long: .*--delays" "long and delays" -- ta --ground "$G" --long "$L" --delays 1ps
expect_input_error "need --ground" "long without ground" -- ta --long "$L"
finish
