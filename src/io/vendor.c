/* Vendor readers: shared machinery, format detection and gk_io_read.
 * See include/gainkit/io.h and src/io/vendor.h. */
#define _GNU_SOURCE
#include "vendor.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

const char *const gk_io_format_names[] = {"ocean", "avantes", "andor", "lightfield",
                                          "labspec", "origin", "csv", "spe", NULL};
static const io_format *const formats[] = {&io_fmt_ocean, &io_fmt_avantes, &io_fmt_andor,
                                           &io_fmt_lightfield, &io_fmt_labspec, &io_fmt_origin,
                                           &io_fmt_csv};
#define NFORMATS (sizeof formats / sizeof formats[0])

/* ---- notes ------------------------------------------------------------------ */

void gk_notes_free(gk_notes *n)
{
  if (!n) return;
  for (size_t i = 0; i < n->n; i++) free(n->msg[i]);
  free(n->msg);
  memset(n, 0, sizeof *n);
}

void gk_notes_add(gk_notes *n, const char *fmt, ...)
{
  char *s = NULL;
  va_list ap;
  va_start(ap, fmt);
  int r = vasprintf(&s, fmt, ap);
  va_end(ap);
  if (r < 0) return;
  char **m = realloc(n->msg, (n->n + 1) * sizeof *m);
  if (!m) { free(s); return; }
  n->msg = m;
  n->msg[n->n++] = s;
}

void gk_specset_free(gk_specset *s)
{
  if (!s) return;
  free(s->path);
  free(s->wl);
  free(s->y);
  free(s->sigma);
  free(s->line);
  if (s->label)
    for (size_t i = 0; i < s->nspec; i++) free(s->label[i]);
  free(s->label);
  gk_io_meta_free(&s->meta);
  gk_notes_free(&s->notes);
  memset(s, 0, sizeof *s);
}

const char *io_stristr(const char *h, const char *n)
{
  size_t ln = strlen(n);
  for (; *h; h++)
    if (!strncasecmp(h, n, ln)) return h;
  return NULL;
}

/* ---- text ------------------------------------------------------------------- */

int io_slurp(const char *path, const gk_read_options *ro, char **buf, size_t *n, gk_error *err)
{
  *buf = NULL;
  *n = 0;
  long limit = gk_io_max_bytes(ro);
  FILE *f = fopen(path, "rb");
  if (!f) return gk_error_set(err, GK_EIO, path, 0, "cannot open: %s", strerror(errno));
  struct stat st;
  if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
    fclose(f);
    return gk_error_set(err, GK_EIO, path, 0, "cannot read: %s", strerror(EISDIR));
  }
  size_t cap = 65536, len = 0;
  char *b = malloc(cap + 1);
  if (!b) { fclose(f); return gk_error_set(err, GK_ENOMEM, path, 0, "out of memory"); }
  for (;;) {
    if (len == cap) {
      if (cap > (size_t)limit) break;
      char *nb = realloc(b, cap * 2 + 1);
      if (!nb) { free(b); fclose(f); return gk_error_set(err, GK_ENOMEM, path, 0, "out of memory"); }
      b = nb;
      cap *= 2;
    }
    size_t got = fread(b + len, 1, cap - len, f);
    len += got;
    if (got == 0) break;
  }
  int rerr = ferror(f);
  fclose(f);
  if (rerr) { free(b); return gk_error_set(err, GK_EIO, path, 0, "cannot read"); }
  if (len > (size_t)limit) {
    free(b);
    return gk_error_set(err, GK_ELIMIT, path, 0,
                        "file is more than the input limit of %ld bytes (GAINKIT_MAX_INPUT_BYTES)",
                        limit);
  }
  b[len] = '\0';
  *buf = b;
  *n = len;
  return GK_OK;
}

int io_text_load(const char *path, const gk_read_options *ro, io_text *t, gk_error *err)
{
  char *b;
  size_t len;
  int rc = io_slurp(path, ro, &b, &len, err);
  memset(t, 0, sizeof *t);
  t->path = path;
  if (rc) return rc;
  return io_text_parse(t, b, len, err);
}

