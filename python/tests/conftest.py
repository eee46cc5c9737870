"""Shared helpers: the CLI to compare against, the examples folder."""
import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("GK_SOURCE_DIR", os.path.normpath(os.path.join(HERE, "..", "..")))
sys.path.insert(0, os.path.join(SRC, "python"))
EXAMPLES = os.path.join(SRC, "examples")
CLI = os.environ.get("GAINKIT", os.path.join(SRC, "build", "gainkit"))


def ex(name):
    return os.path.join(EXAMPLES, name)


def cli_json(*args, ok=(0, 1)):
    """Run the CLI with --format json; its parsed output."""
    p = subprocess.run([CLI, *args, "--format", "json"], capture_output=True, text=True, cwd=SRC)
    assert p.returncode in ok, f"{args}: exit {p.returncode}: {p.stderr}"
    j = json.loads(p.stdout)
    # how the CLI run was made (command line, date, input hashes): not a
    # result, so not something the library call returns
    j.pop("provenance", None)
    return j


def same(py, ref, path="", skip=()):
    """Recursive comparison: every key of the CLI's JSON is in the Python
    dict with the same value. Both come from the same library call, so the
    doubles are identical; the only difference is cJSON's printer, which
    writes 15 significant digits whenever they read back within DBL_EPSILON
    (its compare_double), so the CLI's text can be 1-2 ulp off the double.
    Hence rel_tol 4.5e-16 (2 DBL_EPSILON), not a loosened tolerance."""
    if isinstance(ref, dict):
        assert isinstance(py, dict), f"{path}: not a dict"
        for k, v in ref.items():
            if k in skip:
                continue
            assert k in py, f"{path}.{k}: missing in to_dict()"
            same(py[k], v, f"{path}.{k}", skip)
    elif isinstance(ref, list):
        assert len(py) == len(ref), f"{path}: length {len(py)} != {len(ref)}"
        for i, (a, b) in enumerate(zip(py, ref)):
            same(a, b, f"{path}[{i}]", skip)
    elif isinstance(ref, float) or isinstance(py, float):
        assert py is not None and ref is not None and \
            math.isclose(float(py), float(ref), rel_tol=4.5e-16, abs_tol=0), \
            f"{path}: {py!r} != {ref!r}"
    else:
        assert py == ref, f"{path}: {py!r} != {ref!r}"


@pytest.fixture(scope="session")
def gk():
    import gainkit
    return gainkit
