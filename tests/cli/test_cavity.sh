#!/usr/bin/env bash
# gainkit cavity: Q, photon lifetime, FSR closed forms; bad input.
source "$GK_SOURCE_DIR/tests/cli/lib.sh"
source "$GK_SOURCE_DIR/tests/cli/calc_lib.sh"

run cavity --wavelength 530 --linewidth 0.3 --format json; expect_rc 0 "Q"
expect_near q 1766.6667 1e-3 "530/0.3"
expect_near photon_lifetime_s 4.9704e-13 1e-16 "Q lambda / 2 pi c"
run cavity --wavelength 530 --linewidth 0.3 --instrument-width 0.1 --instrument lorentz --ng 2.5 --length 100 --format json
expect_near linewidth_nm 0.2 1e-12 "Lorentzian instrument subtracts"
expect_near fsr_nm 0.5618 1e-4 "lambda^2/(2 n_g L)"
expect_input_error "--instrument-width: .* not narrower" "instrument wider" -- cavity --wavelength 530 --linewidth 0.3 --instrument-width 0.5
expect_input_error "--ng: the free spectral range" "no ng" -- cavity --wavelength 530 --linewidth 0.3 --radius 5
expect_input_error "--linewidth is required" "no width" -- cavity --wavelength 530
expect_input_error "--instrument: 'box'" "bad shape" -- cavity --wavelength 530 --linewidth 0.3 --instrument box
expect_input_error "not both" "length and radius" -- cavity --wavelength 530 --linewidth 0.3 --ng 2 --length 10 --radius 5
# line fit: a noise-free Lorentzian of FWHM 0.25 nm at 530.1 nm (written
# here with awk) gives Q = 530.1/0.25 to the fit tolerance
awk 'BEGIN { print "wavelength (nm),counts"; for (i = 0; i <= 300; i++) { x = 529 + i * 0.008; d = (x - 530.1) / 0.125;
  printf "%.4f,%.10g\n", x, 20 + 900 / (1 + d * d) } }' > "$T/line.csv"
run cavity --spectrum "$T/line.csv" --format json -o "$T/fit.csv" --plot "$T/fit.svg"; expect_rc 0 "line fit"
expect_near q 2120.4 0.01 "Q of a synthetic Lorentzian"
expect_near linewidth_nm 0.25 1e-7 "fitted FWHM"
[ "$(wc -l < "$T/fit.csv")" -ge 300 ] && ok || bad "fit CSV"
[ -s "$T/fit.svg" ] && ok || bad "fit plot"
# the example line (Lorentzian 0.08 nm under a 0.10 nm Gaussian instrument, 1 % noise)
run cavity --spectrum "$SRC/examples/lasing-line.csv" --instrument-width 0.1 --format json; expect_rc 0 "voigt fit"
w=$(jnum linewidth_nm); se=$(jnum linewidth_se_nm)
awk -v w="$w" -v s="$se" 'BEGIN { d = w - 0.08; if (d < 0) d = -d; exit !(d < 3 * s && s > 0 && s < 0.01) }' && ok || bad "deconvolved width $w +- $se vs 0.08"
# an instrument wider than the measured line: Q not determined (null + reason)
run cavity --spectrum "$T/line.csv" --instrument-width 0.26 --format json; expect_rc 0 "unresolved"
expect_out '"q":	null' "Q null when unresolved"
expect_out '"q_reason"' "reason given"
no_nonfinite "$T/fit.csv" "fit csv"
expect_input_error "--window: .* holds 0 points" "empty window" -- cavity --spectrum "$T/line.csv" --window 600:610
expect_input_error "come from the fit" "spectrum and linewidth" -- cavity --spectrum "$T/line.csv" --linewidth 0.3
expect_input_error "--voigt: fits the Gaussian" "voigt and instrument" -- cavity --spectrum "$T/line.csv" --voigt --instrument-width 0.1
# J_th scaling (Goldberg et al. Eq. 7): three times the photon lifetime, a third of J_th
run cavity --jth-a 1:0.5:50:1e-12 --jth-b 2:0.5:50:3e-12 --format json; expect_near jth_ratio 0.666667 1e-6 "J_th ratio"
expect_input_error "--jth-b: .* is not V:PLQY" "bad jth" -- cavity --jth-a 1:0.5:50:1e-12 --jth-b 1:0.5:50
expect_input_error "PLQY 2 is above 1" "plqy > 1" -- cavity --jth-a 1:2:50:1e-12 --jth-b 1:0.5:50:1e-12
expect_input_error "go together" "jth-a alone" -- cavity --jth-a 1:0.5:50:1e-12
run cavity --help; expect_rc 0 "help"; expect_out "Examples:" "help examples"
finish