int io_text_parse(io_text *t, char *b, size_t len, gk_error *err)
{
  const char *path = t->path;
  t->buf = b;
  if (len == 0) return gk_error_set(err, GK_EINPUT, path, 1, "file is empty");
  char *p = b, *end = b + len;
  if (len >= 3 && !memcmp(p, "\xef\xbb\xbf", 3)) p += 3;
  size_t lcap = 0;
  long no = 0;
  while (p < end) {
    char *nl = memchr(p, '\n', (size_t)(end - p));
    char *stop = nl ? nl : end;
    no++;
    if (memchr(p, '\0', (size_t)(stop - p)))
      return gk_error_set(err, GK_EINPUT, path, no, "binary data (a NUL byte): not a text file");
    *stop = '\0';
    if (stop > p && stop[-1] == '\r') stop[-1] = '\0';
    char *s = p;
    p = stop + 1;
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) s[--n] = '\0';
    if (t->n == lcap) {
      lcap = lcap ? 2 * lcap : 256;
      io_line *nl2 = realloc(t->l, lcap * sizeof *nl2);
      if (!nl2) return gk_error_set(err, GK_ENOMEM, path, 0, "out of memory");
      t->l = nl2;
    }
    t->l[t->n++] = (io_line){s, no};
  }
  return GK_OK;
}

void io_text_free(io_text *t)
{
  free(t->buf);
  free(t->l);
  memset(t, 0, sizeof *t);
}

/* ---- grid --------------------------------------------------------------------- */

void io_grid_init(io_grid *g)
{
  memset(g, 0, sizeof *g);
  g->y_col = -1;
  g->sigma_col = -1;
  g->dark_col = -1;
}

void io_grid_free(io_grid *g)
{
  for (size_t c = 0; c < g->ncols; c++) {
    if (g->name) free(g->name[c]);
    if (g->unit) free(g->unit[c]);
  }
  free(g->name);
  free(g->unit);
  free(g->v);
  free(g->line);
  gk_io_meta_free(&g->meta);
  gk_notes_free(&g->notes);
  memset(g, 0, sizeof *g);
}

int io_split_line(const io_text *t, size_t i, char delim, char **text, char ***cells, size_t *cap, size_t *n,
                  gk_error *err)
{
  int sc = -1;
  if (!(*text = strdup(t->l[i].s)) || (sc = io_split(*text, delim, 1, cells, cap, n)) < 0)
    return io_split_fail(sc, err, t->path, t->l[i].no);
  return GK_OK;
}

int io_header_row(const io_text *t, size_t i, char delim, io_grid *g, char **text, char ***cells, size_t *cap,
                  size_t *n, gk_error *err)
{
  int rc = io_split_line(t, i, delim, text, cells, cap, n, err);
  if (rc) return rc;
  g->header_line = t->l[i].no;
  return io_grid_columns(g, *cells, *n, err);
}

int io_grid_columns(io_grid *g, char **cells, size_t n, gk_error *err)
{
  g->ncols = n;
  g->name = calloc(n, sizeof *g->name);
  g->unit = calloc(n, sizeof *g->unit);
  if (!g->name || !g->unit) return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  for (size_t c = 0; c < n; c++) {
    g->name[c] = calloc(64, 1);
    g->unit[c] = calloc(32, 1);
    if (!g->name[c] || !g->unit[c]) return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
    if (cells) gk_header_split(cells[c], g->name[c], 64, g->unit[c], 32);
    else snprintf(g->name[c], 64, "column %zu", c + 1);
  }
  return GK_OK;
}

int io_grid_add_row(io_grid *g, const double *v, long line, gk_error *err)
{
  if (g->nrows == g->cap) {
    size_t nc = g->cap ? 2 * g->cap : 256;
    double *nv = realloc(g->v, nc * g->ncols * sizeof *nv);
    if (!nv) return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
    g->v = nv;
    long *nl = realloc(g->line, nc * sizeof *nl);
    if (!nl) return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
    g->line = nl;
    g->cap = nc;
  }
  memcpy(g->v + g->nrows * g->ncols, v, g->ncols * sizeof *v);
  g->line[g->nrows++] = line;
  return GK_OK;
}

int io_meta_add(gk_meta *m, size_t *cap, const char *key, const char *value)
{
  if (m->n == *cap) {
    size_t nc = *cap ? 2 * *cap : 16;
    char **k = realloc(m->key, nc * sizeof *k);
    if (!k) return -1;
    m->key = k;
    char **v = realloc(m->value, nc * sizeof *v);
    if (!v) return -1;
    m->value = v;
    *cap = nc;
  }
  char *k = strdup(key), *v = strdup(value);
  if (!k || !v) { free(k); free(v); return -1; }
  /* values as written may carry controls; keep them printable */
  for (char *p = v; *p; p++)
    if ((unsigned char)*p < 0x20) *p = ' ';
  m->key[m->n] = k;
  m->value[m->n] = v;
  m->n++;
  return 0;
}

