"""Shared machinery: library errors -> exceptions, array checks,
cooperative cancellation, result base class."""
from __future__ import annotations

import dataclasses
import math
import os
import signal
import threading

import numpy as np

from ._ffi import ffi, lib


class GainkitError(Exception):
    """An error reported by libgainkit. ``code`` is the library's status
    (gk_status), ``file``/``line`` the input location when there is one and
    ``message`` the library's own text; str() is formatted as the CLI prints
    it ("FILE:LINE: message")."""

    def __init__(self, text, code=0, file="", line=0, message=""):
        super().__init__(text)
        self.code, self.file, self.line, self.message = code, file, line, message or text


class InputError(GainkitError, ValueError):
    """Bad input: malformed file, invalid argument, unreadable file, size limit."""


class FitError(GainkitError, RuntimeError):
    """A computation did not succeed (no convergence, no solution, domain error)."""


_INPUT_CODES = {lib.GK_EINPUT, lib.GK_EUSAGE, lib.GK_EIO, lib.GK_ELIMIT}
_FIT_CODES = {lib.GK_ENOCONV, lib.GK_EDOM}
# GK_ECANCELLED may not exist in every library version
_CANCEL_CODE = getattr(lib, "GK_ECANCELLED", None)


def new_error():
    e = ffi.new("gk_error *")
    lib.gk_error_clear(e)
    return e


def raise_for(rc, err, cancel=None):
    """Raise the exception matching status rc with err's message."""
    if rc == lib.GK_OK:
        return
    if cancel is not None and cancel.requested:
        raise KeyboardInterrupt("gainkit: cancelled")
    buf = ffi.new("char[1200]")
    lib.gk_error_format(err, buf, len(buf))
    text = ffi.string(buf).decode("utf-8", "replace")
    if not text:
        text = ffi.string(lib.gk_strerror(rc)).decode()
    kw = dict(code=rc, file=ffi.string(err.file).decode("utf-8", "replace"), line=err.line,
              message=ffi.string(err.msg).decode("utf-8", "replace"))
    if rc in _INPUT_CODES:
        raise InputError(text, **kw)
    if rc == lib.GK_ENOMEM:
        raise MemoryError(text)
    if _CANCEL_CODE is not None and rc == _CANCEL_CODE:
        raise KeyboardInterrupt(text)
    if rc in _FIT_CODES:
        raise FitError(text, **kw)
    raise GainkitError(text, **kw)


def usage(msg):
    """An InputError raised on the Python side (argument checks)."""
    return InputError(msg, code=lib.GK_EUSAGE, message=msg)


# ---- arrays ---------------------------------------------------------------

def as_f64(a, name, ndim=1, shape=None, min_len=None, optional=False):
    """Check an array argument and return a C-contiguous float64 ndarray.
    A float64 C-contiguous array is passed through without a copy (C reads
    its buffer); other real numeric input is converted once. Complex,
    object, string and boolean data are refused (TypeError), a wrong number
    of dimensions or a wrong shape too (ValueError)."""
    if a is None:
        if optional:
            return None
        raise TypeError(f"{name}: an array is required, got None")
    arr = np.asarray(a)
    if arr.dtype.kind not in "fiu":
        raise TypeError(f"{name}: needs real numbers, got dtype {arr.dtype}")
    if arr.ndim != ndim:
        raise ValueError(f"{name}: needs a {ndim}-D array, got shape {arr.shape}")
    if shape is not None:
        for k, (want, got) in enumerate(zip(shape, arr.shape)):
            if want is not None and want != got:
                raise ValueError(f"{name}: shape {arr.shape} does not match the expected "
                                 f"{tuple('*' if s is None else s for s in shape)}")
    if min_len is not None and arr.shape[0] < min_len:
        raise ValueError(f"{name}: needs at least {min_len} values, got {arr.shape[0]}")
    if arr.dtype != np.float64 or not arr.flags.c_contiguous:
        arr = np.ascontiguousarray(arr, dtype=np.float64)
    return arr


_T_DARR = ffi.typeof("double[]")


def dptr(arr):
    """double* view on a checked array (no copy), or NULL."""
    if arr is None:
        return ffi.NULL
    return ffi.from_buffer(_T_DARR, arr)


def carray(ptr, n, dtype=np.float64):
    """Copy n C values at ptr into a new numpy array (the C memory is freed
    by the library afterwards). NULL gives None."""
    if ptr == ffi.NULL:
        return None
    n = int(n)
    if n == 0:
        return np.empty(0, dtype)
    itemsize = np.dtype(dtype).itemsize
    return np.frombuffer(ffi.buffer(ptr, n * itemsize), dtype=dtype).copy()


def s(cstr):
    """C string (char* or char[]) -> str."""
    if cstr == ffi.NULL:
        return None
    return ffi.string(cstr).decode("utf-8", "replace")


def num(x):
    """float, NaN kept (to_dict turns it into None)."""
    return float(x)


