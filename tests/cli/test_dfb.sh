#!/usr/bin/env bash
# gainkit dfb: Kogelnik-Shank thresholds (checked in the unit test against a
# transfer matrix), the same check through --check-tmm, Bragg wavelength and
# stop band, bad options.
source "$GK_SOURCE_DIR/tests/cli/lib.sh"
source "$GK_SOURCE_DIR/tests/cli/calc_lib.sh"

run dfb --kappa 40 --length 500 --format json; expect_rc 0 "dfb kappa L 2"
expect_near kappa_l 2 1e-12 "kappa L"
expect_near alpha_l 0.984669 2e-6 "lowest alpha L at kappa L = 2"
expect_near threshold_gain 39.3868 2e-4 "2 alpha (cm^-1)"
# same kappa L from other units: bit-identical physics
run dfb --kappa 4mm^-1 --length 0.05cm --format json; expect_near alpha_l 0.984669 2e-6 "units"
run dfb --kappa 100 --length 0.2mm --neff 1.75 --period 154 --check-tmm --format json -o "$T/d.csv"
expect_rc 0 "with TMM"
expect_near bragg_wavelength_nm 539 1e-9 "2 n Lambda"
expect_near stopband_halfwidth_nm 0.264216 1e-5 "kappa lambda^2/(2 pi n)"
expect_near tmm_alpha_l 0.9847 0.001 "TMM agrees"
grep -q '^alpha L,delta L,g_th' "$T/d.csv" && ok || bad "dfb CSV"
run dfb --kappa-gain 20 --length 500 --format json; expect_rc 0 "gain coupling"
expect_near delta_l 0 1e-9 "gain coupling lases at the Bragg condition"

# kappa from the stack's TE0 mode: kappa L grows linearly with L, Bragg period
# from n_eff; duty 0.5 has no second-order component
run dfb --stack "$SRC/examples/stack-dfb-cspbbr3.yaml" --grating-layer grating --fill-index 2.3 --order 2 --duty 0.75 --length 100 --format json
expect_rc 0 "stack kappa"
k1=$(jnum kappa_l); p=$(jnum period_nm); ne=$(jnum neff)
awk -v p="$p" -v n="$ne" 'BEGIN { d = p - 530 / n; exit !(d < 1e-9 && d > -1e-9) }' && ok || bad "second-order period lambda/n_eff: $p vs $ne"
run dfb --stack "$SRC/examples/stack-dfb-cspbbr3.yaml" --grating-layer grating --fill-index 2.3 --order 2 --duty 0.75 --length 200 --format json
k2=$(jnum kappa_l)
awk -v a="$k1" -v b="$k2" 'BEGIN { r = b / a; exit !(r > 2 - 1e-12 && r < 2 + 1e-12) }' && ok || bad "kappa L linear in L: $k1 $k2"
expect_input_error "--duty: a rectangular grating of duty cycle 0.5 has no order-2" "duty 0.5 second order" -- dfb --stack "$SRC/examples/stack-dfb-cspbbr3.yaml" --grating-layer grating --fill-index 2.3 --order 2 --length 200
expect_input_error "--grating-layer: .* has no interior layer 'nope'" "unknown grating layer" -- dfb --stack "$SRC/examples/stack-dfb-cspbbr3.yaml" --grating-layer nope --length 200
expect_input_error "--kappa: give either" "kappa and stack" -- dfb --stack "$SRC/examples/stack-dfb-cspbbr3.yaml" --grating-layer grating --kappa 10 --length 200
expect_input_error "need --stack" "duty without stack" -- dfb --kappa 10 --length 200 --duty 0.3
expect_input_error "--length is required" "no length" -- dfb --kappa 40
expect_input_error "give --kappa" "no kappa" -- dfb --length 500
expect_input_error "--kappa: must not be negative" "negative kappa" -- dfb --kappa -3 --length 500
expect_input_error "--order: must be 1 or 2" "order 3" -- dfb --kappa 40 --length 500 --neff 1.7 --period 150 --order 3
expect_input_error "go together" "neff without period" -- dfb --kappa 40 --length 500 --neff 1.7
expect_input_error "--kappa: kappa L" "kappa L too large" -- dfb --kappa 1e4 --length 500
expect_input_error "--check-tmm" "tmm without neff" -- dfb --kappa 40 --length 500 --check-tmm
expect_input_error "--kappa: index and gain" "zero coupling" -- dfb --kappa 0 --length 500
# second order from the stack: the radiation coupling raises the threshold;
# --no-radiation gives back the index-coupled value printed beside it
G="$SRC/examples/stack-dfb-cspbbr3.yaml"
run dfb --stack "$G" --grating-layer grating --fill-index 2.3 --order 2 --duty 0.75 --length 50 --format json
expect_rc 0 "order 2 with radiation"
zr=$(jnum zeta_re); g=$(jnum threshold_gain); g0=$(jnum threshold_gain_no_radiation)
awk -v z="$zr" -v g="$g" -v g0="$g0" 'BEGIN { exit !(z > 0 && g > g0 && g0 > 0) }' && ok || bad "radiation: zeta $zr, g_th $g vs $g0"
run dfb --stack "$G" --grating-layer grating --fill-index 2.3 --order 2 --duty 0.75 --length 50 --no-radiation --format json
expect_near threshold_gain "$g0" 1e-9 "--no-radiation = index-coupled threshold"
# threshold map over period and duty: the duty-0.5 row has no coupling (null
# with a reason), every other cell a threshold; cells below --ase-gain counted
run dfb --stack "$G" --grating-layer grating --fill-index 2.3 --order 2 --length 50 --map-period 265:275 \
  --map-duty 0.25:0.75 --map-steps 3 --ase-gain 100 --format json -o "$T/map.csv" --plot "$T/map.svg"
