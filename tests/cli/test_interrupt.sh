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

# Ctrl-C in the middle of a long computation: `simulate` on a fine grid
# (2e5 cell-bins, 100 times the default number of steps: minutes of work,
# each step short, so the library sees the cancel at once). GAINKIT_PROGRESS=1 makes the
# progress bar appear on stderr although it is a file; the signal is sent
# once it has (the computation is running: the handler then only sets a
# flag, the library stops at its next time step, the command cleans up) and
# a second later. Nothing here depends on how long that takes: a watchdog
# only bounds the test if cancelling fails, and then the test fails.
sed -e 's/^  bins: .*/  bins: 200/; s/^  cells: .*/  cells: 1000/; s/^  time_bins: .*/  time_bins: 400/' \
    -e 's/^  accuracy: .*/  accuracy: 0.001/' \
    -e '/^sweep:/,$d' "$SRC/examples/sim-500ps.yaml" >fine.yaml
interrupt_long() { # interrupt_long SIGNAL EXPECTED-RC DESC ARGS...
  local sig=$1 want=$2 desc=$3; shift 3
  GAINKIT_PROGRESS=1 "$GAINKIT" "$@" >stdout 2>stderr &
  local pid=$! i
  for i in $(seq 1200); do grep -q 'simulate \[' stderr && break; sleep 0.1; done
  grep -q 'simulate \[' stderr && ok || bad "$desc: no progress reported: $(cat stderr)"
  sleep 1
  kill -s "$sig" "$pid"
  # the watchdog kills gainkit after 120 s only if cancelling failed, and
  # otherwise ends by itself once gainkit is gone. It is never signalled:
  # a subshell that receives SIGTERM before it has run its first command
  # runs the parent's EXIT trap (bash 5.2: 57 of 100 tries), and lib.sh's
  # trap removes the test folder, which made this test fail under load.
  ( trap - EXIT
    for i in $(seq 1200); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.1; done
    kill -KILL "$pid" ) >/dev/null 2>&1 &
  local dog=$!
  wait "$pid"; local rc=$?
  wait "$dog" 2>/dev/null
  [ "$rc" -eq "$want" ] && ok || bad "$desc: exit $rc, expected $want"
  # cooperative: the bar's line ends, then the message; the _exit fallback
  # (a step slower than the grace period, e.g. under sanitizers) writes it
  # after the bar. Both keep the contract; which one ran is only reported.
  grep -q 'gainkit: interrupted$' stderr && ok || bad "$desc: stderr: $(cat stderr)"
  grep -q '^gainkit: interrupted$' stderr || echo "note: $desc: stopped by the _exit fallback"
  grep -q 'cancelled' stderr && bad "$desc: the library's cancel message leaked: $(cat stderr)" || ok
  [ ! -s stdout ] && ok || bad "$desc: stdout not empty"
  if ls | grep -q '\.tmp\.'; then bad "$desc: temp file left"; else ok; fi
}
rm -f out.csv
interrupt_long INT 130 "simulate single run, Ctrl-C" simulate fine.yaml --vpi 3mJ/cm2 -o out.csv
[ ! -e out.csv ] && ok || bad "Ctrl-C during simulate created out.csv"
printf 'wavelength (nm),spectrum\n600,1\n' >out.csv
cp out.csv before.csv
interrupt_long INT 130 "simulate sweep, Ctrl-C, existing -o file" \
  simulate fine.yaml --vpi 1mJ/cm2,3mJ/cm2 -o out.csv --plot out.png
cmp -s out.csv before.csv && ok || bad "Ctrl-C during simulate changed the existing out.csv"
[ ! -e out.png ] && ok || bad "Ctrl-C during simulate wrote the plot"
interrupt_long TERM 143 "simulate, SIGTERM" simulate fine.yaml --vpi 3mJ/cm2 -o out.json
[ ! -e out.json ] && ok || bad "SIGTERM during simulate created out.json"
finish