void io_meta_time(io_grid *g, const char *value, double to_s)
{
  double v;
  char buf[64];
  snprintf(buf, sizeof buf, "%s", value);
  /* the number is the first token: "100000 (USB2E1234)" */
  char *sp = buf + strcspn(buf, " \t(");
  *sp = '\0';
  for (char *p = buf; *p; p++)
    if (*p == ',') *p = '.';
  if (gk_parse_number(buf, &v, NULL) != GK_OK || !(v > 0)) return;
  char out[64];
  snprintf(out, sizeof out, "%.9g", v * to_s);
  io_meta_add(&g->meta, &g->meta_cap, "integration_time_s", out);
}

/* ---- cells -------------------------------------------------------------------- */

char io_delim(const char *s)
{
  if (strchr(s, '\t')) return '\t';
  if (strchr(s, ';')) return ';';
  if (strchr(s, ',')) return ',';
  return ' ';
}

int io_num(const char *cell, int dcomma, double *v, gk_error *e)
{
  if (!dcomma) return gk_parse_number(cell, v, e);
  char buf[128];
  size_t l = strlen(cell);
  if (l >= sizeof buf) return gk_parse_number(cell, v, e);
  memcpy(buf, cell, l + 1);
  char *c = strchr(buf, ',');
  if (c) {
    if (strchr(c + 1, ',') || strchr(buf, '.'))
      return gk_error_set(e, GK_EINPUT, NULL, 0, "'%s' is not a number with a decimal comma", cell);
    *c = '.';
  }
  return gk_parse_number(buf, v, e);
}

int io_numeric_line(const char *s, int dcomma, size_t min)
{
  if (!*s) return 0;
  char *tmp = strdup(s);
  if (!tmp) return 0;
  char **cells = NULL;
  size_t cap = 0, n = 0;
  char d = io_delim(tmp);
  if (dcomma && d == ',') d = ' ';
  int ok = io_split(tmp, d, 1, &cells, &cap, &n) == 0 && n >= min;
  for (size_t i = 0; ok && i < n; i++) {
    double v;
    ok = io_num(cells[i], dcomma, &v, NULL) == GK_OK;
  }
  free(cells);
  free(tmp);
  return ok;
}

int io_decimal_comma_line(const char *s)
{
  if (strchr(s, '.')) return 0;
  char d = io_delim(s);
  if (d == ',') {
    /* tab and ';' take precedence in io_delim: "500,1" alone has no other
     * delimiter, so only a line with blanks between cells counts */
    if (!strchr(s, ' ')) return 0;
  }
  for (const char *p = s; *p; p++)
    if (*p == ',' && p > s && isdigit((unsigned char)p[-1]) && isdigit((unsigned char)p[1]))
      return 1;
  return 0;
}

int io_read_rows(const io_text *t, size_t *i, size_t end, char delim, int dcomma, int stop_blank,
                 int stop_text, io_grid *g, gk_error *err)
{
  char **cells = NULL;
  size_t cap = 0, n = 0;
  double *row = NULL;
  int rc = GK_OK;
  char *tmp = NULL;
  size_t tcap = 0;
  for (; *i < end; (*i)++) {
    const io_line *L = &t->l[*i];
    if (!*L->s) {
      if (stop_blank && g->nrows) break;
      continue;
    }
    size_t l = strlen(L->s);
    if (l + 1 > tcap) {
      tcap = l + 1;
      char *nt = realloc(tmp, tcap);
      if (!nt) { rc = gk_error_set(err, GK_ENOMEM, t->path, 0, "out of memory"); break; }
      tmp = nt;
    }
    memcpy(tmp, L->s, l + 1);
    if (stop_text && !io_numeric_line(tmp, dcomma, 1)) break;
    int sc = io_split(tmp, delim, 1, &cells, &cap, &n);
    if (sc < 0) {
      rc = io_split_fail(sc, err, t->path, L->no);
      break;
    }
    if (!g->ncols && (rc = io_grid_columns(g, NULL, n, err)) != GK_OK) break;
    if (!row && !(row = malloc(g->ncols * sizeof *row))) {
      rc = gk_error_set(err, GK_ENOMEM, t->path, 0, "out of memory");
      break;
    }
    if (n != g->ncols) {
      rc = gk_error_set(err, GK_EINPUT, t->path, L->no, "ragged row: %zu cells, expected %zu%s", n,
                        g->ncols, g->nrows ? "" : " (as in the header)");
      break;
    }
    for (size_t c = 0; c < n; c++) {
      gk_error e;
      gk_error_clear(&e);
      if (!*cells[c]) {
        rc = gk_error_set(err, GK_EINPUT, t->path, L->no, "column %zu: empty cell", c + 1);
        goto out;
      }
      if (io_num(cells[c], dcomma, &row[c], &e) != GK_OK) {
        rc = gk_error_set(err, GK_EINPUT, t->path, L->no, "column %zu: %s", c + 1, e.msg);
        goto out;
      }
    }
    if (!g->nrows) g->first_line = L->no;
    if ((rc = io_grid_add_row(g, row, L->no, err)) != GK_OK) break;
  }
out:
  free(tmp);
  free(cells);
  free(row);
  return rc;
}

