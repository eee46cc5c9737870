"""Loading libgainkit through cffi in ABI mode.

The C declarations are taken from the library's own public headers
(include/gainkit/*.h) at import time: a small filter drops what cffi's
parser does not take (preprocessor lines, comments, ``__attribute__``,
``static inline`` helpers, ``extern "C"`` guards) and hands the rest to
``ffi.cdef``. So struct layouts are never written twice, and a field added
to a header is visible from Python without touching this package.
Nothing is compiled: no C extension tracks CPython's API.
"""
from __future__ import annotations

import ctypes.util
import glob
import os
import re

import cffi

# The order of gainkit/gainkit.h (the umbrella header); headers not named
# there are appended in file-name order.
_UMBRELLA = "gainkit.h"
_LIBNAMES = ("libgainkit.so.0", "libgainkit.so", "libgainkit.dylib")


def _pkg_dir() -> str:
    return os.path.dirname(os.path.abspath(__file__))


def _candidate_libs():
    env = os.environ.get("GAINKIT_LIBRARY")
    if env:
        yield env
        return
    here = _pkg_dir()
    # the build tree of the checkout this package sits in (python/gainkit -> ../../build)
    for build in ("build", "build-release"):
        for n in _LIBNAMES:
            yield os.path.join(here, "..", "..", build, n)
    # a copy installed next to the package
    for n in _LIBNAMES:
        yield os.path.join(here, n)
    # system paths (ldconfig, then the usual prefixes)
    found = ctypes.util.find_library("gainkit")
    if found:
        yield found
    for prefix in ("/usr/local/lib", "/usr/lib", "/usr/lib/x86_64-linux-gnu", "/usr/local/lib64"):
        for n in _LIBNAMES:
            yield os.path.join(prefix, n)


def _candidate_includes(libpath: str):
    env = os.environ.get("GAINKIT_INCLUDE")
    if env:
        yield env
    here = _pkg_dir()
    yield os.path.join(here, "_include")                   # copied at pip install
    yield os.path.join(here, "..", "..", "include")        # the checkout
    if libpath:
        libdir = os.path.dirname(os.path.realpath(libpath))
        yield os.path.join(libdir, "..", "include")        # PREFIX/lib -> PREFIX/include
        yield os.path.join(libdir, "..", "..", "include")  # PREFIX/lib/<triplet>
    yield "/usr/local/include"
    yield "/usr/include"


_STRIP_ATTR = re.compile(r"__attribute__\s*\(\((?:[^()]|\([^()]*\))*\)\)")
_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
_EXPORT = re.compile(r"\bGK_API(?:_BEGIN|_END)?\b")
_INT_DEFINE = re.compile(r"^#\s*define\s+(GK_[A-Z0-9_]+)\s+(-?\d+)\s*$")
_FLOAT_DEFINE = re.compile(r"^#\s*define\s+(GK_[A-Z0-9_]+)\s+(-?[0-9.]+(?:[eE][-+]?\d+)?)\s*$")

# #defines with a floating-point value (cffi's cdef takes integers only):
# name -> float, filled by header_to_cdef
constants = {}


def header_to_cdef(text: str) -> str:
    """Turn one public header into text cffi's cdef accepts."""
    text = _COMMENT.sub(" ", text)
    out = []
    skip = 0  # inside #ifdef __cplusplus
    lines = iter(text.split("\n"))
    for line in lines:
        s = line.strip()
        if s.startswith("#"):
            if re.match(r"#\s*ifdef\s+__cplusplus", s):
                skip += 1
            elif skip and re.match(r"#\s*endif", s):
                skip -= 1
            else:
                m = _INT_DEFINE.match(s)
                if m and not skip:
                    out.append(f"#define {m.group(1)} {m.group(2)}")
                elif not skip:
                    m = _FLOAT_DEFINE.match(s)
                    if m:
                        constants[m.group(1)] = float(m.group(2))
            continue
        if skip:
            continue
        out.append(line)
    text = "\n".join(out)
    text = _STRIP_ATTR.sub("", text)
    # export markers of gainkit/export.h (symbol visibility, not C for cffi)
    text = _EXPORT.sub(" ", text)
    # static inline helpers: drop the definition (signature + braced body)
    while True:
        m = re.search(r"static\s+inline[^{;]*\{", text)
        if not m:
            break
        depth, i = 1, m.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        text = text[: m.start()] + text[i:]
    return text


def _header_files(incdir: str):
    d = os.path.join(incdir, "gainkit")
    umb = os.path.join(d, _UMBRELLA)
    order = []
    if os.path.exists(umb):
        with open(umb, encoding="utf-8") as f:
            order = re.findall(r'#include\s+"gainkit/([a-z_0-9]+\.h)"', f.read())
    rest = sorted(os.path.basename(p) for p in glob.glob(os.path.join(d, "*.h")))
    names = order + [n for n in rest if n not in order and n != _UMBRELLA]
    return [os.path.join(d, n) for n in names]


def build_ffi(incdir: str) -> cffi.FFI:
    ffi = cffi.FFI()
    # types from outside gainkit that headers mention only through pointers
    parts = ["typedef struct cJSON cJSON;"]
    for path in _header_files(incdir):
        with open(path, encoding="utf-8") as f:
            parts.append(header_to_cdef(f.read()))
    parts.append("const char *gk_version(void);")
    ffi.cdef("\n".join(parts))
    return ffi


class LibraryNotFound(ImportError):
    pass


def _load():
    tried = []
    for cand in _candidate_libs():
        is_path = os.sep in cand   # else a soname from ldconfig ("libgainkit.so.0")
        cand = os.path.normpath(cand) if is_path else cand
        if is_path and not os.path.exists(cand):
            tried.append(cand)
            continue
        for inc in _candidate_includes(cand if is_path else None):
            if os.path.exists(os.path.join(inc, "gainkit", "vsl.h")):
                break
        else:
            raise LibraryNotFound(
                f"gainkit: found the library {cand} but not its headers (gainkit/vsl.h); "
                "set GAINKIT_INCLUDE to the folder that holds gainkit/")
        ffi = build_ffi(inc)
        try:
            lib = ffi.dlopen(cand)
        except OSError as e:
            raise LibraryNotFound(f"gainkit: cannot load {cand}: {e}") from e
        return ffi, lib, os.path.realpath(cand) if is_path else cand, os.path.realpath(inc)
    raise LibraryNotFound(
        "gainkit: libgainkit not found. Build it (`make build` in the gainkit checkout), "
        "or set GAINKIT_LIBRARY to the path of libgainkit.so. Tried: " + ", ".join(tried))


ffi, lib, library_path, include_path = _load()
