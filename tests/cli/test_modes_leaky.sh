#!/usr/bin/env bash
# gainkit modes --leaky: a leaky slab (film below the substrate index), the
# Bragg reflection waveguide example with a repeat: DBR, bad input.
source "$GK_SOURCE_DIR/tests/cli/lib.sh"
source "$GK_SOURCE_DIR/tests/cli/calc_lib.sh"

cat > "$T/slab.yaml" <<'Y'
wavelength_nm: 633
layers:
  - {name: air, n: 1.0}
  - {name: film, n: 1.45, thickness_nm: 2000, active: true}
  - {name: sub, n: 1.60}
Y
run modes "$T/slab.yaml" --leaky --pol te --format json; expect_rc 0 "leaky slab"
expect_out '"radiates_substrate":	true' "radiates into the substrate"
expect_out '"bragg":	false' "no DBR, no Bragg mode"
# no guided mode at all in this stack, but leaky ones
run modes "$T/slab.yaml" --pol te --format json; expect_rc 0 "guided search"; expect_out '"modes":	[]' "no guided mode"

run modes "$SRC/examples/stack-brw-dbr.yaml" --leaky --pol te --format json -o "$T/l.csv"
expect_rc 0 "BRW"
expect_out '"periods":	10' "repeat: 10 DBR found as a periodic section"
expect_out '"bragg":	true' "a Bragg mode in the stop band"
expect_near critical_angle_deg 52.1364 1e-3 "asin(1.5/1.9)"
# the example's documented numbers (docs/modes.md): the Bragg mode's loss is
# Ag absorption, 45.5 cm^-1 at a gain-weighted QD confinement 0.222
expect_near loss_cm 45.49 0.01 "BRW example loss"
expect_near gain_confinement_core 0.2220 2e-4 "BRW example gain-weighted confinement"
expect_near leakage_cm 0 1e-3 "BRW example: no leakage through 10 pairs"
grep -q '^pol (0=TE 1=TM),neff_re' "$T/l.csv" && ok || bad "leaky CSV"

# The Ahn et al. BRW under its stated assumptions (examples/stack-brw-ahn.yaml:
# TFB n 1.54, lossless ITO, bulk Ag): the reported Gamma ~ 23 % (gain-weighted)
# and loss ~ 16 cm^-1, and the same mode from an independent computation
# (tests/brw_poles.py: poles of the round-trip response in the QD layer from
# Rouard's recursion of Fresnel coefficients, field integrated separately).
run modes "$SRC/examples/stack-brw-ahn.yaml" --leaky --pol te --format json
expect_rc 0 "Ahn BRW"
expect_out '"bragg":	true' "Ahn BRW: a Bragg mode in the stop band"
expect_near loss_cm 16.0 0.1 "Ahn BRW loss ~ 16 cm^-1 (reported)"
expect_near gain_confinement_core 0.23 0.0015 "Ahn BRW gain-weighted confinement ~ 0.23 (reported)"
expect_near leakage_cm 0 1e-3 "Ahn BRW: the loss is Ag absorption"
if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import numpy, yaml' 2>/dev/null; then
  REF=$(/usr/bin/python3 "$SRC/tests/brw_poles.py" "$SRC/examples/stack-brw-ahn.yaml" 1.40 1.499 2e-3)
  read -r pre pim ploss pgam pgw <<< "$REF"
  GK=$OUT
  expect_near re "$pre" 1e-9 "Ahn BRW n_eff vs the independent pole ($REF)"
  expect_near im "$pim" 1e-10 "Ahn BRW Im n_eff vs the independent pole"
  expect_near loss_cm "$ploss" 1e-4 "Ahn BRW loss vs the independent pole"
  expect_near gain_confinement_core "$pgw" 1e-6 "Ahn BRW Gamma_g vs the independent field integral"
  c3=$(printf '%s\n' "$GK" | tr -d '\n\t ' | awk -F'"confinement":\\[' '{ print $2 }' | cut -d']' -f1 | cut -d, -f4)
  awk -v a="$c3" -v b="$pgam" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 1e-6) }' && ok \
    || bad "Ahn BRW QD confinement $c3 vs independent $pgam"
else
  echo "note: /usr/bin/python3 with numpy and yaml not found; the independent pole check is skipped"
fi
# profiles of the leaky modes: CSV (peak 1 inside the stack) and a figure over the DBR
run modes "$SRC/examples/stack-brw-dbr.yaml" --leaky --pol te --profile "$T/p.csv" --plot "$T/p.svg"
expect_rc 0 "leaky profiles"
grep -q '^x (nm),n,k,TE leaky 0 |E|^2' "$T/p.csv" && ok || bad "profile header"
awk -F, '!/^#/ && NR > 1 && $1 + 0 >= 0 && $1 + 0 <= 3000 && $4 + 0 > m { m = $4 + 0 } END { exit !(m > 0.999 && m <= 1) }' "$T/p.csv" && ok || bad "profile peak 1"
no_nonfinite "$T/p.csv" "profile CSV"
[ -s "$T/p.svg" ] && ok || bad "leaky plot"

cat > "$T/bad-rep.yaml" <<'Y'
layers:
  - {name: air, n: 1.0}
  - repeat: 2.5
    layers:
      - {name: a, n: 2, thickness_nm: 50}
  - {name: sub, n: 1.5}
Y
expect_input_error "bad-rep.yaml:3: repeat must be a whole number" "fractional repeat" -- modes "$T/bad-rep.yaml" --wavelength 600 --leaky
cat > "$T/bad-rep2.yaml" <<'Y'
layers:
  - {name: air, n: 1.0}
  - repeat: 3
    layer:
      - {name: a, n: 2, thickness_nm: 50}
  - {name: sub, n: 1.5}
Y
expect_input_error "bad-rep2.yaml:4: unknown key 'layer' in a repeat group" "typo in a repeat group" -- modes "$T/bad-rep2.yaml" --wavelength 600
cat > "$T/bad-rep3.yaml" <<'Y'
layers:
  - {name: air, n: 1.0}
  - repeat: 2
    layers:
      - {name: a, n: 2, thickness_nm: 50, active: true}
  - {name: sub, n: 1.5}
Y
expect_input_error "bad-rep3.yaml:5: more than one active layer" "active layer repeated" -- modes "$T/bad-rep3.yaml" --wavelength 600
expect_input_error "--leaky: not with" "leaky with sweep" -- modes "$T/slab.yaml" --leaky --sweep film:100:200:50
finish
