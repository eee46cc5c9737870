# Demo step: how gainkit reads an input file (delimiter, header units -> cm, metadata).
step inspect inspect "$EX/input/vsl-mm.csv"
