#!/usr/bin/env bash
# Lab exports in (gainkit/io.h): every vendor reader on the sample files of
# examples/input/ (written by examples/input/make_samples.py from the
# documented layouts: headers, CRLF, BOM, footers, decimal commas), read to
# the numbers the samples were made from (Gaussian at 520 nm, FWHM 20 nm,
# area = H * 20 * sqrt(pi / (4 ln 2)) = 21.2894 H nm); many files into one
# threshold; orientation, offsets, clipping, swapped columns; bad input to
# every new reader.
source "$GK_SOURCE_DIR/tests/cli/lib.sh"
IN="$SRC/examples/input"
FS="$SRC/examples/fluence-series"
cd "$T" || exit 1
AREA=21.28936   # nm per unit height

# near CSVFILE ROW COL EXPECTED RELTOL DESC: a cell of `spectrum -o x.csv`
near() {
  local v
  v=$(grep -v '^#' "$1" | awk -F, -v r="$2" -v c="$3" 'NR == r + 1 { print $c }')
  if awk -v v="$v" -v e="$4" -v t="$5" 'BEGIN { d = v - e; if (d < 0) d = -d; a = e < 0 ? -e : e;
        exit !(v != "" && d <= t * (a > 0 ? a : 1)) }'; then ok; else bad "$6: got '$v', expected $4 (rel $5)"; fi
}
# spectrum FILE [options] -> s.csv, s.json
spec() {
  local f=$1; shift
  run spectrum "$f" "$@" -o s.csv; expect_rc 0 "spectrum $f"
  run spectrum "$f" "$@" --format json; expect_rc 0 "spectrum $f json"
}
meta() { if printf '%s' "$OUT" | grep -qE "\"$1\":[[:space:]]*\"$2\""; then ok; else bad "$3: metadata $1 != $2"; fi; }

# ---- each format, to the right numbers -------------------------------------
for f in ocean-oceanview.txt ocean-spectrasuite.txt excel.csv european.csv; do
  spec "$IN/$f"
  near s.csv 1 2 520 1e-6 "$f peak wavelength"
  near s.csv 1 3 20000 1e-6 "$f peak"
  near s.csv 1 4 20 2e-3 "$f FWHM"
  near s.csv 1 5 $(awk -v a=$AREA 'BEGIN{print 20000*a}') 1e-4 "$f integral"
done
spec "$IN/ocean-oceanview.txt"
meta integration_time_s 0.1 "OceanView"; meta accumulations 5 "OceanView"; meta accumulations_summed 0 "OceanView"
meta instrument "USB2\\+H12345" "OceanView"; meta date "Wed Nov 04 10:22:11 CET 2026" "OceanView"
meta format ocean "OceanView"
spec "$IN/ocean-spectrasuite.txt"
meta integration_time_s 0.2 "SpectraSuite (usec)"; meta accumulations 3 "SpectraSuite"
expect_err "decimal commas" "SpectraSuite decimal comma note"
spec "$IN/european.csv"; expect_err "decimal commas" "European CSV note"
# AvaSoft: Sample minus Dark (900 counts), said so
spec "$IN/avantes-avasoft.ttt"
near s.csv 1 2 530 1e-6 "AvaSoft peak wavelength"
near s.csv 1 3 15000 1e-6 "AvaSoft peak after dark"
near s.csv 1 5 $(awk -v a=$AREA 'BEGIN{print 15000*a}') 1e-4 "AvaSoft integral after dark"
expect_err "dark column \(Dark\) was subtracted" "AvaSoft dark note"
meta integration_time_s 0.05 "AvaSoft"; meta accumulations 10 "AvaSoft"; meta instrument 1502124U1 "AvaSoft"
# Andor: 3-frame kinetic series, footer
spec "$IN/andor-kinetic.asc"
for k in 1 2 3; do
  h=$(awk -v k=$k 'BEGIN{print 1000 * 2^(k-1)}')
  near s.csv $k 3 "$h" 1e-6 "Andor frame $k peak"
  near s.csv $k 5 $(awk -v a=$AREA -v h=$h 'BEGIN{print h*a}') 1e-4 "Andor frame $k integral"
