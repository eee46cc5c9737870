/* global.c — kinetic schemes and the global / target fit of TA maps by
 * variable projection. See gainkit/tamap.h. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_permutation.h>

#include "gainkit/constants.h"
#include "gainkit/tamap.h"
#include "gainkit/units.h"
#include "core/core_internal.h"
#include "fit/profile1.h"
#include "kinetics/kinetics_internal.h"

/* ---- scheme ------------------------------------------------------------ */

static int comp_index(gk_tamap_scheme *s, const char *name, int create)
{
  if (strcmp(name, "0") == 0 || strcasecmp(name, "GS") == 0 || strcasecmp(name, "ground") == 0) return -1;
  for (int i = 0; i < s->ncomp; i++)
    if (strcmp(s->name[i], name) == 0) return i;
  if (!create || s->ncomp >= GK_TAMAP_MAX_COMP) return -2;
  snprintf(s->name[s->ncomp], sizeof s->name[0], "%s", name);
  return s->ncomp++;
}

static void trim(char *p)
{
  char *a = p;
  while (isspace((unsigned char)*a)) a++;
  memmove(p, a, strlen(a) + 1);
  size_t n = strlen(p);
  while (n && isspace((unsigned char)p[n - 1])) p[--n] = '\0';
}

int gk_tamap_scheme_parse(const char *text, const char *init, gk_tamap_scheme *s, gk_error *err)
{
  memset(s, 0, sizeof *s);
  char buf[1024];
  if (!text || strlen(text) >= sizeof buf) return gk_error_set(err, GK_EUSAGE, NULL, 0, "scheme: empty or too long");
  snprintf(buf, sizeof buf, "%s", text);
  char *save = NULL;
  for (char *tok = strtok_r(buf, ",;", &save); tok; tok = strtok_r(NULL, ",;", &save)) {
    trim(tok);
    if (!*tok) continue;
    char *arrow = strstr(tok, "->");
    if (!arrow) return gk_error_set(err, GK_EUSAGE, NULL, 0, "scheme: '%s' is not FROM->TO[:RATE]", tok);
    *arrow = '\0';
    char *from = tok, *to = arrow + 2, *rate = strchr(to, ':');
    if (rate) *rate++ = '\0';
    trim(from);
    trim(to);
    if (!*from || !*to) return gk_error_set(err, GK_EUSAGE, NULL, 0, "scheme: a transition needs FROM->TO");
    if (s->ntrans >= GK_TAMAP_MAX_TRANS)
      return gk_error_set(err, GK_EUSAGE, NULL, 0, "scheme: more than %d transitions", GK_TAMAP_MAX_TRANS);
    int a = comp_index(s, from, 1), b = comp_index(s, to, 1);
    if (a == -1) return gk_error_set(err, GK_EUSAGE, NULL, 0, "scheme: the ground state cannot decay ('%s')", from);
    if (a < -1 || b < -1)
      return gk_error_set(err, GK_EUSAGE, NULL, 0, "scheme: more than %d compartments", GK_TAMAP_MAX_COMP);
    if (a == b) return gk_error_set(err, GK_EUSAGE, NULL, 0, "scheme: '%s' -> itself", from);
    gk_tamap_trans *t = &s->tr[s->ntrans++];
    t->from = a;
    t->to = b;
    t->k = 1e11;   /* 10 ps unless given */
    if (rate) {
      char rb[96];
      snprintf(rb, sizeof rb, "%s", rate);
      trim(rb);
      size_t n = strlen(rb);
      if (n && rb[n - 1] == '!') { t->fixed = 1; rb[--n] = '\0'; trim(rb); }
      char *sl = strchr(rb, '/');
      if (sl && sl > rb && (isdigit((unsigned char)sl[-1]) || sl[-1] == '.')) {
        /* "0.3/ps" -> "0.3 1/ps" */
        char tmp[96];
        snprintf(tmp, sizeof tmp, "%.*s 1%s", (int)(sl - rb), rb, sl);
        snprintf(rb, sizeof rb, "%s", tmp);
      }
      double v;
      gk_error e2;
      if (gk_parse_quantity(rb, "1/s", &v, &e2) == GK_OK && v > 0) t->k = v;
      else if (gk_parse_quantity(rb, "s", &v, &e2) == GK_OK && v > 0) t->k = 1.0 / v;
      else
        return gk_error_set(err, GK_EUSAGE, NULL, 0,
                            "scheme: rate '%s' is neither a rate (1e11, 0.2/ps) nor a lifetime (5ps) > 0", rb);
    }
  }
  if (s->ntrans == 0) return gk_error_set(err, GK_EUSAGE, NULL, 0, "scheme: no transitions");
  if (!init || !*init) {
    s->c0[0] = 1;
    return GK_OK;
  }
  if (strlen(init) >= sizeof buf) return gk_error_set(err, GK_EUSAGE, NULL, 0, "init: too long");
  snprintf(buf, sizeof buf, "%s", init);
  int any = 0;
  for (char *tok = strtok_r(buf, ",;", &save); tok; tok = strtok_r(NULL, ",;", &save)) {
    char *eq = strchr(tok, '=');
    if (!eq) return gk_error_set(err, GK_EUSAGE, NULL, 0, "init: '%s' is not NAME=VALUE", tok);
    *eq = '\0';
    trim(tok);
    int a = comp_index(s, tok, 0);
    if (a < 0) return gk_error_set(err, GK_EUSAGE, NULL, 0, "init: '%s' is not a compartment of the scheme", tok);
    double v;
    if (gk_parse_number(eq + 1, &v, err) != GK_OK || v < 0)
      return gk_error_set(err, GK_EUSAGE, NULL, 0, "init: '%s' is not a number >= 0", eq + 1);
    s->c0[a] = v;
    any |= v > 0;
  }
  if (!any) return gk_error_set(err, GK_EUSAGE, NULL, 0, "init: every initial population is 0");
  return GK_OK;
}

void gk_tamap_scheme_parallel(gk_tamap_scheme *s, int n, const double *tau)
{
  memset(s, 0, sizeof *s);
  if (n > GK_TAMAP_MAX_COMP) n = GK_TAMAP_MAX_COMP;
  s->ncomp = s->ntrans = n;
  for (int i = 0; i < n; i++) {
    snprintf(s->name[i], sizeof s->name[i], "%c", 'A' + i);
    s->tr[i] = (gk_tamap_trans){i, -1, 1.0 / tau[i], 0};
    s->c0[i] = 1;
  }
}

void gk_tamap_scheme_sequential(gk_tamap_scheme *s, int n, const double *tau)
{
  memset(s, 0, sizeof *s);
  if (n > GK_TAMAP_MAX_COMP) n = GK_TAMAP_MAX_COMP;
  s->ncomp = s->ntrans = n;
  for (int i = 0; i < n; i++) {
    snprintf(s->name[i], sizeof s->name[i], "%c", 'A' + i);
    s->tr[i] = (gk_tamap_trans){i, i + 1 < n ? i + 1 : -1, 1.0 / tau[i], 0};
  }
  s->c0[0] = 1;
}

