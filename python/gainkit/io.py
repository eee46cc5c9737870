"""Lab-file readers: thin forwards to the library's readers
(gk_columns_read, gk_matrix_read, gk_long_read, gk_table_read).

``read(path, kind=...)`` dispatches through ``READERS`` (kind -> function),
so a reader the library gains later is one entry here. A folder (or several
spectrum files) is read and assembled by the library (gk_io_assemble), the
same code the CLI's FOLDER --spectra uses.
"""
from __future__ import annotations

import dataclasses
import glob
import os

import numpy as np

from ._core import GainkitError, InputError, Result, carray, new_error, raise_for, s, usage
from ._ffi import ffi, lib, library_path

_XKIND = {"plain": lib.GK_XKIND_PLAIN, "length": lib.GK_XKIND_LENGTH,
          "wavelength": lib.GK_XKIND_WAVELENGTH}


def _meta(m):
    return {s(m.key[i]): s(m.value[i]) for i in range(m.n)}


def _b(x, keep):
    if x is None:
        return ffi.NULL
    b = ffi.new("char[]", str(x).encode())
    keep.append(b)
    return b


@dataclasses.dataclass
class Columns(Result):
    """x, y (and sigma) as read; x converted to cm (lengths) or nm
    (wavelengths) according to ``xkind``."""
    path: str
    x: np.ndarray
    y: np.ndarray
    sigma: np.ndarray | None
    line: np.ndarray
    x_name: str
    y_name: str
    x_unit: str
    x_unit_in: str
    y_unit: str
    x_factor: float
    meta: dict
    note: str = ""     # sort_and_average: what was reordered or averaged


@dataclasses.dataclass
class Matrix(Result):
    """Spectra versus a parameter: ``z[i, j]`` at wavelength ``row[i]`` (nm)
    and parameter ``col[j]``."""
    path: str
    row: np.ndarray
    col: np.ndarray
    z: np.ndarray
    corner: str
    col_unit: str
    col_unit_in: str
    row_name: str
    col_name: str
    meta: dict
    files: list = dataclasses.field(default_factory=list)
    line: np.ndarray = dataclasses.field(default=None, repr=False)  # source line of each row


@dataclasses.dataclass
class Long(Result):
    """A long-format transient-absorption set: one Matrix per delay (s)."""
    path: str
    delay: np.ndarray
    matrices: list
    delay_unit_in: str
    meta: dict
    header_line: int = 0


@dataclasses.dataclass
class Table(Result):
    path: str
    v: np.ndarray
    names: list
    units: list
    line: np.ndarray
    meta: dict


def read_columns(path, xkind="plain", x_unit=None, x_unit_default=None, min_points=2,
                 require_increasing=False, allow_unsorted=False, require_positive_sigma=True,
                 sort_and_average=False):
    """Two or three columns (x, y, optional sigma), as gk_columns_read reads
    them. ``xkind``: "plain", "length" (x to cm) or "wavelength" (x to nm);
    ``x_unit`` overrides the header's unit."""
    if xkind not in _XKIND:
        raise usage(f"xkind: '{xkind}' is not one of {', '.join(_XKIND)}")
    keep = []
    o = ffi.new("gk_columns_options *")
    o.xkind = _XKIND[xkind]
    o.x_unit_override = _b(x_unit, keep)
    o.x_unit_default = _b(x_unit_default, keep)
    o.min_points = min_points
    o.require_increasing = int(require_increasing)
    o.allow_unsorted = int(allow_unsorted)
    o.sort_and_average = int(sort_and_average)
    o.reject_duplicate_x = 1
    o.require_positive_sigma = int(require_positive_sigma)
    c = ffi.new("gk_columns *")
    err = new_error()
    raise_for(lib.gk_columns_read(os.fsencode(path), o, c, err), err)
    try:
        return Columns(path=s(c.path), x=carray(c.x, c.n), y=carray(c.y, c.n),
                       sigma=carray(c.sigma, c.n), line=carray(c.line, c.n, np.int64),
                       x_name=s(c.x_name), y_name=s(c.y_name), x_unit=s(c.x_unit),
                       x_unit_in=s(c.x_unit_in), y_unit=s(c.y_unit), x_factor=c.x_factor,
                       meta=_meta(c.meta), note=s(c.note))
    finally:
        lib.gk_columns_free(c)


