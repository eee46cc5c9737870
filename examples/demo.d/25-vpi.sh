# Demo step: global VPI fits (docs/vpi.md) of the bundled NC-DDAB-like series
# (examples/gen/gen_vpi.c, stripe length from its metadata), both models,
# with the measured-PL shape F(lambda), and the six-panel figure.
step vpi vpi "$EX/vpi-ddab.csv" --model both --fluorescence "$EX/vpi-ddab-fl.csv" --plot "$OUT/vpi.png"
