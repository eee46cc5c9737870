"""Fit every stress case with two gainkit binaries (`vsl --model sat-exact
--format json`), compare chi2 and exit codes. Usage: run.py CASEDIR BASE NEW [OUT.json [BASE-CACHE.json]]"""
import sys, os, json, subprocess, resource
d, base, new = sys.argv[1], sys.argv[2], sys.argv[3]
outj = sys.argv[4] if len(sys.argv) > 4 else None
# optional 5th argument: an earlier run's OUT.json whose "base" results are reused (the base binary is deterministic)
cache = {e["file"]: e for e in json.load(open(sys.argv[5]))} if len(sys.argv) > 5 else {}
cases = json.load(open(os.path.join(d, "cases.json")))
def run(b, c):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run([b, "vsl", c["file"], "--model", "sat-exact", "--format", "json", "--weights", c["weights"]],
                       capture_output=True, text=True)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime
    try:
        j = json.loads(p.stdout)
        return p.returncode, j.get("chi2"), j.get("converged"), cpu, ("nan" in p.stdout.lower().replace("\"nan","")) 
    except Exception:
        return p.returncode, None, None, cpu, False
res = []; worse = []; better = 0; equal = 0; rcw = 0; tb = tn = 0
for c in cases:
    rb = tuple(cache[c["file"]]["base"]) + (cache[c["file"]]["tb"],) if c["file"] in cache else run(base, c)
    rn = run(new, c)
    tb += rb[3]; tn += rn[3]
    cb, cn = rb[1], rn[1]
    e = dict(file=c["file"], kind=c["kind"], weights=c["weights"], base=rb[:3], new=rn[:3], tb=rb[3], tn=rn[3])
    res.append(e)
    if rn[0] != rb[0] and rn[0] != 0:
        rcw += 1; worse.append(("rc", e))
    if cb is not None and cn is not None:
        rel = (cn - cb) / max(abs(cb), 1e-300)
        e["rel"] = rel
        if rel > 1e-9: worse.append(("chi2", e))
        elif rel < -1e-9: better += 1
        else: equal += 1
    elif cb is not None and cn is None:
        worse.append(("missing", e))
    if rn[2] != rb[2]: e["conv_flip"] = True
print("cases %d: chi2 equal(1e-9) %d, lower %d, worse %d; exit code worse %d; converged flips %d" %
      (len(cases), equal, better, sum(1 for w in worse if w[0] == "chi2"), rcw, sum(1 for e in res if e.get("conv_flip"))))
print("CPU total base %.2f s, new %.2f s, ratio %.2f" % (tb, tn, tb / tn if tn else 0))
for w in sorted([e for e in res if "rel" in e], key=lambda e: -e["rel"])[:8]:
    print("  worst rel %+.3e %s %s %s base %s new %s" % (w["rel"], w["file"], w["kind"], w["weights"], w["base"], w["new"]))
for e in res:
    if e.get("conv_flip"): print("  conv flip", e["file"], e["kind"], e["base"], e["new"])
for k, w in worse:
    print("  WORSE", k, w)
if outj: json.dump(res, open(outj, "w"), indent=1)
