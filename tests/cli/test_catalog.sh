#!/usr/bin/env bash
# The bad-input catalog across every command (tests/bad-input/ holds the
# reader's file catalog, replayed through inspect by test_bad_input.sh; this
# is the rest): malformed files, wrong shapes (a matrix where columns are
# expected and the reverse), units that do not parse, physically impossible
# options, contradictory flags. Every case: exit 2, "gainkit: FILE:LINE: ..."
# or "gainkit: [CMD: ]--option: ..." on stderr, nothing on stdout, no output
# file, an existing output file byte-identical, no temp file left
# (lib.sh expect_input_error).
source "$GK_SOURCE_DIR/tests/cli/lib.sh"
SER="$SRC/examples/threshold-series.csv"
SPEC="$SRC/examples/threshold-spectra.csv"
cd "$T" || exit 1

n=0
# case PATTERN DESCRIPTION ARGS...
case_() { local pat=$1 desc=$2; shift 2; expect_input_error "$pat" "$desc" -- "$@"; n=$((n + 1)); }
mk() { local f=$1; shift; printf '%s\n' "$@" >"$f"; }

# ---- files for the pump series (columns) --------------------------------
h='pump (uJ/cm2),intensity'
mk nonnum.csv "$h" 1,2 2,3 3,x 4,5 5,6 6,7 7,8
mk nan.csv "$h" 1,2 2,3 3,nan 4,5 5,6 6,7 7,8
mk inf.csv "$h" 1,2 2,3 3,4 4,-inf 5,6 6,7 7,8
mk ragged.csv "$h" 1,2 2,3 3 4,5 5,6 6,7 7,8
mk five.csv "$h" 1,2 2,3 3,4 4,5 5,6
mk negp.csv "$h" 1,2 2,3 -3,4 4,5 5,6 6,7 7,8
mk zerop.csv "$h" 0,2 2,3 3,4 4,5 5,6 6,7 7,8
mk negi.csv "$h" 1,2 2,3 3,-4 4,5 5,6 6,7 7,8
mk zeroi.csv "$h" 1,0 2,0 3,0 4,0 5,0 6,0 7,0
mk badunit.csv 'pump (furlongs),intensity' 1,2 2,3 3,4 4,5 5,6 6,7 7,8
mk wrongdim.csv 'pump (ns),intensity' 1,2 2,3 3,4 4,5 5,6 6,7 7,8
mk fwhm0.csv 'pump (uJ/cm2),intensity,fwhm (nm)' 1,2,3 2,3,3 3,4,0 4,5,3 5,6,3 6,7,3 7,8,3
mk four.csv 'pump,intensity,fwhm,extra' 1,2,3,4 2,3,3,4 3,4,3,4 4,5,3,4 5,6,3,4 6,7,3,4
mk one.csv 'pump' 1 2 3 4 5 6 7
: >empty.csv
mk hdronly.csv "$h"
mk comments.csv '# nothing' '# here'
printf 'pump,intensity\r\n1,2\r\n2\r\n' >crlf.csv
printf 'pump,intensity\n1,2\n2,\0\n' >binary.csv
mk decomma.csv 'pump;intensity' '1,5;2' '2,5;3' '3,5;4' '4,5;5' '5,5;6' '6,5;7'

case_ "nonnum\.csv:4: column 2: 'x' is not a number" "threshold: non-numeric cell" threshold nonnum.csv
case_ "nan\.csv:4: .*NaN is not allowed" "threshold: NaN cell" threshold nan.csv
case_ "inf\.csv:5: .*Inf is not allowed" "threshold: -Inf cell" threshold inf.csv
case_ "ragged\.csv:4: ragged row" "threshold: ragged row" threshold ragged.csv
case_ "five\.csv: a threshold needs at least 6 points, got 5" "threshold: too few points" threshold five.csv
case_ "negp\.csv:4: pump -3 is not positive" "threshold: negative pump" threshold negp.csv
case_ "zerop\.csv:2: pump 0 is not positive" "threshold: zero pump" threshold zerop.csv
case_ "negi\.csv:4: intensity -4 is not positive" "threshold: negative intensity (log-log)" threshold negi.csv
case_ "zeroi\.csv:2: intensity 0 is not positive" "threshold: all-zero intensity" threshold zeroi.csv --method kink
case_ "badunit\.csv:1: pump unit: 'furlongs' is not a unit" "threshold: pump unit does not parse" threshold badunit.csv
case_ "wrongdim\.csv:1: pump unit 'ns' is a time" "threshold: pump unit of the wrong kind" threshold wrongdim.csv
case_ "fwhm0\.csv:4: FWHM 0 nm is not positive" "threshold: zero FWHM" threshold fwhm0.csv
case_ "four\.csv:1: 4 column\(s\)" "threshold: too many columns" threshold four.csv
case_ "one\.csv:1: 1 column\(s\)" "threshold: one column" threshold one.csv
case_ "empty\.csv:1: file is empty" "threshold: empty file" threshold empty.csv
case_ "hdronly\.csv:1: no data rows" "threshold: header only" threshold hdronly.csv
case_ "comments\.csv:2: no data" "threshold: only comments" threshold comments.csv
case_ "crlf\.csv:3: ragged row" "threshold: CRLF ragged" threshold crlf.csv
case_ "binary\.csv:3: binary data" "threshold: NUL byte" threshold binary.csv
case_ "decomma\.csv:2: .*decimal" "threshold: decimal commas" threshold decomma.csv
case_ "no-such\.csv: cannot open" "threshold: missing file" threshold no-such.csv
case_ "\.: cannot read" "threshold: a directory" threshold .
GAINKIT_MAX_INPUT_BYTES=20 case_ "five\.csv: file is [0-9]+ bytes, more than the input limit of 20 bytes" \
  "threshold: over GAINKIT_MAX_INPUT_BYTES" threshold five.csv

