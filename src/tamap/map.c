/* map.c — transient-absorption maps: reading, background, chirp,
 * coherent-artefact exclusion, SVD. See gainkit/tamap.h. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_multifit.h>
#include <gsl/gsl_vector.h>

#include "gainkit/tamap.h"
#include "gainkit/units.h"

void gk_tamap_free(gk_tamap *m)
{
  if (!m) return;
  free(m->path);
  free(m->wl);
  free(m->t);
  free(m->z);
  free(m->use);
  memset(m, 0, sizeof *m);
}

int gk_tamap_init(gk_tamap *m, size_t nw, size_t nt, const double *wl, const double *t, const double *z,
                  gk_error *err)
{
  memset(m, 0, sizeof *m);
  if (nw < 1 || nt < 2) return gk_error_set(err, GK_EUSAGE, NULL, 0, "a map needs >= 1 wavelength and >= 2 delays");
  m->nw = nw;
  m->nt = nt;
  m->wl = malloc(nw * sizeof *m->wl);
  m->t = malloc(nt * sizeof *m->t);
  m->z = malloc(nw * nt * sizeof *m->z);
  if (!m->wl || !m->t || !m->z) {
    gk_tamap_free(m);
    return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  }
  memcpy(m->wl, wl, nw * sizeof *wl);
  memcpy(m->t, t, nt * sizeof *t);
  memcpy(m->z, z, nw * nt * sizeof *z);
  for (size_t j = 1; j < nt; j++)
    if (!(t[j] > t[j - 1])) {
      gk_tamap_free(m);
      return gk_error_set(err, GK_EUSAGE, NULL, 0, "t: delays must be strictly increasing (t[%zu])", j);
    }
  for (size_t i = 1; i < nw; i++)
    if (!(wl[i] > wl[i - 1])) {
      gk_tamap_free(m);
      return gk_error_set(err, GK_EUSAGE, NULL, 0, "wl: wavelengths must be strictly increasing (wl[%zu])", i);
    }
  return GK_OK;
}

/* Units in parentheses or brackets in the corner cell: the first that is
 * a time and the first that is a length. */
static void corner_units(const char *corner, char *tu, size_t tn, char *wu, size_t wn)
{
  tu[0] = wu[0] = '\0';
  const char *p = corner;
  while (p && *p) {
    const char *a = strpbrk(p, "([");
    if (!a) break;
    const char *b = strpbrk(a + 1, ")]");
    if (!b) break;
    char u[64];
    size_t len = (size_t)(b - a - 1);
    if (len < sizeof u) {
      memcpy(u, a + 1, len);
      u[len] = '\0';
      double f;
      if (!tu[0] && gk_unit_factor(u, "s", &f, NULL) == GK_OK) snprintf(tu, tn, "%s", u);
      else if (!wu[0] && gk_unit_factor(u, "nm", &f, NULL) == GK_OK) snprintf(wu, wn, "%s", u);
    }
    p = b + 1;
  }
}

static int signal_factor(const char *unit, double *f, gk_error *err)
{
  if (!unit || !*unit) { *f = 1; return GK_OK; }
  static const char *const od[] = {"OD", "dOD", "dA", "A", "ΔA", "ΔOD"};
  for (size_t i = 0; i < sizeof od / sizeof od[0]; i++)
    if (strcasecmp(unit, od[i]) == 0) { *f = 1; return GK_OK; }
  if (strcasecmp(unit, "mOD") == 0 || strcasecmp(unit, "mdOD") == 0 || strcasecmp(unit, "mdA") == 0) {
    *f = 1e-3;
    return GK_OK;
  }
  return gk_error_set(err, GK_EUSAGE, NULL, 0, "signal_unit: '%s' is not OD or mOD", unit);
}