void gk_tamap_scheme_matrix(const gk_tamap_scheme *s, const double *k, double *K)
{
  int n = s->ncomp;
  memset(K, 0, (size_t)(n * n) * sizeof *K);
  for (int r = 0; r < s->ntrans; r++) {
    const gk_tamap_trans *t = &s->tr[r];
    K[t->from * n + t->from] -= k[r];
    if (t->to >= 0) K[t->to * n + t->from] += k[r];
  }
}

int gk_tamap_scheme_solve(const gk_tamap_scheme *s, const double *k, double *lam, double *V, gk_error *err)
{
  int n = s->ncomp;
  double K[GK_TAMAP_MAX_COMP * GK_TAMAP_MAX_COMP];
  gk_tamap_scheme_matrix(s, k, K);
  gsl_matrix_view Kv = gsl_matrix_view_array(K, (size_t)n, (size_t)n);
  gsl_vector_complex *ev = gsl_vector_complex_alloc((size_t)n);
  gsl_matrix_complex *evec = gsl_matrix_complex_alloc((size_t)n, (size_t)n);
  gsl_eigen_nonsymmv_workspace *w = gsl_eigen_nonsymmv_alloc((size_t)n);
  gsl_matrix *U = gsl_matrix_alloc((size_t)n, (size_t)n), *Ui = gsl_matrix_alloc((size_t)n, (size_t)n);
  gsl_permutation *perm = gsl_permutation_alloc((size_t)n);
  int rc = GK_OK;
  if (!ev || !evec || !w || !U || !Ui || !perm) { rc = gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory"); goto out; }
  if (gsl_eigen_nonsymmv(&Kv.matrix, ev, evec, w)) {
    rc = gk_error_set(err, GK_EDOM, NULL, 0, "scheme: eigen-decomposition failed");
    goto out;
  }
  /* order by decay rate, ascending */
  int ord[GK_TAMAP_MAX_COMP];
  double rate[GK_TAMAP_MAX_COMP];
  double scale = 0;
  for (int j = 0; j < n; j++) {
    gsl_complex z = gsl_vector_complex_get(ev, (size_t)j);
    rate[j] = -GSL_REAL(z);
    ord[j] = j;
    scale = fmax(scale, fabs(GSL_REAL(z)));
  }
  for (int j = 0; j < n; j++) {
    gsl_complex z = gsl_vector_complex_get(ev, (size_t)j);
    if (fabs(GSL_IMAG(z)) > 1e-9 * scale) {
      rc = gk_error_set(err, GK_EDOM, NULL, 0, "scheme: oscillating modes (complex eigenvalues) are not supported");
      goto out;
    }
  }
  for (int a = 1; a < n; a++) {
    int v = ord[a], b = a;
    while (b > 0 && rate[ord[b - 1]] > rate[v]) { ord[b] = ord[b - 1]; b--; }
    ord[b] = v;
  }
  for (int a = 1; a < n; a++)
    if (fabs(rate[ord[a]] - rate[ord[a - 1]]) <= 1e-7 * scale) {
      rc = gk_error_set(err, GK_EDOM, NULL, 0,
                        "scheme: two modes decay at the same rate (%g s^-1); the matrix is not diagonalisable",
                        rate[ord[a]]);
      goto out;
    }
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++)
      gsl_matrix_set(U, (size_t)i, (size_t)j, GSL_REAL(gsl_matrix_complex_get(evec, (size_t)i, (size_t)ord[j])));
  gsl_matrix_memcpy(Ui, U);
  int sg;
  gsl_matrix *LU = Ui;
  if (gsl_linalg_LU_decomp(LU, perm, &sg)) { rc = gk_error_set(err, GK_EDOM, NULL, 0, "scheme: singular eigenvectors"); goto out; }
  double a[GK_TAMAP_MAX_COMP];
  gsl_vector_view av = gsl_vector_view_array(a, (size_t)n);
  gsl_vector_const_view cv = gsl_vector_const_view_array(s->c0, (size_t)n);
  if (gsl_linalg_LU_solve(LU, perm, &cv.vector, &av.vector)) {
    rc = gk_error_set(err, GK_EDOM, NULL, 0, "scheme: singular eigenvectors");
    goto out;
  }
  for (int j = 0; j < n; j++) lam[j] = rate[ord[j]];
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) V[i * n + j] = gsl_matrix_get(U, (size_t)i, (size_t)j) * a[j];
out:
  if (ev) gsl_vector_complex_free(ev);
  if (evec) gsl_matrix_complex_free(evec);
  if (w) gsl_eigen_nonsymmv_free(w);
  if (U) gsl_matrix_free(U);
  if (Ui) gsl_matrix_free(Ui);
  if (perm) gsl_permutation_free(perm);
  return rc;
}

/* ---- NNLS --------------------------------------------------------------- */

/* Solve G_PP x_P = h_P for the passive set by Cholesky (n tiny). */
static int solve_sub(const double *G, const double *h, size_t n, const int *P, double *z)
{
  size_t idx[GK_TAMAP_MAX_COMP * 2], m = 0;
  double A[64], b[8];
  if (n > 8) return -1;
  for (size_t i = 0; i < n; i++) {
    z[i] = 0;
    if (P[i]) idx[m++] = i;
  }
  if (!m) return 0;
  for (size_t a = 0; a < m; a++) {
    b[a] = h[idx[a]];
    for (size_t c = 0; c < m; c++) A[a * m + c] = G[idx[a] * n + idx[c]];
  }
  gsl_matrix_view Av = gsl_matrix_view_array(A, m, m);
  gsl_vector_view bv = gsl_vector_view_array(b, m);
  gk_gsl_init_();  /* the one GSL-handler policy: src/core/gsl.c */
  int rc = gsl_linalg_cholesky_decomp1(&Av.matrix);
  if (!rc) rc = gsl_linalg_cholesky_svx(&Av.matrix, &bv.vector);
  if (rc) return -1;
  for (size_t a = 0; a < m; a++) z[idx[a]] = b[a];
  return 0;
}

int gk_nnls_gram(const double *G, const double *h, size_t n, double *x)
{
  int P[8] = {0};
  double w[8], z[8];
  if (n > 8) return -1;
  for (size_t i = 0; i < n; i++) x[i] = 0;
  double tol = 0;
  for (size_t i = 0; i < n; i++) tol = fmax(tol, fabs(h[i]));
  tol *= 1e-12;
  for (int outer = 0; outer < 3 * (int)n + 10; outer++) {
    /* gradient w = h - G x */
    size_t best = n;
    double wmax = tol;
    for (size_t i = 0; i < n; i++) {
      w[i] = h[i];
      for (size_t j = 0; j < n; j++) w[i] -= G[i * n + j] * x[j];
      if (!P[i] && w[i] > wmax) { wmax = w[i]; best = i; }
    }
    if (best == n) return 0;
    P[best] = 1;
    for (int inner = 0; inner < 3 * (int)n + 10; inner++) {
      if (solve_sub(G, h, n, P, z)) return -1;
      int allpos = 1;
      for (size_t i = 0; i < n; i++)
        if (P[i] && z[i] <= 0) allpos = 0;
      if (allpos) break;
      double alpha = 1;
      for (size_t i = 0; i < n; i++)
        if (P[i] && z[i] <= 0) alpha = fmin(alpha, x[i] / (x[i] - z[i]));
      for (size_t i = 0; i < n; i++) {
        x[i] += alpha * (z[i] - x[i]);
        if (P[i] && x[i] <= 1e-300) { P[i] = 0; x[i] = 0; }
      }
    }
    for (size_t i = 0; i < n; i++) x[i] = P[i] ? z[i] : 0;
  }
  return 0;
}

