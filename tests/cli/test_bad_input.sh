#!/usr/bin/env bash
# The input error catalog: every malformed file in tests/bad-input/ must give
# exit 2, "gainkit: FILE:LINE: message" on stderr with the right line, empty
# stdout, no output file, an existing output file untouched, no temp files.
# catalog.tsv: file, extra args ("-" for none), line, regex of the message.
source "$GK_SOURCE_DIR/tests/cli/lib.sh"
cd "$SRC/tests/bad-input" || exit 1

n=0
while IFS=$'\t' read -r file args line rx; do
  case "$file" in ''|'#'*) continue ;; esac
  [ -e "$file" ] || { bad "catalog names missing file $file"; continue; }
  extra=()
  [ "$args" != "-" ] && read -r -a extra <<<"$args"
  expect_input_error "$file:$line: $rx" "$file" -- inspect "${extra[@]}" "$file"
  n=$((n+1))
done < catalog.tsv
# every file in the directory is in the catalog
for f in *; do
  [ "$f" = catalog.tsv ] && continue
  grep -q "^$f	" catalog.tsv && ok || bad "$f is not listed in catalog.tsv"
done
[ "$n" -ge 20 ] && ok || bad "catalog has only $n entries"

# Errors about the file as a whole carry no line.
expect_input_error "no-such-file\.csv: cannot open: No such file or directory" "missing file" \
  -- inspect no-such-file.csv
expect_input_error "\.: cannot read: Is a directory" "directory" -- inspect .
if [ "$(id -u)" != 0 ]; then
  cp 01-nonnumeric.csv "$T/locked.csv"; chmod 000 "$T/locked.csv"
  expect_input_error "locked\.csv: cannot open: Permission denied" "unreadable file" \
    -- inspect "$T/locked.csv"
fi
# The size limit: --max-bytes, and GAINKIT_MAX_INPUT_BYTES for every command.
expect_input_error "01-nonnumeric\.csv: file is 38 bytes, more than the input limit of 20 bytes" \
  "--max-bytes" -- inspect --max-bytes 20 01-nonnumeric.csv
GAINKIT_MAX_INPUT_BYTES=20 expect_input_error "01-nonnumeric\.csv: file is 38 bytes, more than the input limit of 20 bytes \(GAINKIT_MAX_INPUT_BYTES\)" \
  "GAINKIT_MAX_INPUT_BYTES" -- inspect 01-nonnumeric.csv
# ... also on a pipe, where the size is not known up front
run inspect --max-bytes 10 /dev/stdin <01-nonnumeric.csv
expect_rc 2 "limit on a pipe"; expect_err "more than the input limit of 10 bytes" "limit on a pipe"

# Bad option values are usage errors about the option.
run inspect --length-unit ns 01-nonnumeric.csv
expect_rc 2 "--length-unit ns"; expect_err "^gainkit: --length-unit: 'ns' is a time, expected a length \(cm\)" "--length-unit ns"
run inspect --max-bytes 0 01-nonnumeric.csv
expect_rc 2 "--max-bytes 0"
run inspect
expect_rc 2 "no file"; expect_err "missing FILE" "no file"
finish