def _matrix_from_c(m):
    return Matrix(path=s(m.path), row=carray(m.row, m.nrow), col=carray(m.col, m.ncol),
                  z=carray(m.z, m.nrow * m.ncol).reshape(m.nrow, m.ncol), corner=s(m.corner),
                  col_unit=s(m.col_unit), col_unit_in=s(m.col_unit_in), row_name=s(m.row_name),
                  col_name=s(m.col_name), meta=_meta(m.meta),
                  line=carray(m.line, m.nrow, np.int64) if m.line != ffi.NULL else None)


def read_matrix(path, col_kind="plain", col_unit=None, col_unit_default=None,
                require_increasing_rows=True, min_rows=2, min_cols=1):
    """A matrix file (first row the parameter, first column the wavelength)."""
    if col_kind not in _XKIND:
        raise usage(f"col_kind: '{col_kind}' is not one of {', '.join(_XKIND)}")
    keep = []
    o = ffi.new("gk_matrix_options *")
    o.col_kind = _XKIND[col_kind]
    o.col_unit_override = _b(col_unit, keep)
    o.col_unit_default = _b(col_unit_default, keep)
    o.require_increasing_rows = int(require_increasing_rows)
    o.min_rows, o.min_cols = min_rows, min_cols
    m = ffi.new("gk_matrix *")
    err = new_error()
    raise_for(lib.gk_matrix_read(os.fsencode(path), o, m, err), err)
    try:
        return _matrix_from_c(m)
    finally:
        lib.gk_matrix_free(m)


def read_long(path):
    """A long-format TA table (wavelength, delay, pump, dOD in any order)."""
    o = ffi.new("gk_long_options *")
    lg = ffi.new("gk_long *")
    err = new_error()
    raise_for(lib.gk_long_read(os.fsencode(path), o, lg, err), err)
    try:
        return Long(path=s(lg.path), delay=carray(lg.delay, lg.ndelay),
                    matrices=[_matrix_from_c(lg.m[k]) for k in range(lg.ndelay)],
                    delay_unit_in=s(lg.delay_unit_in), meta=_meta(lg.meta),
                    header_line=int(lg.header_line))
    finally:
        lib.gk_long_free(lg)


def read_table(path):
    """Any numeric table (header, units, metadata)."""
    o = ffi.new("gk_read_options *")
    t = ffi.new("gk_table *")
    err = new_error()
    raise_for(lib.gk_table_read(os.fsencode(path), o, t, err), err)
    try:
        return Table(path=s(t.path), v=carray(t.v, t.nrows * t.ncols).reshape(t.nrows, t.ncols),
                     names=[s(t.name[k]) for k in range(t.ncols)],
                     units=[s(t.unit[k]) for k in range(t.ncols)],
                     line=carray(t.line, t.nrows, np.int64), meta=_meta(t.meta))
    finally:
        lib.gk_table_free(t)


def read_folder(path, pattern=None, param=None, **assemble_kw):
    """A folder of spectra, one file each (any format the library's vendor
    readers take), assembled by the library (gk_io_assemble, as the CLI's
    FOLDER --spectra) into a Matrix whose columns are sorted by pump.

    pattern  None (default): every regular, non-hidden file of the folder
             (the library lists it); or a glob ("film1_*") to choose files
    param    None (default): the pump is the number before a unit at the
             end of each file name ("film1_40uJ.txt" -> 40 uJ), or from
             assemble_kw (pumps=, pumps_file=); or the name of a
             "# PARAM: value" metadata line of each file, whose values are
             handed to the library as the pumps
    assemble_kw  go to gainkit.io.assemble (dark=, pump_unit=, ...)
    Example: gainkit.read("examples/spectra-folder", param="pump_uJ_cm2")"""
    if pattern is None and param is None:
        return assemble([path], **assemble_kw)
    files = sorted(f for f in glob.glob(os.path.join(path, pattern or "*"))
                   if os.path.isfile(f) and not os.path.basename(f).startswith("."))
    if not files:
        raise InputError(f"{path}: no files matching {pattern or '*'}", code=lib.GK_EINPUT,
                         file=os.fspath(path), message=f"no files matching {pattern or '*'}")
    if param is not None:
        if "pumps" in assemble_kw or "pumps_file" in assemble_kw:
            raise usage("param: give either param or pumps/pumps_file")
        pumps = []
        for f in files:
            meta = read_spectra(f).meta
            if param not in meta:
                raise InputError(f"{f}: no '# {param}: value' line", code=lib.GK_EINPUT, file=f,
                                 message=f"no '# {param}: value' line")
            q = ffi.new("double *")
            if lib.gk_parse_number(meta[param].split()[0].encode() if meta[param].split() else b"",
                                   q, ffi.NULL) != lib.GK_OK:
                raise InputError(f"{f}: {param} '{meta[param]}' is not a number",
                                 code=lib.GK_EINPUT, file=f, message=f"{param} is not a number")
            pumps.append(q[0])
        assemble_kw["pumps"] = pumps
        assemble_kw.setdefault("pump_from_name", False)
    return assemble(files, **assemble_kw)