/* ---- global fit ------------------------------------------------------- */

void gk_tamap_global_options_default(gk_tamap_global_options *o)
{
  memset(o, 0, sizeof *o);
  o->irf.kind = GK_KIN_IRF_GAUSS;
  o->irf.fwhm = 100e-15;
  o->disp_ref = NAN;
  gk_fit_options_default(&o->fit);
  /* The projected problem has a handful of well-scaled columns (rates, t0,
   * FWHM, dispersion) over 1e4..1e6 rows: the normal equations of the
   * trust-region step (Cholesky) are accurate there and cost a third of a
   * QR of the tall Jacobian (bench/bench_tamap.c: 0.12 -> 0.10 s). The
   * covariance does not depend on this choice (the fitting core factors
   * the Jacobian by SVD for it). */
  o->fit.solver = GK_FIT_SOLVER_CHOLESKY;
}

typedef struct gctx {
  const gk_tamap *const *maps;
  size_t nsets;
  const gk_tamap_scheme *s;
  const gk_tamap_global_options *o;
  int nk, nfw, ndisp;      /* parameter block sizes */
  size_t np;               /* total parameters */
  double *scale;           /* physical = internal x scale (rates in 1/ps, times in ps) */
  double *ph;              /* physical parameter work vector */
  double disp_ref;
  /* work */
  double *C;               /* nt_max * ncomp concentrations */
  double *B;               /* nt_max * ncomp basis */
  double *T;               /* nt_max shifted delays */
  /* output of the last evaluation when keep != 0 */
  int keep;
  double *amp[GK_TAMAP_MAX_SETS], *amp_se[GK_TAMAP_MAX_SETS];
  double rss_keep;
  /* basis cache: B is reused while (shift, fwhm, rates) are unchanged */
  int bvalid;
  double b_t0, b_fw, b_lam[GK_TAMAP_MAX_COMP];
  const gk_tamap *b_map;
  /* C and Gram matrix cache: valid while the basis, V and the row's mask
   * are unchanged (every wavelength of a map without dispersion) */
  int cvalid;
  double c_V[GK_TAMAP_MAX_COMP * GK_TAMAP_MAX_COMP];
  const unsigned char *c_mask;   /* mask row the cache was built for (NULL = all) */
  double c_G[64];
  /* analytic Jacobian (Gaussian or no IRF, plain least squares): work */
  const gk_param *par;     /* for the fixed flags */
  size_t npts;             /* rows of the Jacobian */
  double *jw;              /* ntmax * n * (4 + nk + 2) + 2 * ntmax doubles */
} gctx;

static double wl_shift(const gctx *g, const double *th, double wl)
{
  double x = (wl - g->disp_ref) / 100.0, s = 0, p = x;
  for (int k = 1; k <= g->ndisp; k++, p *= x) s += th[g->nk + (int)g->nsets + g->nfw + k - 1] * p;
  return s;
}

/* For one wavelength: build C (nt x n), solve the amplitudes, write
 * yhat at used points. Returns 0 or -1 (model fails). */