/* ---- column choice and the spectrum set --------------------------------------- */

static int col_index(const io_grid *g, const char *spec, const char *field, int *out, gk_error *err)
{
  char *end;
  long k = strtol(spec, &end, 10);
  if (*spec && *end == '\0') {
    if (k < 1 || (size_t)k > g->ncols)
      return gk_error_set(err, GK_EUSAGE, NULL, 0, "%s: column %ld does not exist (the file has %zu)",
                          field, k, g->ncols);
    *out = (int)(k - 1);
    return GK_OK;
  }
  for (size_t c = 0; c < g->ncols; c++)
    if (!strcasecmp(g->name[c], spec)) { *out = (int)c; return GK_OK; }
  char list[256] = "";
  for (size_t c = 0; c < g->ncols && strlen(list) < 200; c++) {
    strcat(list, c ? ", " : "");
    strncat(list, g->name[c], 40);
  }
  return gk_error_set(err, GK_EUSAGE, NULL, 0, "%s: no column named '%.60s' (columns: %s)", field,
                      spec, list);
}

static int is_sigma_name(const char *n)
{
  static const char *const w[] = {"sigma", "err", "std", "unc", "dev", "\xcf\x83", NULL};
  for (size_t i = 0; w[i]; i++)
    if (io_stristr(n, w[i])) return 1;
  return 0;
}

/* Monotonic (either way) and inside 200-3000 nm. */
static int wl_like(const double *v, size_t n, size_t stride)
{
  if (n < 3) return 0;
  int dir = 0;
  for (size_t i = 0; i < n; i++) {
    double x = v[i * stride];
    if (!(x >= 200 && x <= 3000)) return 0;
    if (i) {
      double p = v[(i - 1) * stride];
      int d = x > p ? 1 : x < p ? -1 : 0;
      if (!d || (dir && d != dir)) return 0;
      dir = d;
    }
  }
  return 1;
}

typedef struct wi { double w; size_t i; } wi;
static int cmp_wi(const void *a, const void *b)
{
  const wi *p = a, *q = b;
  return (p->w > q->w) - (p->w < q->w);
}

