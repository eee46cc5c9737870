/* Long-format transient-absorption sets: one row per (wavelength, delay,
 * pump) with its Delta OD, pivoted into one matrix per delay.
 *
 * The grid is the product of every distinct wavelength, delay and pump in
 * the file. Nothing is interpolated or filled in: a missing triple is an
 * error, because a hole in a pump series silently shifts a threshold. The
 * rows are sorted by (delay, pump, wavelength) once; duplicates are then
 * adjacent and a complete grid is exactly the sorted rows in grid order,
 * so both checks are one pass and never allocate the full grid (a garbage
 * file with all-distinct pumps would otherwise ask for n^3 cells).
 */
#include "io_internal.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { COL_WL, COL_DELAY, COL_PUMP, COL_DOD, NROLE };
static const char *const role_name[NROLE] = {"wavelength", "delay", "pump", "dod"};

/* Lower-case ASCII letters and digits; punctuation and blanks dropped, so
 * "Delta_OD", "delta od" and "<N>" compare as "deltaod" and "n". UTF-8
 * bytes (Δ, λ, ⟨⟩) pass through. */
static void normalise(const char *s, char *out, size_t size)
{
  size_t j = 0;
  for (; *s && j + 1 < size; s++) {
    unsigned char c = (unsigned char)*s;
    if (c >= 0x80) out[j++] = (char)c;
    else if (isalnum(c)) out[j++] = (char)tolower(c);
  }
  out[j] = '\0';
}

static int in_list(const char *s, const char *const *list)
{
  for (; *list; list++)
    if (!strcmp(s, *list)) return 1;
  return 0;
}

/* Role of a header name, or -1. */
static int role_of(const char *name)
{
  static const char *const delay[] = {"delay", "delays", "time", "t", "delaytime", "td",
                                      "pumpprobedelay", NULL};
  static const char *const pump[] = {"pump", "pumps", "fluence", "pumpfluence", "pumpenergy",
                                     "energy", "nmean", "n", "meann", "avgn",
                                     "\xe2\x9f\xa8n\xe2\x9f\xa9", "\xe2\x8c\xa9n\xe2\x8c\xaa",
                                     "intensity", "pumpintensity", "power", "pumppower", NULL};
  static const char *const dod[] = {"dod", "deltaod", "\xce\x94od", "\xce\xb4od", "da", "deltaa",
                                    "\xce\x94" "a", "\xce\xb4" "a", "deltaalpha",
                                    "\xce\x94\xce\xb1", "dabs", "deltaabs", NULL};
  char n[64];
  normalise(name, n, sizeof n);
  if (gk_io_is_wavelength_label(n)) return COL_WL;
  if (in_list(n, delay)) return COL_DELAY;
  if (in_list(n, pump)) return COL_PUMP;
  if (in_list(n, dod)) return COL_DOD;
  return -1;
}

void gk_long_free(gk_long *l)
{
  if (!l) return;
  for (size_t d = 0; l->m && d < l->ndelay; d++) gk_matrix_free(&l->m[d]);
  free(l->m);
  free(l->path);
  free(l->delay);
  free(l->delay_line);
  gk_io_meta_free(&l->meta);
  memset(l, 0, sizeof *l);
}

/* Distinct values of one coordinate, increasing, each with the first line
 * it appears on; idx[r] is row r's position among them. */
typedef struct axis {
  size_t n;
  double *v;
  long *first;
} axis;

typedef struct vl { double v; long line; size_t row; } vl;

static int cmp_vl(const void *a, const void *b)
{
  const vl *p = a, *q = b;
  if (p->v != q->v) return p->v < q->v ? -1 : 1;
  return (p->line > q->line) - (p->line < q->line);
}