def read_input(paths, pump_from_name=None, **assemble_kw):
    """Spectra versus pump as the CLI's commands read them (threshold
    --spectra, vpi): one matrix file (orientation detected), several files
    or a folder, through gk_io_assemble. pump_from_name defaults to True
    for several files or a folder (the CLI's --pump-from-name), False for
    one file; other keywords as gainkit.io.assemble."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    paths = list(paths)
    if pump_from_name is None:
        pump_from_name = (len(paths) > 1 or os.path.isdir(paths[0])) and \
            "pumps" not in assemble_kw and "pumps_file" not in assemble_kw
    return assemble(paths, pump_from_name=pump_from_name, **assemble_kw)


@dataclasses.dataclass
class Spectra(Result):
    """Spectra as a vendor file holds them (gk_io_read): y[s, i] at
    wavelength wl[i] (nm, increasing), one label per spectrum."""
    path: str
    format: str
    wl: np.ndarray
    y: np.ndarray
    sigma: np.ndarray | None
    labels: list
    y_unit: str
    meta: dict
    notes: list


def _need(name):
    if not hasattr(lib, name):
        raise GainkitError(f"this libgainkit ({library_path}) has no {name}: rebuild gainkit "
                           "with the vendor readers (src/io)", code=lib.GK_EUSAGE)


def _io_options(o, keep, format=None, x_col=None, y_col=None, sigma_col=None, decimal_comma=False):
    o.format = _b(format, keep)
    o.x_col, o.y_col, o.sigma_col = _b(x_col, keep), _b(y_col, keep), _b(sigma_col, keep)
    o.decimal_comma = int(bool(decimal_comma))


def read_spectra(path, format=None, x_col=None, y_col=None, sigma_col=None, decimal_comma=False):
    """A spectrometer export read by the library's vendor readers
    (gk_io_read: Ocean Optics, AvaSoft, Andor .asc, LightField, LabSpec,
    Origin, Excel/European CSV; format None detects it)."""
    _need("gk_io_read")
    keep = []
    o = ffi.new("gk_io_options *")
    _io_options(o, keep, format, x_col, y_col, sigma_col, decimal_comma)
    sp = ffi.new("gk_specset *")
    err = new_error()
    raise_for(lib.gk_io_read(os.fsencode(path), o, sp, err), err)
    try:
        nw, ns = sp.nwl, sp.nspec
        return Spectra(path=s(sp.path), format=s(sp.format), wl=carray(sp.wl, nw),
                       y=carray(sp.y, nw * ns).reshape(ns, nw),
                       sigma=carray(sp.sigma, nw * ns).reshape(ns, nw) if sp.sigma != ffi.NULL else None,
                       labels=[s(sp.label[k]) for k in range(ns)], y_unit=s(sp.y_unit),
                       meta=_meta(sp.meta), notes=[s(sp.notes.msg[k]) for k in range(sp.notes.n)])
    finally:
        lib.gk_specset_free(sp)


def assemble(paths, pumps=None, pumps_file=None, pump_from_name=True, pump_unit=None, dark=None,
             no_normalise=False, duplicates="average", transpose=False, **io_kw):
    """Many spectrum files (any format gk_io_read takes) into one pump
    series (gk_io_assemble): a Matrix with columns sorted by pump, and the
    library's notes (normalised exposures, averaged duplicates, ...) in
    ``Matrix.meta["notes"]``. Pumps: ``pumps`` (one per spectrum, in file
    order), a ``pumps_file`` (file name, pump), or the number before a unit
    at the end of each file name ("film1_40uJ.txt" -> 40)."""
    m, notes = assemble_c(paths, pumps, pumps_file, pump_from_name, pump_unit, dark, no_normalise,
                          duplicates, transpose, **io_kw)
    try:
        out = _matrix_from_c(m)
        out.files = [os.fspath(p) for p in ([paths] if isinstance(paths, (str, os.PathLike)) else paths)]
        out.meta["notes"] = notes
        return out
    finally:
        lib.gk_matrix_free(m)


def assemble_c(paths, pumps=None, pumps_file=None, pump_from_name=True, pump_unit=None, dark=None,
               no_normalise=False, duplicates="average", transpose=False, **io_kw):
    """assemble() without the conversion: the library's gk_matrix (cdata,
    the caller frees it with lib.gk_matrix_free) and the notes, for the
    modules that hand it on to a gk_<module>_prepare as the CLI does."""
    _need("gk_io_assemble")
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    keep = [ffi.new("char[]", os.fsencode(p)) for p in paths]
    arr = ffi.new("const char *[]", keep)
    o = ffi.new("gk_assemble_options *")
    _io_options(o.io, keep, **io_kw)
    pv = None
    if pumps is not None:
        pv = np.ascontiguousarray(pumps, dtype=np.float64)
        o.pumps, o.npumps = ffi.from_buffer("double[]", pv), pv.shape[0]
    o.pumps_file = _b(pumps_file, keep)
    o.pump_from_name = int(bool(pump_from_name))
    o.pump_unit, o.dark = _b(pump_unit, keep), _b(dark, keep)
    o.no_normalise, o.transpose = int(bool(no_normalise)), int(bool(transpose))
    if duplicates not in ("average", "refuse"):
        raise usage(f"duplicates: '{duplicates}' is not average or refuse")
    o.duplicates = lib.GK_DUP_AVERAGE if duplicates == "average" else lib.GK_DUP_REFUSE
    m = ffi.new("gk_matrix *")
    notes = ffi.new("gk_notes *")
    err = new_error()
    rc = lib.gk_io_assemble(arr, len(paths), o, m, notes, err)
    try:
        raise_for(rc, err)
        return m, [s(notes.msg[k]) for k in range(notes.n)]
    finally:
        lib.gk_notes_free(notes)


def input_c(paths, pump_from_name=None, **assemble_kw):
    """read_input() without the conversion (assemble_c): the gk_matrix
    the CLI's threshold --spectra and vpi hand to their prepare functions."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    paths = list(paths)
    if pump_from_name is None:
        pump_from_name = (len(paths) > 1 or os.path.isdir(paths[0])) and \
            "pumps" not in assemble_kw and "pumps_file" not in assemble_kw
    return assemble_c(paths, pump_from_name=pump_from_name, **assemble_kw)


READERS = {"columns": read_columns, "matrix": read_matrix, "long": read_long,
           "table": read_table, "folder": read_folder, "spectra": read_spectra}


def read(path, kind=None, **kw):
    """Read a lab file or a folder of spectra with the library's readers.

    kind: "columns" (x, y, sigma), "matrix" (spectra versus a parameter),
    "long" (TA long format), "table" (any numeric table) or "folder";
    None guesses: a folder -> "folder", a corner cell with "\\" -> "matrix",
    else "columns". Keyword arguments go to the reader
    (see read_columns, read_matrix, read_folder)."""
    if kind is None:
        if os.path.isdir(path):
            kind = "folder"
        else:
            kind = "columns"
            try:
                with open(path, encoding="utf-8", errors="replace") as f:
                    for line in f:
                        if line.strip() and not line.lstrip().startswith("#"):
                            if "\\" in line.split(",")[0]:
                                kind = "matrix"
                            break
            except OSError:
                pass  # the library reports it
    if kind not in READERS:
        raise usage(f"kind: '{kind}' is not one of {', '.join(READERS)}")
    return READERS[kind](path, **kw)