# ---- wrong shapes -----------------------------------------------------------
case_ "threshold-spectra\.csv:[0-9]+: [0-9]+ column\(s\); expected pump, intensity" \
  "threshold: a matrix without --spectra" threshold "$SPEC"
case_ "threshold-series\.csv:[0-9]+: .*column parameter .* is not a number" \
  "threshold: columns with --spectra" threshold "$SER" --spectra
case_ "threshold-spectra\.csv:[0-9]+: [0-9]+ columns; expected 2 or 3" \
  "inspect: a matrix without --matrix" inspect "$SPEC"
case_ "threshold-series\.csv:[0-9]+: .*column parameter .* is not a number" \
  "inspect: columns with --matrix" inspect "$SER" --matrix

# ---- matrices -----------------------------------------------------------------
W='wavelength (nm) \ pump (uJ/cm2)'
mk m-ragged.csv "$W,1,2,3,4,5,6" 500,1,2,3,4,5,6 501,1,2,3 502,1,2,3,4,5,6
mk m-nonnum.csv "$W,1,2,x,4,5,6" 500,1,2,3,4,5,6 501,1,2,3,4,5,6 502,1,2,3,4,5,6
mk m-dupwl.csv "$W,1,2,3,4,5,6" 500,1,2,3,4,5,6 500,1,2,3,4,5,6 502,1,2,3,4,5,6
mk m-nonmono.csv "$W,1,2,3,4,5,6" 500,1,2,3,4,5,6 502,1,2,3,4,5,6 501,1,2,3,4,5,6
mk m-badunit.csv 'wavelength (nm) \ pump (parsec),1,2,3,4,5,6' 500,1,2,3,4,5,6 501,1,2,3,4,5,6 502,1,2,3,4,5,6
mk m-badrow.csv 'wavelength (furlong) \ pump (uJ/cm2),1,2,3,4,5,6' 500,1,2,3,4,5,6 501,1,2,3,4,5,6 502,1,2,3,4,5,6
mk m-cornerrow.csv "$W,1,2,3,4,5,6"
mk m-three.csv "$W,1,2,3" 500,1,2,3 501,1,2,3 502,1,2,3
mk m-inf.csv "$W,1,2,3,4,5,6" 500,1,2,3,4,5,6 501,1,inf,3,4,5,6 502,1,2,3,4,5,6
mk m-dupcol.csv "$W,1,2,2,4,5,6" 500,1,2,3,4,5,6 501,1,2,3,4,5,6 502,1,2,3,4,5,6
mk m-negpump.csv "$W,1,2,-3,4,5,6" 500,1,2,3,4,5,6 501,1,2,3,4,5,6 502,1,2,3,4,5,6
mk m-zero.csv "$W,1,2,3,4,5,6" 500,0,0,0,0,0,0 501,0,0,0,0,0,0 502,0,0,0,0,0,0
for cmd in "threshold --spectra" "inspect --matrix"; do
  read -r -a c <<<"$cmd"
  case_ "m-ragged\.csv:3: ragged row" "$cmd: ragged matrix" "${c[@]}" m-ragged.csv
  case_ "m-nonnum\.csv:1: column 4: column parameter 'x' is not a number" "$cmd: non-numeric column parameter" "${c[@]}" m-nonnum.csv
  case_ "m-dupwl\.csv:3: duplicate wavelength 500 nm" "$cmd: duplicate wavelength" "${c[@]}" m-dupwl.csv
  case_ "m-nonmono\.csv:4: wavelength 501 nm breaks the increasing order" "$cmd: non-monotonic wavelengths" "${c[@]}" m-nonmono.csv
  case_ "m-badrow\.csv:1: corner cell, wavelength unit: 'furlong' is not a unit" "$cmd: wavelength unit does not parse" "${c[@]}" m-badrow.csv
  case_ "m-cornerrow\.csv:1: no data rows" "$cmd: header row only" "${c[@]}" m-cornerrow.csv
  case_ "m-inf\.csv:3: column 3: .*Inf is not allowed" "$cmd: Inf in a spectrum" "${c[@]}" m-inf.csv
  case_ "m-dupcol\.csv:1: column parameter 2 appears twice" "$cmd: duplicate column parameter" "${c[@]}" m-dupcol.csv
done
case_ "m-badunit\.csv: pump unit: 'parsec' is not a unit" "threshold --spectra: pump unit does not parse" threshold --spectra m-badunit.csv
case_ "m-three\.csv: a threshold needs at least 6 points, got 3" "threshold --spectra: too few spectra" threshold --spectra m-three.csv
case_ "m-negpump\.csv: pump -3 \(column 4\) is not positive" "threshold --spectra: negative pump" threshold --spectra m-negpump.csv
case_ "m-zero\.csv: .*not positive" "threshold --spectra: all-zero spectra" threshold --spectra m-zero.csv

