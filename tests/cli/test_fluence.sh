#!/usr/bin/env bash
# gainkit fluence, gain-chain, ses: hand-computed fluences, the bundled
# knife-edge / camera profiles (known w), the stack absorption, the chain on
# the bundled Tatarinov-like series (Table 1 parameters recovered), the SES
# loss at 531 nm, bad input.
source "$GK_SOURCE_DIR/tests/cli/lib.sh"
source "$GK_SOURCE_DIR/tests/cli/calc_lib.sh"
EX="$SRC/examples/fluence"
printf 'x (um),P\n1,1\n2,1\n3,1\n4,1\n5,1\n' >"$T/flat.csv"
# value of {"KEY": {"value": V, ...}} in $OUT
jval() { printf '%s\n' "$OUT" | tr -d '\n\t ' | sed -n "s/.*\"$1\":{\"value\":\([-+0-9.eE]*\).*/\1/p" | head -n1; }
jse() { printf '%s\n' "$OUT" | tr -d '\n\t ' | sed -n "s/.*\"$1\":{\"value\":[-+0-9.eE]*,\"stderr\":\([-+0-9.eE]*\).*/\1/p" | head -n1; }
near() { awk -v v="$1" -v r="$2" -v t="$3" 'BEGIN { d = v - r; if (d < 0) d = -d; exit !(v != "" && d <= t) }' && ok || bad "$4: $1 vs $2 +- $3"; }

# rectangle 4 mm x 100 um, 10 uJ: 2500 uJ/cm2 = 2.5e-3 J/cm2
run fluence --energy 10 --length 4mm --width 100um --format json; expect_rc 0 "rect"
near "$(jval fluence_peak)" 2.5e-3 1e-12 "rectangle F"
# Gaussian w = 100 um, 1 uJ: 2E/(pi w^2) = 6.3662e-3 J/cm2; average half of it
run fluence --energy 1 --w 100 --format json; near "$(jval fluence_peak)" 6.36620e-3 1e-8 "Gaussian peak"
near "$(jval fluence_average)" 3.18310e-3 1e-8 "Gaussian average"
# FWHM 117.74 um is w = 100 um; power 2 mW at 1 kHz = 2 uJ; OD 1 -> 0.2 uJ
run fluence --power 2 --rep-rate 1 --fwhm 117.741 --od 1 --pulse-fwhm 100fs --format json
near "$(jval energy)" 2e-7 1e-15 "P/f and OD"
near "$(jval fluence_peak)" 1.27324e-3 1e-8 "FWHM conversion"
near "$(jval intensity_peak)" 1.19612e10 2e5 "Gaussian pulse peak intensity 0.9394 F/t"
# circle 200 um: 4E/(pi D^2); relative size error 5 % -> 10 % on F
run fluence --energy 1 --diameter 200 --size-rel-err 0.05 --format json
near "$(jval fluence_peak)" 3.18310e-3 1e-8 "circle"; near "$(jse fluence_peak)" 3.18310e-4 1e-8 "circle error"
# knife edge generated with w = 75 um
run fluence --energy 5 --knife-edge "$EX/knife-edge.csv" --format json -o "$T/ke.csv" --plot "$T/ke.svg"
expect_rc 0 "knife edge"; w=$(jval w); near "$w" 75e-4 1e-4 "knife-edge w (75 um, 0.3 % noise; se 0.3 um)"
[ -s "$T/ke.svg" ] && ok || bad "knife-edge plot"
grep -q '^x (um),signal,fit' "$T/ke.csv" && ok || bad "knife-edge CSV"
# camera profile generated with w = 60 um
run fluence --energy 20 --length 2mm --profile "$EX/stripe-profile.csv" --format json
near "$(jval w)" 60e-4 0.6e-4 "line profile w (se 0.17 um)"
# stack absorption: 100 nm n = 2.2 + 0.318i on quartz at 400 nm
run fluence --energy 1 --w 100 --stack "$EX/stack-pump.yaml" --pump-wavelength 400 --emission-wavelength 540 --format json -o "$T/nz.csv"
expect_rc 0 "stack"; near "$(jval absorbed)" 0.57327 2e-4 "absorbed (Airy film value 0.5733)"
expect_out '"confinement"' "Gamma reported"
grep -q '^z (nm),N (cm^-3)' "$T/nz.csv" && ok || bad "N(z) CSV"
# Beer-Lambert with l_p = 200 nm (1/e^2): alpha = 1e5 cm^-1; 100 nm absorbs 1 - e^-1
run fluence --energy 1 --w 100 --lp 200 --thickness 100 --pump-wavelength 400 --format json
v=$(printf '%s\n' "$OUT" | tr -d '\n\t ' | sed -n 's/.*"carriers":{[^}]*"absorbed":\([-+0-9.eE]*\).*/\1/p')
near "$v" 0.632121 1e-5 "Beer-Lambert absorbed 1 - 1/e"

