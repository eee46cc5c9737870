# gainkit simulate: configs, sweeps, matrix output read back by the analysis
# commands, errors with file:line, thread-count independence.
source "$GK_SOURCE_DIR/tests/cli/lib.sh"
cfg() {  # reduced grid of the bundled dye config
  sed -e 's/bins: 128 /bins: 24 /; s/cells: 200/cells: 30/; s/time_bins: 200/time_bins: 20/' \
      -e 's/vpi_range: .*/vpi_range: "0.05 mJ\/cm2:2 mJ\/cm2:6"/' "$SRC/examples/sim-500ps.yaml" >"$T/small.yaml"
}
cfg
run simulate "$T/small.yaml" -o "$T/vpi.csv"
expect_rc 0 "default sweep"
expect_out "fluence (mJ/cm2)" "sweep table"
if grep -q '^# stripe_length_cm: 0.2$' "$T/vpi.csv"; then ok; else bad "stripe_length_cm comment"; fi
if grep -q '^wavelength (nm) \\ fluence (mJ/cm2),0.05,' "$T/vpi.csv"; then ok; else bad "matrix header"; fi
run inspect --matrix "$T/vpi.csv"
expect_rc 0 "matrix reads back"
expect_out "24 wavelengths x 6 columns" "matrix shape"
run threshold --spectra "$T/vpi.csv"
# six pumps from 0.05 to 2 mJ/cm2: the log-log slope falls from ~2.7 to
# ~1.3 (all above the onset, then saturation): no kink threshold, exit 1
# (it printed "0.8 ± 0.6" with exit 0 before); the FWHM step is found
expect_rc 1 "threshold --spectra reads the simulated set"
expect_out "no ASE threshold" "no kink threshold in a saturating series"
expect_out "fwhm  " "the FWHM method still reports"
OMP_NUM_THREADS=1 "$GAINKIT" simulate "$T/small.yaml" -o "$T/vpi1.csv" >/dev/null 2>&1
OMP_NUM_THREADS=2 "$GAINKIT" simulate "$T/small.yaml" -o "$T/vpi2.csv" >/dev/null 2>&1
# (the provenance lines name the output file and the date)
if cmp -s <(nocomments "$T/vpi1.csv") <(nocomments "$T/vpi2.csv"); then ok; else bad "1 vs 2 threads differ"; fi
run simulate "$T/small.yaml" --vsl 0.05,0.1,0.2 -o "$T/vsl.csv"
expect_rc 0 "vsl sweep"
if grep -q '^wavelength (nm) \\ L (cm),0.05,0.1,0.2' "$T/vsl.csv"; then ok; else bad "vsl matrix header"; fi
run simulate "$T/small.yaml" --vpi 0.7mJ/cm2 --time-resolved -o "$T/tr.csv" --format json
expect_rc 0 "time-resolved single run"
expect_out '"fwhm_t_nm"' "json time series"
if grep -q '^wavelength (nm) \\ t (ns),' "$T/tr.csv"; then ok; else bad "time-resolved matrix"; fi
run simulate "$T/small.yaml" --vpi-range 0.1:1:3 --time-resolved
expect_rc 2 "time-resolved needs one run"
printf 'film:\n  thickness: 1 um\n  colour: red\n' >"$T/bad1.yaml"
expect_input_error "bad1.yaml:3: film: unknown key 'colour'" "unknown key" -- simulate "$T/bad1.yaml"
printf 'pump:\n  fwhm: 5 parsecs\n' >"$T/bad2.yaml"
expect_input_error "bad2.yaml:2: fwhm" "bad unit" -- simulate "$T/bad2.yaml"
expect_input_error "--vpi-range" "bad range" -- simulate "$T/small.yaml" --vpi-range 1:0.5:3
# Emitter depth slices: the nanocrystal example (8 slices, TE0 |E|^2 per
# slice from its stack) on a coarse grid: the per-slice absorption (pumped
# face first, falling with depth) sums to the absorbed photons, the budget
# closes, the text names the slices, and the memory line counts them.
sed -e 's/^  bins: .*/  bins: 16/; s/^  cells: .*/  cells: 12/; s/^  time_bins: .*/  time_bins: 10/' \
    -e 's/^  t_end: .*/  t_end: 30 ns/; s/^  fluence: .*/  fluence: 0.2 mJ\/cm2/' -e '/^sweep:/,$d' "$SRC/examples/sim-cspbbr3-nc.yaml" >"$T/nc.yaml"