# ---- options: units that do not parse, impossible values, contradictions ----
case_ "--window: '5parsec': 'parsec' is not a unit" "threshold: --window unit does not parse" threshold "$SPEC" --spectra --window 5parsec:600nm
case_ "--window: .*'ns' is a time" "threshold: --window in time units" threshold "$SPEC" --spectra --window 1ns:2ns
case_ "--window: range '600:500' is empty" "threshold: --window reversed" threshold "$SPEC" --spectra --window 600:500
case_ "--window: '500' is not a range" "threshold: --window without a colon" threshold "$SPEC" --spectra --window 500
case_ "--window: .*not a number|--window: .*empty" "threshold: --window empty side" threshold "$SPEC" --spectra --window :600
case_ "--window applies to spectra; add --spectra" "threshold: --window without --spectra" threshold "$SER" --window 500:600
case_ "--baseline applies to spectra; add --spectra" "threshold: --baseline without --spectra" threshold "$SER" --baseline 10
case_ "--baseline: 0 is out of range" "threshold: --baseline 0 points" threshold "$SPEC" --spectra --baseline 0
case_ "--baseline: 'abc' is not N, none or a value" "threshold: --baseline junk" threshold "$SPEC" --spectra --baseline abc
case_ "--baseline: 1000000 baseline points requested" "threshold: --baseline more points than the spectrum" threshold "$SPEC" --spectra --baseline 1000000
case_ "--method: 'foo' is not a method" "threshold: --method unknown" threshold "$SER" --method foo
mk nowidth.csv "$h" 1,2 2,3 3,4 4,5 5,6 6,7 7,8
case_ "nowidth\.csv: --method fwhm needs a FWHM column" "threshold: --method fwhm without widths" threshold nowidth.csv --method fwhm
case_ "--format: 'xml' is not a format" "threshold: --format xml" threshold "$SER" --format xml
case_ "unknown option '--bogus'" "threshold: unknown long option (after FILE)" threshold "$SER" --bogus
case_ "unknown option '-z'" "threshold: unknown short option" threshold -z "$SER"
case_ "missing input FILE" "threshold: no FILE" threshold
case_ "did you mean --spectra" "threshold: two FILEs without --spectra" threshold "$SER" "$SER"
case_ "--plot: 'x\.gif' must end in \.svg, \.png or \.pdf" "threshold: --plot format" threshold "$SER" --plot x.gif
case_ "--length-unit: 'parsec' is not a unit" "inspect: --length-unit does not parse" inspect "$SER" --length-unit parsec
case_ "--length-unit: 's' is a time, expected a length" "inspect: --length-unit not a length" inspect "$SER" --length-unit s
case_ "--max-bytes: 0 is out of range" "inspect: --max-bytes 0" inspect "$SER" --max-bytes 0
case_ "--max-bytes: '-5' is not|--max-bytes: -5 is out of range" "inspect: --max-bytes negative" inspect "$SER" --max-bytes -5
case_ "--max-bytes: '1e3x' is not an integer" "inspect: --max-bytes junk" inspect "$SER" --max-bytes 1e3x
case_ "threshold-series\.csv: file is [0-9]+ bytes, more than the input limit of 10 bytes" "inspect: --max-bytes exceeded" inspect "$SER" --max-bytes 10
case_ "--x: 'foo' is not plain, length or wavelength" "inspect: --x unknown" inspect "$SER" --x foo
case_ "--plot: inspect draws no figure" "inspect: --plot" inspect "$SER" --plot a.svg
case_ "missing FILE" "inspect: no FILE" inspect
case_ "unknown command 'frobnicate'" "unknown command" frobnicate
case_ "unexpected argument 'extra'" "version: extra argument" version extra