expect_rc 0 "map"
[ "$(printf '%s' "$OUT" | grep -c '"threshold_gain":	null')" -eq 3 ] && ok || bad "map: 3 null cells at duty 0.5"
[ "$(printf '%s' "$OUT" | grep -c '"below_ase"')" -eq 6 ] && ok || bad "map: 6 cells compared with ASE"
[ "$(wc -l < "$T/map.csv")" -ge 10 ] && ok || bad "map CSV rows"
[ -s "$T/map.svg" ] && ok || bad "map plot"
no_nonfinite "$T/map.csv" "map csv"
expect_input_error "go together" "map period alone" -- dfb --stack "$G" --grating-layer grating --length 50 --map-period 265:275
expect_input_error "--ase-gain: is compared" "ase without map" -- dfb --stack "$G" --grating-layer grating --duty 0.3 --length 50 --ase-gain 100
expect_input_error "--map-duty: must lie inside" "duty range 0:1" -- dfb --stack "$G" --grating-layer grating --length 50 --map-period 265:275 --map-duty 0:0.9
expect_input_error "need --stack" "map without stack" -- dfb --kappa 10 --length 50 --map-period 265:275 --map-duty 0.2:0.4
expect_input_error "--no-radiation: applies" "no-radiation order 1" -- dfb --kappa 10 --length 50 --no-radiation
run dfb --kappa 100 --length 200 --plot "$T/d.svg"; expect_rc 0 "dfb plot"
[ -s "$T/d.svg" ] && ok || bad "dfb plot file"
run dfb --help; expect_rc 0 "help"; expect_out "Examples:" "help examples"

# A grating shallower than its layer (--depth): the top d nm become a
# sub-layer. Same kappa and n_eff as the stack written with the layer split
# by hand; kappa grows with the depth; a depth not below the layer is refused.
cat > "$T/split.yaml" <<'Y'
wavelength_nm: 530
layers:
  - {name: air, n: 1.0}
  - {name: CsPbBr3, n: 2.30, thickness_nm: 120, active: true}
  - {name: grating, n: 1.46, thickness_nm: 15}
  - {name: rest, n: 1.46, thickness_nm: 25}
  - {name: quartz, n: 1.46}
Y
for pol in te tm; do
  run dfb --stack "$SRC/examples/stack-dfb-cspbbr3.yaml" --grating-layer grating --fill-index 2.3 --depth 15 --pol $pol --length 20 --format json
  expect_rc 0 "partial depth ($pol)"
  kd=$(jnum kappa); nd=$(jnum neff)
  run dfb --stack "$T/split.yaml" --grating-layer grating --fill-index 2.3 --pol $pol --length 20 --format json
  expect_rc 0 "split stack ($pol)"
  expect_near kappa "$kd" 1e-9 "--depth 15 = the layer split by hand ($pol)"
  expect_near neff "$nd" 1e-12 "--depth 15: same n_eff as the split stack ($pol)"
done
expect_out '"pol":	"TM"' "pol in the JSON"
run dfb --stack "$SRC/examples/stack-dfb-cspbbr3.yaml" --grating-layer grating --fill-index 2.3 --depth 5 --length 20 --format json
k5=$(jnum kappa)
run dfb --stack "$SRC/examples/stack-dfb-cspbbr3.yaml" --grating-layer grating --fill-index 2.3 --depth 30 --length 20 --format json
k30=$(jnum kappa)
run dfb --stack "$SRC/examples/stack-dfb-cspbbr3.yaml" --grating-layer grating --fill-index 2.3 --length 20 --format json
k40=$(jnum kappa)
awk -v a="$k5" -v b="$k30" -v c="$k40" 'BEGIN { exit !(a > 0 && a < b && b < c) }' && ok || bad "kappa grows with depth: $k5 $k30 $k40"
run dfb --stack "$SRC/examples/stack-dfb-cspbbr3.yaml" --grating-layer grating --fill-index 2.3 --depth 40 --length 20
expect_rc 2 "depth not below the layer"; expect_err "is not below the thickness" "depth message"
# TM: smaller coupling than TE for this guide; TM second order needs --no-radiation
run dfb --stack "$SRC/examples/stack-dfb-cspbbr3.yaml" --grating-layer grating --fill-index 2.3 --pol tm --length 20 --format json
kt=$(jnum kappa)
awk -v a="$kt" -v b="$k40" 'BEGIN { exit !(a > 0 && a < b) }' && ok || bad "TM kappa $kt below TE $k40"
run dfb --stack "$SRC/examples/stack-dfb-cspbbr3.yaml" --grating-layer grating --fill-index 2.3 --pol tm --order 2 --duty 0.75 --length 20
expect_rc 2 "TM second order without --no-radiation"; expect_err "TE only" "TM radiation message"
run dfb --stack "$SRC/examples/stack-dfb-cspbbr3.yaml" --grating-layer grating --fill-index 2.3 --pol tm --order 2 --duty 0.75 --no-radiation --length 20 --format json
expect_rc 0 "TM second order, radiation left out"
run dfb --kappa 40 --length 500 --depth 10; expect_rc 2 "--depth needs --stack"
run dfb --stack "$SRC/examples/stack-dfb-cspbbr3.yaml" --grating-layer grating --pol xm --length 20
expect_rc 2 "bad --pol"

