#!/bin/bash
# CPU time per fit (the C side of bench_vslfit: CLOCK_PROCESS_CPUTIME_ID) of
# two bench_vslfit binaries run alternately, base then new, N rounds; prints
# the minimum over the rounds for each model and the ratio base/new. On a
# shared machine both sides then see the same load.
# Usage: vslfit_alternate.sh BASE NEW [N [MODELS [SCALE]]]
#   N rounds (default 9), MODELS comma-separated (default vsl1,vsl2,emp,sat),
#   SCALE bench_vslfit's repetition factor (default 1: 3000 fits per model)
B=$1; N=$2; R=${3:-9}; M=${4:-vsl1,vsl2,emp,sat}; S=${5:-1}
for m in ${M//,/ }; do
  bmin=; nmin=
  for ((r = 0; r < R; r++)); do
    b=$(OMP_NUM_THREADS=1 $B $S $m | awk '$1 == "case" { for (i = 1; i < NF; i++) if ($i == "us") print $(i + 1) }')
    n=$(OMP_NUM_THREADS=1 $N $S $m | awk '$1 == "case" { for (i = 1; i < NF; i++) if ($i == "us") print $(i + 1) }')
    bmin=$(awk -v a="$bmin" -v b="$b" 'BEGIN { print (a == "" || b + 0 < a + 0) ? b : a }')
    nmin=$(awk -v a="$nmin" -v b="$n" 'BEGIN { print (a == "" || b + 0 < a + 0) ? b : a }')
  done
  awk -v m=$m -v b=$bmin -v n=$nmin -v r=$R 'BEGIN { printf "%-5s base %7.2f us  new %7.2f us  base/new %.3f  (min of %d each)\n", m, b, n, b / n, r }'
done
