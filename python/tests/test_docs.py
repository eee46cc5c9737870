"""docs/python.md documents every public function (issue: one example per
function) and help() shows units and defaults."""
import inspect
import os
import re

from conftest import SRC

MODULES = ("io", "vsl", "threshold", "spectrum", "vpi", "nc", "carriers", "heat", "ta", "kinetics",
           "modes", "simulate", "plot")


def public_functions(gk):
    import importlib
    for name in MODULES:
        mod = importlib.import_module(f"gainkit.{name}")
        for fn, obj in vars(mod).items():
            if fn.startswith("_") or not inspect.isfunction(obj) or obj.__module__ != mod.__name__:
                continue
            yield name, fn, obj


def test_every_public_function_is_in_docs_with_a_docstring(gk):
    doc = open(os.path.join(SRC, "docs", "python.md"), encoding="utf-8").read()
    missing, undocumented = [], []
    for mod, fn, obj in public_functions(gk):
        if not re.search(rf"\b{re.escape(fn)}\(", doc):
            missing.append(f"{mod}.{fn}")
        if not (obj.__doc__ or "").strip():
            undocumented.append(f"{mod}.{fn}")
    assert not missing, f"not in docs/python.md: {missing}"
    assert not undocumented, f"no docstring: {undocumented}"


def test_help_of_vsl_fit_shows_units_and_defaults(gk):
    import io
    import pydoc
    buf = io.StringIO()
    pydoc.Helper(output=buf).help(gk.vsl.fit)
    text = buf.getvalue()
    for word in ("cm^-1", "stripe lengths in cm", "default", 'model="all"', "weights=None",
                 "range=None"):
        assert word in text, word