int io_finish(io_grid *g, const io_text *t, const char *format, const gk_io_options *opt,
              gk_specset *s, gk_error *err)
{
  const char *path = t->path;
  static const gk_io_options none = {0};
  if (!opt) opt = &none;
  if (g->ncols < 2)
    return gk_error_set(err, GK_EINPUT, path, g->first_line ? g->first_line : g->header_line,
                        "%zu column; a spectrum needs a wavelength and an intensity column",
                        g->ncols);
  if (g->nrows < 3)
    return gk_error_set(err, GK_EINPUT, path,
                        g->nrows ? g->line[g->nrows - 1] : (t->n ? t->l[t->n - 1].no : 1),
                        "too few data rows: %zu, a spectrum needs at least 3", g->nrows);
  int x = g->x_col, sig = g->sigma_col;
  int rc;
  if (opt->x_col && (rc = col_index(g, opt->x_col, "x_col", &x, err))) return rc;
  if (opt->sigma_col && (rc = col_index(g, opt->sigma_col, "sigma_col", &sig, err))) return rc;
  int ycol = g->y_col;
  if (opt->y_col && (rc = col_index(g, opt->y_col, "y_col", &ycol, err))) return rc;

  /* swapped columns: the wavelength axis is not where it was expected */
  if (!opt->x_col && g->ncols <= 3 && !wl_like(g->v + x, g->nrows, g->ncols)) {
    for (size_t c = 0; c < g->ncols; c++)
      if ((int)c != x && wl_like(g->v + c, g->nrows, g->ncols))
        return gk_error_set(err, GK_EINPUT, path, g->first_line,
                            "columns look swapped: column %zu (%s) is a wavelength axis "
                            "(monotonic, 200-3000 nm) but column %d (%s) is expected to hold it; "
                            "choose the columns explicitly (x_col %zu, y_col %d)",
                            c + 1, g->name[c], x + 1, g->name[x], c + 1, x + 1);
  }

  /* which columns are spectra */
  int *use = calloc(g->ncols, sizeof *use);
  if (!use) return gk_error_set(err, GK_ENOMEM, path, 0, "out of memory");
  if (!opt->sigma_col && sig < 0 && g->three_col_rule && g->ncols == 3 && ycol < 0) {
    if (is_sigma_name(g->name[2])) {
      sig = 2;
    } else {
      ycol = 1;
      gk_notes_add(&g->notes,
                   "column 3 (%s) ignored: its header does not name an uncertainty (sigma, "
                   "err, std, unc); choose it as the intensity or as sigma explicitly",
                   g->name[2]);
    }
  }
  size_t nspec = 0;
  for (size_t c = 0; c < g->ncols; c++) {
    int u = ycol >= 0 ? (int)c == ycol : ((int)c != x && (int)c != sig && (int)c != g->dark_col);
    if (u && (int)c == x) u = 0;
    use[c] = u;
    nspec += (size_t)u;
  }
  if (!nspec) {
    free(use);
    return gk_error_set(err, GK_EINPUT, path, g->header_line ? g->header_line : g->first_line,
                        "no intensity column (x is column %d)", x + 1);
  }
  if (sig >= 0 && nspec != 1) {
    free(use);
    return gk_error_set(err, GK_EUSAGE, NULL, 0,
                        "sigma_col: one uncertainty column for %zu intensity columns", nspec);
  }

  /* wavelength unit */
  double f = 1;
  char wunit[32];
  snprintf(wunit, sizeof wunit, "%s", g->unit[x][0] ? g->unit[x] : "nm");
  {
    gk_error e;
    gk_error_clear(&e);
    if (gk_unit_factor(wunit, "nm", &f, &e) != GK_OK) {
      free(use);
      return gk_error_set(err, GK_EINPUT, path, g->header_line ? g->header_line : g->first_line,
                          "column %d (%s): unit '%s' is not a wavelength: %s", x + 1, g->name[x],
                          wunit, e.msg);
    }
  }

  memset(s, 0, sizeof *s);
  s->path = strdup(path);
  snprintf(s->format, sizeof s->format, "%s", format);
  s->nwl = g->nrows;
  s->nspec = nspec;
  s->data_line = g->first_line;
  snprintf(s->y_unit, sizeof s->y_unit, "%s", g->y_unit);
  s->wl = malloc(s->nwl * sizeof *s->wl);
  s->y = malloc(s->nwl * nspec * sizeof *s->y);
  s->line = malloc(s->nwl * sizeof *s->line);
  s->label = calloc(nspec, sizeof *s->label);
  if (sig >= 0) s->sigma = malloc(s->nwl * sizeof *s->sigma);
  wi *ord = malloc(s->nwl * sizeof *ord);
  if (!s->path || !s->wl || !s->y || !s->line || !s->label || (sig >= 0 && !s->sigma) || !ord) {
    free(use);
    free(ord);
    gk_specset_free(s);
    return gk_error_set(err, GK_ENOMEM, path, 0, "out of memory");
  }
  for (size_t i = 0; i < s->nwl; i++) {
    double w = g->v[i * g->ncols + x];
    if (!(w > 0)) {
      long l = g->line[i];
      free(use);
      free(ord);
      gk_specset_free(s);
      return gk_error_set(err, GK_EINPUT, path, l, "wavelength %g %s is not positive", w, wunit);
    }
    ord[i] = (wi){w * f, i};
  }
  qsort(ord, s->nwl, sizeof *ord, cmp_wi);
  int decreasing = s->nwl > 1 && g->v[x] > g->v[g->ncols + x];
  for (size_t i = 1; i < s->nwl; i++)
    if (ord[i].w == ord[i - 1].w) {
      long l1 = g->line[ord[i].i], l0 = g->line[ord[i - 1].i];
      double w = ord[i].w / f;
      free(use);
      free(ord);
      gk_specset_free(s);
      return gk_error_set(err, GK_EINPUT, path, l1 > l0 ? l1 : l0,
                          "duplicate wavelength %g %s (also on line %ld)", w, wunit,
                          l1 > l0 ? l0 : l1);
    }
  size_t k = 0;
  for (size_t c = 0; c < g->ncols; c++) {
    if (!use[c]) continue;
    s->label[k] = strdup(g->name[c]);
    if (!s->label[k]) { free(use); free(ord); gk_specset_free(s); return gk_error_set(err, GK_ENOMEM, path, 0, "out of memory"); }
    for (size_t i = 0; i < s->nwl; i++) {
      size_t r = ord[i].i;
      double y = g->v[r * g->ncols + c];
      if (g->dark_col >= 0 && (int)c != g->dark_col) y -= g->v[r * g->ncols + g->dark_col];
      s->y[k * s->nwl + i] = y;
    }
    k++;
  }
  for (size_t i = 0; i < s->nwl; i++) {
    s->wl[i] = ord[i].w;
    s->line[i] = g->line[ord[i].i];
    if (s->sigma) {
      double sv = g->v[ord[i].i * g->ncols + sig];
      if (!(sv > 0)) {
        long l = s->line[i];
        free(use);
        free(ord);
        gk_specset_free(s);
        return gk_error_set(err, GK_EINPUT, path, l,
                            "column %d (%s): %g is not positive; uncertainties must be > 0",
                            sig + 1, g->name[sig], sv);
      }
      s->sigma[i] = sv;
    }
  }
  free(ord);
  free(use);
  if (g->dark_col >= 0)
    gk_notes_add(&g->notes, "the dark column (%s) was subtracted from the intensity", g->name[g->dark_col]);
  if (decreasing) gk_notes_add(&g->notes, "wavelengths run downwards in the file; sorted increasing");
  if (!(s->wl[0] >= 200 && s->wl[s->nwl - 1] <= 3000))
    gk_notes_add(&g->notes,
                 "wavelengths %g-%g nm are outside 200-3000 nm: check the unit of column %d "
                 "(read as %s)",
                 s->wl[0], s->wl[s->nwl - 1], x + 1, wunit);
  if (sig >= 0)
    gk_notes_add(&g->notes, "column %d (%s) used as the uncertainty of the intensity", sig + 1,
                 g->name[sig]);
  gk_io_meta_move(&s->meta, &g->meta);
  s->notes = g->notes;
  memset(&g->notes, 0, sizeof g->notes);
  return GK_OK;
}