done
meta integration_time_s 0.05 "Andor"; meta accumulations 4 "Andor"; meta accumulations_summed 1 "Andor"
meta instrument DU420A_BEX2-DD "Andor"
# LightField: one spectrum per frame
spec "$IN/lightfield-frames.csv"
near s.csv 1 3 5000 1e-6 "LightField frame 1"; near s.csv 2 3 7500 1e-6 "LightField frame 2"
near s.csv 2 4 20 2e-3 "LightField FWHM"
# LabSpec
spec "$IN/labspec.txt"
near s.csv 1 3 2000 1e-6 "LabSpec peak"
meta integration_time_s 0.5 "LabSpec"; meta accumulations 2 "LabSpec"; meta instrument "LabRAM HR Evolution" "LabSpec"
# Origin: Long Name / Units / Comments
spec "$IN/origin.csv"
near s.csv 1 3 1 1e-5 "Origin peak (a.u.)"; near s.csv 1 2 520 1e-6 "Origin peak wavelength"
meta comment_Intensity "film A 40 uJ/cm2" "Origin comments row"
meta format origin "Origin detected"
# LightField .spe v3 (binary): 2 frames, uint16, wavelengths and exposure from the XML footer
spec "$IN/lightfield-v3.spe"
near s.csv 1 3 5000 1e-6 ".spe frame 1 peak"; near s.csv 2 3 10000 1e-6 ".spe frame 2 peak"
near s.csv 2 4 20 2e-3 ".spe FWHM"; near s.csv 1 2 520 1e-6 ".spe peak wavelength"
meta integration_time_s 0.1 ".spe exposure"; meta format spe ".spe detected"
head -c 5000 "$IN/lightfield-v3.spe" >trunc.spe
case_() { expect_input_error "$@"; }
case_ "trunc\.spe: the data .* do not fit before the XML footer" ".spe truncated" -- spectrum trunc.spe --format-in spe
{ head -c 1992 "$IN/lightfield-v3.spe"; printf '\x00\x00\x00\x40'; tail -c +1997 "$IN/lightfield-v3.spe"; } >v2.spe
case_ "v2\.spe: \.spe version 2\.0: only version 3" ".spe version 2 refused" -- spectrum v2.spe --format-in spe
sed 's/WavelengthMapping/NoMapping/g' "$IN/lightfield-v3.spe" >nocal.spe
case_ "nocal\.spe: no <WavelengthMapping>" ".spe without calibration" -- spectrum nocal.spe
# forced format (the same file read by name)
spec "$IN/excel.csv" --format-in csv
near s.csv 1 3 20000 1e-6 "--format-in csv"
# columns: sigma named -> used; other third column -> ignored, said so
spec "$IN/with-sigma.csv"; expect_err "column 3 \(sigma\) used as the uncertainty" "sigma by header"
spec "$IN/with-reference.csv"; expect_err "column 3 \(reference\) ignored" "third column ignored"
spec "$IN/with-reference.csv" --y-col reference
near s.csv 1 3 30000 1e-6 "--y-col by name"
spec "$IN/with-reference.csv" --y-col 2
near s.csv 1 3 20000 1e-6 "--y-col by number"
case_ "--y-col: no column named 'nope'" "unknown --y-col" -- spectrum "$IN/with-reference.csv" --y-col nope
case_ "--x-col: column 9 does not exist" "--x-col out of range" -- spectrum "$IN/with-reference.csv" --x-col 9
case_ "--format-in: 'spc' is not a format" "unknown --format-in" -- spectrum "$IN/excel.csv" --format-in spc
# swapped columns diagnosed as swapped; with the columns named, read right
case_ "swapped\.csv:2: columns look swapped.*--x-col 2 --y-col 1" "swapped columns" -- spectrum "$IN/swapped.csv"
spec "$IN/swapped.csv" --x-col 2 --y-col 1
near s.csv 1 2 520 1e-6 "swapped columns read with --x-col 2 --y-col 1"
# clipped: flagged per spectrum
spec "$IN/clipped.csv"
expect_err "clipped: [0-9]+ samples at the maximum 65535" "clipped spectrum warned"
near s.csv 1 8 1 0 "clipped flag in CSV"
spec "$IN/ocean-oceanview.txt"; near s.csv 1 8 0 0 "unclipped flag"
# offset: 950 counts under the spectrum, warned with the option; removed by it
spec "$IN/offset.csv"
expect_err "background of about 950 .*--baseline edges" "spectrum offset warned"
spec "$IN/offset.csv" --baseline edges
near s.csv 1 3 20000 2e-3 "offset removed by --baseline edges (peak)"
near s.csv 1 7 950 1e-3 "edges baseline value"
if printf '%s' "$ERR" | grep -q background; then bad "offset warned although subtracted"; else ok; fi

