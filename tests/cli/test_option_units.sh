#!/usr/bin/env bash
# Options: a bare number is in the unit --help shows (the unit labs use:
# nm for radii and thicknesses, uJ/cm2 for fluences, ps/ns for times), unit
# suffixes work on every numeric option, values outside the plausible range
# warn with the value, the unit assumed and the likely intended unit, and
# typos get suggestions.
source "$GK_SOURCE_DIR/tests/cli/lib.sh"
EX="$SRC/examples"

# the same JSON (without provenance, which records the command line) for a
# bare number and for the number with the help's unit
same() {  # DESC -- ARGS-BARE -- ARGS-SUFFIXED (each a quoted string)
  local desc=$1 a=$2 b=$3 ra rb
  ra=$("$GAINKIT" $a --format json 2>"$T/ea"); local rca=$?
  rb=$("$GAINKIT" $b --format json 2>"$T/eb"); local rcb=$?
  if [ $rca -eq 0 ] && [ $rcb -eq 0 ] && [ "$(noprov "$ra")" = "$(noprov "$rb")" ]; then ok
  else bad "$desc: '$a' and '$b' differ (exit $rca/$rcb): $(cat "$T/ea" "$T/eb")"; fi
}

# --- bare numbers in the help's unit -------------------------------------
same "nc radius in nm" "nc auger --radius 2.5" "nc auger --radius 2.5nm"
same "nc volume in nm3" "nc auger --volume 65" "nc auger --volume 65nm3"
same "nc lifetimes in ns and ps" "nc pump --sigma-abs 3e-15 --photon-energy 3 --tau-x 20 --tau-xx 65" \
     "nc pump --sigma-abs 3e-15 --photon-energy 3eV --tau-x 20ns --tau-xx 65ps"
same "nc biexciton lifetime in ps" "nc auger --tau-xx 1300 --tau-rxx 3000" "nc auger --tau-xx 1.3ns --tau-rxx 3ns"
same "carriers thickness nm, fluence uJ/cm2" \
     "carriers threshold --fluence-th 10 --photon-energy 2.4 --thickness 150 --absorptance 0.5" \
     "carriers threshold --fluence-th 10uJ/cm2 --photon-energy 2.4eV --thickness 150nm --absorptance 0.5"
same "carriers pulse FWHM ps" \
     "carriers pulse --k1 1e7 --k2 2e-10 --k3 1e-28 --fluence 50 --pulse-fwhm 1000 --thickness 150 --photon-energy 2.4" \
     "carriers pulse --k1 1e7 --k2 2e-10 --k3 1e-28 --fluence 50uJ/cm2 --pulse-fwhm 1000ps --thickness 150nm --photon-energy 2.4eV"
same "carriers Bohr radius nm" "carriers mott --bohr-radius 3.5" "carriers mott --bohr-radius 0.0035um"
same "heat pulse in us" "heat --k 4.8mW/K --c 19nJ/K --power 0.1 --pulse 1 --duty 0.2" \
     "heat --k 4.8mW/K --c 19nJ/K --power 0.1 --pulse 1000ns --duty 0.2"

# the bug of the issue: `nc auger --radius 2.5` was 2.5 cm
run nc auger --radius 2.5 --format json
expect_out '"radius":	2.5e-07' "radius 2.5 is 2.5 nm (2.5e-7 cm in JSON)"
expect_out '"volume_nm3":	65.44' "radius 2.5 nm: V = 65.4 nm3"
if printf '%s' "$ERR" | grep -q warning; then bad "a plausible radius warns: $ERR"; else ok; fi

