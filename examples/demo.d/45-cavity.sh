# Demo step: beyond total internal reflection and into cavities. The Bragg
# reflection waveguide of Ahn et al., Chem. Rev. 2023 §6.4 (a QD gain layer
# between an Ag contact and a 10-pair Nb2O5/SiO2 DBR written as `repeat: 10`;
# layer thicknesses are assumptions, see the example file) as leaky and Bragg
# modes; then a second-order DFB on a CsPbBr3 film (kappa from the TE0 mode)
# with its threshold gain versus grating length.
step modes-brw modes "$EX/stack-brw-dbr.yaml" --leaky --pol te --plot "$OUT/brw-mode-profile.svg"
# the same device under the stated assumptions that reproduce the reported
# Gamma ~ 23 % and loss ~ 16 cm^-1 (TFB n 1.54, lossless ITO; see the file)
step modes-brw-ahn modes "$EX/stack-brw-ahn.yaml" --leaky --pol te --plot "$OUT/brw-ahn-mode-profile.svg"
step dfb-cspbbr3 dfb --stack "$EX/stack-dfb-cspbbr3.yaml" --grating-layer grating --fill-index 2.3 \
  --order 2 --duty 0.75 --length 50 --plot "$OUT/dfb-threshold-length.svg"
# second order with its surface-emission (radiation) loss: threshold modal gain
# over grating period and duty cycle (Goldberg et al., Adv. Mater. 2024, Fig. 4a
# style), cells lasing below an ASE threshold modal gain of 100 cm^-1 marked
step dfb-map dfb --stack "$EX/stack-dfb-cspbbr3.yaml" --grating-layer grating --fill-index 2.3 \
  --order 2 --length 50 --map-period 255:285 --map-duty 0.1:0.9 --map-steps 9 --ase-gain 100 \
  --plot "$OUT/dfb-threshold-map.svg"
step dfb-check dfb --kappa 100 --length 0.2mm --neff 1.75 --period 154nm --check-tmm
# Q of a lasing line: Voigt fit with the spectrometer's Gaussian width held
# fixed, so the cavity's Lorentzian width comes out deconvolved
step cavity-q cavity --spectrum "$EX/lasing-line.csv" --instrument-width 0.1 --plot "$OUT/lasing-line-fit.svg"
