#!/usr/bin/env bash
# gainkit heat: tau_T check of docs/physics.md §8, pulse and train outputs, the
# K/C fit on the bundled example, bad options.
source "$GK_SOURCE_DIR/tests/cli/lib.sh"
source "$GK_SOURCE_DIR/tests/cli/calc_lib.sh"

run heat --k 4.8e-3 --c 1.9e-8 --power 0.1 --format json; expect_rc 0 "heat d.c."
# [Ahn et al., Chem. Rev. 2023] prints 3.9 us for C/K = 3.958 us (truncated); test the quotient to 1e-4.
expect_near tau_t 3.9583e-6 0.0001e-6 "tau_T"
expect_near delta_t_dc 20.8333 0.0001 "d.c. rise P/K"
run heat --k 4.8mW/K --c 19nJ/K --area 1e-3 --current-density 100A/cm2 --voltage 1 --pulse 1us --format json
expect_near power 0.1 1e-12 "A_d j V"
expect_near delta_t_pulse 4.6510 0.0001 "Eq. 12 single pulse"
run heat --k 4.8e-3 --c 1.9e-8 --power 0.1 --pulse 1us --duty 0.2 --format json -o "$T/h.csv" --plot "$T/h.svg"
expect_rc 0 "train"; expect_near delta_t_max 6.4845 0.0001 "steady max"; expect_near delta_t_min 2.3605 0.0001 "steady min"
[ -s "$T/h.svg" ] && ok || bad "heat plot"
grep -q '^t (s),DT (K)' "$T/h.csv" && ok || bad "heat CSV"
run heat --fit "$SRC/examples/heat_pulse_length.csv" --format json --plot "$T/f.svg"
expect_rc 0 "fit"; expect_out '"converged":	true' "fit converged"
v=$(printf '%s\n' "$OUT" | tr -d '\n\t ' | sed -n 's/.*"tau_t":{"value":\([-+0-9.eE]*\).*/\1/p')
awk -v v="$v" 'BEGIN { exit !(v > 3.8e-6 && v < 4.1e-6) }' && ok || bad "fitted tau_T $v (3 % ripple on 3.96 us)"
expect_out '"observable":	"average"' "default observable: pulse-averaged (Ahn et al. 2023 Fig. 34b)"
# each observable on data of its kind: tau_T 3.96 us, C 19 nJ/K
for spec in "heat_pulse_length.csv average" "heat_pulse_end.csv end"; do
  set -- $spec
  run heat --fit "$SRC/examples/$1" --observable "$2" --format json
  expect_rc 0 "fit $1 as $2"
  v=$(printf '%s\n' "$OUT" | tr -d '\n\t ' | sed -n 's/.*"tau_t":{"value":\([-+0-9.eE]*\).*/\1/p')
  cc=$(printf '%s\n' "$OUT" | tr -d '\n\t ' | sed -n 's/.*"c":{"value":\([-+0-9.eE]*\).*/\1/p')
  awk -v v="$v" -v c="$cc" 'BEGIN { exit !(v > 3.8e-6 && v < 4.1e-6 && c > 1.8e-8 && c < 2.0e-8) }' && ok || bad "$1 as $2: tau_T $v, C $cc"
done
expect_input_error "--observable" "bad observable" -- heat --fit "$SRC/examples/heat_pulse_length.csv" --observable peak
expect_input_error "--observable applies" "observable without fit" -- heat --k 1e-3 --c 1e-8 --power 1 --observable end

expect_input_error "--k: must be positive" "negative K" -- heat --k -1 --c 1e-8 --power 1
expect_input_error "--power: must not be negative" "negative power" -- heat --k 1e-3 --c 1e-8 --power -1
expect_input_error "--duty: must lie in" "duty > 1" -- heat --k 1e-3 --c 1e-8 --power 1 --pulse 1us --duty 1.5
expect_input_error "--period: must be longer" "period < pulse" -- heat --k 1e-3 --c 1e-8 --power 1 --pulse 1us --period 0.5us
expect_input_error "needs --pulse" "train without pulse" -- heat --k 1e-3 --c 1e-8 --power 1 --duty 0.5
expect_input_error "--c is required" "missing C" -- heat --k 1e-3 --power 1
# At a bound: a flat DT/P (every pulse far longer than the thermal time)
# puts tau_T on its bound 0 (the old model could not evaluate there: no
# output at all); K = 1/(DT/P) = 0.5 W/K exactly, C and tau_T "at bound",
# JSON "at_bound": "lower", not determined, exit 1.
printf 't_p,dt\n1e-3,2.0\n2e-3,2.0\n5e-3,2.0\n1e-2,2.0\n2e-2,2.0\n' > "$T/flat.csv"
run heat --fit "$T/flat.csv" --format json
expect_rc 1 "tau_T at its bound: not determined"
j=$(printf '%s' "$OUT" | tr -d '\n\t ')
v=$(printf '%s' "$j" | sed -n 's/.*"k":{"value":\([-+0-9.eE]*\).*/\1/p')
awk -v v="$v" 'BEGIN { exit !(v > 0.5 - 1e-9 && v < 0.5 + 1e-9) }' && ok || bad "K = 1/(DT/P) on flat data: $v"
case "$j" in *'"tau_t":{"value":0,'*'"determined":false'*'"at_bound":"lower","bound":0}'*) ok ;; *) bad "tau_T at_bound: $j" ;; esac
run heat --fit "$T/flat.csv"
expect_rc 1 "text at bound"; expect_out "tau_T        at bound (tau_T >= 0): best fit 0 s" "text says at bound"
run heat --help; expect_rc 0 "help"; expect_out "Examples:" "help examples"
finish