# --- plausibility warnings -------------------------------------------------
run nc auger --radius 2.5cm
expect_rc 0 "2.5cm is still used"
expect_err "warning: --radius 2.5cm: 2.5e\+07 nm is outside the plausible NC radius range \(0.5 to 50 nm\); did you mean 2.5nm\?" "radius in cm warns"
run nc auger --radius 2500
expect_err "warning: --radius 2500: 2500 nm is outside .*a bare number is in nm" "bare radius out of range names the unit"
run nc auger --radius 0.0025
expect_err "a bare number is in nm; did you mean 0.0025um\?" "radius meant in um"
run carriers threshold --n-th 7.3e17 --thickness 0.15 --k2 2e-10
expect_err "warning: --thickness 0.15: 0.15 nm is outside the plausible film thickness range .*did you mean 0.15um\?" "thickness in um"
run carriers threshold --fluence-th 5000000 --photon-energy 2.4 --thickness 150
expect_err "warning: --fluence-th 5000000: 5e\+06 uJ/cm2 is outside .*did you mean 5000000nJ/cm2\?" "fluence out of range"
run nc pump --sigma-abs 3e-15 --photon-energy 3 --tau-x 2e-8 --tau-xx 65
expect_err "warning: --tau-x 2e-8: 2e-08 ns is outside the plausible exciton lifetime range .*a bare number is in ns; did you mean 2e-8s\?" "lifetime given in seconds"
run modes "$EX/stack-cspbbr3.yaml" --wavelength 0.54
expect_err "--wavelength 0.54: 0.54 nm is outside the plausible wavelength range \(200 to 3000 nm\).*did you mean 0.54um\?" "wavelength in um"

# --- unit suffixes on numeric options that used to refuse them -------------
D="$EX/vpi-ddab.csv"
run vpi "$D" --max-pump 0.05mJ/cm2 --format json
[ "$RC" -le 1 ] && ok || bad "vpi --max-pump 0.05mJ/cm2: exit $RC: $ERR"
a=$(noprov "$OUT")
run vpi "$D" --max-pump 0.05 --format json   # the file's pump unit (mJ/cm2)
[ "$a" = "$(noprov "$OUT")" ] && ok || bad "--max-pump 0.05mJ/cm2 and 0.05 (file unit mJ/cm2) differ"
run vpi "$D" --max-pump 50uJ/cm2 --format json
[ "$a" = "$(noprov "$OUT")" ] && ok || bad "--max-pump 50uJ/cm2 differs from 0.05mJ/cm2"
expect_input_error "--max-pump.*'5ns'.*fluence" "max-pump with a time" -- vpi "$D" --max-pump 5ns

# simulate: bare fluences are uJ/cm2 (was J/cm2: `--vpi 0.73` ran at 730 mJ/cm2)
sed -e 's/bins: 128 /bins: 24 /; s/cells: 200/cells: 30/; s/time_bins: 200/time_bins: 20/' \
    "$EX/sim-500ps.yaml" >"$T/small.yaml"
same "simulate --vpi in uJ/cm2" "simulate $T/small.yaml --vpi 730" "simulate $T/small.yaml --vpi 0.73mJ/cm2"
same "simulate --vpi-range in uJ/cm2" "simulate $T/small.yaml --vpi-range 50:2500:3" \
     "simulate $T/small.yaml --vpi-range 0.05mJ/cm2:2.5mJ/cm2:3"

# --- typo suggestions --------------------------------------------------------
run thresh "$EX/threshold-series.csv"
expect_rc 2 "unknown command"
expect_err "unknown command 'thresh' \(did you mean threshold\?\)" "command suggestion"
run vsl "$EX/vsl-nc1.csv" --modle all
expect_rc 2 "unknown option"
expect_err "unknown option '--modle' \(did you mean --model\?\)" "option suggestion"
run nc augr --radius 2
expect_err "unknown subcommand 'augr' \(did you mean auger\?\)" "subcommand suggestion"
run nc auger --radus 2
expect_err "unknown option '--radus' \(did you mean --radius\?\)" "calculator option suggestion"
run vsl "$EX/vsl-nc1.csv" --frobnicate 1
expect_err "unknown option '--frobnicate'$" "no suggestion for a word far from every option"
finish
