# Demo step: waveguide modes. A CsPbBr3 film on quartz (confinement 0.74 at
# 100 nm, Tatarinov et al., Adv. Opt. Mater. 2023) with its mode profiles, then the Goldberg et al., Adv. Mater. 2024, Fig. 3c design
# question: how thick must the perovskite be for positive net modal gain at
# g_i = 500 cm^-1 between ITO contacts (transparent stack) and in a
# conventional LED stack with a thick ITO anode and an Al cathode.
step modes modes "$EX/stack-cspbbr3.yaml" --plot "$OUT/modes-profiles.svg"
step modes-transparent modes "$EX/stack-electrodes.yaml" --sweep perovskite:20:400:5 \
  --material-gain 500 --plot "$OUT/modes-transparent-sweep.svg"
step modes-conventional modes "$EX/stack-conventional.yaml" --sweep perovskite:20:500:5 \
  --material-gain 500 --plot "$OUT/modes-conventional-sweep.svg"