# ---- the model commands (nc, carriers, heat, kinetics, ta) -------------------
EX="$SRC/examples"
KIN="$EX/kinetics/pump_series.csv"
case_ "--ge: must be positive" "nc threshold: zero degeneracy" nc threshold --ge 0
case_ "--ge: must be positive" "nc threshold: negative degeneracy" nc threshold --ge -2
case_ "--ne: must not be negative" "nc threshold: negative charging" nc threshold --ne -1
case_ "--ne-mean: give either --ne .* or --ne-mean" "nc threshold: --ne and --ne-mean" nc threshold --ne 1 --ne-mean 1
case_ "--ge: 'abc' is not a number" "nc threshold: --ge junk" nc threshold --ge abc
case_ "unknown subcommand 'bogus'" "nc: unknown subcommand" nc bogus
case_ "--k3 is required" "carriers plqy: missing --k3" carriers plqy --k1 1e7 --k2 2e-10
case_ "--k1: must not be negative" "carriers plqy: negative k1" carriers plqy --k1 -1 --k2 2e-10 --k3 1e-28 --density 1e17
case_ "--k1: 'ns' is a time, expected a rate" "carriers plqy: k1 in time units" carriers plqy --k1 1e7ns --k2 2e-10 --k3 1e-28 --density 1e17
case_ "--k2: must be positive for the PLQY" "carriers plqy: k2 = 0 (fuzzing)" carriers plqy --k1 1e6 --k2 0 --k3 1e-28 --density 1e17
case_ "--k2: must be positive for the PLQY" "carriers plqy: k2 underflows to 0" carriers plqy --k1 1e6 --k2 2e-400 --k3 1e-28 --density 1e17
case_ "--density: must be positive" "carriers plqy: zero density" carriers plqy --k1 1e7 --k2 2e-10 --k3 1e-28 --density 0
case_ "--range: range '2e17:1e17' is empty" "carriers plqy: reversed range" carriers plqy --k1 1e7 --k2 2e-10 --k3 1e-28 --range 2e17:1e17
case_ "--range: give either --density or --range" "carriers plqy: --density and --range" carriers plqy --k1 1e7 --k2 2e-10 --k3 1e-28 --density 1e17 --range 1e16:1e18
case_ "--k: must be positive" "heat: zero heat exchange" heat --k 0 --c 1e-8 --power 1
case_ "--c: must be positive" "heat: negative heat capacity" heat --k 4.8mW/K --c -1 --power 1
case_ "--duty: give either --period or --duty" "heat: --period and --duty" heat --k 4.8mW/K --c 19nJ/K --power 1 --period 1 --duty 0.5 --pulse 1ms
case_ "--period: must be longer than the pulse" "heat: period shorter than the pulse" heat --k 4.8mW/K --c 19nJ/K --power 1 --pulse 2ms --period 1ms
case_ "--duty: must lie in \(0, 1\]" "heat: duty cycle above 1" heat --k 4.8mW/K --c 19nJ/K --power 1 --duty 1.5 --pulse 1ms
case_ "give either --power or --area" "heat: --power and --area" heat --k 1 --c 1 --power 1 --area 1
case_ "nonnum\.csv:4: column 2: 'x' is not a number" "heat --fit: non-numeric cell" heat --fit nonnum.csv
case_ "nonnum\.csv:4: column 2: 'x' is not a number" "kinetics: non-numeric cell" kinetics nonnum.csv
case_ "threshold-spectra\.csv:[0-9]+: time unit 'uJ/cm2' is not a time" "kinetics: a matrix (pump unit as time)" kinetics "$SPEC"
case_ "--components: 9 is out of range" "kinetics: too many components" kinetics "$KIN" --components 9
case_ "--irf-fwhm: must be positive" "kinetics: negative IRF width" kinetics "$KIN" --irf-fwhm -5ps
case_ "--irf-fwhm: 'nm' is a length, expected a time" "kinetics: IRF width in nm" kinetics "$KIN" --irf-fwhm 5nm
case_ "--irf and --irf-fwhm exclude each other" "kinetics: --irf and --irf-fwhm" kinetics "$KIN" --irf-fwhm 5ps --irf x.csv
case_ "nonnum\.csv:4: column 2: 'x' is not a number" "kinetics: bad IRF file" kinetics "$KIN" --irf nonnum.csv
case_ "--t0: '1parsec': 'parsec' is not a unit" "kinetics: --t0 unit" kinetics "$KIN" --t0 1parsec
case_ "delta_01ps\.csv:4: 21 columns; expected 2 or 3" "ta: a matrix as --ground" ta --ground "$EX/ta/delta_01ps.csv" --delta "$EX/ta/delta_01ps.csv"
case_ "ground\.csv:2: column 2: column parameter 'OD' is not a number" "ta: columns as --delta" ta --ground "$EX/ta/ground.csv" --delta "$EX/ta/ground.csv"
case_ "--probe: '5parsec': 'parsec' is not a unit" "ta: --probe unit" ta --ground "$EX/ta/ground.csv" --delta "$EX/ta/delta_01ps.csv" --probe 5parsec
case_ "--probe: 2000 nm is outside the data" "ta: --probe outside the data" ta --ground "$EX/ta/ground.csv" --delta "$EX/ta/delta_01ps.csv" --probe 2000nm
case_ "--degeneracy: must be 0\.5 to 50" "ta: zero degeneracy" ta --ground "$EX/ta/ground.csv" --delta "$EX/ta/delta_01ps.csv" --degeneracy 0 --gain-fit
case_ "need --ground FILE and --delta FILE" "ta: no --ground" ta --delta "$EX/ta/delta_01ps.csv"
case_ "give either --long FILE or --delta files" "ta: --long and --delta" ta --ground "$EX/ta/ground.csv" --delta "$EX/ta/delta_01ps.csv" --long "$EX/ta-long.csv"

# ---- stacks (modes) and the VSL / VPI readers -------------------------------
mk s-negthick.yaml 'layers:' '  - {name: air, n: 1.0}' '  - {name: f, n: 2.4, thickness_nm: -100}' '  - {name: g, n: 1.5}'
mk s-unknown.yaml 'layers:' '  - {name: air, n: 1.0}' '  - {name: f, n: 2.4, thickness_nm: 100, colour: red}' '  - {name: g, n: 1.5}'
mk s-syntax.yaml 'layers:' '  - {name: air, n: 1.0}' '  - {name: f, n: 2.4, thickness_nm: 100'
mk s-nomat.yaml 'layers:' '  - {name: air, n: 1.0}' '  - {name: f, material: nosuch.yml, thickness_nm: 100}' '  - {name: g, n: 1.5}'
mk s-twoactive.yaml 'layers:' '  - {name: air, n: 1.0}' '  - {name: f, n: 2.4, thickness_nm: 100, active: true}' \
  '  - {name: h, n: 2.4, thickness_nm: 100, active: true}' '  - {name: g, n: 1.5}'
STACK="$EX/stack-cspbbr3.yaml"
case_ "s-negthick\.yaml:3: thickness_nm must be positive" "modes: negative thickness" modes s-negthick.yaml
case_ "s-unknown\.yaml:3: unknown layer key 'colour'" "modes: unknown key" modes s-unknown.yaml
case_ "s-syntax\.yaml:4: invalid YAML" "modes: YAML syntax" modes s-syntax.yaml
case_ "s-nomat\.yaml:3: material file nosuch\.yml: cannot open" "modes: missing material file" modes s-nomat.yaml
case_ "s-twoactive\.yaml:4: more than one active layer" "modes: two active layers" modes s-twoactive.yaml
case_ "threshold-series\.csv:[0-9]+: a stack file is a mapping with 'layers:'" "modes: a CSV as the stack" modes "$SER"
GAINKIT_MAX_INPUT_BYTES=20 case_ "stack-cspbbr3\.yaml: file is [0-9]+ bytes, more than the input limit of 20 bytes" \
  "modes: stack file over GAINKIT_MAX_INPUT_BYTES" modes "$STACK"