static int make_axis(const double *v, const long *line, size_t n, axis *ax, size_t *idx)
{
  vl *k = malloc(n * sizeof *k);
  ax->v = malloc(n * sizeof *ax->v);
  ax->first = malloc(n * sizeof *ax->first);
  ax->n = 0;
  if (!k || !ax->v || !ax->first) { free(k); return -1; }
  for (size_t r = 0; r < n; r++) k[r] = (vl){v[r], line[r], r};
  qsort(k, n, sizeof *k, cmp_vl);
  for (size_t i = 0; i < n; i++) {
    if (i == 0 || k[i].v != k[i - 1].v) {
      ax->v[ax->n] = k[i].v;
      ax->first[ax->n++] = k[i].line;
    }
    idx[k[i].row] = ax->n - 1;
  }
  free(k);
  return 0;
}

static void axis_free(axis *a) { free(a->v); free(a->first); }

/* A row's place in the grid, for sorting: (delay, pump, wavelength, line). */
typedef struct cell { size_t g; long line; size_t row; } cell;

static int cmp_cell(const void *a, const void *b)
{
  const cell *p = a, *q = b;
  if (p->g != q->g) return p->g < q->g ? -1 : 1;
  return (p->line > q->line) - (p->line < q->line);
}

int gk_long_read(const char *path, const gk_long_options *opt, gk_long *l, gk_error *err)
{
  static const gk_long_options defaults = {{0, 0}, 0, 0, NULL};
  if (!opt) opt = &defaults;
  memset(l, 0, sizeof *l);
  size_t min_wl = opt->min_wavelengths ? opt->min_wavelengths : 2;
  size_t min_pump = opt->min_pumps ? opt->min_pumps : 2;
  gk_read_options ro = opt->read;
  if (ro.min_rows < min_wl * min_pump) ro.min_rows = min_wl * min_pump;
  gk_table t;
  int rc = gk_table_read(path, &ro, &t, err);
  if (rc != GK_OK) return rc;
  const long hl = t.header_line;
  const size_t n = t.nrows;
  double *col[NROLE] = {0};
  size_t *idx[3] = {0};
  axis ax[3] = {{0}};
  cell *k = NULL;

  if (!t.has_header) {
    rc = gk_error_set(err, GK_EINPUT, path, t.line[0],
                      "long format needs a header row naming the columns wavelength, delay, "
                      "pump, dod");
    goto out;
  }
  int where[NROLE] = {-1, -1, -1, -1};
  for (size_t c = 0; c < t.ncols; c++) {
    int r = role_of(t.name[c]);
    char q[64];
    gk_io_quote(t.raw[c], q, sizeof q);
    if (r < 0) {
      rc = gk_error_set(err, GK_EINPUT, path, hl,
                        "column %zu '%s' is not one of wavelength, delay, pump, dod", c + 1, q);
      goto out;
    }
    if (where[r] >= 0) {
      rc = gk_error_set(err, GK_EINPUT, path, hl, "columns %d and %zu both name the %s", where[r] + 1,
                        c + 1, role_name[r]);
      goto out;
    }
    where[r] = (int)c;
  }
  for (int r = 0; r < NROLE; r++)
    if (where[r] < 0) {
      rc = gk_error_set(err, GK_EINPUT, path, hl,
                        "no %s column (the header needs wavelength, delay, pump and dod)",
                        role_name[r]);
      goto out;
    }

  /* units: wavelength to nm, delay to s, dod to OD, pump as read */
  char wl_in[32], wl_out[32], what[96];
  double wf, df, zf = 1;
  snprintf(what, sizeof what, "column %d (%s)", where[COL_WL] + 1, t.name[where[COL_WL]]);
  rc = gk_io_coord_unit(GK_XKIND_WAVELENGTH, NULL, t.unit[where[COL_WL]], "nm", path, hl, what,
                        wl_in, sizeof wl_in, wl_out, sizeof wl_out, &wf, err);
  if (rc != GK_OK) goto out;
  const char *du = t.unit[where[COL_DELAY]];
  if (!*du && opt && opt->delay_unit && *opt->delay_unit) du = opt->delay_unit;
  if (!*du) {
    rc = gk_error_set(err, GK_EINPUT, path, hl,
                      "column %d (%s) has no unit; write it in the header, e.g. 'delay (ps)', or give `delay_unit`",
                      where[COL_DELAY] + 1, t.name[where[COL_DELAY]]);
    goto out;
  }
  if (gk_unit_factor(du, "s", &df, NULL) != GK_OK) {
    rc = gk_error_set(err, GK_EINPUT, path, hl, "column %d (%s): unit '%s' is not a time",
                      where[COL_DELAY] + 1, t.name[where[COL_DELAY]], du);
    goto out;
  }
  const char *zu = t.unit[where[COL_DOD]];
  if (!strcasecmp(zu, "mOD")) zf = 1e-3;
  else if (*zu && strcasecmp(zu, "OD")) {
    rc = gk_error_set(err, GK_EINPUT, path, hl, "column %d (%s): unit '%s' is not OD or mOD",
                      where[COL_DOD] + 1, t.name[where[COL_DOD]], zu);
    goto out;
  }

  const double scale[NROLE] = {wf, df, 1, zf};
  for (int r = 0; r < NROLE; r++) {
    col[r] = malloc(n * sizeof *col[r]);
    if (!col[r]) goto nomem;
    for (size_t i = 0; i < n; i++) col[r][i] = t.v[i * t.ncols + (size_t)where[r]] * scale[r];
  }
  for (size_t i = 0; i < n; i++)
    if (!(col[COL_WL][i] > 0)) {
      rc = gk_error_set(err, GK_EINPUT, path, t.line[i], "wavelength %g %s is not positive",
                        col[COL_WL][i] / wf, wl_in);
      goto out;
    }
  for (int a = 0; a < 3; a++) {
    idx[a] = malloc(n * sizeof *idx[a]);
    if (!idx[a] || make_axis(col[a], t.line, n, &ax[a], idx[a]) < 0) goto nomem;
  }
  const size_t nw = ax[COL_WL].n, nd = ax[COL_DELAY].n, np = ax[COL_PUMP].n;

  /* duplicates: report the one whose second occurrence comes first */
  k = malloc(n * sizeof *k);
  if (!k) goto nomem;
  for (size_t i = 0; i < n; i++)
    k[i] = (cell){(idx[COL_DELAY][i] * np + idx[COL_PUMP][i]) * nw + idx[COL_WL][i], t.line[i], i};
  qsort(k, n, sizeof *k, cmp_cell);
  size_t dup = 0;
  for (size_t i = 1; i < n; i++)
    if (k[i].g == k[i - 1].g && (!dup || k[i].line < k[dup].line)) dup = i;
  if (dup) {
    size_t r = k[dup].row;
    rc = gk_error_set(err, GK_EINPUT, path, k[dup].line,
                      "duplicate row for wavelength %g %s, delay %g %s, pump %g (also on line %ld)",
                      col[COL_WL][r] / wf, wl_in, col[COL_DELAY][r] / df, du, col[COL_PUMP][r],
                      k[dup - 1].line);
    goto out;
  }
  if (nw < min_wl || np < min_pump) {
    int w = nw < min_wl;
    rc = gk_error_set(err, GK_EINPUT, path, t.line[0],
                      "%zu %s%s in %zu rows; at least %zu needed", w ? nw : np,
                      w ? "wavelength" : "pump level", (w ? nw : np) == 1 ? "" : "s", n,
                      w ? min_wl : min_pump);
    goto out;
  }
  /* complete grid <=> the sorted rows are exactly grid cells 0..n-1 and
   * n == nd*np*nw (computed without overflow: n bounds each factor) */
  size_t miss = n;
  for (size_t i = 0; i < n; i++)
    if (k[i].g != i) { miss = i; break; }
  int complete = miss == n && nd <= SIZE_MAX / np && nd * np <= SIZE_MAX / nw && nd * np * nw == n;
  if (!complete) {
    size_t wi = miss % nw, pi = miss / nw % np, di = miss / nw / np;
    /* the block of rows with this (delay, pump): just before or at `miss` */
    long block = 0;
    for (size_t i = miss; i-- > 0 && k[i].g / nw == miss / nw;)
      if (!block || k[i].line < block) block = k[i].line;
    for (size_t i = miss; i < n && k[i].g / nw == miss / nw; i++)
      if (!block || k[i].line < block) block = k[i].line;
    double dv = ax[COL_DELAY].v[di] / df, pv = ax[COL_PUMP].v[pi];
    if (block)
      rc = gk_error_set(err, GK_EINPUT, path, block,
                        "delay %g %s, pump %g: no row for wavelength %g %s (the grid has that "
                        "wavelength from line %ld)",
                        dv, du, pv, ax[COL_WL].v[wi] / wf, wl_in, ax[COL_WL].first[wi]);
    else
      rc = gk_error_set(err, GK_EINPUT, path, ax[COL_DELAY].first[di],
                        "delay %g %s has no rows for pump %g (the grid has that pump from line %ld)",
                        dv, du, pv, ax[COL_PUMP].first[pi]);
    goto out;
  }

  l->m = calloc(nd, sizeof *l->m);
  l->delay = malloc(nd * sizeof *l->delay);
  l->delay_line = malloc(nd * sizeof *l->delay_line);
  l->path = strdup(path);
  if (!l->m || !l->delay || !l->delay_line || !l->path) goto nomem;
  l->ndelay = nd;
  l->header_line = hl;
  snprintf(l->delay_unit_in, sizeof l->delay_unit_in, "%s", du);
  memcpy(l->delay, ax[COL_DELAY].v, nd * sizeof *l->delay);
  memcpy(l->delay_line, ax[COL_DELAY].first, nd * sizeof *l->delay_line);
  for (size_t d = 0; d < nd; d++) {
    gk_matrix *m = &l->m[d];
    m->path = strdup(path);
    m->nrow = nw;
    m->ncol = np;
    m->row = malloc(nw * sizeof *m->row);
    m->col = malloc(np * sizeof *m->col);
    m->z = malloc(nw * np * sizeof *m->z);
    m->line = calloc(nw, sizeof *m->line);
    if (!m->path || !m->row || !m->col || !m->z || !m->line) goto nomem;
    memcpy(m->row, ax[COL_WL].v, nw * sizeof *m->row);
    memcpy(m->col, ax[COL_PUMP].v, np * sizeof *m->col);
    snprintf(m->corner, sizeof m->corner, "%.30s \\ %.30s", t.raw[where[COL_WL]],
             t.raw[where[COL_PUMP]]);
    snprintf(m->row_name, sizeof m->row_name, "%s", t.name[where[COL_WL]]);
    snprintf(m->col_name, sizeof m->col_name, "%s", t.name[where[COL_PUMP]]);
    snprintf(m->row_unit_in, sizeof m->row_unit_in, "%s", wl_in);
    snprintf(m->col_unit_in, sizeof m->col_unit_in, "%s", t.unit[where[COL_PUMP]]);
    snprintf(m->col_unit, sizeof m->col_unit, "%s", t.unit[where[COL_PUMP]]);
    m->row_factor = wf;
    m->col_factor = 1;
    m->delim = t.delim;
  }
  /* k is in grid order: delay-major, then pump, then wavelength */
  for (size_t i = 0; i < n; i++) {
    size_t wi = i % nw, pi = i / nw % np, di = i / nw / np;
    gk_matrix *m = &l->m[di];
    m->z[wi * np + pi] = col[COL_DOD][k[i].row];
    if (!m->line[wi] || k[i].line < m->line[wi]) m->line[wi] = k[i].line;
  }
  gk_io_meta_move(&l->meta, &t.meta);
  rc = GK_OK;
  goto out;
nomem:
  rc = gk_error_set(err, GK_ENOMEM, path, 0, "out of memory");
out:
  for (int r = 0; r < NROLE; r++) free(col[r]);
  for (int a = 0; a < 3; a++) { free(idx[a]); axis_free(&ax[a]); }
  free(k);
  gk_table_free(&t);
  if (rc != GK_OK) gk_long_free(l);
  return rc;
}
