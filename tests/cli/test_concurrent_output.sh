#!/usr/bin/env bash
# Two processes writing the same -o path at the same time end with one
# complete file, byte-identical to what one of them writes alone, never a
# mix, and no temp file (every writer renders to its own temp file beside
# the target and renames it: docs/reliability.md "Concurrency").
source "$GK_SOURCE_DIR/tests/cli/lib.sh"
SER="$SRC/examples/threshold-series.csv"
cd "$T" || exit 1
# the provenance block (command line, date) differs between runs: compared without it
strip() { sed -E -e '/^\t"provenance":/,/^\t}$/d' -e '/^# (gainkit_version|command_line|working_directory|date|input|input_metadata|option|output|environment|host)(:| )/d' "$1"; }
same_as() { cmp -s <(strip "$1") <(strip "$2"); }
for ext in json csv; do
  run threshold "$SER" --method kink -o a.$ext
  expect_rc 0 "reference a.$ext"
  run threshold "$SER" --method fwhm -o b.$ext
  expect_rc 0 "reference b.$ext"
  same_as a.$ext b.$ext && bad "the two references must differ ($ext)"
  for i in 1 2 3 4 5 6 7 8 9 10; do
    "$GAINKIT" threshold "$SER" --method kink -o same.$ext >/dev/null 2>&1 &
    p1=$!
    "$GAINKIT" threshold "$SER" --method fwhm -o same.$ext >/dev/null 2>&1 &
    p2=$!
    wait $p1; r1=$?
    wait $p2; r2=$?
    [ $r1 -eq 0 ] && [ $r2 -eq 0 ] && ok || bad "round $i ($ext): exit $r1 / $r2"
    if same_as same.$ext a.$ext || same_as same.$ext b.$ext; then ok; else bad "round $i ($ext): same.$ext is neither writer's file"; fi
    if ls | grep -q '\.tmp\.'; then bad "round $i ($ext): temp file left"; else ok; fi
  done
done
finish