# ---- many files, one analysis ----------------------------------------------
kink() { printf '%s\n' "$OUT" | sed -n '/^Thresholds:/,$p'; }
run threshold "$SRC/examples/fluence-series-merged.csv" --spectra --method kink
expect_rc 0 "merged matrix"; REF=$(kink)
run threshold "$FS" --spectra --pump-from-name --dark "$FS/dark.txt" --method kink
expect_rc 0 "folder of 15 exports"
if [ -n "$REF" ] && [ "$(kink)" = "$REF" ]; then ok; else bad "folder threshold '$(kink)' != merged '$REF'"; fi
expect_err "15 files read as ocean exports" "folder note"
expect_err "dark spectrum dark.txt subtracted \(mean 950" "dark note"
# a dark recorded at half the exposure (half the counts) is scaled to each
# file's exposure: the same thresholds as with the full dark, and a note
awk -F'\t' 'BEGIN{OFS="\t"} /^[0-9]/{ sub("\r",""); $2 = $2/2; print $0 "\r"; next } {print}' "$FS/dark.txt" \
  | sed 's/Integration Time (sec): 1.000000E-1/Integration Time (sec): 5.000000E-2/' >dark-half.txt
run threshold "$FS"/film1_*.txt --spectra --pump-from-name --dark dark-half.txt --method kink
expect_rc 0 "dark at another exposure"
if [ -n "$REF" ] && [ "$(kink)" = "$REF" ]; then ok; else bad "scaled-dark threshold '$(kink)' != merged '$REF'"; fi
expect_err "dark's exposure \(0.05 s\) differs from that of 15 of 15 files: the dark was scaled .*factors 2 to 2" "scaled-dark note"
run threshold "$FS"/film1_*.txt --spectra --pump-from-name --dark dark-half.txt --method kink --no-normalise
expect_err "dark subtracted as read" "--no-normalise: dark as read"
[ "$(kink)" != "$REF" ] && ok || bad "--no-normalise still scaled the dark"
run threshold "$FS" --spectra --pump-from-name --dark "$FS/dark.txt" --method kink --format json
if printf '%s' "$OUT" | grep -q '"pump":[[:space:]]*150'; then ok; else bad "folder pumps sorted to 150"; fi
# the same files listed, pumps from a list (file order) and from a sidecar
files=("$FS"/film1_*.txt)
pumps=$(for f in "${files[@]}"; do b=${f##*_}; printf '%s,' "${b%uJ.txt}"; done); pumps=${pumps%,}
run threshold "${files[@]}" --spectra --pumps "$pumps" --pump-unit uJ --dark "$FS/dark.txt" --method kink
expect_rc 0 "--pumps list"; [ "$(kink)" = "$REF" ] && ok || bad "--pumps list threshold differs"
{ echo "file, pump (uJ)"; for f in "${files[@]}"; do b=${f##*/}; p=${b#film1_}; echo "$b, ${p%uJ.txt}"; done; } >pumps.csv
run threshold "${files[@]}" --spectra --pumps-file pumps.csv --dark "$FS/dark.txt" --method kink
expect_rc 0 "--pumps-file"; [ "$(kink)" = "$REF" ] && ok || bad "--pumps-file threshold differs"
# the folder without --dark: with the baseline switched off the offset is
# seen and named; the default automatic baseline removes it (no warning)
run threshold "$SRC/examples/input/threshold-offset.csv" --spectra --method kink --baseline none
expect_rc 0 "offset matrix"
expect_err "background of about 9[45][0-9].*--dark FILE or --baseline N" "threshold offset warned"
run threshold "$SRC/examples/input/threshold-offset.csv" --spectra --method kink
expect_rc 0 "offset matrix, automatic baseline"
if printf '%s' "$ERR" | grep -q "background of about"; then bad "offset warned although the automatic baseline removed it"; else ok; fi
run threshold "$SRC/examples/vpi-ddab.csv" --spectra --method kink
if printf "%s" "$ERR" | grep -q background; then bad "PL wings taken for a background: $ERR"; else ok; fi
# duplicates: averaged (said) or refused
cp "$FS/film1_40uJ.txt" a_40uJ.txt; cp "$FS/film1_40uJ.txt" b_40uJ.txt; cp "$FS/film1_50uJ.txt" c_50uJ.txt
for p in 5 10 15 20 25; do cp "$FS/film1_${p}uJ.txt" "d_${p}uJ.txt"; done
run threshold a_40uJ.txt b_40uJ.txt c_50uJ.txt d_*uJ.txt --spectra --pump-from-name --method lines
expect_err "averaged" "duplicate pumps averaged with a note"
case_ "pump 40 uJ also belongs to .*refused" "duplicate pumps refused" -- threshold a_40uJ.txt b_40uJ.txt c_50uJ.txt d_*uJ.txt --spectra --pump-from-name --duplicates refuse
# exposure normalisation: the same spectrum at twice the integration time
sed 's/Integration Time (sec): 1.000000E-1/Integration Time (sec): 2.000000E-1/' "$FS/film1_40uJ.txt" >e_40uJ.txt
awk -F'\t' 'BEGIN{OFS="\t"} /^[0-9]/{ sub("\r",""); $2 = 2*$2; print $0 "\r"; next } {print}' "$FS/film1_50uJ.txt" \
  | sed 's/Integration Time (sec): 1.000000E-1/Integration Time (sec): 2.000000E-1/' >f_50uJ.txt
run spectrum "$FS/film1_50uJ.txt" -o ref.csv
run threshold d_*uJ.txt e_40uJ.txt f_50uJ.txt c_50uJ.txt --spectra --pump-from-name --method lines --format json
expect_err "exposures .* differ between files: every spectrum scaled" "normalisation note"
expect_err "averaged" "normalised duplicate averaged"
run threshold d_*uJ.txt e_40uJ.txt f_50uJ.txt --spectra --pump-from-name --method lines --no-normalise
expect_err "not normalised" "--no-normalise note"

# ---- orientation ---------------------------------------------------------------
run threshold "$IN/threshold-transposed.csv" --spectra --method kink
expect_rc 0 "transposed matrix"
expect_err "read transposed \(one spectrum per row\)" "transposed note"
[ "$(kink)" = "$REF" ] && ok || bad "transposed threshold '$(kink)' != '$REF'"
run threshold "$IN/threshold-transposed.csv" --spectra --method kink --transpose
[ "$(kink)" = "$REF" ] && ok || bad "--transpose threshold differs"
case_ "matrix-no-header\.csv:1: the first row is all numbers.*header row is missing" "header-less matrix" -- threshold "$IN/matrix-no-header.csv" --spectra
# a VSL matrix saved one spectrum per row: read transposed, same result
awk -F, '/^#/ { next } { nr++; for (i = 1; i <= NF; i++) a[nr, i] = $i; if (NF > nf) nf = NF }
  END { for (i = 1; i <= nf; i++) { s = ""; for (j = 1; j <= nr; j++) { c = a[j, i];
        if (i == 1 && j == 1) c = "L (cm) \\ wavelength (nm)"; s = s (j > 1 ? "," : "") c }; print s } }' \
  "$SRC/examples/vsl-matrix.csv" >vsl-t.csv
run vsl --matrix "$SRC/examples/vsl-matrix.csv" --format json; R1=$(noprov "$OUT" | grep -v '"input"\|"matrix"\|"file"')
run vsl --matrix vsl-t.csv --format json
expect_rc 0 "transposed VSL matrix"; expect_err "read transposed" "VSL transposed note"
R2=$(noprov "$OUT" | grep -v '"input"\|"matrix"\|"file"')
[ "$R1" = "$R2" ] && ok || bad "transposed VSL result differs"
# a VSL scan on a background: I(L -> 0) = 2000, warned with the number
awk 'BEGIN { print "L (cm),I (counts)"; for (i = 1; i <= 10; i++) { L = 0.05 * i; printf "%g,%.3f\n", L, 100 * (exp(10 * L) - 1) + 2000 } }' >vsl-bg.csv
run vsl vsl-bg.csv --model vsl1
# the straight line through the first 4 points of a convex scan undershoots (1831 here)
expect_err "extrapolates to 1[89][0-9][0-9] counts at L -> 0" "VSL background warned"
awk 'BEGIN { print "L (cm),I (counts)"; for (i = 1; i <= 10; i++) { L = 0.05 * i; printf "%g,%.3f\n", L, 100 * (exp(10 * L) - 1) } }' >vsl-nobg.csv
run vsl vsl-nobg.csv --model vsl1
if printf '%s' "$ERR" | grep -q extrapolates; then bad "VSL background warned without one: $ERR"; else ok; fi
# several VSL scans: one result each plus a table
run vsl "$SRC/examples/vsl-nc1.csv" "$SRC/examples/input/vsl-mm.csv" --model vsl1 -o series.csv
expect_rc 0 "vsl series"; expect_out "VSL series: 2 files" "vsl series table"
expect_out "vsl-mm.csv" "vsl series names the file"
run vsl "$SRC/examples/input/vsl-mm.csv" --model vsl1
G1=$(printf '%s\n' "$OUT" | grep -m1 -E '^ +g ')
run vsl "$SRC/examples/vsl-nc1.csv" "$SRC/examples/input/vsl-mm.csv" --model vsl1
if printf '%s' "$OUT" | grep -qF -- "$G1"; then ok; else bad "vsl series: per-file result differs from the single run ($G1)"; fi
if grep -q '^2,' series.csv; then ok; else bad "vsl series CSV table"; fi
case_ "nonexist\.csv: cannot open" "vsl series: a missing file" -- vsl "$SRC/examples/vsl-nc1.csv" nonexist.csv
case_ "--plot draws one scan" "vsl series: --plot" -- vsl "$SRC/examples/vsl-nc1.csv" "$SRC/examples/vsl-nc1.csv" --plot x.png
# forgotten --spectra
case_ "did you mean --spectra" "vendor file without --spectra" -- threshold "$IN/ocean-oceanview.txt"
case_ "did you mean --spectra" "matrix without --spectra" -- threshold "$SRC/examples/fluence-series-merged.csv"
case_ "did you mean --spectra" "folder option without --spectra" -- threshold "$SRC/examples/threshold-series.csv" --dark x.txt

# ---- bad input to every new reader: FILE:LINE, exit 2, no stdout, no file ----
crlf() { printf '%s\r\n' "$@"; }
crlf "Date: today" "Integration Time (sec): 0.1" ">>>>>Begin Spectral Data<<<<<" $'500\t1' $'501\t2' $'502\tx' $'503\t4' >ocean-bad.txt
case_ "ocean-bad\.txt:6: column 2: 'x' is not a number" "Ocean: bad cell" -- spectrum ocean-bad.txt
crlf "Date: today" ">>>>>Begin Spectral Data<<<<<" >ocean-empty.txt
case_ "ocean-empty\.txt:2: no spectral data" "Ocean: no data" -- spectrum ocean-empty.txt
crlf "Wave;Sample;Dark" "[nm];[counts];[counts]" "" "500;1;0" "501;2" "502;3;0" >ava-bad.ttt
case_ "ava-bad\.ttt:5: ragged row" "AvaSoft: ragged row" -- spectrum ava-bad.ttt
printf '500,1\n501,2\n502,3\n\nExposure Time (secs):0.1\n503,4\n' >andor-bad.asc
case_ "andor-bad\.asc:6: numbers after the end of the data" "Andor: data after footer" -- spectrum andor-bad.asc
printf '500,1\n501,2\n502,3\n\nExposure Time (secs):0.1\njunk here\n' >andor-junk.asc
case_ "andor-junk\.asc:6: not a number row" "Andor: junk footer" -- spectrum andor-junk.asc
crlf "Frame,Row,Column,Wavelength,Intensity" "1,0,0,500,1" "1,0,1,501,2" "1,0,2,502,3" "2,0,0,500,1" "2,0,1,509,2" "2,0,2,502,3" >lf-bad.csv
case_ "lf-bad\.csv:6: frame 2: expected wavelength 501" "LightField: frames disagree" -- spectrum lf-bad.csv
crlf "Frame,Row,Column,Wavelength,Intensity" "1,0,0,500,1" "1,0,1,501,2" "1,0,2,502,3" "2,0,0,500,1" >lf-short.csv
case_ "lf-short\.csv:5: 4 rows are not a whole number of spectra" "LightField: incomplete frame" -- spectrum lf-short.csv
printf '#Acq. time (s)=\t1\n500\t1\n501\t2\n502\t3,5.5\n' >labspec-bad.txt
case_ "labspec-bad\.txt:4: column 2" "LabSpec: bad cell" -- spectrum labspec-bad.txt
printf 'Wavelength,Intensity\nnm,a.u.\n,c\n500,1\n501,2\n502,x\n' >origin-bad.csv
case_ "origin-bad\.csv:6: column 2: 'x' is not a number" "Origin: bad cell" -- spectrum origin-bad.csv
printf '\xef\xbb\xbfwl (nm),I,,\r\n500,1,,\r\n501,,,\r\n502,3,,\r\n' >excel-bad.csv
case_ "excel-bad\.csv:3: ragged row" "Excel: missing value" -- spectrum excel-bad.csv
printf 'wl;I\n500,0;1,5\n501,0;2,5\n502,0;3,5,5\n' >euro-bad.csv
case_ "euro-bad\.csv:4: column 2: '3,5,5' is not a number with a decimal comma" "European: bad cell" -- spectrum euro-bad.csv
printf 'wl,I\n500,1\n500,2\n502,3\n' >dup.csv
case_ "dup\.csv:3: duplicate wavelength 500 nm \(also on line 2\)" "duplicate wavelength" -- spectrum dup.csv
printf 'wl (eV),I\n2.1,1\n2.2,2\n2.3,3\n' >ev.csv
case_ "ev\.csv:1: column 1 \(wl\): unit 'eV' is not a wavelength" "energy axis refused" -- spectrum ev.csv
# many files: axis mismatch, pumps, names, dark
printf 'wl,I\n500,1\n501,2\n502,3\n503,4\n' >p_10uJ.csv
printf 'wl,I\n500,1\n501,2\n502.5,3\n503,4\n' >p_20uJ.csv
case_ "p_20uJ\.csv:4: wavelength 502\.5 nm differs" "files on different axes" -- threshold p_10uJ.csv p_20uJ.csv --spectra --pump-from-name
cp p_10uJ.csv nopump.csv
case_ "nopump\.csv: no number in the file name" "no pump in name" -- threshold p_10uJ.csv nopump.csv --spectra --pump-from-name
case_ "--pumps: 3 values for 2 spectra" "pump count mismatch" -- threshold p_10uJ.csv nopump.csv --spectra --pumps 1,2,3
case_ "but no pumps.*: --pumps, --pumps-file or --pump-from-name" "no pumps at all" -- threshold p_10uJ.csv nopump.csv --spectra
printf 'wl,I\n500,1\n501,2\n' >darkshort.csv
case_ "darkshort\.csv:3: too few data rows" "bad dark" -- threshold p_10uJ.csv --spectra --pumps 1 --dark darkshort.csv
printf 'file, pump (uJ)\np_10uJ.csv, 10\np_20uJ.csv, ten\n' >badpumps.csv
case_ "badpumps\.csv:3: column 2" "bad sidecar" -- threshold p_10uJ.csv --spectra --pumps-file badpumps.csv
finish