int gk_tamap_read(const char *path, const gk_tamap_read_options *o, gk_tamap *m, gk_error *err)
{
  memset(m, 0, sizeof *m);
  gk_tamap_read_options def = {0};
  if (!o) o = &def;
  double sf;
  int rc = signal_factor(o->signal_unit, &sf, err);
  if (rc) return rc;
  gk_read_options ro = o->read;
  if (ro.min_rows < 2) ro.min_rows = 2;
  gk_table tb;
  rc = gk_table_read(path, &ro, &tb, err);
  if (rc) return rc;
  size_t nc = tb.ncols;
  /* the axis row: the header, or the first data row */
  double *axis_row = malloc((nc ? nc : 1) * sizeof *axis_row);
  char corner[256] = "";
  long axis_line;
  size_t r0;
  if (!axis_row) { gk_table_free(&tb); return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory"); }
  if (nc < 3) {
    rc = gk_error_set(err, GK_EINPUT, path, tb.has_header ? tb.header_line : tb.line[0],
                      "a map needs an axis column and at least two data columns (found %zu columns)", nc);
    goto out;
  }
  if (tb.has_header) {
    axis_line = tb.header_line;
    snprintf(corner, sizeof corner, "%s", tb.raw[0]);
    for (size_t c = 1; c < nc; c++) {
      char name[128], unit[64];
      gk_header_split(tb.raw[c], name, sizeof name, unit, sizeof unit);
      char *end;
      double v = strtod(tb.raw[c], &end);
      while (end && isspace((unsigned char)*end)) end++;
      if (end == tb.raw[c] || *end || !isfinite(v)) {
        rc = gk_error_set(err, GK_EINPUT, path, axis_line, "column %zu of the axis row: '%s' is not a number", c + 1,
                          tb.raw[c]);
        goto out;
      }
      axis_row[c] = v;
    }
    r0 = 0;
  } else {
    axis_line = tb.line[0];
    for (size_t c = 1; c < nc; c++) axis_row[c] = tb.v[c];
    r0 = 1;
  }
  size_t nr = tb.nrows - r0;
  if (nr < 2) {
    rc = gk_error_set(err, GK_EINPUT, path, axis_line, "a map needs at least two data rows after the axis row");
    goto out;
  }
  int row_nonpos = 0, col_nonpos = 0;
  for (size_t c = 1; c < nc; c++) row_nonpos |= axis_row[c] <= 0;
  for (size_t r = r0; r < tb.nrows; r++) col_nonpos |= tb.v[r * nc] <= 0;
  gk_tamap_layout lay = o->layout;
  if (lay == GK_TAMAP_AUTO) {
    if (row_nonpos && !col_nonpos) lay = GK_TAMAP_DELAY_ROW;
    else if (col_nonpos && !row_nonpos) lay = GK_TAMAP_DELAY_COLUMN;
    else {
      rc = gk_error_set(err, GK_EINPUT, path, axis_line,
                        "cannot tell which axis holds the delays (%s); give the layout (delays in the first row or column)",
                        row_nonpos ? "both axes have values <= 0" : "no axis has a delay <= 0");
      goto out;
    }
  }
  char tu[64], wu[64];
  corner_units(corner, tu, sizeof tu, wu, sizeof wu);
  if (o->delay_unit && *o->delay_unit) snprintf(tu, sizeof tu, "%s", o->delay_unit);
  double tf, wf = 1;
  if (!tu[0]) {
    rc = gk_error_set(err, GK_EINPUT, path, axis_line,
                      "no time unit for the delays: write it in the corner cell (\"wavelength (nm) \\ delay (ps)\") "
                      "or give delay_unit");
    goto out;
  }
  if (gk_unit_factor(tu, "s", &tf, err) != GK_OK) {
    rc = err ? err->code : GK_EUSAGE;
    goto out;
  }
  if (wu[0] && gk_unit_factor(wu, "nm", &wf, NULL) != GK_OK) wf = 1;
  size_t nw = lay == GK_TAMAP_DELAY_ROW ? nr : nc - 1;
  size_t nt = lay == GK_TAMAP_DELAY_ROW ? nc - 1 : nr;
  m->nw = nw;
  m->nt = nt;
  m->wl = malloc(nw * sizeof *m->wl);
  m->t = malloc(nt * sizeof *m->t);
  m->z = malloc(nw * nt * sizeof *m->z);
  m->path = strdup(path);
  long *wline = malloc(nw * sizeof *wline), *tline = malloc(nt * sizeof *tline);
  if (!m->wl || !m->t || !m->z || !m->path || !wline || !tline) {
    free(wline);
    free(tline);
    rc = gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
    goto out;
  }
  m->data_line = tb.line[r0];
  snprintf(m->t_unit, sizeof m->t_unit, "%s", tu);
  m->t_line = lay == GK_TAMAP_DELAY_ROW ? axis_line : tb.line[r0];
  for (size_t r = 0; r < nr; r++) {
    double ax = tb.v[(r + r0) * nc];
    for (size_t c = 1; c < nc; c++) {
      double v = tb.v[(r + r0) * nc + c] * sf;
      if (lay == GK_TAMAP_DELAY_ROW) m->z[r * nt + (c - 1)] = v;
      else m->z[(c - 1) * nt + r] = v;
    }
    if (lay == GK_TAMAP_DELAY_ROW) { m->wl[r] = ax * wf; wline[r] = tb.line[r + r0]; }
    else { m->t[r] = ax * tf; tline[r] = tb.line[r + r0]; }
  }
  for (size_t c = 1; c < nc; c++) {
    if (lay == GK_TAMAP_DELAY_ROW) { m->t[c - 1] = axis_row[c] * tf; tline[c - 1] = axis_line; }
    else { m->wl[c - 1] = axis_row[c] * wf; wline[c - 1] = axis_line; }
  }
  for (size_t j = 1; j < nt; j++)
    if (!(m->t[j] > m->t[j - 1])) {
      rc = gk_error_set(err, GK_EINPUT, path, tline[j], "delays must be strictly increasing (%g after %g %s)",
                        m->t[j] / tf, m->t[j - 1] / tf, tu);
      break;
    }
  if (!rc && nw > 1) {
    int dec = m->wl[1] < m->wl[0];
    for (size_t i = 1; i < nw && !rc; i++)
      if (dec ? !(m->wl[i] < m->wl[i - 1]) : !(m->wl[i] > m->wl[i - 1]))
        rc = gk_error_set(err, GK_EINPUT, path, wline[i], "wavelengths must be strictly monotonic (%g after %g)",
                          m->wl[i] / wf, m->wl[i - 1] / wf);
    if (!rc && dec) {
      for (size_t i = 0; i < nw / 2; i++) {
        size_t k = nw - 1 - i;
        double tmp = m->wl[i]; m->wl[i] = m->wl[k]; m->wl[k] = tmp;
        for (size_t j = 0; j < nt; j++) {
          tmp = m->z[i * nt + j]; m->z[i * nt + j] = m->z[k * nt + j]; m->z[k * nt + j] = tmp;
        }
      }
    }
  }
  for (size_t i = 0; i < nw && !rc; i++)
    if (!(m->wl[i] > 0)) rc = gk_error_set(err, GK_EINPUT, path, wline[i], "wavelength %g is not positive", m->wl[i] / wf);
  free(wline);
  free(tline);
out:
  free(axis_row);
  gk_table_free(&tb);
  if (rc) gk_tamap_free(m);
  return rc;
}

int gk_tamap_background(gk_tamap *m, double t_before, size_t *npoints, gk_error *err)
{
  size_t n = 0;
  while (n < m->nt && m->t[n] < t_before) n++;
  if (npoints) *npoints = n;
  if (n == 0)
    return gk_error_set(err, GK_EUSAGE, m->path, 0, "background: no delay before %g s (the first is %g s)", t_before,
                        m->t[0]);
  for (size_t i = 0; i < m->nw; i++) {
    double s = 0;
    for (size_t j = 0; j < n; j++) s += m->z[i * m->nt + j];
    s /= (double)n;
    for (size_t j = 0; j < m->nt; j++) m->z[i * m->nt + j] -= s;
  }
  return GK_OK;
}

/* ---- chirp ------------------------------------------------------------ */

double gk_tamap_chirp_eval(const gk_tamap_chirp *c, double wl)
{
  double x = (wl - c->wl_ref) / 100.0, s = 0, p = 1;
  for (int k = 0; k <= c->order; k++, p *= x) s += c->c[k] * p;
  return s;
}

int gk_tamap_onsets(const gk_tamap *m, double min_snr, double *t_on, gk_error *err)
{
  (void)err;
  size_t nt = m->nt;
  for (size_t i = 0; i < m->nw; i++) {
    const double *z = m->z + i * nt;
    size_t jm = 0;
    for (size_t j = 1; j < nt; j++)
      if (fabs(z[j]) > fabs(z[jm])) jm = j;
    t_on[i] = NAN;
    if (jm == 0) continue;
    /* noise: rms of the first-difference of the points before the half rise */
    double half = 0.5 * z[jm];
    size_t jc = jm;
    while (jc > 0 && fabs(z[jc - 1]) >= fabs(half) && (z[jc - 1] > 0) == (half > 0)) jc--;
    if (jc == 0) continue;
    double nse = 0;
    size_t nn = 0;
    for (size_t j = 1; j + 1 < jc; j++) { double d = z[j] - z[j - 1]; nse += d * d; nn++; }
    nse = nn ? sqrt(nse / (2.0 * nn)) : 0;
    if (nn && !(fabs(z[jm]) > min_snr * nse)) continue;
    /* crossing between jc-1 and jc */
    double a = z[jc - 1], b = z[jc];
    double f = (half - a) / (b - a);
    if (!(f >= 0 && f <= 1)) f = 0.5;
    t_on[i] = m->t[jc - 1] + f * (m->t[jc] - m->t[jc - 1]);
  }
  return GK_OK;
}

static int polyfit(const double *x, const double *y, const unsigned char *ok, size_t n, int order, double *c,
                   double *se, double *rms)
{
  size_t m = 0;
  for (size_t i = 0; i < n; i++) m += ok[i];
  size_t p = (size_t)order + 1;
  if (m < p + 1) return -1;
  gsl_matrix *X = gsl_matrix_alloc(m, p), *C = gsl_matrix_alloc(p, p);
  gsl_vector *Y = gsl_vector_alloc(m), *B = gsl_vector_alloc(p);
  gsl_multifit_linear_workspace *w = gsl_multifit_linear_alloc(m, p);
  size_t r = 0;
  for (size_t i = 0; i < n; i++) {
    if (!ok[i]) continue;
    double q = 1;
    for (size_t k = 0; k < p; k++, q *= x[i]) gsl_matrix_set(X, r, k, q);
    gsl_vector_set(Y, r, y[i]);
    r++;
  }
  double chi2;
  int rc = gsl_multifit_linear(X, Y, B, C, &chi2, w);
  for (size_t k = 0; k < p; k++) {
    c[k] = gsl_vector_get(B, k);
    se[k] = sqrt(gsl_matrix_get(C, k, k));   /* GSL scales C by chi2/(m - p) already */
  }
  *rms = sqrt(chi2 / (double)m);
  gsl_multifit_linear_free(w);
  gsl_matrix_free(X);
  gsl_matrix_free(C);
  gsl_vector_free(Y);
  gsl_vector_free(B);
  return rc ? -1 : 0;
}

int gk_tamap_chirp_fit(const gk_tamap *m, int order, gk_tamap_chirp *c, gk_error *err)
{
  memset(c, 0, sizeof *c);
  if (order < 0 || order > GK_TAMAP_MAX_ORDER)
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "order: %d is not in 0..%d", order, GK_TAMAP_MAX_ORDER);
  size_t nw = m->nw;
  double *ton = malloc(nw * sizeof *ton), *x = malloc(nw * sizeof *x);
  unsigned char *ok = malloc(nw);
  if (!ton || !x || !ok) {
    free(ton); free(x); free(ok);
    return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  }
  gk_tamap_onsets(m, 5.0, ton, err);
  c->order = order;
  c->wl_ref = 0.5 * (m->wl[0] + m->wl[nw - 1]);
  for (size_t i = 0; i < nw; i++) {
    x[i] = (m->wl[i] - c->wl_ref) / 100.0;
    ok[i] = isfinite(ton[i]);
  }
  int rc = GK_OK;
  for (int pass = 0; pass < 5; pass++) {
    if (polyfit(x, ton, ok, nw, order, c->c, c->se, &c->rms)) {
      rc = gk_error_set(err, GK_EINPUT, m->path, 0,
                        "chirp: too few wavelengths with a clear rise to fit a polynomial of order %d", order);
      break;
    }
    /* robust scale: 1.4826 x median absolute deviation of the residuals */
    size_t nk = 0;
    double *ad = malloc(nw * sizeof *ad);
    if (!ad) { rc = gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory"); break; }
    for (size_t i = 0; i < nw; i++)
      if (ok[i]) ad[nk++] = fabs(ton[i] - gk_tamap_chirp_eval(c, m->wl[i]));
    for (size_t a = 1; a < nk; a++) {   /* insertion sort: nw is small */
      double v = ad[a];
      size_t b = a;
      while (b > 0 && ad[b - 1] > v) { ad[b] = ad[b - 1]; b--; }
      ad[b] = v;
    }
    double mad = 1.4826 * (nk % 2 ? ad[nk / 2] : 0.5 * (ad[nk / 2 - 1] + ad[nk / 2]));
    /* floor: an onset read from sampled data is uncertain by a fraction of
     * the delay step, so clean data do not reject points for being off by
     * less than that */
    mad = fmax(mad, 0.25 * (m->t[m->nt - 1] - m->t[0]) / (double)(m->nt - 1));
    free(ad);
    size_t dropped = 0;
    for (size_t i = 0; i < nw; i++)
      if (ok[i] && mad > 0 && fabs(ton[i] - gk_tamap_chirp_eval(c, m->wl[i])) > 3 * mad) { ok[i] = 0; dropped++; }
    if (!dropped) break;
  }
  c->npoints = 0;
  for (size_t i = 0; i < nw; i++) c->npoints += ok[i];
  size_t finite = 0;
  for (size_t i = 0; i < nw; i++) finite += isfinite(ton[i]);
  c->nrejected = finite - c->npoints;
  free(ton);
  free(x);
  free(ok);
  return rc;
}

int gk_tamap_chirp_apply(gk_tamap *m, const gk_tamap_chirp *c, gk_error *err)
{
  size_t nt = m->nt;
  if (!m->use) {
    m->use = malloc(m->nw * nt);
    if (!m->use) return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
    memset(m->use, 1, m->nw * nt);
  }
  double *row = malloc(nt * sizeof *row);
  unsigned char *urow = malloc(nt);
  if (!row || !urow) { free(row); free(urow); return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory"); }
  for (size_t i = 0; i < m->nw; i++) {
    double t0 = gk_tamap_chirp_eval(c, m->wl[i]);
    double *z = m->z + i * nt;
    unsigned char *u = m->use + i * nt;
    size_t k = 0;
    for (size_t j = 0; j < nt; j++) {
      double tt = m->t[j] + t0;   /* the measured delay that becomes t[j] */
      if (tt < m->t[0] || tt > m->t[nt - 1]) { row[j] = 0; urow[j] = 0; continue; }
      while (k + 2 < nt && m->t[k + 1] < tt) k++;
      while (k > 0 && m->t[k] > tt) k--;
      double f = (tt - m->t[k]) / (m->t[k + 1] - m->t[k]);
      row[j] = z[k] + f * (z[k + 1] - z[k]);
      urow[j] = u[k] && u[k + 1];
    }
    memcpy(z, row, nt * sizeof *row);
    memcpy(u, urow, nt);
  }
  free(row);
  free(urow);
  return GK_OK;
}

size_t gk_tamap_exclude(gk_tamap *m, const gk_tamap_chirp *c, double half_width)
{
  size_t nt = m->nt, n = 0;
  if (!m->use) {
    m->use = malloc(m->nw * nt);
    if (!m->use) return 0;
    memset(m->use, 1, m->nw * nt);
  }
  for (size_t i = 0; i < m->nw; i++) {
    double t0 = c ? gk_tamap_chirp_eval(c, m->wl[i]) : 0;
    for (size_t j = 0; j < nt; j++)
      if (fabs(m->t[j] - t0) <= half_width && m->use[i * nt + j]) { m->use[i * nt + j] = 0; n++; }
  }
  return n;
}

/* ---- SVD -------------------------------------------------------------- */

void gk_tamap_svd_free(gk_tamap_svd *s)
{
  if (!s) return;
  free(s->s);
  free(s->u);
  free(s->v);
  free(s->t);
  memset(s, 0, sizeof *s);
}

static int cmp_desc(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x < y) - (x > y);
}

int gk_tamap_svd_run(const gk_tamap *m, size_t k, gk_tamap_svd *s, gk_error *err)
{
  memset(s, 0, sizeof *s);
  size_t nw = m->nw, nt = 0;
  size_t *cols = malloc(m->nt * sizeof *cols);
  if (!cols) return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  for (size_t j = 0; j < m->nt; j++) {
    int ok = 1;
    for (size_t i = 0; i < nw && ok; i++) ok = !m->use || m->use[i * m->nt + j];
    if (ok) cols[nt++] = j;
  }
  if (nt < 2 || nw < 2) {
    free(cols);
    return gk_error_set(err, GK_EINPUT, m->path, 0, "SVD: needs at least 2 wavelengths and 2 fully used delays");
  }
  /* GSL wants rows >= columns: decompose A (nw x nt) or its transpose. */
  int tr = nw < nt;
  size_t M = tr ? nt : nw, N = tr ? nw : nt;
  gsl_matrix *A = gsl_matrix_alloc(M, N), *V = gsl_matrix_alloc(N, N);
  gsl_vector *S = gsl_vector_alloc(N), *W = gsl_vector_alloc(N);
  for (size_t i = 0; i < nw; i++)
    for (size_t j = 0; j < nt; j++) {
      double z = m->z[i * m->nt + cols[j]];
      if (tr) gsl_matrix_set(A, j, i, z);
      else gsl_matrix_set(A, i, j, z);
    }
  int rc = gsl_linalg_SV_decomp(A, V, S, W);
  if (rc) {
    gsl_matrix_free(A); gsl_matrix_free(V); gsl_vector_free(S); gsl_vector_free(W); free(cols);
    return gk_error_set(err, GK_EDOM, m->path, 0, "SVD did not converge");
  }
  size_t ns = N;
  if (k > ns) k = ns;
  if (k == 0) k = ns < 6 ? ns : 6;
  s->nw = nw;
  s->nt = nt;
  s->k = k;
  s->s = malloc(ns * sizeof *s->s);
  s->u = malloc(nw * k * sizeof *s->u);
  s->v = malloc(nt * k * sizeof *s->v);
  s->t = malloc(nt * sizeof *s->t);
  if (!s->s || !s->u || !s->v || !s->t) {
    gsl_matrix_free(A); gsl_matrix_free(V); gsl_vector_free(S); gsl_vector_free(W); free(cols);
    gk_tamap_svd_free(s);
    return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  }
  for (size_t r = 0; r < ns; r++) s->s[r] = gsl_vector_get(S, r);
  for (size_t j = 0; j < nt; j++) s->t[j] = m->t[cols[j]];
  for (size_t r = 0; r < k; r++) {
    /* sign convention: the spectral vector's largest element positive */
    double big = 0;
    for (size_t i = 0; i < nw; i++) {
      double u = tr ? gsl_matrix_get(V, i, r) : gsl_matrix_get(A, i, r);
      if (fabs(u) > fabs(big)) big = u;
    }
    double sg = big < 0 ? -1 : 1;
    for (size_t i = 0; i < nw; i++) s->u[i * k + r] = sg * (tr ? gsl_matrix_get(V, i, r) : gsl_matrix_get(A, i, r));
    for (size_t j = 0; j < nt; j++) s->v[j * k + r] = sg * (tr ? gsl_matrix_get(A, j, r) : gsl_matrix_get(V, j, r));
  }
  /* Rank: singular values above the optimal hard threshold for a matrix
   * with white noise of unknown level, omega(beta) x median singular value,
   * beta = N/M (Gavish and Donoho, IEEE Trans. Inf. Theory 60, 5040,
   * 2014; their polynomial approximation of omega). noise = the threshold. */
  double *srt = malloc(ns * sizeof *srt);
  double med = 0;
  if (srt) {
    memcpy(srt, s->s, ns * sizeof *srt);
    qsort(srt, ns, sizeof *srt, cmp_desc);
    med = ns % 2 ? srt[ns / 2] : 0.5 * (srt[ns / 2 - 1] + srt[ns / 2]);
    free(srt);
  }
  double beta = (double)N / (double)M;
  double omega = 0.56 * beta * beta * beta - 0.95 * beta * beta + 1.82 * beta + 1.43;
  s->noise = omega * med;
  s->rank = 0;
  for (size_t r = 0; r < ns; r++)
    if (s->s[r] > s->noise) s->rank++;
  gsl_matrix_free(A);
  gsl_matrix_free(V);
  gsl_vector_free(S);
  gsl_vector_free(W);
  free(cols);
  return GK_OK;
}
