# Demo step: TA gain threshold at 537 nm, 4 ps, with the Poisson gain-curve
# fit (Qin et al., Nano Lett. 2021, Fig. 3a-c), and a global biexciton/trion kinetics fit.
step ta ta --ground "$EX/ta/ground.csv" --delta "$EX/ta/delta_04ps.csv" --probe 537nm --gain-fit \
  --plot "$OUT/ta.png"
# the whole 3-D set (10 delays) as one long-format table: gain lifetime at the probe
step ta-long ta --ground "$EX/ta/ground.csv" --long "$EX/ta-long.csv" --probe 537nm \
  --plot "$OUT/ta-long.png"
step kinetics kinetics "$EX/kinetics/pump_series.csv" --global --components 2 --irf-fwhm 5ps \
  --plot "$OUT/kinetics.png"
