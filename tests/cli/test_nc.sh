#!/usr/bin/env bash
# gainkit nc: check values of physics.md §4 through the command line, JSON
# keys, CSV/plot output and bad options. Tolerances: half a unit of the last
# digit physics.md prints.
source "$GK_SOURCE_DIR/tests/cli/lib.sh"
source "$GK_SOURCE_DIR/tests/cli/calc_lib.sh"

run nc threshold --ge 2 --gh 2 --format json;   expect_rc 0 "threshold"; expect_near n_th 1.1462 0.00005 "Poisson neutral"
run nc threshold --ne 1 --format json;           expect_near n_th 0.5831 0.00005 "Poisson charged"
run nc threshold --statistics uniform --format json;        expect_near n_th 1 1e-9 "uniform neutral"
run nc threshold --statistics uniform --ne 1 --format json; expect_near n_th 0.5 1e-9 "uniform n_e=1"
run nc threshold --statistics uniform --ne 2 --format json; expect_near n_th 0 1e-9 "uniform n_e=2"
run nc threshold --statistics uniform --ge 8 --gh 8 --format json; expect_near n_th 4 1e-9 "8-fold"
run nc threshold --statistics uniform --material pbs --ne 6 --format json; expect_near n_th 1 1e-9 "PbS n_e=6"
run nc threshold --statistics uniform --material pbs --ne 2.7 --format json; expect_near n_th 2.65 0.005 "PbS 2.7"
run nc threshold --statistics uniform --material pbs --ne 4.8 --format json; expect_near n_th 1.6 0.05 "PbS 4.8"
run nc threshold --statistics uniform --transition 1P --format json; expect_near n_th 5 1e-9 "1P"
run nc threshold --statistics uniform --transition 1d --format json; expect_near n_th 13 1e-9 "1D"
run nc threshold --ne-mean 0 --format json;      expect_near n_th 1.1462 0.00005 "Poisson charging mean 0"
run nc threshold;                                expect_rc 0 "text"; expect_out "excitons per NC" "text has units"

run nc gain-curve --ne 1 -o "$T/g.csv" --plot "$T/g.svg"; expect_rc 0 "gain-curve"
[ -s "$T/g.svg" ] && ok || bad "gain-curve plot written"
grep -q '^N (excitons per NC),gain_uniform' "$T/g.csv" && ok || bad "gain-curve CSV header"
[ "$(grep -vc '^#' "$T/g.csv")" -eq 202 ] && ok || bad "gain-curve CSV has 201 rows"
run nc gain-curve --points 11 --range 0:2 --format json; expect_near n_th_poisson 1.1462 0.00005 "gain-curve threshold"
expect_out '"gain_poisson"' "gain-curve JSON arrays"

run nc auger --radius 1nm --format json;  expect_near tau_a_xx 4e-12 0.5e-12 "Auger R=1 nm"
run nc auger --radius 4nm --format json;  expect_near tau_a_xx 270e-12 5e-12 "Auger R=4 nm"
run nc auger --radius 2.5nm --material cspbbr3 --format json; expect_near chi 0.06 1e-12 "perovskite chi"
run nc auger --tau-xx 1.3ns --tau-rxx 3ns --format json
expect_near tau_a_xx 2.3e-9 0.05e-9 "tau_A from tau_XX"; expect_near q_xx 0.43 0.005 "q_XX"
run nc auger --tau-xx 1.3ns --tau-rx 12ns --format json; expect_near q_xx 0.43 0.005 "tau_rXX = tau_rX/4"

run nc pump --sigma-abs 3e-15 --photon-energy 3eV --tau-x 20ns --tau-xx 65ps --format json
expect_rc 0 "pump"; expect_near i_half 2.5e6 0.05e6 "I_1/2"; expect_out '"w_th"' "w_th key"; expect_out '"i_th"' "i_th key"
run nc current --radius 2.5nm --fill 0.5 --tau-x 20ns --tau-xx 65ps --format json
expect_near j_th 360 5 "j_th 0.36 kA/cm2"; expect_near j_half 6300 50 "j_1/2 6.3 kA/cm2"
# bare numbers are in the units --help shows (nm, ns, ps), never cm or s
run nc current --radius 2.5 --fill 0.5 --tau-x 20 --tau-xx 65 --format json
expect_near j_th 360 5 "bare numbers in the help's units"
run nc confinement --radius 2nm --me 0.13 --mh 0.45 --eg0 1.74 --format json; expect_rc 0 "confinement"
expect_out '"1P":	4.49340945790906' "1P zero"

expect_input_error "--radius: must be positive" "negative radius" -- nc current --radius -1nm --fill 0.5 --tau-x 20ns --tau-xx 65ps
expect_input_error "--fill: must lie in" "fill > 1" -- nc current --radius 2nm --fill 1.2 --tau-x 20ns --tau-xx 65ps
expect_input_error "--ge: must be positive" "zero degeneracy" -- nc threshold --ge 0
expect_input_error "--tau-x: must be positive" "negative lifetime" -- nc pump --sigma-abs 3e-15 --photon-energy 3 --tau-x -1 --tau-xx 1
expect_input_error "--ne: must not be negative" "negative charging" -- nc threshold --ne -1
expect_input_error "--statistics" "bad statistics" -- nc threshold --statistics gaussian
expect_input_error "--transition" "bad transition" -- nc threshold --transition 2S
expect_input_error "--material: unknown material" "bad material" -- nc auger --radius 2nm --material unobtainium
expect_input_error "--radius" "unit of the wrong kind" -- nc auger --radius 2ns
expect_input_error "--plot: this subcommand has no figure" "plot refused" -- nc pump --sigma-abs 1 --photon-energy 1 --tau-x 1 --tau-xx 1 --plot "$T/x.svg"
expect_input_error "required" "missing option" -- nc current --radius 2nm
expect_input_error "unknown subcommand" "unknown subcommand" -- nc frobnicate
run nc --help; expect_rc 0 "help"; expect_out "Example" "help has examples"

# nc emission (issue 14): ratio (N-2)^2/12 and occupancy (N-2)/6
run nc emission --excitons 5 --format json
expect_rc 0 "emission from N"
expect_out '"ratio_1p_1s":	0.75' "(5-2)^2/12 = 0.75"
expect_out '"occupancy_1p":	0.5' "(5-2)/6 = 0.5"
run nc emission --ratio 0.75
expect_rc 0 "N from the ratio"
expect_out "N            5 excitons" "2 + sqrt(12 x 0.75) = 5"
run nc emission --ratio 3.5 --format json
expect_rc 1 "ratio beyond 3: N not determined"
expect_out '"determined":	false' "JSON determined false"
expect_input_error "either --excitons" "emission needs one input" -- nc emission

finish
