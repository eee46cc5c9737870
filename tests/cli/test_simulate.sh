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
finish
