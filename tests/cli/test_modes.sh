#!/usr/bin/env bash
# gainkit modes: output forms, options, sweeps, plots and input errors.
source "$GK_SOURCE_DIR/tests/cli/lib.sh"
EX="$SRC/examples"

run modes "$EX/stack-cspbbr3.yaml"
expect_rc 0 "modes text"
expect_out "TE0" "TE0 listed"
expect_out "0.7410" "TE0 confinement 0.741 (docs/physics.md §9)"
expect_out "loss (cm^-1)" "loss column with unit"

run modes "$EX/stack-cspbbr3.yaml" --format json
expect_rc 0 "modes json"
expect_out '"command":	"modes"' "command"
expect_out '"wavelength_nm":	540' "wavelength"
expect_out '"pol":	"TE"' "TE mode"
expect_out '"pol":	"TM"' "TM mode"
expect_out '"confinement":	[' "confinement array"
expect_out '"loss_cm":' "loss"
expect_out '"converged":	true' "converged"
# TE modes come before TM modes
te=$(printf '%s' "$OUT" | grep -n '"pol":	"TE"' | head -1 | cut -d: -f1)
tm=$(printf '%s' "$OUT" | grep -n '"pol":	"TM"' | head -1 | cut -d: -f1)
[ "$te" -lt "$tm" ] && ok || bad "TE before TM"

run modes "$EX/stack-cspbbr3.yaml" --wavelength 0.54um --pol te --format json
expect_rc 0 "unit suffix, --pol te"
expect_out '"wavelength_nm":	540' "0.54um is 540 nm"
printf '%s' "$OUT" | grep -q '"pol":	"TM"' && bad "--pol te printed TM" || ok

run modes "$EX/stack-cspbbr3.yaml" --wavelength 633 --format json
expect_out '"wavelength_nm":	633' "--wavelength overrides the file"

run modes "$EX/stack-cspbbr3.yaml" --profile "$T/prof.csv" --plot "$T/prof.svg" -o "$T/modes.csv"
expect_rc 0 "profile, plot, csv"
nocomments "$T/prof.csv" | head -3 | grep -q 'x (nm),n,k,TE0 |E|^2' && ok || bad "profile header: $(head -3 "$T/prof.csv")"
[ "$(grep -vc '^#' "$T/prof.csv")" -gt 1000 ] && ok || bad "profile rows"
[ -s "$T/prof.svg" ] && ok || bad "profile plot written"
grep -q 'confinement CsPbBr3' "$T/modes.csv" && ok || bad "-o csv has confinement columns"

run modes "$EX/stack-electrodes.yaml" --sweep perovskite:50:250:50 --material-gain 500 --format json --plot "$T/sweep.png"
expect_rc 0 "thickness sweep"
expect_out '"sweep":	[' "sweep array"
expect_out '"thickness_nm":	250' "last point included"
expect_out '"te0":	{' "te0 object"
expect_out '"confinement_active":' "active confinement"
expect_out '"net_gain":' "net gain"
[ -s "$T/sweep.png" ] && ok || bad "sweep plot written"

run modes "$EX/stack-cspbbr3.yaml" --sweep-wavelength 500:600:50 --material-gain 100cm^-1
expect_rc 0 "wavelength sweep"
expect_out "600" "wavelength sweep points"

run modes "$EX/stack-cspbbr3.yaml" --sweep 2:100:300:100 -o "$T/sweep.csv"
expect_rc 0 "sweep by layer index"
grep -q 'TE0 net gain (cm^-1)' "$T/sweep.csv" && ok || bad "sweep csv header"

# no guided mode (film below the substrate index): empty list, plot of the stack
printf 'wavelength_nm: 600\nlayers:\n  - {n: 1}\n  - {n: 1.3, thickness_nm: 200}\n  - {n: 1.5}\n' >"$T/nomode.yaml"
run modes "$T/nomode.yaml" --format json --plot "$T/none.svg"
expect_rc 0 "no guided mode"
expect_out '"modes":	[]' "empty mode list"
[ -s "$T/none.svg" ] && ok || bad "plot of a stack without modes"
# (issue 14) the film, not the substrate, is the core: said in words, no
# critical angle (null, never nan or the 90 degrees of an equal index)
expect_out '"reason":	"no guided mode (film index below the substrate'"'"'s)"' "film below the substrate: reason"
expect_out '"critical_angle_deg":	null' "film below the substrate: no critical angle"
no_nonfinite "$T/stdout" "film below the substrate (json)"
run modes "$T/nomode.yaml"
expect_out "core layer2: no guided mode (film index below the substrate's)" "text: film below the substrate"
no_nonfinite "$T/stdout" "film below the substrate (text)"

# refractiveindex.info files (skipped without ../shared)
if [ -f "$SHARED/refractiveindex/ITO-Konig.yml" ]; then
  printf 'wavelength_nm: 540\nlayers:\n  - {name: air, n: 1}\n  - {name: ITO, material: %s, thickness_nm: 300, active: true}\n  - {name: glass, material: SiO2}\n' \
    "$SHARED/refractiveindex/ITO-Konig.yml" >"$T/ito.yaml"
  run modes "$T/ito.yaml" --format json
  expect_rc 0 "stack with a database file"
  expect_out '"index":	[1.87' "ITO index from the file"
  expect_input_error "ito.yaml:4: layer 'ITO'.*outside its data range" "wavelength outside the file's data" -- modes "$T/ito.yaml" --wavelength 1200
fi