# Facets and a quarter-wave phase shift (library checked against RK4
# shooting in tests/unit/test_dfb.c): the shifted grating lases at the Bragg
# condition; a Fabry-Perot limit; bad input.
run dfb --kappa 40 --length 500 --shift 180 --format json; expect_rc 0 "quarter-wave shift"
expect_near delta_l 0 1e-9 "quarter-wave shifted grating lases at delta = 0"
expect_near alpha_l 0.697135 2e-6 "quarter-wave shifted, kappa L = 2"
expect_near phase_shift_deg 180 0 "shift in the JSON"
run dfb --kappa 1e-4 --length 0.1 --facets 0.25:0.25 --format json; expect_rc 0 "Fabry-Perot limit"
expect_near alpha_l 0.693147 1e-4 "-ln(r1 r2)/2 = ln 2 for R = 0.25"
run dfb --kappa 40 --length 500 --facets 1:0.3; expect_rc 2 "reflectance 1"; expect_err "not in \[0, 1\)" "reflectance message"
run dfb --kappa 40 --length 500 --facets 0.3; expect_rc 2 "one reflectance"
run dfb --kappa 40 --length 500 --facet-phase 0:90; expect_rc 2 "--facet-phase needs --facets"
run dfb --kappa 100 --length 0.2mm --neff 1.75 --period 154nm --check-tmm --shift 180; expect_rc 2 "TMM is the uniform grating"
run dfb --stack "$SRC/examples/stack-dfb-cspbbr3.yaml" --grating-layer grating --fill-index 2.3 --order 2 --duty 0.75 --length 20 --shift 180
expect_rc 2 "second order radiation with a shift"; expect_err "no-radiation" "radiation/shift message"
run dfb --stack "$SRC/examples/stack-dfb-cspbbr3.yaml" --grating-layer grating --fill-index 2.3 --order 2 --duty 0.75 --length 20 --shift 180 --no-radiation --format json
expect_rc 0 "second order, shift, radiation left out"; expect_near delta_l 0 1e-9 "shifted second-order grating at delta = 0"

# Gain coupling from the stack: the grating layer's k (here gain, k < 0).
# kappa_gain = -k0 Im(eps_1) Gamma / (2 n_eff) in the Kogelnik-Shank sign
# (the conjugation checked against a transfer matrix in the unit test); with
# gain in the high-index teeth (in phase) the long-wavelength band edge,
# whose standing wave sits in the high-index regions, lases first.
cat > "$T/gain.yaml" <<'Y'
wavelength_nm: 530
layers:
  - {name: air, n: 1.0}
  - {name: film, n: 1.60, thickness_nm: 300}
  - {name: grating, n: 1.90, k: -0.002, thickness_nm: 60}
  - {name: quartz, n: 1.46}
Y
run dfb --stack "$T/gain.yaml" --grating-layer grating --fill-index 1.6 --length 20 --format json
expect_rc 0 "gain-coupled stack grating"
kg=$(jnum kappa_gain); ne=$(jnum neff); gm=$(jnum confinement_grating)
awk -v kg="$kg" -v ne="$ne" -v g="$gm" 'BEGIN { pi = atan2(0, -1); k0 = 2 * pi / 530e-7; em = 2 * 1.9 * 0.002 / pi;
  ref = k0 * em * g / (2 * ne); d = kg / ref - 1; exit !(d < 1e-9 && d > -1e-9) }' && ok || bad "kappa_gain $kg vs closed form"
dl=$(jnum delta_l); awk -v d="$dl" 'BEGIN { exit !(d < -1) }' && ok || bad "in-phase gain coupling: the long-wavelength edge (delta < 0) first, got $dl"
run dfb --stack "$T/gain.yaml" --grating-layer grating --fill-index 1.6 --length 20 --kappa-gain 10
expect_rc 2 "--kappa-gain with --stack"
finish
