#!/usr/bin/env bash
# Ctrl-C: gainkit exits 130 with "gainkit: interrupted", prints nothing on
# stdout and leaves no output or temp file (the removal of a temp file that
# is being written is tested in tests/unit/test_output.c). To interrupt at
# a known point without timing, gainkit reads its input from a FIFO: the
# shell's open of the write end returns only once gainkit has opened the
# read end, and gainkit then blocks in read until the signal arrives.
source "$GK_SOURCE_DIR/tests/cli/lib.sh"
cd "$T" || exit 1

interrupt() { # interrupt SIGNAL EXPECTED-RC DESC ARGS...
  local sig=$1 want=$2 desc=$3; shift 3
  rm -f in.fifo; mkfifo in.fifo
  "$GAINKIT" "$@" >stdout 2>stderr &
  local pid=$!
  exec 3>in.fifo          # returns when gainkit has opened the FIFO
  printf 'pump (uJ/cm2),intensity\n1,2\n' >&3   # partial data, no EOF yet
  kill -s "$sig" "$pid"
  wait "$pid"; local rc=$?
  exec 3>&-
  [ "$rc" -eq "$want" ] && ok || bad "$desc: exit $rc, expected $want"
  grep -q '^gainkit: interrupted$' stderr && ok || bad "$desc: stderr: $(cat stderr)"
  [ ! -s stdout ] && ok || bad "$desc: stdout not empty"
  if ls | grep -q '\.tmp\.'; then bad "$desc: temp file left"; else ok; fi
}

interrupt INT 130 "threshold, Ctrl-C" threshold in.fifo -o out.json
[ ! -e out.json ] && ok || bad "Ctrl-C created out.json"
printf 'precious\n' >out.csv
interrupt INT 130 "inspect, Ctrl-C, existing -o file" inspect in.fifo -o out.csv
[ "$(cat out.csv)" = precious ] && ok || bad "Ctrl-C changed the existing output file"
interrupt TERM 143 "threshold, SIGTERM" threshold in.fifo --format json
finish
