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

# noprov TEXT: pretty JSON (cJSON) without its "provenance" block, which
# names the command line and the date and so differs between runs that must
# otherwise agree. nocomments FILE: a CSV without its '#' lines.
noprov() { printf '%s' "$1" | sed '/^\t"provenance":/,/^\t}$/d'; }
nocomments() { grep -v '^#' "$1"; }
bad()  { fail=$((fail+1)); echo "FAIL: $*" >&2; }

# run CMD...: runs gainkit with arguments, captures $OUT, $ERR, $RC.
# Every run is also a numerical-failure check: stdout and the -o/--output
# file must not carry NaN or Inf as a value (JSON has null for that, text
# and CSV say "none"/leave the cell empty). A failing method is reported
# with "converged": false and a reason, never as a number that is not one.
# A watchdog (GK_RUN_TIMEOUT, default 300 s) turns a hang into a failure
# (exit 124) instead of a stuck test; no test depends on it otherwise.
# stderr is scanned too: an error message never prints nan/inf either.
run() {
  timeout -k 5 "${GK_RUN_TIMEOUT:-300}" "$GAINKIT" "$@" >"$T/stdout" 2>"$T/stderr"; RC=$?
  [ "$RC" -ne 124 ] || bad "gainkit $*: still running after ${GK_RUN_TIMEOUT:-300} s (killed)"
  OUT=$(cat "$T/stdout"); ERR=$(cat "$T/stderr")
  no_nonfinite "$T/stdout" "gainkit $*: stdout"
  # stderr: the user's own text quoted back ('nan') and the rule that names
  # what is refused ("NaN is not allowed") are not values
  sed -e "s/'[^']*'//g" -e 's/\(NaN\|Inf\) is not allowed//g' "$T/stderr" >"$T/stderr.scan"
  no_nonfinite "$T/stderr.scan" "gainkit $*: stderr"
  local prev="" a
  for a in "$@"; do
    case "$prev" in -o|--output) [ -f "$a" ] && no_nonfinite "$a" "gainkit $*: $a" ;; esac
    case "$a" in --output=*) [ -f "${a#--output=}" ] && no_nonfinite "${a#--output=}" "gainkit $*: ${a#--output=}" ;; esac
    prev=$a
  done
}

# no_nonfinite FILE DESC: FILE has no nan/inf/infinity standing as a value
# (delimited by blanks, ':', ',', '=', brackets or quotes; "03-inf.csv" is a
# name, not a value). JSON from cJSON would print NaN as null, so a match
# there means hand-made JSON or text. Not counted as a pass: it is a guard.
no_nonfinite() {
  local hit
  [ -f "$1" ] || { bad "$2: no_nonfinite: no file '$1'"; return; }
  hit=$(grep -inE '(^|[][[:space:]:,=("])[-+]?(nan|inf|infinity)([][[:space:],)"]|$)' "$1" | head -n 3)
  [ -z "$hit" ] || bad "$2: non-finite value printed: $hit"
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
