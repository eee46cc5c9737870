#!/usr/bin/env bash
# Write errors on every output path: a full file system (a real one: a
# 64 KiB..512 KiB tmpfs mounted for the test), a read-only one, and a
# missing directory. Every case: exit 2, "gainkit: FILE: cannot write: ...",
# nothing on stdout, the previous file byte-identical, no temp file left.
# Before: a complete PNG/SVG/PDF given to --plot was replaced by a truncated
# file on a full disk, exit 0, no message (PLplot/cairo drop write errors).
# Skipped (passes with a note) where tmpfs cannot be mounted (not root, no
# CAP_SYS_ADMIN, no tmpfs).
source "$GK_SOURCE_DIR/tests/cli/lib.sh"
SER="$SRC/examples/threshold-series.csv"
M="$T/mnt"
mkdir -p "$M"
if ! mount -t tmpfs -o size=512k tmpfs "$M" 2>/dev/null; then
  echo "SKIP: cannot mount a tmpfs here (needs root); write-error tests not run"
  finish
  exit 0
fi
trap 'umount "$M" 2>/dev/null; rm -rf "$T"' EXIT

# fill FS: take all free space but roughly KEEP bytes
fill() {
  local keep=$1
  rm -f "$M/filler"
  local free_kb
  free_kb=$(df -k --output=avail "$M" | tail -1)
  local n=$(( free_kb - keep / 1024 ))
  [ "$n" -gt 0 ] && dd if=/dev/zero of="$M/filler" bs=1k count="$n" 2>/dev/null
  return 0
}
no_temp() { if ls "$M" | grep -q '\.tmp\.'; then bad "$1: temp file left: $(ls "$M")"; else ok; fi; }

for ext in svg png pdf; do
  rm -f "$M/filler" "$M/fig.$ext"
  run threshold "$SER" --plot "$M/fig.$ext"
  expect_rc 0 "--plot fig.$ext on an empty tmpfs"
  [ -s "$M/fig.$ext" ] && ok || bad "fig.$ext not written"
  cp "$M/fig.$ext" "$T/prev.$ext"
  size=$(stat -c %s "$M/fig.$ext")
  # room for less than half the figure: the new one cannot fit
  fill $((size / 2))
  run threshold "$SER" --plot "$M/fig.$ext"
  expect_rc 2 "--plot fig.$ext on a full file system"
  expect_err "^gainkit: $M/fig\.$ext: cannot write: No space left on device" "--plot fig.$ext ENOSPC message"
  [ -z "$OUT" ] && ok || bad "--plot fig.$ext ENOSPC: stdout not empty"
  cmp -s "$M/fig.$ext" "$T/prev.$ext" && ok || bad "--plot fig.$ext ENOSPC: previous figure changed"
  no_temp "--plot fig.$ext ENOSPC"
done

# JSON and CSV results: no room at all
rm -f "$M"/fig.* "$M/filler"
run threshold "$SER" -o "$M/r.json"
expect_rc 0 "-o r.json on an empty tmpfs"
cp "$M/r.json" "$T/prev.json"
run threshold "$SER" -o "$M/r.csv"
cp "$M/r.csv" "$T/prev.csv"
fill 0
dd if=/dev/zero of="$M/filler2" bs=512 count=64 2>/dev/null   # whatever is left
for f in r.json r.csv; do
  run threshold "$SER" -o "$M/$f"
  expect_rc 2 "-o $f on a full file system"
  expect_err "^gainkit: $M/$f: cannot write: No space left on device" "-o $f ENOSPC message"
  [ -z "$OUT" ] && ok || bad "-o $f ENOSPC: stdout not empty"
  cmp -s "$M/$f" "$T/prev.${f#r.}" && ok || bad "-o $f ENOSPC: previous file changed"
  no_temp "-o $f ENOSPC"
done

# read-only file system
rm -f "$M/filler" "$M/filler2"
if mount -o remount,ro "$M" 2>/dev/null; then
  for f in fig.svg r.json; do
    opt=-o; [ "$f" = fig.svg ] && opt=--plot
    run threshold "$SER" "$opt" "$M/$f"
    expect_rc 2 "$opt $f on a read-only file system"
    expect_err "^gainkit: $M/$f: cannot (write|create output file): Read-only file system" "$opt $f EROFS message"
    [ -z "$OUT" ] && ok || bad "$opt $f EROFS: stdout not empty"
  done
  cmp -s "$M/r.json" "$T/prev.json" && ok || bad "EROFS: r.json changed"
else
  echo "note: remount read-only not possible; EROFS cases skipped"
fi
finish