mk s-bigmat.yaml 'layers:' '  - {name: air, n: 1.0}' '  - {name: f, material: big.yml, thickness_nm: 100}' '  - {name: g, n: 1.5}'
{ printf 'DATA:\n  - type: tabulated n\n    data: |\n'; for i in $(seq 400 900); do printf '        0.%d 1.5\n' "$i"; done; } >big.yml
GAINKIT_MAX_INPUT_BYTES=1000 case_ "s-bigmat\.yaml:3: material file big\.yml: .*more than the input limit of 1000 bytes" \
  "modes: material file over GAINKIT_MAX_INPUT_BYTES" modes s-bigmat.yaml
case_ "--wavelength: must be positive" "modes: negative wavelength" modes "$STACK" --wavelength -5
case_ "--pol: 'xy' is not te, tm or both" "modes: --pol" modes "$STACK" --pol xy
case_ "--sweep: .* has no layer 'nosuch'" "modes: --sweep unknown layer" modes "$STACK" --sweep nosuch:1:2:1
case_ "--sweep: need 0 <= FROM <= TO and STEP > 0" "modes: --sweep reversed" modes "$STACK" --sweep 2:100:50:10
case_ "stack-cspbbr3\.yaml:[0-9]+: column 1: 'layers:' is not a number" "vsl: a stack file as data" vsl "$STACK"
case_ "nonnum\.csv:4: column 2: 'x' is not a number" "vsl: non-numeric cell" vsl nonnum.csv
case_ "vsl-matrix\.csv:[0-9]+: 18 columns; expected 2 or 3" "vsl: a matrix as columns" vsl "$EX/vsl-matrix.csv"
case_ "nonnum\.csv:4: column 2: 'x' is not a number" "vpi: non-numeric cell" vpi nonnum.csv

# -o with an unsupported extension: the -o given last wins, so it is passed
# here on its own (expect_input_error adds a .json -o after the arguments)
for args in "threshold $SER -o out.txt" "inspect $SER -o out.xml" "inspect $SER -o noext"; do
  read -r -a a <<<"$args"
  run "${a[@]}"
  expect_rc 2 "$args"
  expect_err "^gainkit: .*-o: '[^']*' must end in \.json or \.csv" "$args"
  [ -z "$OUT" ] && ok || bad "$args: stdout not empty"
  [ ! -e "${a[-1]}" ] && ok || bad "$args: created ${a[-1]}"
  n=$((n + 1))
done
# an option without its value must come last (expect_input_error would
# append -o FILE, which getopt then takes as the value)
# ---- simulate: configs, spectral tables, sweeps -------------------------------
# a reduced grid of the bundled dye config (each run well under a second)
sed -e 's/bins: 128 /bins: 16 /; s/cells: 200/cells: 10/; s/time_bins: 200/time_bins: 10/' \
    "$SRC/examples/sim-500ps.yaml" >sim.yaml
simv() { sed -e "$1" sim.yaml >"$2"; }   # simv SED-EXPR FILE: one changed line
simv 's/^  thickness: .*/  thickness: [1 um/' s-yaml.yaml
simv 's/^  index: .*/&\n  colour: red/' s-key.yaml
simv 's/^  thickness: .*/  thickness: -1 um/' s-thick.yaml
simv 's/^  length: .*/  length: 0 mm/' s-len.yaml
simv 's/^  lifetime: .*/  lifetime: -6 ns/' s-tau.yaml
simv 's/^  density: .*/  density: 0 cm^-3/' s-dens.yaml
simv 's/^  thickness: .*/  thickness: 1 parsec/' s-unit.yaml
simv 's/^  fwhm: .*/  fwhm: 500 nm/' s-dim.yaml
simv 's/^  index: .*/  index: 0.5/' s-index.yaml
simv 's/^  radiative_fraction: .*/  radiative_fraction: 1.2/' s-eta.yaml
simv 's/^  bins: .*/  bins: 2.5/' s-bins.yaml
simv 's/^  lambda_max: .*/  lambda_max: 500 nm/' s-grid.yaml
simv 's/^  cells: .*/  cells: 100000/;s/^  bins: .*/  bins: 1000/' s-huge.yaml
simv 's/^  emission: .*/  emission: {file: no-such-pl.csv}/' s-tabmiss.yaml
mk pl-uv.csv 'wavelength (nm),pl' 300,0 320,1 340,0
simv 's/^  emission: .*/  emission: {file: pl-uv.csv}/' s-tabout.yaml
mk pl-neg.csv 'wavelength (nm),sigma' 550,1 600,-2 650,1
simv 's/^  excited_absorption: .*/  excited_absorption: {file: pl-neg.csv, scale: 1e-17 cm2}/' s-tabneg.yaml
simv 's/^  emission: .*/  emission: {center: 600 nm, fwhm: 0 nm}/' s-bandfw.yaml
ln=$(grep -n '^  thickness:' sim.yaml | cut -d: -f1)
# libyaml notices the unclosed [ at the next token, a line later
case_ "s-yaml\.yaml:$((ln + 1)): invalid YAML: did not find expected" "simulate: malformed YAML" simulate s-yaml.yaml
case_ "s-key\.yaml:$((ln + 2)): film: unknown key 'colour'" "simulate: unknown key" simulate s-key.yaml
case_ "s-thick\.yaml:$ln: thickness: must be positive \(got -1 um\)" "simulate: negative thickness" simulate s-thick.yaml
case_ "s-len\.yaml:[0-9]+: length: must be positive" "simulate: zero stripe length" simulate s-len.yaml
case_ "s-tau\.yaml:[0-9]+: lifetime: must be positive" "simulate: negative lifetime" simulate s-tau.yaml
case_ "s-dens\.yaml:[0-9]+: density: must be positive" "simulate: zero emitter density" simulate s-dens.yaml
case_ "s-unit\.yaml:$ln: thickness: .*parsec" "simulate: unit that does not parse" simulate s-unit.yaml
case_ "s-dim\.yaml:[0-9]+: fwhm: 'nm' is a length, expected a time" "simulate: pump FWHM in nm" simulate s-dim.yaml
case_ "s-index\.yaml:[0-9]+: index: must be >= 1" "simulate: film index below 1" simulate s-index.yaml
case_ "s-eta\.yaml:[0-9]+: radiative_fraction: must lie in \[0, 1\]" "simulate: radiative fraction > 1" simulate s-eta.yaml
case_ "s-bins\.yaml:[0-9]+: bins: expected a positive integer" "simulate: fractional bin count" simulate s-bins.yaml
case_ "s-grid\.yaml: lambda_max must exceed lambda_min" "simulate: empty wavelength grid" simulate s-grid.yaml
case_ "s-huge\.yaml: grid too large: bins x cells" "simulate: grid over the memory cap" simulate s-huge.yaml
case_ "s-tabmiss\.yaml:[0-9]+: emission: .*no-such-pl\.csv: cannot open" "simulate: unreadable spectral table" simulate s-tabmiss.yaml
case_ "s-tabout\.yaml:[0-9]+: emission: the table covers 300-340 nm, outside the wavelength grid" \
  "simulate: spectral table outside the grid" simulate s-tabout.yaml