# input errors: file:line, exit 2, nothing on stdout, no output file
printf 'layers:\n  - {n: 1}\n  - {n: 2.4, thickness_nm: 100\n  - {n: 1.45}\n' >"$T/bad.yaml"
expect_input_error "bad.yaml:[0-9]+: invalid YAML" "malformed YAML" -- modes "$T/bad.yaml" --wavelength 540
printf 'layers:\n  - {n: 1}\n  - {n: 2.4, thickness_nm: 100, active: true}\n  - {n: 2.4, thickness_nm: 100, active: true}\n  - {n: 1.45}\n' >"$T/two.yaml"
expect_input_error "two.yaml:4: more than one active layer" "two active layers" -- modes "$T/two.yaml" --wavelength 540
printf 'layers:\n  - {n: 1}\n  - {n: 2.4}\n  - {n: 1.45}\n' >"$T/thick.yaml"
expect_input_error "thick.yaml:3: .*needs thickness_nm" "missing thickness" -- modes "$T/thick.yaml" --wavelength 540
printf 'layers:\n  - {n: 1}\n  - {material: nothere.yml, thickness_nm: 10}\n  - {n: 1.45}\n' >"$T/mat.yaml"
expect_input_error "mat.yaml:3: material file" "missing material file" -- modes "$T/mat.yaml" --wavelength 540
printf 'DATA:\n  - type: tabulated nk\n    data: |\n        0.5 2.3 0.01\n        0.6 oops 0.01\n' >"$T/m.yml"
printf 'layers:\n  - {n: 1}\n  - {material: m.yml, thickness_nm: 10}\n  - {n: 1.45}\n' >"$T/m.yaml"
expect_input_error "m.yml:5: tabulated row" "bad row in a material file" -- modes "$T/m.yaml" --wavelength 540
expect_input_error "cannot open" "missing stack" -- modes "$T/none.yaml" --wavelength 540
printf 'layers:\n  - {n: 1}\n  - {n: 2.4, thickness_nm: 100}\n  - {n: 1.45}\n' >"$T/nowl.yaml"
expect_input_error "no wavelength" "no wavelength anywhere" -- modes "$T/nowl.yaml"
run modes "$T/nowl.yaml" --sweep 2:100:200:100 --wavelength 540
expect_rc 0 "sweep without an active layer"
expect_out "no layer is marked active" "says so"
expect_input_error "--pol: 'xy'" "bad --pol" -- modes "$EX/stack-cspbbr3.yaml" --pol xy
expect_input_error "--sweep: .*no layer 'foo'" "unknown sweep layer" -- modes "$EX/stack-cspbbr3.yaml" --sweep foo:1:2:1
expect_input_error "--sweep: .*semi-infinite" "sweeping the substrate" -- modes "$EX/stack-cspbbr3.yaml" --sweep quartz:1:2:1
expect_input_error "--sweep: need" "bad sweep range" -- modes "$EX/stack-cspbbr3.yaml" --sweep CsPbBr3:100:50:10
expect_input_error "--sweep-wavelength" "bad wavelength sweep" -- modes "$EX/stack-cspbbr3.yaml" --sweep-wavelength 500:600
expect_input_error "--wavelength" "bad wavelength" -- modes "$EX/stack-cspbbr3.yaml" --wavelength abc
expect_input_error "--material-gain: only" "gain without sweep" -- modes "$EX/stack-cspbbr3.yaml" --material-gain 500
expect_input_error "--profile: .*csv" "profile extension" -- modes "$EX/stack-cspbbr3.yaml" --profile p.txt

run modes --help
expect_rc 0 "help"
expect_out "Usage: gainkit modes" "help text"

# Anti-guiding stack (film index below the substrate's, issues 14 and 22):
# no guided mode, said in words; no "nan" for the critical angle or the
# cutoffs (run() fails any non-finite value on stdout).
cat >"$T/anti.yaml" <<'YAML'
wavelength_nm: 540
layers:
  - {name: air, n: 1.0}
  - {name: film, n: 1.40, thickness_nm: 200, active: true}
  - {name: glass, n: 1.50}
YAML
run modes "$T/anti.yaml"
expect_rc 0 "anti-guiding stack"
expect_out "no guided mode (film index below the substrate's)" "anti-guiding: said in words"
expect_out "0 guided modes" "anti-guiding: no modes"
run modes "$T/anti.yaml" --format json
expect_out '"critical_angle_deg":	null' "anti-guiding: JSON null critical angle"
expect_out "no guided mode (film index below the substrate's)" "anti-guiding: JSON reason"

# a fine sweep: continuation (the default) and --full-search give the same
# modes; the JSON says which solver ran and how often each part was used
run modes "$EX/stack-electrodes.yaml" --sweep perovskite:20:320:1 --material-gain 500 --format json
expect_rc 0 "continuation sweep"
expect_out '"method":	"continuation"' "continuation named"
cp "$T/stdout" "$T/cont.json"
run modes "$EX/stack-electrodes.yaml" --sweep perovskite:20:320:1 --material-gain 500 --format json --full-search
expect_rc 0 "full-search sweep"
expect_out '"method":	"full search"' "full search named"
/usr/bin/python3 - "$T/cont.json" "$T/stdout" <<'PY' && ok || bad "continuation equals the full search at every point (n_eff 1e-12, Γ 1e-10)"
import json, sys
a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
s = a["solver"]
assert s["continued_points"] > 250 and s["full_searches"] < 40, s
for p, q in zip(a["sweep"], b["sweep"]):
    for k in ("te0", "tm0"):
        x, y = p[k] or {}, q[k] or {}
        assert (x.get("neff") is None) == (y.get("neff") is None), (p, q)
        if x.get("neff") is None:
            continue
        za, zb = complex(*x["neff"]), complex(*y["neff"])
        assert abs(za - zb) <= 1e-12 * abs(zb), (za, zb)
        assert abs(x["confinement_active"] - y["confinement_active"]) <= 1e-10
PY

finish