/* ---- detection and dispatch --------------------------------------------------- */

static const io_format *by_name(const char *name)
{
  for (size_t i = 0; i < NFORMATS; i++)
    if (!strcasecmp(formats[i]->name, name)) return formats[i];
  return NULL;
}

static const io_format *detect_text(const io_text *t)
{
  const io_format *best = &io_fmt_csv;
  int bs = 0;
  for (size_t i = 0; i < NFORMATS; i++) {
    int s = formats[i]->detect ? formats[i]->detect(t) : 0;
    if (s > bs) { bs = s; best = formats[i]; }
  }
  return best;
}

int gk_io_detect(const char *path, const gk_read_options *ro, char *name, size_t size,
                 gk_error *err)
{
  char *buf;
  size_t len;
  int rc = io_slurp(path, ro, &buf, &len, err);
  if (rc) return rc;
  if (io_spe_sniff((const unsigned char *)buf, len)) {
    free(buf);
    snprintf(name, size, "spe");
    return GK_OK;
  }
  io_text t = {.path = path};
  rc = io_text_parse(&t, buf, len, err);
  if (rc == GK_OK) snprintf(name, size, "%s", detect_text(&t)->name);
  io_text_free(&t);
  return rc;
}

int gk_io_read(const char *path, const gk_io_options *opt, gk_specset *s, gk_error *err)
{
  static const gk_io_options none = {0};
  if (!opt) opt = &none;
  memset(s, 0, sizeof *s);
  const io_format *fmt = NULL;
  if (opt->format && *opt->format && strcasecmp(opt->format, "auto")) {
    fmt = by_name(opt->format);
    if (!fmt && strcasecmp(opt->format, "spe")) {
      char list[160] = "";
      for (size_t i = 0; gk_io_format_names[i]; i++) {
        strcat(list, i ? ", " : "");
        strcat(list, gk_io_format_names[i]);
      }
      return gk_error_set(err, GK_EUSAGE, NULL, 0, "format: '%.40s' is not a format (%s, auto)",
                          opt->format, list);
    }
  }
  char *buf;
  size_t len;
  int rc = io_slurp(path, &opt->read, &buf, &len, err);
  if (rc != GK_OK) return rc;
  int spe = opt->format && !strcasecmp(opt->format, "spe");
  if (spe || (!fmt && io_spe_sniff((const unsigned char *)buf, len))) {
    rc = io_spe_read(path, (const unsigned char *)buf, len, opt, s, err);
    free(buf);
    if (rc == GK_OK && !spe) gk_notes_add(&s->notes, "read as spe export (detected)");
    if (rc != GK_OK) gk_specset_free(s);
    return rc;
  }
  io_text t = {.path = path};
  rc = io_text_parse(&t, buf, len, err);
  if (rc != GK_OK) { io_text_free(&t); return rc; }
  int detected = !fmt;
  if (!fmt) fmt = detect_text(&t);
  rc = fmt->read(&t, opt, s, err);
  if (rc == GK_OK && detected && strcmp(fmt->name, "csv"))
    gk_notes_add(&s->notes, "read as %s export (detected)", fmt->name);
  io_text_free(&t);
  if (rc != GK_OK) gk_specset_free(s);
  return rc;
}