def jsonable(v):
    """NaN/Inf -> None, numpy -> Python, recursively (the CLI's JSON has null)."""
    if isinstance(v, dict):
        return {k: jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if isinstance(v, np.ndarray):
        return jsonable(v.tolist())
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return float(v) if math.isfinite(v) else None
    return v


# ---- cancellation ---------------------------------------------------------

class Cancel:
    """A gk_progress whose callback asks the library to stop when the user
    presses Ctrl-C (SIGINT) or when ``on_progress`` returns True.

    The library calls progress callbacks from OpenMP worker threads too,
    where Python cannot run signal handlers; so while a call runs, SIGINT
    goes to a handler that sets a flag, and Python's wakeup fd (written by
    the C-level signal handler in any thread) is polled by the callback.
    After the call, a requested cancel becomes KeyboardInterrupt."""

    def __init__(self, on_progress=None):
        self.requested = False
        self.on_progress = on_progress
        self._r = self._w = None
        self._old_handler = self._old_fd = None
        self._lock = threading.Lock()

        @ffi.callback("int(void *, size_t, size_t)", onerror=self._onerror)
        def update(ctx, done, total):
            if self.requested:
                return 1
            if self._r is not None:
                try:
                    if os.read(self._r, 64):
                        self.requested = True
                        return 1
                except (BlockingIOError, InterruptedError):
                    pass
            if self.on_progress is not None:
                with self._lock:
                    if self.on_progress(int(done), int(total)):
                        self.requested = True
                        return 1
            return 0

        self._cb = update
        self.progress = ffi.new("gk_progress *")
        self.progress.update = update
        self.progress.ctx = ffi.NULL

    def _onerror(self, exc, val, tb):
        # an exception in the callback (KeyboardInterrupt in the main
        # thread, or the user's on_progress failing) cancels the run
        self.requested = True
        if not isinstance(val, KeyboardInterrupt):
            self.error = val
        return 1

    def _on_sigint(self, signum, frame):
        self.requested = True

    def __enter__(self):
        self.error = None
        if threading.current_thread() is threading.main_thread():
            self._r, self._w = os.pipe()
            os.set_blocking(self._r, False)
            os.set_blocking(self._w, False)
            self._old_handler = signal.signal(signal.SIGINT, self._on_sigint)
            self._old_fd = signal.set_wakeup_fd(self._w, warn_on_full_buffer=False)
        return self

    def __exit__(self, *exc):
        if self._r is not None:
            signal.set_wakeup_fd(self._old_fd)
            signal.signal(signal.SIGINT, self._old_handler)
            try:
                if os.read(self._r, 64):
                    self.requested = True
            except (BlockingIOError, InterruptedError):
                pass
            os.close(self._r)
            os.close(self._w)
            self._r = self._w = None
        return False

    def check(self):
        """After the call: raise what the cancel asked for."""
        if self.error is not None:
            raise self.error
        if self.requested:
            raise KeyboardInterrupt("gainkit: cancelled")


# ---- results --------------------------------------------------------------

@dataclasses.dataclass
class Result:
    """Base of every result: ``to_dict()`` gives the CLI's JSON object
    (NaN/Inf as None), ``converged`` and ``warnings`` are always there."""

    def to_dict(self):
        return jsonable(self._dict())

    def _dict(self):  # overridden
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


def weighting_code(weights, has_sigma):
    if weights is None:
        return lib.GK_WEIGHT_SIGMA if has_sigma else lib.GK_WEIGHT_NONE
    table = {"none": lib.GK_WEIGHT_NONE, "sigma": lib.GK_WEIGHT_SIGMA,
             "relative": lib.GK_WEIGHT_RELATIVE}
    if weights not in table:
        raise usage(f"weights: '{weights}' is not one of none, sigma, relative")
    if weights == "sigma" and not has_sigma:
        raise usage("weights: 'sigma' needs sigma (the uncertainties of the intensities)")
    return table[weights]


WEIGHT_NAMES = {0: "none", 1: "sigma", 2: "relative"}


class Record(Result):
    """A result given as named values (the CLI's JSON keys): r["n_th"] or
    r.n_th; ``to_dict()`` adds "command". ``converged`` and ``warnings``
    are always present."""

    def __init__(self, command, values, converged=True, warnings=None):
        self.command = command
        self.values = dict(values)
        self.converged = converged
        self.warnings = list(warnings or [])

    def __getitem__(self, k):
        return self.values[k]

    def __getattr__(self, k):
        if k != "values" and "values" in self.__dict__ and k in self.values:
            return self.values[k]
        raise AttributeError(k)

    def keys(self):
        return self.values.keys()

    def __repr__(self):
        return f"Record({self.command!r}, {self.values!r})"

    def _dict(self):
        return {"command": self.command, **self.values}


def fill_struct(ptr, fields):
    for k, v in fields.items():
        setattr(ptr, k, v)
    return ptr


def determined(v, se):
    """The CLI's cli_determined: v finite and no finite standard error above
    |v| (an infinite one counts as undetermined)."""
    if v is None or not math.isfinite(v):
        return False
    if se is None or (isinstance(se, float) and math.isnan(se)):
        return True
    return not (math.isinf(se) or se > abs(v))


def value_se_bounded(name, v, se, lo, hi, ok=True, why=None):
    """The CLI's cli_json_bounded: value_se, and on a bound of the fit
    "at_bound": "lower"|"upper", "bound", not determined."""
    side = None
    if v is not None and math.isfinite(v):
        if math.isfinite(lo) and v <= lo:
            side = "lower"
        elif math.isfinite(hi) and v >= hi:
            side = "upper"
    if side is None:
        return value_se(v, se, ok, why)
    b = lo if side == "lower" else hi
    d = value_se(v, se, False, f"at its {side} bound ({name} {'>=' if side == 'lower' else '<='} {b:.4g})")
    d["at_bound"] = side
    d["bound"] = b
    return d


def value_se(v, se, ok=True, why=None):
    """The CLI's cli_json_value: {value, stderr, determined[, reason]}."""
    d = {"value": v, "stderr": se}
    det = bool(ok) and determined(v, se)
    d["determined"] = det
    if not det:
        d["reason"] = why or ("no value" if v is None or not math.isfinite(v)
                              else "standard error larger than the value")
    return d
