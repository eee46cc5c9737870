# Demo step: VSL analysis of the bundled NC1-like data with every model and
# the recommendation (Milanese et al., Adv. Opt. Mater. 2024, Table 1), and the gain spectrum of the
# spectrally resolved example. Data: examples/gen/gen_vsl.c.
step vsl-all vsl "$EX/vsl-nc1.csv" --model all --plot "$OUT/vsl.png"
step vsl-matrix vsl --matrix "$EX/vsl-matrix.csv" --model all --plot "$OUT/vsl-matrix.png"
