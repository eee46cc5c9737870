# tests/cli/lib.sh — helpers for command-line tests (sourced, not run).
# Each test script: `source "$GK_SOURCE_DIR/tests/cli/lib.sh"`, then checks,
# then `finish`. Prints "N passed, N failed" and exits non-zero on failure.
set -u
GAINKIT=${GAINKIT:?GAINKIT must point at the gainkit binary}
SRC=${GK_SOURCE_DIR:?}
SHARED=${GK_SHARED_DIR:-$SRC/../shared}
T=$(mktemp -d "${TMPDIR:-/tmp}/gk-cli.XXXXXX")
trap 'rm -rf "$T"' EXIT
pass=0; fail=0

ok()   { pass=$((pass+1)); }
bad()  { fail=$((fail+1)); echo "FAIL: $*" >&2; }

# run CMD...: runs gainkit with arguments, captures $OUT, $ERR, $RC
run() {
  "$GAINKIT" "$@" >"$T/stdout" 2>"$T/stderr"; RC=$?
  OUT=$(cat "$T/stdout"); ERR=$(cat "$T/stderr")
}

# expect_rc N DESCRIPTION
expect_rc() { if [ "$RC" -eq "$1" ]; then ok; else bad "$2: exit $RC, expected $1; stderr: $ERR"; fi; }
# expect_out_contains STRING DESCRIPTION
expect_out() { if printf '%s' "$OUT" | grep -qF -- "$1"; then ok; else bad "$2: stdout lacks '$1': $OUT"; fi; }
expect_err() { if printf '%s' "$ERR" | grep -qE -- "$1"; then ok; else bad "$2: stderr does not match /$1/: $ERR"; fi; }

# expect_input_error PATTERN DESCRIPTION -- ARGS...
# Bad input: exit 2, stderr matches "gainkit: ...PATTERN", stdout empty, the
# -o file it is given is never created, and an existing one stays identical.
expect_input_error() {
  local pat=$1 desc=$2; shift 3
  local outf="$T/out-$$.json"
  rm -f "$outf"
  run "$@" -o "$outf"
  expect_rc 2 "$desc"
  expect_err "^gainkit: .*$pat" "$desc"
  if [ -z "$OUT" ]; then ok; else bad "$desc: stdout not empty: $OUT"; fi
  if [ ! -e "$outf" ]; then ok; else bad "$desc: output file was created"; fi
  printf 'precious\n' >"$outf"
  run "$@" -o "$outf"
  if [ "$(cat "$outf")" = "precious" ]; then ok; else bad "$desc: existing output file was modified"; fi
  rm -f "$outf"
  if ls "$T" | grep -q '\.tmp\.'; then bad "$desc: temp file left behind"; else ok; fi
}

# json_get EXPR: evaluate a python-free JSON lookup with a tiny jq-like helper
# (jq is not a dependency): use grep on compact output instead.
finish() {
  echo "$pass passed, $fail failed"
  [ "$fail" -eq 0 ]
}
