#!/usr/bin/env bash
# libgainkit.so exports exactly its public API: every dynamic symbol it
# defines is a gk_* name declared in include/gainkit/*.h (the library is
# built with -fvisibility=hidden, headers bracket their declarations with
# GK_API_BEGIN/GK_API_END), and the public API is exported. OpenMP's named
# critical-section locks (.gomp_critical_user_<name>) are program-wide by
# the OpenMP standard and are allowed, as are the symbols a sanitizer build
# adds (__odr_asan.*, __asan_*).
source "$GK_SOURCE_DIR/tests/cli/lib.sh"

LIB=$(dirname "$GAINKIT")/libgainkit.so
if [ ! -f "$LIB" ] || ! command -v nm >/dev/null; then
  echo "skip: no $LIB or no nm"
  finish
fi
syms=$(nm -D --defined-only "$LIB" | awk '$2 ~ /^[TDBRVWGS]$/ {print $3}' | sed 's/@.*//')
n=0
for s in $syms; do
  case "$s" in
    .gomp_critical_user_*|_init|_fini) continue ;;
    __odr_asan*|__asan*|___asan*|__ubsan*|__sanitizer*) continue ;;  # sanitizer build's own
  esac
  n=$((n+1))
  case "$s" in
    gk_*) if grep -qw -- "$s" "$SRC"/include/gainkit/*.h; then ok; else bad "exported but in no public header: $s"; fi ;;
    *) bad "exported symbol outside the gk_ namespace: $s" ;;
  esac
done
[ "$n" -gt 100 ] && ok || bad "only $n symbols exported"
# the public API is there, internals are not
for s in gk_version gk_fit gk_fit_alloc gk_fit_run gk_fit_free gk_fit_trust_region gk_vsl_fit_model gk_kin_fit; do
  echo "$syms" | grep -qx -- "$s" && ok || bad "public symbol not exported: $s"
done
# every public header with declarations exports them (a new header without
# the markers would silently hide its functions from libgainkit.so)
for h in "$SRC"/include/gainkit/*.h; do
  if grep -q 'extern "C"' "$h"; then
    grep -q GK_API_BEGIN "$h" && grep -q GK_API_END "$h" && ok || bad "$(basename "$h"): no GK_API_BEGIN/GK_API_END"
  fi
done
for s in gk_root_brent gk_vp_chi2 gk_xf_theta gk_vsl_fit_model_; do
  echo "$syms" | grep -qx -- "$s" && bad "internal symbol exported: $s" || ok
done
finish
