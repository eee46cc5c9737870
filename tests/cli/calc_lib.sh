# calc_lib.sh — helpers for the calculator command tests (nc, carriers,
# heat), sourced after lib.sh. No jq: the JSON is cJSON's pretty print with
# one "key": value per line, so sed can pick a top-level number.

# jnum KEY: the first number stored under "KEY" in $OUT.
jnum() { printf '%s\n' "$OUT" | sed -n "s/^[[:space:]]*\"$1\":[[:space:]]*\([-+0-9.eE]*\),\{0,1\}$/\1/p" | head -n1; }

# expect_near KEY VALUE TOL DESCRIPTION: |json[KEY] - VALUE| <= TOL.
expect_near() {
  local v; v=$(jnum "$1")
  if [ -n "$v" ] && awk -v a="$v" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }'; then ok
  else bad "$4: $1 = '$v', expected $2 +- $3"; fi
}