cp "$SRC/examples/stack-cspbbr3-nc.yaml" "$T/"
run simulate "$T/nc.yaml"
expect_rc 0 "emitter depth slices (nanocrystal example)"
expect_out "depth:        8 slices" "depth line"
run simulate "$T/nc.yaml" --format json
expect_rc 0 "emitter depth slices, json"
printf '%s' "$OUT" >"$T/nc8.json"
sed 's/^  depth_slices: .*/  depth_slices: 1/' "$T/nc.yaml" >"$T/nc1.yaml"
run simulate "$T/nc1.yaml" --format json
expect_rc 0 "one slice"
printf '%s' "$OUT" >"$T/nc1.json"
if /usr/bin/python3 - "$T/nc8.json" "$T/nc1.json" <<'PY'
import json, sys
a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
s, bu = a["absorbed_per_slice_photons"], a["budget_photons"]
assert len(s) == 8 and all(s[i] > s[i + 1] > 0 for i in range(7)), s
assert abs(sum(s) - bu["absorbed"]) <= 1e-12 * bu["absorbed"]
rhs = sum(bu[k] for k in ("spontaneous_other_and_nonradiative", "out_edge", "out_far_end", "loss_esa",
                          "loss_background", "left_excited"))
assert abs(rhs - bu["absorbed"]) <= 1e-9 * bu["absorbed"], (rhs, bu["absorbed"])
assert "absorbed_per_slice_photons" not in b
# 2 populations per cell and slice + the per-slice sums: 12 cells x 7 more slices x 2 + 7
assert a["memory_bytes"] - b["memory_bytes"] == (2 * 12 * 7 + 7) * 8, (a["memory_bytes"], b["memory_bytes"])
PY
then ok; else bad "emitter depth slices: per-slice absorption, budget or memory"; fi
# pump.depth: stack with emitters (refused before this feature: the stack's
# fixed shares describe the unbleached film; the run now solves the stack's
# transfer matrix per cell as the slices bleach): it runs, the pump's own
# balance closes (incident = reflected + above + film + below; the default
# solve tolerance leaves < 1e-3 of accuracy 0.1), the glass-backed NC film
# reflects part of the pump, and the slice populations are reported.
# a window that starts at the pump peak (t_end without t_start) delivers half
# the pulse: warned on stderr
grep -v '^  t_start:' "$T/nc.yaml" >"$T/nchalf.yaml"
run simulate "$T/nchalf.yaml"
expect_rc 0 "window from the pump peak"
expect_err "holds 50.0 % of the pump pulse" "window holding half the pulse: warning"
run simulate "$T/nc.yaml"
if printf '%s' "$ERR" | grep -q "of the pump pulse"; then bad "warning for a whole pulse"; else ok; fi
sed 's/^  cross_section: .*/&\n  depth: stack/' "$T/nc.yaml" >"$T/ncstack.yaml"
run simulate "$T/ncstack.yaml"
expect_rc 0 "stack pump with emitters"
expect_out "pump stack:   of the incident photons" "pump stack line"
expect_out "slices:       N1 per slice" "slice populations (text)"
run simulate "$T/ncstack.yaml" --format json
expect_rc 0 "stack pump with emitters, json"
printf '%s' "$OUT" >"$T/ncs.json"
if /usr/bin/python3 - "$T/ncs.json" "$T/nc8.json" <<'PY'
import json, sys
a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
bu = a["budget_photons"]
s = bu["pump_reflected"] + bu["pump_absorbed_above_film"] + bu["absorbed"] + bu["pump_passed_below_film"]
assert abs(s - bu["pump_incident"]) <= 1e-3 * bu["pump_incident"], (s, bu["pump_incident"])
assert 0.05 < bu["pump_reflected"] / bu["pump_incident"] < 0.2, bu
assert bu["pump_transfer_matrix_solves"] > 0
assert bu["absorbed"] != b["budget_photons"]["absorbed"]
assert "pump_incident" not in b["budget_photons"]
p = a["slice_populations"]
assert p["unit"] == "cm^-3" and len(p["n1_max"]) == 8 and all(v > 0 for v in p["n1_max"]), p
assert all(0 <= f <= 1 for f in p["excited_fraction_at_pump_peak"]), p
PY
then ok; else bad "emitter stack pump: balance, reflection, slice populations"; fi
finish
