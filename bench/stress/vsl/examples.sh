#!/bin/bash
# Full-precision JSON of the bundled VSL examples, baseline vs branch:
# examples.sh BASE NEW REPO  -> one line per file/model/option: same, or the
# count of numbers that differ and the largest relative difference
B=$1; N=$2; R=$3; D=$(dirname "$(readlink -f "$0")"); T=$(mktemp -d)
cd "$R"
for f in examples/vsl-nc1.csv examples/input/vsl-mm.csv examples/fluence/vsl-nonuniform.csv examples/input/offset.csv; do
  for m in vsl1 vsl2 sat emp sat-exact ahn all; do
    for extra in "" "--weights none" "--weights relative" "--offset"; do
      $B vsl $f --model $m $extra --format json > $T/a.json 2>/dev/null; ra=$?
      $N vsl $f --model $m $extra --format json > $T/b.json 2>/dev/null; rb=$?
      echo "$f $m $extra (exit $ra/$rb): $(/usr/bin/python3 $D/jsondiff.py $T/a.json $T/b.json 2>&1 | tail -1)"
    done
  done
done
for m in vsl1 vsl2 emp sat sat-exact; do
  $B vsl --matrix examples/vsl-matrix.csv --model $m --format json > $T/a.json 2>/dev/null
  $N vsl --matrix examples/vsl-matrix.csv --model $m --format json > $T/b.json 2>/dev/null
  echo "matrix $m: $(/usr/bin/python3 $D/jsondiff.py $T/a.json $T/b.json 2>&1 | tail -1)"
done
rm -rf $T
