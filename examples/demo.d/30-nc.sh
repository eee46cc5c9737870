# Demo steps: nanocrystal gain statistics, carrier dynamics and heating
# (docs/physics.md §4, §7). One figure per command family.
step nc-threshold        nc threshold --ge 2 --gh 2 --ne 1
step nc-gain-curve       nc gain-curve --ne 1 --plot "$OUT/nc-gain-curve.svg"
step nc-auger            nc auger --radius 2.5nm --tau-rx 20ns
step nc-pump             nc pump --sigma-abs 3e-15 --photon-energy 3eV --tau-x 20ns --tau-xx 65ps
step nc-current          nc current --radius 2.5nm --fill 0.5 --tau-x 20ns --tau-xx 65ps
step nc-confinement      nc confinement --radius 2nm --me 0.13 --mh 0.45 --eg0 1.74
step carriers-plqy       carriers plqy --k1 1e7 --k2 2e-10 --k3 1e-28 --range 1e15:1e20 --plot "$OUT/carriers-plqy.svg"
step carriers-pulse      carriers pulse --k1 1e7 --k2 2e-10 --k3 1e-28 --fluence 50uJ/cm2 --pulse-fwhm 1ns \
                           --thickness 150nm --absorptance 0.5 --photon-energy 2.4eV --points 200 --plot "$OUT/carriers-pulse.svg"
step carriers-sweep      carriers pulse --k1 1e7 --k2 2e-10 --k3 1e-28 --fluence 50uJ/cm2 --sweep-fwhm 100fs:100ns:16 \
                           --thickness 150nm --absorptance 0.5 --photon-energy 2.4eV --plot "$OUT/carriers-peak-vs-fwhm.svg"
step carriers-threshold  carriers threshold --n-th 7.3e17 --thickness 150nm --k2 2e-10
step carriers-gain-fit   carriers gain-fit "$EX/gain_vs_density.csv" --gamma 0.65 --plot "$OUT/carriers-gain-fit.svg"
step heat-train          heat --k 4.8mW/K --c 19nJ/K --power 0.1 --pulse 1us --duty 0.2 --points 200 --plot "$OUT/heat-train.svg"
step heat-fit            heat --fit "$EX/heat_pulse_length.csv" --plot "$OUT/heat-fit.svg"
