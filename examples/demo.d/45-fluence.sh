# Demo steps: the measurement chain of Tatarinov et al., Adv. Opt. Mater. 2023
# (docs/fluence.md). Pump fluence from a knife-edge scan (w = 75 um), carrier
# density in depth from the stack's transfer matrix, then the bundled fluence
# series of VSL scans -> g(F) -> N(F) -> G(N) with Gamma from the mode solver
# (recovers Table 1: sigma 4e-16 cm2, N_th 1e18, N_s 5e19 cm-3), and the loss
# spectrum of a shifting-excitation-spot set in the format vpi --losses reads.
# Data: examples/gen/gen_fluence.c.
step fluence-knife-edge  fluence --energy 5 --knife-edge "$EX/fluence/knife-edge.csv" --plot "$OUT/fluence-knife-edge.svg"
step fluence-depth       fluence --energy 1 --w 100 --stack "$EX/fluence/stack-pump.yaml" --pump-wavelength 400 \
                           --emission-wavelength 540 --plot "$OUT/fluence-depth.svg"
step gain-chain          gain-chain "$EX"/fluence/series/*.csv --stack "$EX/fluence/stack-pump.yaml" \
                           --pump-wavelength 400 --plot "$OUT/gain-chain.png"
step ses                 ses --matrix "$EX/fluence/ses-matrix.csv" --plot "$OUT/ses.svg"
# Threshold versus a control parameter: five pump series at 0-20 V (kink
# thresholds 68 -> 32 uJ/cm2 as in Qin et al., Nano Lett. 2021, Fig. 2f).
step trend              trend "$EX"/fluence/trend/series-*V.csv --param bias --plot "$OUT/trend.svg"
# VSL under a pump that is not uniform along the stripe: the measured profile
# corrects the gain (gamma 30, alpha 1.06 cm^-1 in the generator).
step vsl-profile         vsl-profile "$EX/fluence/vsl-nonuniform.csv" --profile "$EX/fluence/pump-along-stripe.csv" \
                           --alpha 1.06 --plot "$OUT/vsl-profile.svg"