static int fit_trace(gctx *g, const gk_tamap *m, size_t i, const double *lam, const double *V, double t0, double fwhm,
                     double *yhat, double *amp, double *amp_se, double *rss)
{
  int n = g->s->ncomp;
  size_t nt = m->nt;
  gk_kin_irf irf = g->o->irf;
  irf.fwhm = fwhm;
  int same = g->bvalid && g->b_map == m && g->b_t0 == t0 && g->b_fw == fwhm;
  for (int j = 0; j < n && same; j++) same = g->b_lam[j] == lam[j];
  if (!same) {
    for (size_t q = 0; q < nt; q++) g->T[q] = m->t[q] - t0;
    for (int j = 0; j < n; j++) gk_kin_basis_vec(&irf, g->T, nt, 1.0 / lam[j], g->B + (size_t)j * nt);
    g->bvalid = 1;
    g->b_map = m;
    g->b_t0 = t0;
    g->b_fw = fwhm;
    memcpy(g->b_lam, lam, (size_t)n * sizeof *lam);
    g->cvalid = 0;
  }
  double G[64] = {0}, h[8] = {0};
  const double *z = m->z + i * nt;
  const unsigned char *u = m->use ? m->use + i * nt : NULL;
  int cached = g->cvalid && memcmp(g->c_V, V, (size_t)(n * n) * sizeof *V) == 0 &&
               ((!u && !g->c_mask) || (u && g->c_mask && memcmp(u, g->c_mask, nt) == 0));
  if (!cached) {
    for (size_t q = 0; q < nt; q++) {
      double *c = g->C + q * (size_t)n;
      for (int a = 0; a < n; a++) {
        double v = 0;
        for (int j = 0; j < n; j++) v += V[a * n + j] * g->B[(size_t)j * nt + q];
        c[a] = v;
      }
      if (u && !u[q]) continue;
      for (int a = 0; a < n; a++)
        for (int b = 0; b <= a; b++) G[a * n + b] += c[a] * c[b];
    }
    for (int a = 0; a < n; a++)
      for (int b = 0; b < a; b++) G[b * n + a] = G[a * n + b];
    memcpy(g->c_G, G, sizeof G);
    memcpy(g->c_V, V, (size_t)(n * n) * sizeof *V);
    g->c_mask = u;
    g->cvalid = 1;
  } else {
    memcpy(G, g->c_G, sizeof G);
  }
  for (size_t q = 0; q < nt; q++) {
    if (u && !u[q]) continue;
    const double *c = g->C + q * (size_t)n;
    for (int a = 0; a < n; a++) h[a] += c[a] * z[q];
  }
  double x[8];
  if (g->o->nnls) {
    if (gk_nnls_gram(G, h, (size_t)n, x)) return -1;
  } else {
    int P[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    if (solve_sub(G, h, (size_t)n, P, x)) return -1;
  }
  double r2 = 0;
  size_t nu = 0;
  for (size_t q = 0; q < nt; q++) {
    double v = 0;
    for (int a = 0; a < n; a++) v += g->C[q * (size_t)n + a] * x[a];
    yhat[q] = v;
    if (!u || u[q]) { r2 += (v - z[q]) * (v - z[q]); nu++; }
  }
  if (amp) memcpy(amp, x, (size_t)n * sizeof *x);
  if (amp_se) {
    /* conditional standard errors: sqrt(s2 diag(G^-1)) with s2 of this trace */
    double s2 = nu > (size_t)n ? r2 / (double)(nu - (size_t)n) : NAN;
    gsl_matrix_view Gv = gsl_matrix_view_array(G, (size_t)n, (size_t)n);
    gk_gsl_init_();  /* the one GSL-handler policy: src/core/gsl.c */
    int rc = gsl_linalg_cholesky_decomp1(&Gv.matrix);
    if (!rc) rc = gsl_linalg_cholesky_invert(&Gv.matrix);
    for (int a = 0; a < n; a++) amp_se[a] = rc ? NAN : sqrt(s2 * G[a * n + a]);
  }
  if (rss) *rss += r2;
  return 0;
}

static int gmodel(const double *thi, double *yhat, void *ctx)
{
  gctx *g = ctx;
  for (size_t q = 0; q < g->np; q++) g->ph[q] = thi[q] * g->scale[q];
  const double *th = g->ph;
  int n = g->s->ncomp;
  double lam[GK_TAMAP_MAX_COMP], V[GK_TAMAP_MAX_COMP * GK_TAMAP_MAX_COMP];
  /* a rate may reach its bound 0 (a state that does not decay within the
   * delays: its basis is the IRF-convolved step) */
  for (int r = 0; r < g->nk; r++)
    if (!(th[r] >= 0) || !isfinite(th[r])) return -1;
  if (gk_tamap_scheme_solve(g->s, th, lam, V, NULL)) return -1;
  size_t off = 0;
  double rss = 0;
  for (size_t d = 0; d < g->nsets; d++) {
    const gk_tamap *m = g->maps[d];
    if (g->o->c0_sets) {
      /* this set's initial populations: same rates, other V */
      gk_tamap_scheme sd = *g->s;
      memcpy(sd.c0, g->o->c0_sets + d * (size_t)n, (size_t)n * sizeof(double));
      if (gk_tamap_scheme_solve(&sd, th, lam, V, NULL)) return -1;
    }
    double t0 = th[g->nk + (int)d];
    double fw = g->o->irf.kind != GK_KIN_IRF_GAUSS ? 0 : th[g->nk + (int)g->nsets + (g->nfw > 1 ? (int)d : 0)];
    if (g->o->irf.kind == GK_KIN_IRF_GAUSS && !(fw > 0)) return -1;
    double *tmp = malloc(m->nt * sizeof *tmp);
    if (!tmp) return -1;
    for (size_t i = 0; i < m->nw; i++) {
      double sh = t0 + wl_shift(g, th, m->wl[i]);
      if (fit_trace(g, m, i, lam, V, sh, fw, tmp, g->keep ? g->amp[d] + i * (size_t)n : NULL,
                    g->keep ? g->amp_se[d] + i * (size_t)n : NULL, &rss)) {
        free(tmp);
        return -1;
      }
      const unsigned char *u = m->use ? m->use + i * m->nt : NULL;
      for (size_t q = 0; q < m->nt; q++)
        if (!u || u[q]) yhat[off++] = tmp[q];
    }
    free(tmp);
  }
  g->rss_keep = rss;
  return 0;
}

/* ---- analytic Jacobian of the projected problem ---------------------- */

/* yhat = P z per wavelength, P = C G^-1 C^T, G = C^T C, x = G^-1 C^T z, the
 * residual r = z - yhat. For a parameter p with dC = dC/dp (Golub and
 * Pereyra, SIAM J. Numer. Anal. 10, 413, 1973, the full form, not
 * Kaufman's approximation, so the covariance built on it is exact):
 *     d yhat = (I - P) dC x + C G^-1 dC^T r
 *            = u - C G^-1 (C^T u - dC^T r),   u = dC x.
 * dC comes from the decay basis E_j(t) = E(t - t0 - delta(lambda); lam_j,
 * sigma) (gainkit kinetics' Gaussian-convolved exponential) through
 *     dE/dt = G(t) - lam E,  dE/dlam = E (s^2 lam - t) - s^2 G(t),
 *     dE/ds = E s lam^2 - G(t) (s lam + t/s),
 * G the unit-area Gaussian; c_a = sum_j V_aj E_j, and the eigen-solution's
 * dependence on the rates (lam_j, V) by central differences of the n x n
 * eigen-problem (a few microseconds; the model itself is never
 * differenced). A wavelength-dependent shift enters like t0 times x^k. */
static int eigen_derivs(const gk_tamap_scheme *s, const double *k, int nk, double *dlam, double *dV)
{
  int n = s->ncomp;
  for (int r = 0; r < nk; r++) {
    double kk[GK_TAMAP_MAX_TRANS], lp[GK_TAMAP_MAX_COMP], lm[GK_TAMAP_MAX_COMP];
    double Vp[GK_TAMAP_MAX_COMP * GK_TAMAP_MAX_COMP], Vm[GK_TAMAP_MAX_COMP * GK_TAMAP_MAX_COMP];
    memcpy(kk, k, (size_t)nk * sizeof *kk);
    double kmax = 0;
    for (int q = 0; q < nk; q++) kmax = fmax(kmax, k[q]);
    double h = 1e-5 * (k[r] > 0 ? k[r] : 1e-3 * kmax);
    kk[r] = k[r] + h;
    if (gk_tamap_scheme_solve(s, kk, lp, Vp, NULL)) return -1;
    kk[r] = fmax(k[r] - h, 0);   /* one-sided at the bound 0 */
    if (gk_tamap_scheme_solve(s, kk, lm, Vm, NULL)) return -1;
    double dk = k[r] + h - kk[r];
    for (int j = 0; j < n; j++) dlam[r * n + j] = (lp[j] - lm[j]) / dk;
    for (int a = 0; a < n * n; a++) dV[r * n * n + a] = (Vp[a] - Vm[a]) / dk;
  }
  return 0;
}

static inline double dot_n(int n, const double *a, const double *b)
{
  switch (n) {   /* the common sizes unrolled */
  case 1: return a[0] * b[0];
  case 2: return a[0] * b[0] + a[1] * b[1];
  case 3: return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
  case 4: return a[0] * b[0] + a[1] * b[1] + a[2] * b[2] + a[3] * b[3];
  default: {
    double v = 0;
    for (int k = 0; k < n; k++) v += a[k] * b[k];
    return v;
  }
  }
}

/* One column of the projected Jacobian, first pass: u = dC x and
 * b = C^T u - dC^T r over the used points (n <= 8). */
static inline __attribute__((always_inline)) void col_pass(const int n, size_t nt, const unsigned char *use,
                                                           const double *D, const double *C, const double *x,
                                                           const double *rr, double *u, double *b)
{
  double bl[8] = {0}, w[8] = {0};
  for (size_t q = 0; q < nt; q++) {
    if (use && !use[q]) continue;
    const double *Dq = D + q * (size_t)n, *Cq = C + q * (size_t)n;
    double v = 0;
    for (int a = 0; a < n; a++) v += Dq[a] * x[a];
    u[q] = v;
    for (int a = 0; a < n; a++) {
      bl[a] += Cq[a] * v;
      w[a] += Dq[a] * rr[q];
    }
  }
  for (int a = 0; a < n; a++) b[a] = bl[a] - w[a];
}

static int gjac(const double *thi, double *J, void *ctx)
{
  gctx *g = ctx;
  const size_t np = g->np;
  for (size_t q = 0; q < np; q++) g->ph[q] = thi[q] * g->scale[q];
  const double *th = g->ph;
  const int n = g->s->ncomp, nk = g->nk;
  /* entries of other sets' t0 / FWHM columns are 0; with one set every
   * column the engine reads is written below */
  if (g->nsets > 1) memset(J, 0, g->npts * np * sizeof *J);
  for (int r = 0; r < nk; r++)
    if (!(th[r] >= 0) || !isfinite(th[r])) return -1;
  double lam[GK_TAMAP_MAX_COMP], V[GK_TAMAP_MAX_COMP * GK_TAMAP_MAX_COMP];
  double dlam[GK_TAMAP_MAX_TRANS * GK_TAMAP_MAX_COMP], dV[GK_TAMAP_MAX_TRANS * GK_TAMAP_MAX_COMP * GK_TAMAP_MAX_COMP];
  size_t ntmax = 0;
  for (size_t d = 0; d < g->nsets; d++) ntmax = g->maps[d]->nt > ntmax ? g->maps[d]->nt : ntmax;
  /* work: E, Et, Es (n x nt each), dEdlam (n x nt), C (nt x n), dC of
   * nk rates + t0 + fwhm (nt x n each), r, u (nt) */
  double *E = g->jw, *Et = E + ntmax * n, *Es = Et + ntmax * n, *El = Es + ntmax * n, *C = El + ntmax * n;
  double *dC = C + ntmax * n, *rr = dC + ntmax * n * (size_t)(nk + 2), *uu = rr + ntmax;   /* uu: (nk + 2) x nt */
  const double s_of_fw = 1.0 / (2.0 * sqrt(2.0 * M_LN2));
  size_t row = 0;
  for (size_t d = 0; d < g->nsets; d++) {
    const gk_tamap *m = g->maps[d];
    const size_t nt = m->nt;
    gk_tamap_scheme sd = *g->s;
    if (g->o->c0_sets) memcpy(sd.c0, g->o->c0_sets + d * (size_t)n, (size_t)n * sizeof(double));
    if (gk_tamap_scheme_solve(&sd, th, lam, V, NULL)) return -1;
    if (eigen_derivs(&sd, th, nk, dlam, dV)) return -1;
    const int it0 = nk + (int)d;
    const int ifw = g->nfw ? nk + (int)g->nsets + (g->nfw > 1 ? (int)d : 0) : -1;
    const double t0 = th[it0];
    const double fw = g->o->irf.kind == GK_KIN_IRF_GAUSS ? th[ifw] : 0;
    if (g->o->irf.kind == GK_KIN_IRF_GAUSS && !(fw > 0)) return -1;
    const double sg = fw * s_of_fw;
    double shc = NAN;
    double G[64];
    int gvalid = 0;   /* G's factor holds for this shift and an unmasked trace */
    for (size_t i = 0; i < m->nw; i++) {
      const double sh = t0 + wl_shift(g, th, m->wl[i]);
      const unsigned char *use = m->use ? m->use + i * nt : NULL;
      const double *z = m->z + i * nt;
      if (!(sh == shc)) {
        /* basis and its derivatives at this shift */
        for (int j = 0; j < n; j++) {
          double l = lam[j];
          for (size_t q = 0; q < nt; q++) {
            double t = m->t[q] - sh, e, gq;
            if (sg > 0) {
              double et, etau;
              gk_kin_gauss_derivs(t, 1.0 / l, sg, &e, &et, &etau);
              gq = et + l * e;   /* the Gaussian itself: dE/dt = G - lam E */
            } else {
              e = t < 0 ? 0 : exp(-l * t);
              gq = 0;
            }
            E[j * nt + q] = e;
            Et[j * nt + q] = gq - l * e;
            El[j * nt + q] = sg > 0 ? e * (sg * sg * l - t) - sg * sg * gq : (t < 0 ? 0 : -t * e);
            Es[j * nt + q] = sg > 0 ? e * sg * l * l - gq * (sg * l + t / sg) : 0;
          }
        }
        for (size_t q = 0; q < nt; q++)
          for (int a = 0; a < n; a++) {
            double c = 0, ct = 0, cs = 0;
            for (int j = 0; j < n; j++) {
              double v = V[a * n + j];
              c += v * E[j * nt + q];
              ct -= v * Et[j * nt + q];
              cs += v * Es[j * nt + q];
            }
            C[q * n + a] = c;
            dC[(size_t)nk * nt * n + q * n + a] = ct;                /* d/dt0 */
            dC[(size_t)(nk + 1) * nt * n + q * n + a] = cs * s_of_fw; /* d/dfwhm */
            for (int r = 0; r < nk; r++) {
              double cr = 0;
              for (int j = 0; j < n; j++)
                cr += dV[(r * n + a) * n + j] * E[j * nt + q] + V[a * n + j] * El[j * nt + q] * dlam[r * n + j];
              dC[(size_t)r * nt * n + q * n + a] = cr;
            }
          }
        shc = sh;
        gvalid = 0;
      }
      /* amplitudes x, residual r, and the Cholesky factor of G (kept while
       * the basis is unchanged and no point of the trace is left out) */
      double hv[8] = {0};
      int own = use != NULL || !gvalid;
      if (own) memset(G, 0, sizeof G);
      for (size_t q = 0; q < nt; q++) {
        if (use && !use[q]) continue;
        const double *c = C + q * n;
        for (int a = 0; a < n; a++) {
          hv[a] += c[a] * z[q];
          if (own)
            for (int b = 0; b <= a; b++) G[a * n + b] += c[a] * c[b];
        }
      }
      gsl_matrix_view Gv = gsl_matrix_view_array(G, (size_t)n, (size_t)n);
      gsl_vector_view hvv = gsl_vector_view_array(hv, (size_t)n);
      gk_gsl_init_();  /* the one GSL-handler policy: src/core/gsl.c */
      if (own) {
        for (int a = 0; a < n; a++)
          for (int b = 0; b < a; b++) G[b * n + a] = G[a * n + b];
        if (gsl_linalg_cholesky_decomp1(&Gv.matrix)) return -1;
        gvalid = use == NULL;
      }
      if (gsl_linalg_cholesky_svx(&Gv.matrix, &hvv.vector)) return -1;
      const double *x = hv;
      for (size_t q = 0; q < nt; q++) rr[q] = (use && !use[q]) ? 0 : z[q] - dot_n(n, C + q * n, x);
      const double xd = (m->wl[i] - g->disp_ref) / 100.0;
      /* columns: rates, t0 (and the dispersion as t0 x^k), fwhm; first
       * u = dC x and the small solves per column, then each row of J
       * written whole (J is row-major: column-wise stores would stride) */
      int cols[GK_TAMAP_MAX_TRANS + 2], ncol = 0;
      double bs[(GK_TAMAP_MAX_TRANS + 2) * 8];
      for (int col = 0; col < nk + 2; col++) {
        int pidx = col < nk ? col : col == nk ? it0 : ifw;
        if (pidx < 0) continue;
        int need = !g->par[pidx].fixed;
        if (col == nk)
          for (int k = 1; k <= g->ndisp; k++) need |= !g->par[nk + (int)g->nsets + g->nfw + k - 1].fixed;
        if (!need) continue;
        const double *D = dC + (size_t)col * nt * n;
        double *u = uu + (size_t)ncol * nt, *b = bs + ncol * 8;
        switch (n) {   /* constant n: unrolled, accumulators in registers */
        case 1: col_pass(1, nt, use, D, C, x, rr, u, b); break;
        case 2: col_pass(2, nt, use, D, C, x, rr, u, b); break;
        case 3: col_pass(3, nt, use, D, C, x, rr, u, b); break;
        case 4: col_pass(4, nt, use, D, C, x, rr, u, b); break;
        default: col_pass(n, nt, use, D, C, x, rr, u, b); break;
        }
        gsl_vector_view bv = gsl_vector_view_array(b, (size_t)n);
        if (gsl_linalg_cholesky_svx(&Gv.matrix, &bv.vector)) return -1;
        cols[ncol++] = col;
      }
      size_t rw = row;
      for (size_t q = 0; q < nt; q++) {
        if (use && !use[q]) continue;
        double *Jr = J + rw * np;
        const double *Cq = C + q * n;
        for (int c = 0; c < ncol; c++) {
          const double *b = bs + c * 8;
          double v = uu[(size_t)c * nt + q] - dot_n(n, Cq, b);
          int col = cols[c];
          if (col < nk) Jr[col] = v * g->scale[col];
          else if (col == nk + 1) Jr[ifw] = v * g->scale[ifw];
          else {
            Jr[it0] = v * g->scale[it0];
            double p = xd;
            for (int k = 1; k <= g->ndisp; k++, p *= xd) {
              int pk = nk + (int)g->nsets + g->nfw + k - 1;
              Jr[pk] = v * p * g->scale[pk];
            }
          }
        }
        rw++;
      }
      size_t nu = 0;
      for (size_t q = 0; q < nt; q++) nu += !use || use[q];
      row += nu;
    }
  }
  return 0;
}

void gk_tamap_global_result_free(gk_tamap_global_result *r)
{
  if (!r) return;
  for (size_t d = 0; d < GK_TAMAP_MAX_SETS; d++) {
    free(r->sas[d]);
    free(r->sas_se[d]);
    free(r->das[d]);
    free(r->fit[d]);
  }
  memset(r, 0, sizeof *r);
}

int gk_tamap_global_fit(const gk_tamap *const *maps, size_t nsets, const gk_tamap_scheme *s,
                        const gk_tamap_global_options *o, gk_tamap_global_result *r, gk_error *err)
{
  memset(r, 0, sizeof *r);
  if (nsets < 1 || nsets > GK_TAMAP_MAX_SETS)
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "nsets: %zu is not in 1..%d", nsets, GK_TAMAP_MAX_SETS);
  if (s->ncomp < 1 || s->ncomp > GK_TAMAP_MAX_COMP || s->ntrans < 1)
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "scheme: no compartments or transitions");
  if (o->disp_order < 0 || o->disp_order > 3)
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "disp_order: %d is not in 0..3", o->disp_order);
  /* a measured IRF: checked, and its time axis moved so that its centroid
   * is at 0 (t0 is then the time of the response's centroid, as for the
   * centre of the Gaussian) */
  gk_tamap_global_options oc;
  double *irf_tc = NULL;
  if (o->irf.kind == GK_KIN_IRF_MEASURED) {
    if (gk_kin_irf_check(&o->irf, NULL) != GK_OK)
      return gk_error_set(err, GK_EUSAGE, NULL, 0, "irf: the measured IRF needs >= 2 samples, increasing times, positive area");
    double sw = 0, st = 0;
    for (size_t q = 1; q < o->irf.n; q++) {
      double w = o->irf.t[q] - o->irf.t[q - 1], ya = o->irf.y[q - 1], yb = o->irf.y[q];
      sw += 0.5 * (ya + yb) * w;
      st += 0.5 * (ya * o->irf.t[q - 1] + yb * o->irf.t[q]) * w;
    }
    irf_tc = malloc(o->irf.n * sizeof *irf_tc);
    if (!irf_tc) return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
    for (size_t q = 0; q < o->irf.n; q++) irf_tc[q] = o->irf.t[q] - st / sw;
    oc = *o;
    oc.irf.t = irf_tc;
    o = &oc;
  }
  if (o->irf.kind == GK_KIN_IRF_GAUSS && !(o->irf.fwhm > 0))
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "irf.fwhm: must be > 0");
  int n = s->ncomp;
  gctx g = {0};
  g.maps = maps;
  g.nsets = nsets;
  g.s = s;
  g.o = o;
  g.nk = s->ntrans;
  g.nfw = o->irf.kind != GK_KIN_IRF_GAUSS ? 0 : o->irf_per_set ? (int)nsets : 1;
  g.ndisp = o->disp_order;
  g.np = (size_t)g.nk + nsets + (size_t)g.nfw + (size_t)g.ndisp;
  size_t ntmax = 0, npts = 0;
  double wsum = 0;
  size_t wn = 0;
  for (size_t d = 0; d < nsets; d++) {
    const gk_tamap *m = maps[d];
    if (m->nt > ntmax) ntmax = m->nt;
    for (size_t i = 0; i < m->nw; i++) {
      wsum += m->wl[i];
      wn++;
      for (size_t q = 0; q < m->nt; q++) npts += !m->use || m->use[i * m->nt + q];
    }
  }
  g.disp_ref = isfinite(o->disp_ref) ? o->disp_ref : wsum / (double)wn;
  if (npts <= g.np + (size_t)n * wn) {
    free(irf_tc);
    return gk_error_set(err, GK_EINPUT, maps[0]->path, 0, "global fit: %zu points for %zu parameters", npts,
                        g.np + (size_t)n * wn);
  }
  double *y = malloc(npts * sizeof *y);
  g.C = malloc(ntmax * (size_t)n * sizeof *g.C);
  g.B = malloc(ntmax * (size_t)n * sizeof *g.B);
  g.T = malloc(ntmax * sizeof *g.T);
  gk_param *par = calloc(g.np, sizeof *par);
  g.scale = malloc(g.np * sizeof *g.scale);
  g.ph = malloc(g.np * sizeof *g.ph);
  char (*names)[32] = calloc(g.np, sizeof *names);
  if (!y || !g.C || !g.B || !g.T || !par || !names || !g.scale || !g.ph) {
    free(y); free(g.C); free(g.B); free(g.T); free(par); free(names); free(g.scale); free(g.ph); free(irf_tc);
    return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  }
  size_t off = 0;
  for (size_t d = 0; d < nsets; d++) {
    const gk_tamap *m = maps[d];
    for (size_t i = 0; i < m->nw; i++)
      for (size_t q = 0; q < m->nt; q++)
        if (!m->use || m->use[i * m->nt + q]) y[off++] = m->z[i * m->nt + q];
  }
  size_t p = 0;
  for (int k = 0; k < g.nk; k++, p++) {
    snprintf(names[p], sizeof names[p], "k%d", k);
    g.scale[p] = 1e12;
    par[p] = (gk_param){names[p], "ps^-1", s->tr[k].k / 1e12, 0, INFINITY, s->tr[k].fixed};
  }
  for (size_t d = 0; d < nsets; d++, p++) {
    snprintf(names[p], sizeof names[p], "t0_%zu", d);
    g.scale[p] = 1e-12;
    par[p] = (gk_param){names[p], "ps", o->t0[d] / 1e-12, -INFINITY, INFINITY, o->t0_fixed};
  }
  for (int k = 0; k < g.nfw; k++, p++) {
    snprintf(names[p], sizeof names[p], "fwhm_%d", k);
    g.scale[p] = 1e-12;
    par[p] = (gk_param){names[p], "ps", o->irf.fwhm / 1e-12, 0, INFINITY, o->fwhm_fixed};
  }
  for (int k = 1; k <= g.ndisp; k++, p++) {
    snprintf(names[p], sizeof names[p], "disp_%d", k);
    g.scale[p] = 1e-12;
    par[p] = (gk_param){names[p], "ps", o->disp[k] / 1e-12, -INFINITY, INFINITY, o->disp_fixed};
  }
  gk_fit_problem fp = {0};
  fp.n = npts;
  fp.p = g.np;
  fp.y = y;
  fp.weighting = GK_WEIGHT_NONE;
  fp.model = gmodel;
  /* the analytic Jacobian of the projected problem where it applies (a
   * Gaussian or no IRF, plain least squares), else central differences */
  g.par = par;
  g.npts = npts;
  if (o->irf.kind != GK_KIN_IRF_MEASURED && !o->nnls && !o->fd_jacobian) {
    g.jw = malloc((ntmax * (size_t)n * (size_t)(7 + g.nk) + ntmax * (size_t)(g.nk + 3)) * sizeof *g.jw);
    if (g.jw) fp.jac = gjac;
  }
  fp.ctx = &g;
  fp.param = par;
  gk_fit_result fr;
  gk_fit_workspace *ws = gk_fit_alloc(NULL, &o->fit, npts, g.np);
  int rc = ws ? gk_fit_run(ws, &fp, &fr, err) : gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  if (rc) goto out;
  for (int k = 0; k < GK_TAMAP_MAX_TRANS; k++) r->k_lo[k] = r->k_hi[k] = NAN;
  if (o->profile && fr.converged) {
    /* profile intervals of the free rates: chi2 may rise by chi2/dof, the
     * dof counting the spectra too (they are fitted) */
    size_t dof = npts > fr.n_free + (size_t)n * wn ? npts - fr.n_free - (size_t)n * wn : 0;
    double level = fr.chi2 + (dof ? fr.chi2 / (double)dof : NAN);
    double *best = malloc(g.np * sizeof *best);
    if (best && isfinite(level)) {
      memcpy(best, fr.value, g.np * sizeof *best);
      gk_param *pp = calloc(g.np, sizeof *pp);
      if (pp) {
        memcpy(pp, par, g.np * sizeof *pp);
        for (size_t q = 0; q < g.np; q++) pp[q].init = best[q];
        gk_fit_problem f3 = fp;
        f3.param = pp;
        double kmax = 0;
        for (int k = 0; k < g.nk; k++) kmax = fmax(kmax, best[k]);
        for (int k = 0; k < g.nk; k++) {
          if (par[k].fixed) continue;
          double se = fr.se[k], lo = NAN, hi = NAN;
          /* a rate at 0: the search upwards starts at its standard error,
           * else at 1e-6 of the fastest rate */
          double z = isfinite(se) && se > 0 ? se : 1e-6 * (kmax > 0 ? kmax : 1);
          gk_fit_profile_side(ws, &f3, best, (size_t)k, level, se, -1, z, &lo);
          gk_fit_profile_side(ws, &f3, best, (size_t)k, level, se, +1, z, &hi);
          r->k_lo[k] = lo * g.scale[k];
          r->k_hi[k] = hi * g.scale[k];
        }
        r->profiled = 1;
        free(pp);
      }
    }
    free(best);
  }
  for (size_t q = 0; q < g.np; q++) {
    fr.value[q] *= g.scale[q];
    fr.se[q] *= g.scale[q];
    for (size_t q2 = 0; q2 < g.np; q2++) fr.cov[q * g.np + q2] *= g.scale[q] * g.scale[q2];
  }
  /* final evaluation keeping the spectra (gmodel takes internal units) */
  g.keep = 1;
  for (size_t d = 0; d < nsets; d++) {
    const gk_tamap *m = maps[d];
    r->nw[d] = m->nw;
    r->sas[d] = malloc(m->nw * (size_t)n * sizeof(double));
    r->sas_se[d] = malloc(m->nw * (size_t)n * sizeof(double));
    r->das[d] = malloc(m->nw * (size_t)n * sizeof(double));
    r->fit[d] = malloc(m->nw * m->nt * sizeof(double));
    g.amp[d] = r->sas[d];
    g.amp_se[d] = r->sas_se[d];
    if (!r->sas[d] || !r->sas_se[d] || !r->das[d] || !r->fit[d]) {
      rc = gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
      gk_fit_result_free(&fr);
      goto out;
    }
  }
  double *yh = malloc(npts * sizeof *yh);
  double *thi = malloc(g.np * sizeof *thi);
  if (thi)
    for (size_t q = 0; q < g.np; q++) thi[q] = fr.value[q] / g.scale[q];
  int mrc = yh && thi ? gmodel(thi, yh, &g) : -1;
  free(thi);
  if (mrc) {
    free(yh);
    gk_fit_result_free(&fr);
    rc = gk_error_set(err, GK_EDOM, NULL, 0, "global fit: the model failed at the optimum");
    goto out;
  }
  free(yh);
  r->ncomp = n;
  r->ntrans = s->ntrans;
  r->nsets = nsets;
  for (int k = 0; k < g.nk; k++) { r->k[k] = fr.value[k]; r->k_se[k] = fr.se[k]; }
  {
    gk_tamap_scheme s0 = *s;
    if (o->c0_sets) memcpy(s0.c0, o->c0_sets, (size_t)n * sizeof(double));
    gk_tamap_scheme_solve(&s0, r->k, r->lam, r->V, NULL);
  }
  /* se of the eigen-rates by the delta method (central differences in k) */
  for (int j = 0; j < n; j++) {
    double var = 0;
    double gr[GK_TAMAP_MAX_TRANS] = {0};
    for (int k = 0; k < g.nk; k++) {
      double kk[GK_TAMAP_MAX_TRANS], lp[GK_TAMAP_MAX_COMP], lm[GK_TAMAP_MAX_COMP], Vt[GK_TAMAP_MAX_COMP * GK_TAMAP_MAX_COMP];
      memcpy(kk, r->k, sizeof kk);
      double h = 1e-6 * (r->k[k] > 0 ? r->k[k] : 1e12);   /* a rate at its bound 0: 1e-6 /ps */
      kk[k] = r->k[k] + h;
      int e1 = gk_tamap_scheme_solve(s, kk, lp, Vt, NULL);
      kk[k] = fmax(r->k[k] - h, 0);   /* one-sided at the bound */
      int e2 = gk_tamap_scheme_solve(s, kk, lm, Vt, NULL);
      gr[k] = (e1 || e2) ? NAN : (lp[j] - lm[j]) / (r->k[k] + h - kk[k]);
    }
    for (int a = 0; a < g.nk; a++)
      for (int b = 0; b < g.nk; b++) var += gr[a] * gr[b] * fr.cov[(size_t)a * g.np + (size_t)b];
    r->lam_se[j] = fr.cov_ok ? sqrt(fmax(var, 0)) : NAN;
  }
  for (size_t d = 0; d < nsets; d++) {
    r->t0[d] = fr.value[g.nk + (int)d];
    r->t0_se[d] = fr.se[g.nk + (int)d];
    int fi = g.nfw > 1 ? (int)d : 0;
    r->fwhm[d] = g.nfw ? fr.value[g.nk + (int)nsets + fi] : 0;
    r->fwhm_se[d] = g.nfw ? fr.se[g.nk + (int)nsets + fi] : 0;
    const gk_tamap *m = maps[d];
    double Vd[GK_TAMAP_MAX_COMP * GK_TAMAP_MAX_COMP], ld[GK_TAMAP_MAX_COMP];
    memcpy(Vd, r->V, sizeof Vd);
    if (o->c0_sets) {
      gk_tamap_scheme sd = *s;
      memcpy(sd.c0, o->c0_sets + d * (size_t)n, (size_t)n * sizeof(double));
      gk_tamap_scheme_solve(&sd, r->k, ld, Vd, NULL);
    }
    for (size_t i = 0; i < m->nw; i++)
      for (int j = 0; j < n; j++) {
        double v = 0;
        for (int a = 0; a < n; a++) v += r->sas[d][i * (size_t)n + a] * Vd[a * n + j];
        r->das[d][i * (size_t)n + j] = v;
      }
  }
  r->disp_ref = g.disp_ref;
  for (int k = 1; k <= g.ndisp; k++) {
    r->disp[k] = fr.value[g.nk + (int)nsets + g.nfw + k - 1];
    r->disp_se[k] = fr.se[g.nk + (int)nsets + g.nfw + k - 1];
  }
  /* model maps (NaN at unused points) */
  off = 0;
  for (size_t d = 0; d < nsets; d++) {
    const gk_tamap *m = maps[d];
    for (size_t i = 0; i < m->nw; i++)
      for (size_t q = 0; q < m->nt; q++) {
        int used = !m->use || m->use[i * m->nt + q];
        r->fit[d][i * m->nt + q] = used ? fr.yhat[off++] : NAN;
      }
  }
  r->chi2 = fr.chi2;
  r->npoints = npts;
  r->dof = npts > fr.n_free + (size_t)n * wn ? npts - fr.n_free - (size_t)n * wn : 0;
  r->rms = sqrt(fr.chi2 / (double)npts);
  r->converged = fr.converged;
  r->cov_ok = fr.cov_ok;
  snprintf(r->reason, sizeof r->reason, "%s", fr.reason);
  gk_fit_result_free(&fr);