/* ---- checks ------------------------------------------------------------------------ */

int gk_io_clipped(const double *y, size_t n, double *level, size_t *count)
{
  *level = NAN;
  *count = 0;
  if (!n) return 0;
  double m = y[0];
  for (size_t i = 1; i < n; i++)
    if (y[i] > m) m = y[i];
  size_t c = 0, run = 0, best = 0;
  for (size_t i = 0; i < n; i++) {
    if (y[i] == m) { c++; run++; if (run > best) best = run; }
    else run = 0;
  }
  *level = m;
  *count = c;
  if (!(m > 0)) return 0;
  int pow2 = 0;
  for (int b = 8; b <= 32; b++)
    if (m == ldexp(1.0, b) - 1) pow2 = 1;
  return (pow2 && c >= 2) || best >= 3;
}

void gk_io_offset(const double *wl, const double *y, size_t n, double *level, double *noise,
                  int *significant)
{
  *level = NAN;
  *noise = NAN;
  *significant = 0;
  size_t m = n / 20 < 3 ? 3 : n / 20;
  if (n < 4 * m) return;
  double sum = 0, sum2 = 0;
  for (size_t i = 0; i < m; i++) {
    sum += y[i] + y[n - 1 - i];
    sum2 += y[i] * y[i] + y[n - 1 - i] * y[n - 1 - i];
  }
  size_t k = 2 * m;
  double mean = sum / (double)k;
  double var = (sum2 - sum * mean) / (double)(k - 1);
  double sd = var > 0 ? sqrt(var) : 0;
  *level = mean;
  *noise = sd;
  /* a constant background shows at both edges alike; wings of the emission
   * (a broad PL tail on one side) do not */
  double left = 0, right = 0;
  for (size_t i = 0; i < m; i++) { left += y[i]; right += y[n - 1 - i]; }
  left /= (double)m;
  right /= (double)m;
  double agree = fabs(left - right) <= fmax(3 * sd * sqrt(2.0 / (double)m), 0.25 * fabs(mean));
  double integral = 0;
  for (size_t i = 1; i < n; i++) integral += 0.5 * (y[i] + y[i - 1]) * (wl[i] - wl[i - 1]);
  double added = fabs(mean) * (wl[n - 1] - wl[0]);
  *significant = agree && fabs(mean) > 3 * sd / sqrt((double)k) && added > 0.02 * fabs(integral);
}

void gk_io_offset_series(const double *wl, const double *z, size_t nwl, size_t nspec,
                         const double *pump, double *level, int *significant)
{
  *level = NAN;
  *significant = 0;
  if (!nspec || nwl < 12) return;
  double *e = malloc(nspec * sizeof *e), *sd = malloc(nspec * sizeof *sd), *y = malloc(nwl * sizeof *y);
  int *ok = malloc(nspec * sizeof *ok);
  if (!e || !sd || !y || !ok) { free(e); free(sd); free(y); free(ok); return; }
  size_t j0 = 0;
  for (size_t j = 0; j < nspec; j++) {
    for (size_t i = 0; i < nwl; i++) y[i] = z[i * nspec + j];
    gk_io_offset(wl, y, nwl, &e[j], &sd[j], &ok[j]);
    if (pump[j] < pump[j0]) j0 = j;
  }
  for (size_t i = 0; i < nwl; i++) y[i] = z[i * nspec + j0];
  double integral = 0;
  for (size_t i = 1; i < nwl; i++) integral += 0.5 * (y[i] + y[i - 1]) * (wl[i] - wl[i - 1]);
  if (nspec < 3) {
    *level = e[j0];
    *significant = ok[j0];
  } else {
    /* edge level versus pump: emission wings grow with the pump, a dark
     * level does not; the intercept at zero pump is the background */
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (size_t j = 0; j < nspec; j++) { sx += pump[j]; sy += e[j]; sxx += pump[j] * pump[j]; sxy += pump[j] * e[j]; }
    double nn = (double)nspec, d = nn * sxx - sx * sx;
    if (d > 0) {
      double b = (nn * sxy - sx * sy) / d, a = (sy - b * sx) / nn, rss = 0;
      for (size_t j = 0; j < nspec; j++) { double r = e[j] - a - b * pump[j]; rss += r * r; }
      double se = sqrt(rss / (nn - 2) * sxx / d);
      double noise = sd[j0] / sqrt((double)(nwl / 10 < 6 ? 6 : nwl / 10));
      *level = a;
      *significant = fabs(a) > 3 * fmax(se, noise) && fabs(a) * (wl[nwl - 1] - wl[0]) > 0.02 * fabs(integral);
    }
  }
  free(e); free(sd); free(y); free(ok);
}