case_ "pl-neg\.csv:3: excited_absorption: value must be >= 0" "simulate: negative cross-section in a table" simulate s-tabneg.yaml
case_ "s-bandfw\.yaml:[0-9]+: emission: fwhm must be positive" "simulate: zero emission width" simulate s-bandfw.yaml
case_ "no-such\.yaml: cannot open" "simulate: missing config" simulate no-such.yaml
case_ "--vpi-range: .*integer count N in \[2, 10000\]" "simulate: --vpi-range with N < 2" simulate sim.yaml --vpi-range 0.1mJ/cm2:1mJ/cm2:1
case_ "--vpi-range: range needs 0 < FROM < TO" "simulate: --vpi-range F1 >= F2" simulate sim.yaml --vpi-range 1mJ/cm2:0.1mJ/cm2:4
case_ "--vpi-range: .*'ns'" "simulate: --vpi-range in a time unit" simulate sim.yaml --vpi-range 1ns:2ns:3
case_ "--vsl: values must be positive" "simulate: negative stripe length" simulate sim.yaml --vsl 0.1,-0.2
case_ "simulate: give one sweep" "simulate: --vpi with --vsl" simulate sim.yaml --vpi 1e-3 --vsl 0.1
case_ "simulate: --time-resolved needs a single run" "simulate: --time-resolved with a sweep" \
  simulate sim.yaml --vpi 1e-4,1e-3 --time-resolved

