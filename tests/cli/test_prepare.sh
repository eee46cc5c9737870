#!/usr/bin/env bash
# Input preparation in the library (issue 13 §4) and what the CLI makes of
# it: --help generated from the option tables (units, defaults), library
# errors naming struct fields translated to flags, --time-unit, and
# plausibility of data columns (a warning naming the value, the column and
# the likely unit).
source "$GK_SOURCE_DIR/tests/cli/lib.sh"
EX="$SRC/examples"
cd "$T" || exit 1
case_() { expect_input_error "$@"; }

# ---- generated help ------------------------------------------------------
run kinetics --help
expect_rc 0 "kinetics --help"
expect_out "Usage: gainkit kinetics FILE" "usage line"
expect_out "  --irf-fwhm T         Gaussian IRF of this FWHM, e.g. 5ps or 0.5ns (ps)" "unit of a bare number from the dims table"
expect_out "--t0 T               hold time zero at T (ps; default fitted with an IRF, 0 without)" "unit and default"
expect_out "(default ps)" "time-unit default"
expect_out "Examples:" "epilog kept"
expect_out "Exit status" "common help"
# every converted command: usage, generated option lines, epilog examples
for cmd in threshold vpi vsl kinetics spectrum inspect fluence gain-chain heat ses trend vsl-profile; do
  run "$cmd" --help
  expect_rc 0 "$cmd --help"
  expect_out "Usage: gainkit $cmd" "$cmd usage"
  expect_out "Examples:" "$cmd examples"
  expect_out "Exit status" "$cmd common help"
done
run vpi --help
expect_out "  --length L           stripe length (cm; default the file's '# stripe_length_cm:'" "vpi --length unit and default"
expect_out "--pump-from-name" "vpi: shared series options"
run threshold --help
expect_out "Several files or a directory (one spectrum each), and their pumps:" "threshold: series group"
run fluence --help
expect_out "  --energy E           pulse energy at the source (uJ)" "fluence: unit of a bare number"
run heat --help
expect_out "  --pulse t_p          square pulse length, e.g. 100ns; alone: one pulse and its cooling" "heat: help text"
expect_out "(us)" "heat --pulse: bare number in us (dims table), not the base unit s"
# provenance reads the defaults from the table
run kinetics "$EX/kinetics/pump_series.csv" --trace 2 --components 2 --irf-fwhm 5ps --format json
expect_rc 0 "kinetics trace 2"
expect_out '"--time-unit":	"ps"' "time-unit default in provenance"
expect_out '"--trace (effective)":	"2"' "effective trace in provenance"

# ---- --time-unit and the plausibility of the time column -----------------
awk 'BEGIN{print "t,y"; for(i=0;i<60;i++){t=i*10; printf "%g,%.6g\n", t, 100*exp(-t/120)}}' >k.csv
run kinetics k.csv --format json
expect_rc 0 "header without unit: --time-unit default ps"
tau=$(printf '%s' "$OUT" | grep -o '"tau":[^,]*' | head -1 | cut -d: -f2 | tr -d '\t ')
awk -v t="$tau" 'BEGIN{exit !(t > 1.1999e-10 && t < 1.2001e-10)}' && ok || bad "tau $tau is not 120 ps"
if printf '%s' "$ERR" | grep -q warning; then bad "plausible ps axis warned: $ERR"; else ok; fi
run kinetics k.csv --time-unit ns --format json
tau=$(printf '%s' "$OUT" | grep -o '"tau":[^,]*' | head -1 | cut -d: -f2 | tr -d '\t ')
awk -v t="$tau" 'BEGIN{exit !(t > 1.1999e-7 && t < 1.2001e-7)}' && ok || bad "--time-unit ns: tau $tau is not 120 ns"
run kinetics k.csv --time-unit s
expect_rc 0 "implausible unit still used"
expect_err "warning: k.csv:2: column 't': 590 s is outside the plausible time range .*did you mean (ns|us|ps)\?.*or give --time-unit" "time column in s warned"
case_ "--time-unit: 'nm' is not a time unit" "time-unit not a time" -- kinetics k.csv --time-unit nm
# a library error naming a field ("trace") is printed with the flag
case_ "--trace: k.csv has 1 trace column\(s\)" "field trace -> --trace" -- kinetics k.csv --trace 2
case_ "--components: 9 is out of range" "components" -- kinetics k.csv --components 9

# library text naming a field in backquotes gets the flag: a VPI series whose
# lowest-pump spectrum is all zero cannot give F(lambda)
printf '# stripe_length_cm: 0.2\nwavelength (nm) \\ pump (uJ/cm2),1,2,4\n500,0,1,5\n510,0,3,20\n520,0,1,6\n530,0,0.5,2\n' >vz.csv
case_ "give a measured one \(--fluorescence\)" "field in library text -> flag" -- vpi vz.csv --model vpi1

# ---- stripe lengths in the wrong unit --------------------------------------
printf 'L (cm),I\n0.5,10\n1,21\n2,44\n3,70\n4,101\n6,180\n8,290\n' >vsl-cm.csv
run vsl vsl-cm.csv --model vsl1
expect_err "warning: vsl-cm.csv:2: column 'L': 8 cm is outside the plausible stripe length range.*did you mean mm\?.*--length-unit" "VSL lengths in mm written as cm"
run vsl vsl-cm.csv --model vsl1 --length-unit mm
if printf '%s' "$ERR" | grep -q "plausible"; then bad "--length-unit mm still warned: $ERR"; else ok; fi
run vsl "$EX/vsl-nc1.csv"
if printf '%s' "$ERR" | grep -q "plausible"; then bad "bundled VSL scan warned: $ERR"; else ok; fi

# ---- pumps in the wrong unit -----------------------------------------------
for p in 5 10 20 40 80 160; do
  awk -v p=$p 'BEGIN{print "wavelength (nm),I"; for(i=0;i<50;i++) printf "%g,%.6g\n", 500+i, 10+p*exp(-((i-25)^2)/20)}' >"s_$p.csv"
done
run threshold s_*.csv --spectra --pump-from-name --pump-unit J/cm2 --method kink
expect_err "warning: .*column 'pump': 160 J/cm2 is outside the plausible fluence range.*did you mean uJ/cm2\?.*--pump-unit" "pumps in J/cm2 warned"
run threshold s_*.csv --spectra --pump-from-name --pump-unit uJ/cm2 --method kink
if printf '%s' "$ERR" | grep -q "plausible"; then bad "uJ/cm2 pumps warned: $ERR"; else ok; fi
# a unit in a file name that is not a fluence is named once (the message
# used to repeat itself and lose its start)
for p in 5 10; do cp "s_$p.csv" "m_${p}mJ.csv"; done
case_ "m_10mJ.csv: pump unit 'mJ' in the file name: 'mJ' is an energy, expected a fluence \(J/cm2\)$" "pump unit message" -- threshold m_*mJ.csv --spectra --pump-from-name --pump-unit J/cm2
finish