void gk_io_offset_vsl(const double *x, const double *y, size_t n, double *level, int *significant)
{
  *level = NAN;
  *significant = 0;
  size_t m = n < 4 ? n : 4;
  if (m < 2) return;
  double sx = 0, sy = 0, sxx = 0, sxy = 0, ymax = y[0];
  for (size_t i = 0; i < n; i++)
    if (y[i] > ymax) ymax = y[i];
  for (size_t i = 0; i < m; i++) { sx += x[i]; sy += y[i]; sxx += x[i] * x[i]; sxy += x[i] * y[i]; }
  double d = (double)m * sxx - sx * sx;
  if (!(d > 0)) return;
  double b = ((double)m * sxy - sx * sy) / d, a = (sy - b * sx) / (double)m;
  *level = a;
  double se = 0;
  if (m > 2) {
    double rss = 0;
    for (size_t i = 0; i < m; i++) { double r = y[i] - a - b * x[i]; rss += r * r; }
    se = sqrt(rss / (double)(m - 2) * sxx / d);
  }
  *significant = fabs(a) > 0.05 * fabs(ymax) && fabs(a) > 3 * se;
}

/* ---- metadata keys shared by the readers ------------------------------------------ */

/* The time unit named in a key ("Integration Time (usec)", "[ms]"), as a
 * factor to seconds; def when none. */
static double key_time_unit(const char *key, double def)
{
  if (io_stristr(key, "usec") || io_stristr(key, "(us)") || io_stristr(key, "[us]") ||
      io_stristr(key, "\xc2\xb5s"))
    return 1e-6;
  if (io_stristr(key, "msec") || io_stristr(key, "(ms)") || io_stristr(key, "[ms]")) return 1e-3;
  if (io_stristr(key, "sec") || io_stristr(key, "(s)") || io_stristr(key, "[s]")) return 1;
  return def;
}

void io_meta_std(io_grid *g, const char *key, const char *value, double time_default,
                 int acc_summed)
{
  io_meta_add(&g->meta, &g->meta_cap, key, value);
  if (!*value) return;
  if ((io_stristr(key, "integration time") || io_stristr(key, "exposure time") ||
       io_stristr(key, "acq. time") || io_stristr(key, "acquisition time")) &&
      !gk_meta_get(&g->meta, "integration_time_s"))
    io_meta_time(g, value, key_time_unit(key, time_default));
  else if ((io_stristr(key, "scans to average") || io_stristr(key, "accumulations") ||
            io_stristr(key, "averaging") || io_stristr(key, "averaged")) && !gk_meta_get(&g->meta, "accumulations")) {
    char buf[32];
    snprintf(buf, sizeof buf, "%s", value);
    buf[strcspn(buf, " \t")] = '\0';
    double v;
    if (gk_parse_number(buf, &v, NULL) == GK_OK && v >= 1) {
      char out[32];
      snprintf(out, sizeof out, "%.0f", v);
      io_meta_add(&g->meta, &g->meta_cap, "accumulations", out);
      io_meta_add(&g->meta, &g->meta_cap, "accumulations_summed", acc_summed ? "1" : "0");
    }
  } else if (io_stristr(key, "date") && !gk_meta_get(&g->meta, "date"))
    io_meta_add(&g->meta, &g->meta_cap, "date", value);
  else if (io_stristr(key, "serial") && !gk_meta_get(&g->meta, "serial"))
    io_meta_add(&g->meta, &g->meta_cap, "serial", value);
  else if ((io_stristr(key, "spectrometer") || io_stristr(key, "instrument") ||
            io_stristr(key, "model") || io_stristr(key, "detector")) &&
           !gk_meta_get(&g->meta, "instrument"))
    io_meta_add(&g->meta, &g->meta_cap, "instrument", value);
}

/* "Key: value" -> metadata; returns 1 when the line had that shape. */
int io_kv_line(io_grid *g, const char *line, char sep, double time_default, int acc_summed)
{
  const char *c = strchr(line, sep);
  if (!c || c == line) return 0;
  char key[128];
  size_t kl = (size_t)(c - line);
  if (kl >= sizeof key) kl = sizeof key - 1;
  memcpy(key, line, kl);
  key[kl] = '\0';
  while (kl && (key[kl - 1] == ' ' || key[kl - 1] == '\t')) key[--kl] = '\0';
  const char *v = c + 1;
  while (*v == ' ' || *v == '\t') v++;
  io_meta_std(g, key, v, time_default, acc_summed);
  return 1;
}
