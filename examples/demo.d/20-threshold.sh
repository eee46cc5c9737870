# Demo step: ASE threshold (docs/threshold.md) from the bundled pump series
# (known kink 32 and FWHM step 34 uJ/cm2) and from the bundled spectra
# (examples/gen/gen_threshold.c), each with its three-panel figure.
step threshold-series threshold "$EX/threshold-series.csv" --plot "$OUT/threshold-series.png"
step threshold-spectra threshold "$EX/threshold-spectra.csv" --spectra \
  --window 490:590 --plot "$OUT/threshold-spectra.png"
