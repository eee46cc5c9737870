#!/usr/bin/env bash
# gainkit inspect on good files: what it reports and in which units.
source "$GK_SOURCE_DIR/tests/cli/lib.sh"

printf '# stripe_length_cm: 0.2\r\nL (mm),I (a.u.)\r\n0.5,10\r\n1.0,25 # note\r\n\r\n4.5,60\r\n' >"$T/vsl.csv"
run inspect "$T/vsl.csv"
expect_rc 0 "columns"
expect_out "delimiter: comma" "delimiter"
expect_out "header:    line 2" "header line"
expect_out "rows:      3 (lines 3 to 6)" "rows and lines"
expect_out "mm (length; internal cm, x 0.1)" "x unit described"
expect_out "a.u. (not a unit expression; passed through)" "y unit passed through"
expect_out "x:         length, 0.05 .. 0.45 cm" "x converted to cm"
expect_out "stripe_length_cm: 0.2" "metadata"

run inspect "$T/vsl.csv" --length-unit um --format json
expect_rc 0 "json"
expect_out '"unit_in_file":	"um"' "override wins"
expect_out '"max":	0.00045' "x in cm from um"
expect_out '"stripe_length_cm":	"0.2"' "metadata in json"

run inspect "$T/vsl.csv" -o "$T/i.json"
expect_rc 0 "-o json"
grep -q '"shape":	"columns"' "$T/i.json" && ok || bad "-o wrote the report"
run inspect "$T/vsl.csv" -o "$T/i.csv"
expect_rc 2 "no CSV form"

printf 'pump fluence (uJ/cm2)\t10\t20\t40\n520\t1\t2\t3\n521\t2\t3\t9\n' >"$T/spec.tsv"
run inspect --matrix "$T/spec.tsv"
expect_rc 0 "matrix"
expect_out "matrix (2 wavelengths x 3 columns)" "matrix shape"
expect_out "pump fluence 10 .. 40 uJ/cm2" "column parameter range"
expect_out "fluence; internal J/cm2, x 1e-06" "column unit described"
expect_out "values:    1 .. 9" "value range"

printf 'wavelength (nm) \\ L (mm),0.5,1.0\n520,1,2\n521,3,4\n' >"$T/vsl-spec.csv"
run inspect --spectra --length-unit mm "$T/vsl-spec.csv" --format json
expect_rc 0 "matrix with length columns"
expect_out '"unit":	"cm"' "columns converted to cm"
expect_out '"max":	0.1' "1.0 mm = 0.1 cm"

# A plain whitespace file without header: x is plain, nothing converted.
printf '1 2\n2 4\n3 8\n' >"$T/plain.txt"
run inspect "$T/plain.txt"
expect_rc 0 "plain"
expect_out "delimiter: whitespace" "whitespace"
expect_out "header:    none" "no header"
run inspect --help
expect_rc 0 "help"; expect_out "Usage: gainkit inspect" "help text"
finish
