#!/usr/bin/env bash
# Provenance in every output: JSON ("provenance"), CSV ("# key: value" lines
# at the top) and figures (PNG tEXt, SVG <metadata>, PDF Info) carry the
# gainkit version, the command line, every input's name and SHA-256 (checked
# here against Python's hashlib), the options as given and the defaults of
# the others, metadata read from the inputs, and the date.
source "$GK_SOURCE_DIR/tests/cli/lib.sh"
EX="$SRC/examples"
PY=/usr/bin/python3
VER=$("$GAINKIT" --version | awk '{print $2}')

# an input with "# key: value" metadata
{ echo "# instrument: test bench 1"; echo "# integration_time: 100 ms"; cat "$EX/vsl-nc1.csv"; } >"$T/in.csv"
SHA=$($PY -c 'import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest())' "$T/in.csv")

run vsl "$T/in.csv" --model vsl1 -o "$T/out.json" --plot "$T/f.png"
expect_rc 0 "vsl with -o json and a png"
$PY - "$T/out.json" "$T/in.csv" "$SHA" "$VER" <<'PYEOF' && ok || bad "JSON provenance"
import json, sys, re
j = json.load(open(sys.argv[1]))
p = j["provenance"]
assert p["gainkit_version"] == sys.argv[4], p
assert p["command_line"].startswith("gainkit vsl ") and "--model vsl1" in p["command_line"], p["command_line"]
assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", p["date"]), p["date"]
(inp,) = p["inputs"]
assert inp["path"] == sys.argv[2] and inp["sha256"] == sys.argv[3], inp
assert inp["metadata"]["instrument"] == "test bench 1", inp
assert inp["metadata"]["integration_time"] == "100 ms", inp
assert p["options"]["--model"] == "vsl1", p["options"]
assert p["defaults"]["--weights"] and "--range" in p["defaults"], p["defaults"]
PYEOF

# --format json on stdout carries it too
run vsl "$T/in.csv" --model vsl1 --format json
printf '%s' "$OUT" | $PY -c 'import json,sys; p=json.load(sys.stdin)["provenance"]; assert p["inputs"][0]["sha256"]==sys.argv[1]' "$SHA" && ok || bad "stdout JSON provenance"

# SOURCE_DATE_EPOCH fixes the date
SOURCE_DATE_EPOCH=0 "$GAINKIT" vsl "$T/in.csv" --model vsl1 --format json | grep -q '"date":	"1970-01-01T00:00:00Z"' && ok || bad "SOURCE_DATE_EPOCH"

# CSV: comment lines at the top, before the header
run vsl "$T/in.csv" --model vsl1 -o "$T/out.csv"
expect_rc 0 "vsl -o csv"
for pat in "^# gainkit_version: $VER\$" "^# command_line: gainkit vsl " "^# date: [0-9]{4}-" \
           "^# input: $T/in.csv sha256=$SHA bytes=" "^# input_metadata: in.csv: instrument = test bench 1" \
           "^# option: --model = vsl1" "^# default: --weights = "; do
  grep -qE -- "$pat" "$T/out.csv" && ok || bad "CSV lacks /$pat/"
done
first_data=$(grep -n -v '^#' "$T/out.csv" | head -1 | cut -d: -f1)
last_comment=$(grep -n '^#' "$T/out.csv" | tail -1 | cut -d: -f1)
[ "$last_comment" -lt "$first_data" ] && ok || bad "CSV comments are not all at the top"

# PNG: tEXt chunks with the provenance JSON
$PY - "$T/f.png" "$SHA" <<'PYEOF' && ok || bad "PNG provenance"
import struct, sys, zlib, json
d = open(sys.argv[1], "rb").read()
assert d[:8] == b"\x89PNG\r\n\x1a\n"
i, text = 8, {}
while i < len(d):
    n, = struct.unpack(">I", d[i:i+4]); t = d[i+4:i+8]; body = d[i+8:i+8+n]
    assert zlib.crc32(t + body) & 0xffffffff == struct.unpack(">I", d[i+8+n:i+12+n])[0], t
    if t == b"tEXt":
        k, v = body.split(b"\0", 1); text[k.decode("latin-1")] = v.decode("latin-1")
    elif t == b"iTXt":
        k, rest = body.split(b"\0", 1); text[k.decode("latin-1")] = rest[2:].split(b"\0", 2)[2].decode()
    i += 12 + n