# ---- resource budgets and ranges (hangs, memory blow-ups; docs/reliability.md "Limits")
# Each of these ran until killed, or took gigabytes, before the limits.
OOR='is outside the supported magnitude range'
stk() { local f=$1; shift; mk "$f" 'wavelength_nm: 540' 'layers:' '  - {name: air, n: 1}' "$@" '  - {name: quartz, n: 1.45}'; }
stk s-bign.yaml '  - {name: film, n: 1e200, thickness_nm: 100, active: true}'
stk s-bigk.yaml '  - {name: film, n: 2.4, k: 1e5, thickness_nm: 100, active: true}'
stk s-thin.yaml '  - {name: film, n: 2.4, thickness_nm: 1e-300, active: true}'
stk s-thickx.yaml '  - {name: film, n: 2.4, thickness_nm: 1e300, active: true}'
stk s-thicko.yaml '  - {name: film, n: 2.4, thickness_nm: 90000, active: true}'
stk s-ok.yaml '  - {name: film, n: 2.4, thickness_nm: 100, active: true}'
sed 's/^wavelength_nm: 540/wavelength_nm: 1e-5/' s-ok.yaml >s-wl.yaml
case_ "--wavelength: '4\.9e-324' $OOR" "modes: subnormal --wavelength" modes s-ok.yaml --wavelength 4.9e-324
case_ "--wavelength: '1e308' $OOR" "modes: astronomical --wavelength" modes s-ok.yaml --wavelength 1e308
case_ "--wavelength: 0\.5 nm is outside the supported range 1-1e\+06 nm" "modes: --wavelength below 1 nm" modes s-ok.yaml --wavelength 0.5
case_ "s-bign\.yaml:4: n = 1e\+200 is outside the supported range" "modes: index 1e200 (hang)" modes s-bign.yaml
case_ "s-bigk\.yaml:4: k = 100000 is outside the supported range" "modes: k 1e5" modes s-bigk.yaml
case_ "s-thin\.yaml:4: thickness_nm = 1e-300 is outside" "modes: thickness 1e-300 nm" modes s-thin.yaml
case_ "s-thickx\.yaml:4: thickness_nm = 1e\+300 is outside" "modes: thickness 1e300 nm" modes s-thickx.yaml
case_ "s-wl\.yaml:1: wavelength_nm = 1e-05 is outside" "modes: stack wavelength 1e-5 nm" modes s-wl.yaml
case_ "s-thicko\.yaml: the stack is 400 wavelengths thick optically" "modes: 400 optical wavelengths (minutes)" modes s-thicko.yaml
case_ "s-ok\.yaml: layer 2: thickness 1e\+08 nm is outside" "modes: --sweep beyond the thickness range" modes s-ok.yaml --sweep film:1:1e9:1e8
case_ "s-ok\.yaml: wavelength 0\.1 nm is outside" "modes: --sweep-wavelength below 1 nm" modes s-ok.yaml --sweep-wavelength 0.1:540:100
case_ "--sweep-wavelength: [0-9]+ points is more than 1000000" "modes: --sweep-wavelength 4e11 points" modes s-ok.yaml --sweep-wavelength 400:800:1e-9
# YAML nesting, node count and size, before libyaml builds a document
/usr/bin/env printf 'layers: ' >s-deep.yaml; head -c 100000 /dev/zero | tr '\0' '[' >>s-deep.yaml
head -c 100000 /dev/zero | tr '\0' ']' >>s-deep.yaml; echo >>s-deep.yaml
{ echo 'layers:'; for i in $(seq 200); do printf -- '- '; done; echo x; } >s-bseq.yaml
{ echo 'layers:'; yes '  - {name: a, n: 1}' | head -n 70000; } >s-nodes.yaml
{ echo 'layers:'; echo '  - {name: air, n: 1}'; echo '  - {name: f, n: 2.4, thickness_nm: 100}'; printf '  - {name: g, n: 1.5}\n# '; head -c $((17 << 20)) /dev/zero | tr '\0' 'x'; echo; } >s-huge.yaml
cp s-deep.yaml deep.yml
mk s-deepmat.yaml 'layers:' '  - {name: air, n: 1.0}' '  - {name: f, material: deep.yml, thickness_nm: 100}' '  - {name: g, n: 1.5}'
case_ "s-deep\.yaml:1: YAML nested more than 64 levels deep" "modes: 100,000 levels of flow nesting (> 60 s)" modes s-deep.yaml
case_ "s-bseq\.yaml:2: YAML nested more than 64 levels deep" "modes: 200 nested block sequences on one line" modes s-bseq.yaml
case_ "s-nodes\.yaml:[0-9]+: YAML document has more than 200000 nodes" "modes: 210,000 YAML nodes" modes s-nodes.yaml
case_ "s-huge\.yaml: file is [0-9]+ bytes, more than the YAML document limit" "modes: 17 MiB stack file" modes s-huge.yaml
case_ "s-deepmat\.yaml:3: material file deep\.yml: YAML nested more than 64 levels deep" "modes: deeply nested material file" modes s-deepmat.yaml
case_ "s-deep\.yaml:1: YAML nested more than 64 levels deep" "simulate: deeply nested config" simulate s-deep.yaml
# simulate: time budgets (each ran until killed)
simv 's/^  accuracy: .*/  accuracy: 1e-300/' s-acc.yaml
simv 's/^  accuracy: .*/  accuracy: 1e-7/' s-acc7.yaml
simv 's/^  lifetime: .*/  lifetime: 1e-300 s/' s-tau0.yaml
simv 's/^  fwhm: [0-9].*/  fwhm: 1e300 s/' s-fwhm.yaml
simv 's/^  accuracy: .*/  t_end: 1 s\n  accuracy: 0.1/' s-tend.yaml
simv 's/^  accuracy: .*/  t_start: -100 s\n  accuracy: 0.1/' s-tstart.yaml
sed -e 's/^  bins: .*/  bins: 1000/; s/^  cells: .*/  cells: 1000/; s/^  accuracy: .*/  accuracy: 1e-6/' sim.yaml >s-work.yaml
simv 's/^  accuracy: .*/  t_end: 50 ms\n  accuracy: 0.1/' s-slow.yaml
case_ "s-acc\.yaml:[0-9]+: accuracy: must lie in \[1e-6, 0\.5\]" "simulate: accuracy 1e-300 (hang)" simulate s-acc.yaml
case_ "s-acc7\.yaml:[0-9]+: accuracy: must lie in \[1e-6, 0\.5\]" "simulate: accuracy 1e-7" simulate s-acc7.yaml
case_ "s-tau0\.yaml:[0-9]+: lifetime: must lie in \[1 fs, 1 s\]" "simulate: lifetime 1e-300 s (hang)" simulate s-tau0.yaml
case_ "s-fwhm\.yaml:[0-9]+: fwhm: must lie in \[1 fs, 1 s\]" "simulate: pump FWHM 1e300 s (hang)" simulate s-fwhm.yaml
case_ "s-tend\.yaml: the run needs at least [0-9.e+]+ time steps" "simulate: t_end 1 s (hang)" simulate s-tend.yaml
case_ "s-tstart\.yaml:[0-9]+: t_start: must lie within \+-10 s" "simulate: t_start -100 s" simulate s-tstart.yaml
case_ "s-work\.yaml: the run needs at least .* updates, more than 2e\+11" "simulate: accuracy 1e-6 on 1000 x 1000 cells" simulate s-work.yaml
GAINKIT_MAX_SECONDS=1 case_ "time limit of 1 s \(GAINKIT_MAX_SECONDS\) exceeded" "simulate: wall-clock guard" simulate s-slow.yaml
# vpi: the threshold intervals (~3 s of the bundled series' 3.6 s) are under the guard
GAINKIT_MAX_SECONDS=0.2 case_ "time limit of 0\.2 s \(GAINKIT_MAX_SECONDS\) exceeded" "vpi: wall-clock guard in the threshold intervals" vpi "$SRC/examples/vpi-ddab.csv" --model vpi1
case_ "--vsl: '4\.9e-324' $OOR" "simulate: subnormal stripe length" simulate sim.yaml --vsl 4.9e-324
case_ "--vpi: '1e300' $OOR" "simulate: astronomical fluence" simulate sim.yaml --vpi 1e300
# reader shape limits: memory linear in the input
head -c $((9 << 20)) /dev/zero | tr '\0' '1' >long.csv; echo >>long.csv
{ echo 'pump,intensity'; echo '1,2'; seq -s, 1 100001; } >wide.csv
case_ "long\.csv:1: line is [0-9]+ bytes long, more than the limit of 8388608" "inspect: a 9 MiB line" inspect long.csv
case_ "wide\.csv:3: more than 100000 cells in a row" "inspect: 100,001 cells in a row" inspect wide.csv
case_ "wide\.csv:3: more than 100000 cells in a row" "threshold: 100,001 cells in a row" threshold wide.csv
case_ "wide\.csv:3: more than 100000 cells in a row" "kinetics: 100,001 cells in a row" kinetics wide.csv
case_ "long\.csv:1: line is [0-9]+ bytes long" "vsl: a 9 MiB line" vsl long.csv
# option magnitudes (subnormal, astronomical) on every command
case_ "--length: '4\.9e-324cm' $OOR" "vpi: subnormal --length" vpi "$EX/vpi-ddab.csv" --length 4.9e-324cm
case_ "--length: '1e308' $OOR" "vpi: astronomical --length" vpi "$EX/vpi-ddab.csv" --length 1e308
case_ "--model: expected vpi1, vpi2 or both" "vpi: unknown --model" vpi "$EX/vpi-ddab.csv" --model vpi9
case_ "--weights: expected none, relative or poisson" "vpi: unknown --weights" vpi "$EX/vpi-ddab.csv" --weights foo
case_ "--window: range '600:500' is empty" "vpi: reversed --window" vpi "$EX/vpi-ddab.csv" --window 600:500
case_ "--max-pump: (expected a positive number|must be positive)" "vpi: negative --max-pump" vpi "$EX/vpi-ddab.csv" --max-pump -1
case_ "--range: '1e300' $OOR" "vsl: astronomical --range" vsl "$EX/vsl-nc1.csv" --range 1e300:1e301
case_ "--model: 'bogus' is not one of" "vsl: unknown --model" vsl "$EX/vsl-nc1.csv" --model bogus
case_ "--weights: 'foo' is not one of" "vsl: unknown --weights" vsl "$EX/vsl-nc1.csv" --weights foo
case_ "--length-unit: 'kg' is not one of" "vsl: --length-unit kg" vsl "$EX/vsl-nc1.csv" --length-unit kg
case_ "--range: range '5:1' is empty" "vsl: reversed --range" vsl "$EX/vsl-nc1.csv" --range 5:1
case_ "--k: '4\.9e-324' $OOR" "heat: subnormal --k" heat --k 4.9e-324 --c 1e-8 --power 1 --pulse 1ms
case_ "--c: '1e308' $OOR" "heat: astronomical --c" heat --k 1e-3 --c 1e308 --power 1 --pulse 1ms
case_ "--pulse: '1e300s' $OOR" "heat: astronomical --pulse" heat --k 1e-3 --c 1e-8 --power 1 --pulse 1e300s
case_ "--irf-fwhm: '1e300s' (is out of range|$OOR)" "kinetics: astronomical --irf-fwhm" kinetics "$EX/kinetics/pump_series.csv" --irf-fwhm 1e300s
case_ "--irf-fwhm: '4\.9e-324s' $OOR" "kinetics: subnormal --irf-fwhm" kinetics "$EX/kinetics/pump_series.csv" --irf-fwhm 4.9e-324s
case_ "--t0: '1e300s' (is out of range|$OOR)" "kinetics: astronomical --t0" kinetics "$EX/kinetics/pump_series.csv" --t0 1e300s
case_ "--radius: '1e300' $OOR" "nc auger: astronomical --radius" nc auger --radius 1e300
case_ "--density: '1e300' $OOR" "carriers plqy: astronomical --density" carriers plqy --k1 1e6 --k2 2e-10 --k3 1e-28 --density 1e300
case_ "--cross-section: '1e300' $OOR" "ta: astronomical --cross-section" ta --ground "$EX/ta/ground.csv" --delta "$EX/ta/delta_01ps.csv" --cross-section 1e300
case_ "--probe: '4\.9e-324nm' $OOR" "ta: subnormal --probe" ta --ground "$EX/ta/ground.csv" --delta "$EX/ta/delta_01ps.csv" --probe 4.9e-324nm
case_ "--window: '1e300' $OOR" "threshold: astronomical --window" threshold "$SPEC" --spectra --window 1e300:1e301

for args in "threshold $SER --method" "inspect $SER --length-unit" "threshold $SER -o"; do
  read -r -a a <<<"$args"
  run "${a[@]}"
  expect_rc 2 "$args"
  expect_err "^gainkit: .*option '${a[-1]}' needs a value" "$args"
  [ -z "$OUT" ] && ok || bad "$args: stdout not empty"
  n=$((n + 1))
done
# -o into a directory that does not exist: nothing on stdout, exit 2
run threshold "$SER" -o no-dir/x.json
expect_rc 2 "-o into a missing directory"
expect_err "^gainkit: no-dir/x\.json: cannot create output file" "-o into a missing directory"
[ -z "$OUT" ] && ok || bad "-o missing dir: stdout not empty"
n=$((n + 1))

# the reader catalog in tests/bad-input (test_bad_input.sh runs it)
nfiles=$(grep -vc '^#\|^$' "$SRC/tests/bad-input/catalog.tsv")
echo "catalog: $n cases here + $nfiles files in tests/bad-input = $((n + nfiles))"
[ $((n + nfiles)) -ge 60 ] && ok || bad "catalog has only $((n + nfiles)) cases"
finish
