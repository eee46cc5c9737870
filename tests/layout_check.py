#!/usr/bin/python3
"""Layout check of gainkit SVG figures (PLplot's svg driver).

Usage: layout_check.py FIG.svg...   (exit 1 and one line per problem)

For every <text> element the box is estimated from its font size, anchor,
transform and the characters' advances in DejaVu Sans (the same table as
src/plot/render.c, char_em), and the figure fails when
  - a text box leaves the page (by more than 0.5 pt),
  - two text boxes overlap (by more than 0.6 pt both ways; a box is
    shrunk by 8 % of its font size on each side first, for the estimate's
    slack),
  - a legend box (white, 85 % opaque fill) covers more than MAX_COVERED
    data markers drawn before it (the legend's own samples come after it).
Marker glyphs (●■▲◆▼) are data, not text. Only the standard library: the
test runs wherever the build does.
"""
import re
import sys
import xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"
MARKERS = set("\u25cf\u25a0\u25b2\u25c6\u25bc")
MAX_COVERED = 3


def char_em(c):
    o = ord(c)
    if o >= 0x80:
        if c in "\u00b2\u00b3\u00b9\u2070\u2074\u2075\u2076\u2077\u2078\u2079\u207a\u207b":
            return 0.42
        return 0.72
    if c == " ":
        return 0.32
    if c in "iljtf.,:;'|!":
        return 0.32
    if c in "r()[]{}-/\\":
        return 0.40
    if c in "mwMW":
        return 0.92
    if c.isupper():
        return 0.72
    if c.isdigit():
        return 0.64
    return 0.58


def tspan_width(el, size):
    """Advance of an element's text and its nested tspans (sizes may change)."""
    fs = float(el.get("font-size", size))
    w = sum(char_em(c) for c in (el.text or "")) * fs
    for ch in el:
        w += tspan_width(ch, fs)
        w += sum(char_em(c) for c in (ch.tail or "")) * fs
    return w


def all_text(el):
    return "".join(el.itertext())


def matrix(s):
    m = re.match(r"matrix\(([^)]*)\)", s or "")
    if not m:
        return (1, 0, 0, 1, 0, 0)
    return tuple(float(v) for v in m.group(1).replace(",", " ").split())


def apply(m, x, y):
    a, b, c, d, e, f = m
    return (a * x + c * y + e, b * x + d * y + f)


def compose(m1, m2):
    """m1 after m2 (SVG: parent m1, child m2)."""
    a1, b1, c1, d1, e1, f1 = m1
    a2, b2, c2, d2, e2, f2 = m2
    return (a1 * a2 + c1 * b2, b1 * a2 + d1 * b2, a1 * c2 + c1 * d2, b1 * c2 + d1 * d2,
            a1 * e2 + c1 * f2 + e1, b1 * e2 + d1 * f2 + f1)


def walk(el, m, out, order):
    """Collect texts, legend boxes and polylines with their page transforms."""
    mm = compose(m, matrix(el.get("transform"))) if el.get("transform") else m
    tag = el.tag.replace(SVG, "")
    if tag == "text":
        out.append(("text", order[0], el, mm))
        order[0] += 1
        return
    if tag == "polyline" and el.get("fill", "").upper() == "#FFFFFF" and el.get("fill-opacity", "").startswith("0.85"):
        out.append(("legend", order[0], el, mm))
        order[0] += 1
    for ch in el:
        walk(ch, mm, out, order)


def boxes(path):
    root = ET.parse(path).getroot()
    vb = [float(v) for v in root.get("viewBox").split()]
    W, H = vb[2], vb[3]
    items = []
    walk(root, (1, 0, 0, 1, 0, 0), items, [0])
    texts, legends, markers = [], [], []
    for kind, order, el, m in items:
        if kind == "legend":
            pts = [tuple(float(v) for v in p.split(",")) for p in el.get("points").split()]
            pts = [apply(m, x, y) for x, y in pts]
            xs = [p[0] for p in pts]
            ys = [p[1] for p in pts]
            legends.append((order, min(xs), min(ys), max(xs), max(ys)))
            continue
        s = all_text(el)
        if not s.strip():
            continue
        fs = float(el.get("font-size", "10"))
        x0 = float(el.get("x", "0"))
        y0 = float(el.get("y", "0"))
        w = tspan_width(el, fs)
        anchor = el.get("text-anchor", "start")
        lx0 = x0 - (w if anchor == "end" else w / 2 if anchor == "middle" else 0)
        corners = [(lx0, y0 - 0.78 * fs), (lx0 + w, y0 - 0.78 * fs), (lx0, y0 + 0.22 * fs),
                   (lx0 + w, y0 + 0.22 * fs)]
        pc = [apply(m, x, y) for x, y in corners]
        xs = [p[0] for p in pc]
        ys = [p[1] for p in pc]
        box = (min(xs), min(ys), max(xs), max(ys))
        if len(s) == 1 and s in MARKERS:
            markers.append((order, (box[0] + box[2]) / 2, (box[1] + box[3]) / 2))
        else:
            texts.append((s, fs, box))
    return W, H, texts, legends, markers


def check(path):
    W, H, texts, legends, markers = boxes(path)
    problems = []
    for s, fs, (x0, y0, x1, y1) in texts:
        if x0 < -0.5 or y0 < -0.5 or x1 > W + 0.5 or y1 > H + 0.5:
            problems.append("%s: text %r leaves the page (box %.1f,%.1f-%.1f,%.1f on %gx%g pt)"
                            % (path, s, x0, y0, x1, y1, W, H))
    shr = []
    for s, fs, (x0, y0, x1, y1) in texts:
        d = 0.08 * fs
        shr.append((s, (x0 + d, y0 + d, x1 - d, y1 - d)))
    for i in range(len(shr)):
        si, (a0, b0, a1, b1) = shr[i]
        for j in range(i + 1, len(shr)):
            sj, (c0, d0, c1, d1) = shr[j]
            ox = min(a1, c1) - max(a0, c0)
            oy = min(b1, d1) - max(b0, d0)
            if ox > 0.6 and oy > 0.6:
                problems.append("%s: texts %r and %r overlap (%.1f x %.1f pt)" % (path, si, sj, ox, oy))
    for order, x0, y0, x1, y1 in legends:
        n = sum(1 for o, mx, my in markers if o < order and x0 <= mx <= x1 and y0 <= my <= y1)
        if n > MAX_COVERED:
            problems.append("%s: a legend covers %d data points (at most %d)" % (path, n, MAX_COVERED))
    return problems, len(texts)


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    bad = 0
    for p in argv[1:]:
        probs, n = check(p)
        for line in probs:
            print(line)
        if not probs:
            print("%s: ok (%d texts)" % (p, n))
        bad += len(probs)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
