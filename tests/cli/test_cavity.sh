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
run cavity --help; expect_rc 0 "help"; expect_out "Examples:" "help examples"
finish