assert text["Software"].startswith("gainkit "), text
assert "Creation Time" in text
p = json.loads(text["gainkit-provenance"])
assert p["inputs"][0]["sha256"] == sys.argv[2]
assert p["options"]["--plot"].endswith("f.png")
PYEOF

# SVG and PDF
run vsl "$T/in.csv" --model vsl1 --plot "$T/f.svg"
expect_rc 0 "vsl svg"
$PY - "$T/f.svg" "$SHA" <<'PYEOF' && ok || bad "SVG provenance"
import sys, json
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
ns = {"svg": "http://www.w3.org/2000/svg", "g": "urn:gainkit:provenance"}
md = root.find("svg:metadata", ns)
items = {e.get("key"): e.text for e in md.iter("{urn:gainkit:provenance}entry")}
assert items["Software"].startswith("gainkit ")
assert json.loads(items["gainkit-provenance"])["inputs"][0]["sha256"] == sys.argv[2]
PYEOF
run vsl "$T/in.csv" --model vsl1 --plot "$T/f.pdf"
expect_rc 0 "vsl pdf"
$PY - "$T/f.pdf" "$SHA" <<'PYEOF' && ok || bad "PDF provenance"
import sys, re
d = open(sys.argv[1], "rb").read()
xref = int(re.findall(rb"startxref\s+(\d+)", d)[-1])
assert d[xref:xref+4] == b"xref"
obj, off = map(int, re.match(rb"xref\s+(\d+) 1\s+(\d+) 00000 n", d[xref:]).groups())
assert d[off:].startswith(b"%d 0 obj" % obj)
trailer = d[xref:]
assert re.search(rb"/Info %d 0 R" % obj, trailer) and re.search(rb"/Prev \d+", trailer)
info = d[off:d.index(b"endobj", off)]
assert b"/Software (gainkit " in info and sys.argv[2].encode() in info and b"/Producer" in info
PYEOF

# a calculator command (table-driven options): defaults with their units
run nc auger --radius 5nm -o "$T/nc.json"
expect_rc 0 "nc auger"
$PY -c 'import json,sys; p=json.load(open(sys.argv[1]))["provenance"]; assert p["options"]["--radius"]=="5nm"; assert p["defaults"]["--material"] is None and "--max-n" in p["defaults"], p' "$T/nc.json" && ok || bad "nc provenance"

# a command that reads a material catalog file: the file is an input
run modes "$EX/stack-cspbbr3.yaml" -o "$T/modes.json"
expect_rc 0 "modes"
$PY -c 'import json,sys; p=json.load(open(sys.argv[1]))["provenance"]; assert any(i["path"].endswith("stack-cspbbr3.yaml") for i in p["inputs"]), p["inputs"]' "$T/modes.json" && ok || bad "YAML input in provenance"

# figures get their provenance when they are written (not rebuilt at every
# input read): an input read before the figure is in it
run modes "$EX/stack-cspbbr3.yaml" --plot "$T/modes.svg"
expect_rc 0 "modes --plot"
$PY - "$T/modes.svg" <<'PYEOF' && ok || bad "figure provenance names the input read before it"
import sys, json
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
ns = {"svg": "http://www.w3.org/2000/svg"}
md = root.find("svg:metadata", ns)
items = {e.get("key"): e.text for e in md.iter("{urn:gainkit:provenance}entry")}
ins = json.loads(items["gainkit-provenance"])["inputs"]
assert any(i["path"].endswith("stack-cspbbr3.yaml") and len(i["sha256"]) == 64 for i in ins), ins
PYEOF
finish