# the chain on the bundled series: Table 1 LG-thin sigma 4e-16, N_th 1e18, N_s 5e19
run gain-chain "$EX"/series/*.csv --stack "$EX/stack-pump.yaml" --format json -o "$T/chain.csv" --plot "$T/gn.svg"
expect_rc 0 "gain-chain"
s=$(jval sigma); se=$(jse sigma); near "$s" 4e-16 "$(awk -v s="$se" 'BEGIN{print 3*s}')" "sigma within 3 se"
s=$(jval n_th); se=$(jse n_th); near "$s" 1e18 "$(awk -v s="$se" 'BEGIN{print 3*s}')" "N_th within 3 se"
s=$(jval n_s); se=$(jse n_s); near "$s" 5e19 "$(awk -v s="$se" 'BEGIN{print 3*s}')" "N_s within 3 se"
[ -s "$T/gn.svg" ] && ok || bad "G(N) plot"
grep -q '^F (uJ/cm2),G (cm^-1),se_G (cm^-1),N (cm^-3),G_fit' "$T/chain.csv" && ok || bad "chain CSV"
# --small-signal: every scan of the series is small-signal ("not reached"), same answer
run gain-chain "$EX"/series/*.csv --stack "$EX/stack-pump.yaml" --small-signal
expect_rc 0 "small-signal"; expect_out "not reached" "small-signal range covers unsaturated scans"
expect_out "L_th (um)" "threshold length column"
# without saturation in the data N_s is not determined: G = 50 (F - 10) cm^-1
# exactly (vsl1, A = 1e4), five fluences
mkdir -p "$T/lin"
for F in 20 40 60 80 100; do
  awk -v F="$F" 'BEGIN { g = 50 * (F - 10); print "L (um),I"; for (i = 1; i <= 10; i++) { L = i * 30e-4; printf "%.1f,%.10g\n", L * 1e4, 1e4 / g * (exp(g * L) - 1) } }' >"$T/lin/vsl-F${F}uJcm2.csv"
done
run gain-chain "$T"/lin/*.csv --gamma 0.7 --thickness 100 --absorbed 0.5
expect_out "N_s          not determined" "N_s not determined without saturation"
# fluences from a list must match the files; sidecar
printf 'file,fluence (mJ/cm2)\n' >"$T/side.csv"
for f in "$EX"/series/*.csv; do b=$(basename "$f"); n=${b#vsl-F}; n=${n%uJcm2.csv}; printf '%s,%s\n' "$b" "$(awk -v n="$n" 'BEGIN{print n/1000}')" >>"$T/side.csv"; done
run gain-chain "$EX"/series/*.csv --sidecar "$T/side.csv" --gamma 0.741 --thickness 100 --absorbed 0.57327 --pump-wavelength 400 --format json
expect_rc 0 "sidecar"; near "$(jval n_th)" 1e18 0.05e18 "sidecar chain N_th"

# SES at 531 nm: alpha 1.06 (Milanese et al. 2024 Fig. S1)
run ses "$EX/ses-531nm.csv" --format json; expect_rc 0 "ses"
near "$(jval alpha)" 1.06 0.09 "ses alpha"
run ses --matrix "$EX/ses-matrix.csv" -o "$T/losses.csv"; expect_rc 0 "ses matrix"
grep -q '^wavelength (nm),alpha (cm^-1)' "$T/losses.csv" && ok || bad "losses CSV"
a=$(awk -F, '$1 == 530 { print $2 }' "$T/losses.csv"); near "$a" "$(awk 'BEGIN{print 1.06 + 4*exp(-30/12)}')" 0.05 "ses matrix alpha(530)"
# the losses file is what vpi --losses reads
run vpi "$SRC/examples/vpi-ddab.csv" --model vpi1 --losses "$T/losses.csv" --window 510:550
[ "$RC" -ne 2 ] && ok || bad "vpi --losses does not read the ses output: $ERR"

# threshold versus bias: 68 - 1.8 V uJ/cm2 (Qin et al. 2021 Fig. 2f, 68 -> 32)
run trend "$EX"/trend/series-*V.csv --param bias --format json -o "$T/trend.csv" --plot "$T/trend.svg"
expect_rc 0 "trend"
b=$(printf '%s\n' "$OUT" | tr -d '\n\t ' | sed -n 's/.*"slope":{"value":\([-+0-9.eE]*\),"stderr":\([-+0-9.eE]*\).*/\1 \2/p')
near "${b% *}" -1.8 "$(awk -v s="${b#* }" 'BEGIN{print 3*s}')" "trend slope within 3 se"
[ -s "$T/trend.svg" ] && ok || bad "trend plot"
grep -q '^value,threshold,se' "$T/trend.csv" && ok || bad "trend CSV"
expect_out '"parameter_unit":	"V"' "unit from the file names"
run trend "$EX"/trend/series-*V.csv --values 0,5,10,15,20 --format json; expect_rc 0 "--values"

# VSL under a Gaussian pump along the stripe: gamma 30, alpha 1.06 -> g 28.94
run vsl-profile "$EX/vsl-nonuniform.csv" --profile "$EX/pump-along-stripe.csv" --alpha 1.06 --format json --plot "$T/vp.svg"
expect_rc 0 "vsl-profile"
g=$(jval gamma); se=$(jse gamma); near "$g" 30 "$(awk -v s="$se" 'BEGIN{print 3*s}')" "profile-corrected gamma within 3 se"
g1=$(jval g_vsl1); awk -v a="$g1" -v b="$(jval g_uniform)" -v s="$se" 'BEGIN { d = a - b; exit !(d > 10 * s) }' && ok || bad "uncorrected vsl1 is biased high ($g1)"
[ -s "$T/vp.svg" ] && ok || bad "vsl-profile plot"
expect_input_error "covers" "profile too short" -- vsl-profile "$EX/vsl-nonuniform.csv" --profile "$T/flat.csv"
expect_input_error "--profile is required" "no profile" -- vsl-profile "$EX/vsl-nonuniform.csv"

# bad input
expect_input_error "--values: 2 values" "value count" -- trend "$EX"/trend/series-*V.csv --values 1,2
expect_input_error "same parameter value" "duplicate values" -- trend "$EX"/trend/series-*V.csv --values 1,1,2,3,4
expect_input_error "at least 3" "too few series" -- trend "$EX/trend/series-00V.csv"
expect_input_error "--method: kink or lines" "bad method" -- trend "$EX"/trend/series-*V.csv --method eye
printf 'x (um),P\n1,1\n2,abc\n' >"$T/bad.csv"
expect_input_error "either --energy" "no energy" -- fluence --length 1 --width 1
expect_input_error "--energy: " "negative energy" -- fluence --energy -1 --length 1 --width 1
expect_input_error "needs --rep-rate" "power without rate" -- fluence --power 1 --w 10
expect_input_error "give the spot" "no spot" -- fluence --energy 1
expect_input_error "rectangle needs" "rect without width" -- fluence --energy 1 --spot rect --length 1
expect_input_error "--spot: unknown" "bad spot" -- fluence --energy 1 --spot square --w 1
expect_input_error "--transmission: " "T > 1" -- fluence --energy 1 --w 1 --transmission 2
expect_input_error "does not change" "flat knife edge" -- fluence --energy 1 --knife-edge "$T/flat.csv"
expect_input_error "bad.csv:3:" "bad number in profile" -- fluence --energy 1 --profile "$T/bad.csv"
expect_input_error "does not absorb" "k = 0 at the pump" -- fluence --energy 1 --w 10 --stack "$SRC/examples/stack-cspbbr3.yaml" --pump-wavelength 400
expect_input_error "needs --thickness" "lp without thickness" -- fluence --energy 1 --w 10 --lp 200 --pump-wavelength 400
expect_input_error "at least 4" "too few scans" -- gain-chain "$EX/series/vsl-F0010uJcm2.csv"
expect_input_error "no fluence in the name" "no fluence" -- gain-chain "$T/flat.csv" "$T/flat.csv" "$T/flat.csv" "$T/flat.csv" --gamma 0.7 --thickness 100 --absorbed 0.5
expect_input_error "--fluences: 2 values" "fluence count" -- gain-chain "$EX"/series/*.csv --fluences 1,2 --gamma 0.7 --thickness 100 --absorbed 0.5
expect_input_error "--small-signal: uses vsl1" "small-signal with another model" -- gain-chain "$EX"/series/*.csv --stack "$EX/stack-pump.yaml" --small-signal --model sat
expect_input_error "--stack gives Gamma" "stack and gamma" -- gain-chain "$EX"/series/*.csv --stack "$EX/stack-pump.yaml" --gamma 0.5
printf 'x (cm),I\n0,1\n0.1,-1\n0.2,0.5\n' >"$T/neg.csv"
expect_input_error "neg.csv:3: intensity must be > 0" "negative SES intensity" -- ses "$T/neg.csv"
for c in fluence gain-chain ses trend vsl-profile; do run $c --help; expect_rc 0 "$c help"; expect_out "Examples:" "$c help examples"; done
finish