out:
  gk_fit_free(ws);
  free(g.jw);
  free(y);
  free(g.C);
  free(g.B);
  free(g.T);
  free(g.scale);
  free(g.ph);
  free(par);
  free(names);
  free(irf_tc);
  if (rc) gk_tamap_global_result_free(r);
  return rc;
}

/* ---- cross-section from a fluence series ------------------------------ */

typedef struct sctx { const double *f; size_t n; double hnu; } sctx;

static int smodel(const double *th, double *yhat, void *ctx)
{
  const sctx *c = ctx;
  for (size_t i = 0; i < c->n; i++) yhat[i] = th[1] * -expm1(-th[0] * 1e-15 * c->f[i] / c->hnu);
  return 0;
}

int gk_tamap_sigma_run(const double *fluence, const double *signal, size_t n, double photon_ev,
                       gk_tamap_sigma_fit *f, gk_error *err)
{
  memset(f, 0, sizeof *f);
  if (n < 3) return gk_error_set(err, GK_EINPUT, NULL, 0, "cross-section fit: needs >= 3 fluences (got %zu)", n);
  if (!(photon_ev > 0)) return gk_error_set(err, GK_EUSAGE, NULL, 0, "photon_ev: must be > 0");
  double fmax_ = 0, smax = 0;
  for (size_t i = 0; i < n; i++) {
    if (!(fluence[i] > 0)) return gk_error_set(err, GK_EINPUT, NULL, 0, "fluence %zu is not > 0", i + 1);
    if (fabs(signal[i]) > fabs(smax)) smax = signal[i];
    fmax_ = fmax(fmax_, fluence[i]);
  }
  sctx c = {fluence, n, photon_ev * GK_Q_E};
  /* sigma in units of 1e-15 cm^2; start where <N> = 1 at the middle of the series */
  double s0 = c.hnu / (0.5 * fmax_) / 1e-15;
  gk_param par[2] = {{"sigma", "1e-15 cm2", s0, 0, INFINITY, 0}, {"s_inf", NULL, smax, -INFINITY, INFINITY, 0}};
  double starts[6] = {s0 * 10, smax, s0 * 0.1, smax * 3, s0 * 100, smax};
  gk_fit_problem fp = {0};
  fp.n = n;
  fp.p = 2;
  fp.y = signal;
  fp.model = smodel;
  fp.ctx = &c;
  fp.param = par;
  fp.starts = starts;
  fp.n_starts = 3;
  gk_fit_options fo;
  gk_fit_options_default(&fo);
  gk_fit_result fr;
  int rc = gk_fit(&fp, &fo, &fr, err);
  if (rc) return rc;
  f->sigma = fr.value[0] * 1e-15;
  f->sigma_se = fr.se[0] * 1e-15;
  f->s_inf = fr.value[1];
  f->s_inf_se = fr.se[1];
  f->chi2_red = fr.chi2_red;
  f->converged = fr.converged;
  double fmin_ = fluence[0];
  for (size_t i = 1; i < n; i++) fmin_ = fmin(fmin_, fluence[i]);
  f->saturated = -expm1(-f->sigma * fmin_ / c.hnu) >= 0.95;
  snprintf(f->reason, sizeof f->reason, "%s", fr.reason);
  gk_fit_result_free(&fr);
  return GK_OK;
}
