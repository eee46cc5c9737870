#!/usr/bin/env bash
# The architecture's one-policy rules (docs/architecture.md), checked on the
# source so that a new module cannot quietly break them:
#  - GSL's process-wide error handler is set in one place (src/core/gsl.c,
#    once per process); a save/restore around a call races with other
#    threads and can re-enable abort() under a running computation;
#  - GSL's root finders, minimisers and nonlinear least squares are used only
#    behind the fitting engine (src/fit): no second LM or Brent loop;
#  - the library never prints, exits or names a command-line flag.
source "$GK_SOURCE_DIR/tests/cli/lib.sh"
cd "$SRC" || exit 1
# code lines only: drop lines that are comments
code() { grep -rnE "$1" src --include='*.c' --include='*.h' | grep -vE '^[^:]+:[0-9]+:\s*(/?\*|//)'; }

hits=$(code 'gsl_set_error_handler' | grep -v '^src/core/gsl.c:')
[ -z "$hits" ] && ok || bad "GSL error handler set outside src/core/gsl.c (use gk_gsl_init_): $hits"
hits=$(code 'gsl_(root|min)_f(df)?solver|gsl_multifit_nlinear|gsl_multimin' | grep -v '^src/fit/')
[ -z "$hits" ] && ok || bad "GSL solvers outside src/fit (use gk_root_brent/gk_min_brent/gk_fit): $hits"
hits=$(code '"--[a-z]')
[ -z "$hits" ] && ok || bad "library message names a command-line flag (name the struct field): $hits"
hits=$(code '(^|[^a-z_])(printf|puts|exit|abort)\(|fprintf\((stdout|stderr)')
[ -z "$hits" ] && ok || bad "library prints or exits: $hits"
# the checks can fail: each pattern finds its violation in a planted line
tmp=$T/planted.c
printf 'static void f(void) { gsl_set_error_handler(0); printf("--window"); }\n' >"$tmp"
grep -qE 'gsl_set_error_handler' "$tmp" && grep -qE '"--[a-z]' "$tmp" && grep -qE '(^|[^a-z_])(printf|puts|exit|abort)\(' "$tmp" && ok || bad "policy patterns do not match a planted violation"
finish
