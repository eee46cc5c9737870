#!/usr/bin/env bash
# The CLI frame: help, version, unknown commands and options, exit codes.
source "$GK_SOURCE_DIR/tests/cli/lib.sh"

run --help;            expect_rc 0 "--help"; expect_out "Commands:" "--help lists commands"
run --version;         expect_rc 0 "--version"; expect_out "gainkit " "--version prints version"
run;                   expect_rc 2 "no command"
run frobnicate;        expect_rc 2 "unknown command"; expect_err "unknown command 'frobnicate'" "names it"
[ -z "$OUT" ] && ok || bad "unknown command printed to stdout"
run --frob;            expect_rc 2 "unknown global option"
run version --bogus;   expect_rc 2 "unknown option"; expect_err "unknown option '--bogus'" "names option"
expect_err "Try 'gainkit version --help'" "hint"
run version -o;        expect_rc 2 "missing value"; expect_err "needs a value" "missing value message"
run version --format yaml; expect_rc 2 "bad format"
run version -o out.txt; expect_rc 2 "bad -o extension"
run version --format json; expect_rc 0 "json"; expect_out '"version"' "json has version"
run version -o "$T/v.json"; expect_rc 0 "-o json"
grep -q '"command"' "$T/v.json" && ok || bad "-o wrote JSON"
run version --help;    expect_rc 0 "command help"; expect_out "Usage: gainkit version" "command help text"

# Subcommand help: only that subcommand, with the shared intro, the common
# options and the exit statuses; the command's help lists every subcommand.
run nc threshold --help; expect_rc 0 "subcommand help"
expect_out "Usage: gainkit nc threshold" "subcommand usage line"
expect_out "--ge G" "subcommand options"
expect_out "Exit status" "exit statuses in subcommand help"
if printf '%s' "$OUT" | grep -q "gain-curve"; then bad "nc threshold --help shows other subcommands"; else ok; fi
run help carriers gain-fit; expect_rc 0 "help CMD SUB"
expect_out "Usage: gainkit carriers gain-fit FILE" "help CMD SUB usage"
run nc --help; expect_rc 0 "command help"; expect_out "gain-curve" "command help lists subcommands"
expect_out "confinement" "command help lists every subcommand"
run nc bogus; expect_rc 2 "unknown subcommand"; expect_err "unknown subcommand 'bogus'" "names it"
# every command's help teaches the exit statuses and an example
for cmd in $("$GAINKIT" --help | awk '/^Commands:/{f=1;next} f&&/^  [a-z]/{print $1} /^$/{if(f)exit}'); do
  run "$cmd" --help; expect_rc 0 "$cmd --help"
  expect_out "Exit status" "$cmd --help exit statuses"
  expect_out "gainkit $cmd" "$cmd --help example or usage"
done

# Every example in a help text runs as written (from a scratch directory,
# examples/ pointing at the bundled files in the source tree).
examples_of() {  # help text on stdin -> one example command per line
  awk '/^ *gainkit / { line = $0; while (line ~ /\\$/ && (getline nxt) > 0) { sub(/\\$/, "", line); line = line nxt }
                       sub(/^ */, "", line); sub(/ +\(.*\)$/, "", line); print line }'
}
helps=""
for cmd in $("$GAINKIT" --help | awk '/^Commands:/{f=1;next} f&&/^  [a-z]/{print $1} /^$/{if(f)exit}'); do
  helps="$helps$("$GAINKIT" "$cmd" --help)
"
done
nex=0
while IFS= read -r ex; do
  case "$ex" in *FILE*|*SUBCOMMAND*|*"["*) continue ;; esac  # usage lines, not examples
  case "$ex" in *examples/*) nex=$((nex+1)) ;; esac
  args=${ex#gainkit }
  (cd "$T" && eval "\"\$GAINKIT\" ${args//examples\//\$SRC/examples/}" >/dev/null 2>"$T/ex.err"); rc=$?
  if [ $rc -eq 0 ]; then ok; else bad "help example exits $rc: $ex: $(head -c 300 "$T/ex.err")"; fi
done <<EOF_EX
$(printf '%s' "$helps" | examples_of)
EOF_EX
if [ "$nex" -ge 10 ]; then ok; else bad "only $nex help examples use the bundled files"; fi
finish
