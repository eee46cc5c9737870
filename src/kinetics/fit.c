/* Multi-exponential fits: single or global (shared lifetimes, per-trace
 * amplitudes and offsets), automatic starting values from a lifetime grid,
 * and the number of components by AICc. Everything nonlinear goes through
 * the engine (src/fit): variable projection over (t0, tau) by its
 * structured driver and multi-start policy, its finisher for the
 * covariance, and the dense driver gk_fit where those decline. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_multifit.h>

#include "gainkit/kinetics.h"
#include "kinetics_internal.h"
#include "fit/vp.h"
#include "fit/structured.h"
#include "fit/finish.h"
#include "core/core_internal.h"

void gk_kin_options_default(gk_kin_options *o)
{
  memset(o, 0, sizeof *o);
  o->ncomp = 1;
  o->t0 = NAN;
  gk_fit_options_default(&o->fit);
  /* Cholesky on J^T J + damping: the trust-region subproblem in O(n p^2)
   * without the column-pivoted QR of the tall Jacobian at every iteration
   * (a third of the instructions of a global fit with QR); the damped
   * normal matrix is positive definite, and the final covariance comes
   * from the engine's SVD, not from this solver. */
  o->fit.solver = GK_FIT_SOLVER_CHOLESKY;
}

/* ---- parameter layout ------------------------------------------------------
 * theta = [t0, tau_1..tau_m, trace 0: A_1..A_m (c), trace 1: ...] */
static size_t np_trace(int m, int off) { return (size_t)m + (off ? 1 : 0); }
static size_t idx_tau(int i) { return 1 + (size_t)i; }
static size_t idx_amp(int m, int off, size_t k, int i) { return 1 + (size_t)m + k * np_trace(m, off) + (size_t)i; }
static size_t idx_off(int m, int off, size_t k) { return 1 + (size_t)m + k * np_trace(m, off) + (size_t)m; }

struct kctx {
  const gk_kin_data *d;
  const gk_kin_irf *irf;
  int m, off;
  double *q;               /* n times relative to t0 */
  double *G;               /* n: the Gaussian IRF at q */
  double *E, *Et, *Etau;   /* m*n basis values and derivatives */
  /* E (and derivatives, with have_d) are those of (t0, tau) in key when
   * valid: the solver asks for the Jacobian at the point whose residuals
   * it has just evaluated, so the basis is computed once for both */
  int valid, have_d;
  double key[1 + GK_KIN_MAX_COMPONENTS];
};

/* Basis values (and, with derivs, dE/dt and dE/dtau) at the current t0, tau. */
static int eval_basis(struct kctx *c, const double *theta, int derivs)
{
  const size_t n = c->d->n;
  double t0 = theta[0];
  if (c->valid && (c->have_d || !derivs)) {
    int same = c->key[0] == t0;
    for (int i = 0; i < c->m && same; i++) same = c->key[1 + i] == theta[idx_tau(i)];
    if (same) return 0;
  }
  c->valid = 0;
  for (size_t j = 0; j < n; j++) c->q[j] = c->d->t[j] - t0;
  const double s = c->irf->kind == GK_KIN_IRF_GAUSS ? gk_kin_sigma_of_fwhm(c->irf->fwhm) : 0;
  /* the IRF at every point, shared by the components' derivatives */
  if (c->irf->kind == GK_KIN_IRF_GAUSS)
    for (size_t j = 0; j < n; j++) c->G[j] = gk_kin_gauss_pdf(c->q[j], s);
  for (int i = 0; i < c->m; i++) {
    double tau = theta[idx_tau(i)];
    if (!(tau > 0) || !isfinite(tau)) return 1;
    double *E = c->E + (size_t)i * n, *Et = c->Et + (size_t)i * n, *Eu = c->Etau + (size_t)i * n;
    if (c->irf->kind == GK_KIN_IRF_GAUSS) {
      /* as gk_kin_gauss_derivs: dE/dt = G - E/tau, and dE/dtau from the
       * closed form (the erfc terms collapse onto G) */
      const double it = 1 / tau, it2 = it * it, s2 = s * s;
      for (size_t j = 0; j < n; j++) {
        double e = gk_kin_gauss_e(c->q[j], tau, s), g = c->G[j];
        E[j] = e;
        Et[j] = g - e * it;
        Eu[j] = e * (c->q[j] * it2 - s2 * it2 * it) + s2 * g * it2;
      }
      continue;
    }
    if (gk_kin_basis_vec(c->irf, c->q, n, tau, E) != GK_OK) return 1;
    if (!derivs) continue;
    if (c->irf->kind == GK_KIN_IRF_NONE) {
      /* t0 is held (the jump at t0 has no derivative); only tau moves */
      for (size_t j = 0; j < n; j++) {
        Et[j] = c->q[j] < 0 ? 0 : -E[j] / tau;
        Eu[j] = c->q[j] < 0 ? 0 : E[j] * c->q[j] / (tau * tau);
      }
      continue;
    }
    /* measured IRF: dE/dt = irf(t)/area - E/tau exactly; dE/dtau by a
     * central difference of the exact convolution */
    for (size_t j = 0; j < n; j++) Et[j] = gk_kin_irf_value(c->irf, c->q[j]) - E[j] / tau;
    double h = 1e-5 * tau;
    double *tmp = malloc(2 * n * sizeof *tmp);
    if (!tmp) return 1;
    gk_kin_basis_vec(c->irf, c->q, n, tau + h, tmp);
    gk_kin_basis_vec(c->irf, c->q, n, tau - h, tmp + n);
    for (size_t j = 0; j < n; j++) Eu[j] = (tmp[j] - tmp[n + j]) / (2 * h);
    free(tmp);
  }
  for (size_t j = 0; j < (size_t)c->m * n; j++)
    if (!isfinite(c->E[j])) return 1;
  c->valid = 1;
  c->have_d = derivs || c->irf->kind == GK_KIN_IRF_GAUSS;
  c->key[0] = t0;
  for (int i = 0; i < c->m; i++) c->key[1 + i] = theta[idx_tau(i)];
  return 0;
}

static int model_fn(const double *theta, double *yhat, void *ctx)
{
  struct kctx *c = ctx;
  if (eval_basis(c, theta, 0)) return 1;
  const size_t n = c->d->n;
  for (size_t k = 0; k < c->d->ntrace; k++)
    for (size_t j = 0; j < n; j++) {
      double v = c->off ? theta[idx_off(c->m, c->off, k)] : 0;
      for (int i = 0; i < c->m; i++) v += theta[idx_amp(c->m, c->off, k, i)] * c->E[(size_t)i * n + j];
      yhat[k * n + j] = v;
    }
  return 0;
}

static int jac_fn(const double *theta, double *J, void *ctx)
{
  struct kctx *c = ctx;
  if (eval_basis(c, theta, 1)) return 1;
  const size_t n = c->d->n, K = c->d->ntrace;
  const size_t p = 1 + (size_t)c->m + K * np_trace(c->m, c->off);
  memset(J, 0, n * K * p * sizeof *J);
  for (size_t k = 0; k < K; k++)
    for (size_t j = 0; j < n; j++) {
      double *row = J + (k * n + j) * p;
      for (int i = 0; i < c->m; i++) {
        double A = theta[idx_amp(c->m, c->off, k, i)];
        size_t ij = (size_t)i * n + j;
        row[0] -= A * c->Et[ij];             /* E(t - t0): d/dt0 = -dE/dt */
        row[idx_tau(i)] = A * c->Etau[ij];
        row[idx_amp(c->m, c->off, k, i)] = c->E[ij];
      }
      if (c->off) row[idx_off(c->m, c->off, k)] = 1;
    }
  return 0;
}

/* Linear least squares of every trace on the basis E (m*n) (+ offset):
 * the amplitudes (K*(m+off), NULL if unwanted) and the total chi2. */
static int linear_amps(const gk_kin_data *d, const double *E, int m, int off, double *amp,
                       double *chi2_out)
{
  const size_t n = d->n, q = np_trace(m, off);
  if (n < q) return GK_EUSAGE;
  gsl_matrix *X = gsl_matrix_alloc(n, q), *cov = gsl_matrix_alloc(q, q);
  gsl_vector *y = gsl_vector_alloc(n), *w = gsl_vector_alloc(n), *b = gsl_vector_alloc(q);
  gsl_multifit_linear_workspace *ws = gsl_multifit_linear_alloc(n, q);
  int rc = GK_OK;
  if (!X || !cov || !y || !w || !b || !ws) { rc = GK_ENOMEM; goto out; }
  for (size_t j = 0; j < n; j++) {
    for (int i = 0; i < m; i++) gsl_matrix_set(X, j, (size_t)i, E[(size_t)i * n + j]);
    if (off) gsl_matrix_set(X, j, (size_t)m, 1.0);
  }
  double total = 0;
  for (size_t k = 0; k < d->ntrace; k++) {
    for (size_t j = 0; j < n; j++) {
      gsl_vector_set(y, j, d->y[k * n + j]);
      double s = d->sigma ? d->sigma[k * n + j] : 1.0;
      gsl_vector_set(w, j, 1.0 / (s * s));
    }
    double chi2;
    /* the SVD solver copes with nearly collinear candidate lifetimes */
    if (gsl_multifit_wlinear(X, w, y, b, cov, &chi2, ws) != 0) { rc = GK_EDOM; goto out; }
    total += chi2;
    if (amp)
      for (size_t i = 0; i < q; i++) amp[k * q + i] = gsl_vector_get(b, i);
  }
  *chi2_out = total;
out:
  gsl_matrix_free(X);
  gsl_matrix_free(cov);
  gsl_vector_free(y);
  gsl_vector_free(w);
  gsl_vector_free(b);
  gsl_multifit_linear_free(ws);
  return rc;
}

static double min_step(const gk_kin_data *d)
{
  double h = INFINITY;
  for (size_t j = 1; j < d->n; j++)
    if (d->t[j] - d->t[j - 1] > 0 && d->t[j] - d->t[j - 1] < h) h = d->t[j] - d->t[j - 1];
  return h;
}

double gk_kin_guess_t0(const gk_kin_data *d)
{
  double base = d->y[0], ext = 0;
  for (size_t j = 0; j < d->n; j++)
    if (fabs(d->y[j] - base) > fabs(ext)) ext = d->y[j] - base;
  for (size_t j = 0; j < d->n; j++)
    if (fabs(d->y[j] - base) >= 0.5 * fabs(ext)) return d->t[j];
  return d->t[0];
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

enum { GRID = 48 };

int gk_kin_guess(const gk_kin_data *d, const gk_kin_irf *irf, double t0, int ncomp, int offset,
                 double *tau_out, gk_error *err)
{
  gk_gsl_init_();
  const size_t n = d->n;
  double span = d->t[n - 1] - d->t[0], lo = 0.5 * min_step(d), hi = 3 * span;
  if (!(span > 0) || !(lo < hi))
    return gk_error_set(err, GK_EINPUT, NULL, 0, "the time axis does not span a positive interval");
  double grid[GRID];
  /* the grid's basis columns, then a constant column for the offset */
  double *gb = malloc((size_t)(GRID + 1) * n * sizeof *gb), *q = malloc(n * sizeof *q);
  double *w = d->sigma ? malloc(d->ntrace * n * sizeof *w) : NULL;
  int pick[GK_KIN_MAX_COMPONENTS];
  gk_vp_dict vp = {0};
  int rc = GK_OK;
  if (!gb || !q || (d->sigma && !w)) { rc = gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory"); goto out; }
  for (size_t j = 0; j < n; j++) q[j] = d->t[j] - t0;
  for (int g = 0; g < GRID; g++) {
    grid[g] = lo * pow(hi / lo, (double)g / (GRID - 1));
    gk_kin_basis_vec(irf, q, n, grid[g], gb + (size_t)g * n);
  }
  for (size_t j = 0; j < n; j++) gb[(size_t)GRID * n + j] = 1.0;
  if (w)
    for (size_t j = 0; j < d->ntrace * n; j++) w[j] = 1.0 / (d->sigma[j] * d->sigma[j]);
  /* Candidates are scored by variable projection of the amplitudes on the
   * precomputed Gram matrix of the grid (src/fit/vp.h): a few-by-few
   * Cholesky per candidate instead of a least-squares solve. */
  if (gk_vp_dict_init(&vp, gb, GRID + 1, n, d->y, w, d->ntrace) != 0) {
    rc = gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
    goto out;
  }
  /* Greedy: add the grid lifetime that lowers chi2 most, then one pass of
   * re-choosing each lifetime with the others held (fixes an early pick
   * that only suited a single component). */
  for (int pass = 0; pass < 2; pass++) {
    for (int c = 0; c < ncomp; c++) {
      int used = pass ? ncomp : c + 1;
      double best = INFINITY;
      int bestg = -1;
      for (int g = 0; g < GRID; g++) {
        int dup = 0;
        for (int o = 0; o < used; o++) if (o != c && pick[o] == g) dup = 1;
        if (dup) continue;
        pick[c] = g;
        if (n < (size_t)used + (offset ? 1 : 0)) continue;
        size_t cols[GK_KIN_MAX_COMPONENTS + 1];
        for (int o = 0; o < used; o++) cols[o] = (size_t)pick[o];
        if (offset) cols[used] = GRID;
        double chi2 = gk_vp_chi2(&vp, cols, (size_t)used + (offset ? 1 : 0));
        if (chi2 < best) { best = chi2; bestg = g; }
      }
      if (bestg < 0) { rc = gk_error_set(err, GK_EDOM, NULL, 0, "no starting lifetimes found"); goto out; }
      pick[c] = bestg;
    }
  }
  for (int c = 0; c < ncomp; c++) tau_out[c] = grid[pick[c]];
  qsort(tau_out, (size_t)ncomp, sizeof *tau_out, cmp_double);
out:
  gk_vp_dict_free(&vp);
  free(gb);
  free(q);
  free(w);
  return rc;
}

/* Weighted-average lifetimes of trace 0 as functions of theta, for the
 * delta method. */
struct avg_ctx { int m, off, intensity; };
static double avg_tau(const double *theta, void *ctx)
{
  const struct avg_ctx *a = ctx;
  double num = 0, den = 0;
  for (int i = 0; i < a->m; i++) {
    double A = theta[idx_amp(a->m, a->off, 0, i)], tau = theta[idx_tau(i)];
    num += a->intensity ? A * tau * tau : A * tau;
    den += a->intensity ? A * tau : A;
  }
  return num / den;
}

static void result_alloc(gk_kin_result *r, size_t K, size_t n, int m)
{
  r->amp = calloc(K * (size_t)m, sizeof *r->amp);
  r->amp_se = calloc(K * (size_t)m, sizeof *r->amp_se);
  r->frac = calloc(K * (size_t)m, sizeof *r->frac);
  r->off = calloc(K, sizeof *r->off);
  r->off_se = calloc(K, sizeof *r->off_se);
  r->yhat = calloc(K * n, sizeof *r->yhat);
  r->resid = calloc(K * n, sizeof *r->resid);
}

void gk_kin_result_free(gk_kin_result *r)
{
  if (!r) return;
  free(r->amp);
  free(r->amp_se);
  free(r->frac);
  free(r->off);
  free(r->off_se);
  free(r->yhat);
  free(r->resid);
  r->amp = r->amp_se = r->frac = r->off = r->off_se = r->yhat = r->resid = NULL;
}

/* ---- variable projection ----------------------------------------------------
 * The amplitudes (and offsets) enter linearly: for given (t0, tau) they
 * are the weighted linear least-squares solution, so the search runs over
 * the 1 + m nonlinear parameters only (Golub & Pereyra, SIAM J. Numer.
 * Anal. 1973), with Kaufman's approximation of the projected Jacobian
 * (BIT 1975): d r / d phi ~ (I - P) (dB/dphi) a, P the weighted projector
 * onto the basis. The engine's structured Levenberg–Marquardt driver
 * (src/fit/structured.h) moves u = (t0 / ts, log tau_1..m): every state is
 * a small Gram matrix per trace (one for all traces without weights), its
 * Cholesky factor and a (1 + m)-column Jacobian. The optimum is the full
 * problem's; the engine's finisher (src/fit/finish.h) then gives every
 * parameter's covariance from the full Jacobian there. */
struct vps {
  struct kctx *c;
  size_t n, K, q, nu;
  int t0_free;
  double t0, ts;           /* t0 when held; the time unit of u[0] */
  double *amp;             /* K*q amplitudes at the state */
  double *R;               /* (weights ? K : 1) Cholesky factors q*q of B^T W B */
  double *sw;              /* K*n sqrt weights 1/sigma, or NULL */
  double *r;               /* K*n weighted residuals (model - y) / sigma */
  double *J;               /* nu columns of K*n: the projected Jacobian in u */
  double *v;               /* n scratch */
  const double *col[GK_KIN_MAX_COMPONENTS + 1]; /* the basis columns (E, then 1 for the offset) */
  double t0ref;            /* u[0] = 1 + (t0 - t0ref) / ts */
  int explicit_j;          /* form J column by column (tests: both routes agree) */
  double *ones;            /* n: the offset column */
  double JTJ[(1 + GK_KIN_MAX_COMPONENTS) * (1 + GK_KIN_MAX_COMPONENTS)], JTr[1 + GK_KIN_MAX_COMPONENTS];
  double phi[1 + GK_KIN_MAX_COMPONENTS]; /* t0, tau of the state */
  double u[1 + GK_KIN_MAX_COMPONENTS];
};

/* Solve R R^T x = b in place (R lower, q x q). */
static void vp_solve(const double *R, size_t q, double *x)
{
  for (size_t i = 0; i < q; i++) {
    double s = x[i];
    for (size_t l = 0; l < i; l++) s -= R[i * q + l] * x[l];
    x[i] = s / R[i * q + i];
  }
  for (size_t i = q; i-- > 0;) {
    double s = x[i];
    for (size_t l = i + 1; l < q; l++) s -= R[l * q + i] * x[l];
    x[i] = s / R[i * q + i];
  }
}

static void vp_phi(const struct vps *v, const double *u, double *phi)
{
  size_t o = 0;
  phi[0] = v->t0_free ? v->t0ref + (u[o++] - 1) * v->ts : v->t0;
  for (int i = 0; i < v->c->m; i++) phi[1 + i] = exp(u[o++]);
}


/* sum_j w_j^2 a_j b_j */
static inline double vdotw(const double *restrict w, const double *restrict a, const double *restrict b, size_t n)
{
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  size_t j = 0;
  for (; j + 4 <= n; j += 4) {
    s0 += w[j] * w[j] * a[j] * b[j];
    s1 += w[j + 1] * w[j + 1] * a[j + 1] * b[j + 1];
    s2 += w[j + 2] * w[j + 2] * a[j + 2] * b[j + 2];
    s3 += w[j + 3] * w[j + 3] * a[j + 3] * b[j + 3];
  }
  for (; j < n; j++) s0 += w[j] * w[j] * a[j] * b[j];
  return (s0 + s1) + (s2 + s3);
}

/* Gram matrix of the basis with weights sw^2 (NULL: 1), Cholesky in place. */
static int vp_gram(const struct vps *v, const double *sw, double *R)
{
  const size_t n = v->n, q = v->q;
  for (size_t i = 0; i < q; i++)
    for (size_t l = 0; l <= i; l++) {
      const double *a = v->col[i], *b = v->col[l];
      R[i * q + l] = sw ? vdotw(sw, a, b, n) : gk_fit_vdot(a, b, n);
    }
  for (size_t i = 0; i < q; i++)
    for (size_t l = 0; l <= i; l++) {
      double s = R[i * q + l];
      for (size_t t = 0; t < l; t++) s -= R[i * q + t] * R[l * q + t];
      if (i == l) {
        if (!(s > 1e-13 * R[i * q + i]) || !isfinite(s)) return 1; /* collinear basis */
        R[i * q + i] = sqrt(s);
      } else {
        R[i * q + l] = s / R[l * q + l];
      }
    }
  return 0;
}

/* b = B^T W x (q values) */
static void vp_btw(const struct vps *v, const double *sw, const double *x, double *b)
{
  const size_t n = v->n;
  for (size_t i = 0; i < v->q; i++) {
    b[i] = sw ? vdotw(sw, v->col[i], x, n) : gk_fit_vdot(v->col[i], x, n);
  }
}

/* chi2 of the projection at u; the state (basis, amplitudes, residuals)
 * is that of u afterwards. */
static double vp_eval(void *ctx, const double *u)
{
  struct vps *v = ctx;
  struct kctx *c = v->c;
  const size_t n = v->n, q = v->q;
  double phi[1 + GK_KIN_MAX_COMPONENTS];
  vp_phi(v, u, phi);
  memcpy(v->u, u, v->nu * sizeof *u);
  memcpy(v->phi, phi, sizeof phi);
  if (eval_basis(c, phi, c->irf->kind == GK_KIN_IRF_GAUSS)) return INFINITY;
  if (!v->sw && vp_gram(v, NULL, v->R)) return INFINITY;
  double chi2 = 0;
  for (size_t k = 0; k < v->K; k++) {
    const double *y = c->d->y + k * n, *sw = v->sw ? v->sw + k * n : NULL;
    double *R = v->sw ? v->R + k * q * q : v->R, *a = v->amp + k * q;
    if (sw && vp_gram(v, sw, R)) return INFINITY;
    vp_btw(v, sw, y, a);
    vp_solve(R, q, a);
    double *r = v->r + k * n;
    for (size_t j = 0; j < n; j++) r[j] = -y[j];
    for (size_t i = 0; i < q; i++) {
      const double *b = v->col[i], ai = a[i];
      for (size_t j = 0; j < n; j++) r[j] += ai * b[j];
    }
    if (sw)
      for (size_t j = 0; j < n; j++) r[j] *= sw[j];
    chi2 += gk_fit_vdot(r, r, n);
  }
  return isfinite(chi2) ? chi2 : INFINITY;
}

/* J^T J and J^T r of the projected Jacobian (Kaufman) at the state. */
/* sum_j w_j a_j b_j */
static inline double vdot1w(const double *restrict w, const double *restrict a, const double *restrict b, size_t n)
{
  double s0 = 0, s1 = 0;
  size_t j = 0;
  for (; j + 2 <= n; j += 2) {
    s0 += w[j] * a[j] * b[j];
    s1 += w[j + 1] * a[j + 1] * b[j + 1];
  }
  for (; j < n; j++) s0 += w[j] * a[j] * b[j];
  return s0 + s1;
}

/* The normal equations from Gram matrices, without forming J. Every
 * column of the unprojected Jacobian is a combination X c of the 2m
 * derivative columns X = (dE_i/dt, dE_i/dtau) (coefficients from the
 * amplitudes), so with the weighted products XX = X^T W X, XB = X^T W B
 * (one set for all traces without weights) and R R^T = B^T W B:
 *   J_a^T J_b = c_a^T XX c_b - (R^-1 XB^T c_a) . (R^-1 XB^T c_b),
 *   J_a^T r   = c_a^T X^T W (B a - y)   (B^T W (B a - y) = 0).
 * Returns 1 when the subtraction cancels to fewer than ~6 digits (the
 * columns nearly in the span of the basis): the caller then forms J. */
static int vp_normal_gram(struct vps *v)
{
  struct kctx *c = v->c;
  const size_t n = v->n, q = v->q, nu = v->nu, m = (size_t)c->m, nx = 2 * m;
  enum { MX = 2 * GK_KIN_MAX_COMPONENTS };
  const double *X[MX];
  double XX[MX * MX], XB[MX * (GK_KIN_MAX_COMPONENTS + 1)], Xr[MX];
  double C[(1 + GK_KIN_MAX_COMPONENTS) * MX], W[(1 + GK_KIN_MAX_COMPONENTS) * (GK_KIN_MAX_COMPONENTS + 1)];
  for (size_t i = 0; i < m; i++) {
    X[i] = c->Et + i * n;
    X[m + i] = c->Etau + i * n;
  }
  memset(v->JTJ, 0, sizeof v->JTJ);
  memset(v->JTr, 0, sizeof v->JTr);
  for (size_t k = 0; k < v->K; k++) {
    const double *sw = v->sw ? v->sw + k * n : NULL, *r = v->r + k * n, *a = v->amp + k * q;
    const double *R = v->sw ? v->R + k * q * q : v->R;
    if (k == 0 || sw)
      for (size_t i = 0; i < nx; i++) {
        for (size_t l = 0; l <= i; l++) XX[i * nx + l] = XX[l * nx + i] = sw ? vdotw(sw, X[i], X[l], n) : gk_fit_vdot(X[i], X[l], n);
        for (size_t l = 0; l < q; l++) XB[i * q + l] = sw ? vdotw(sw, X[i], v->col[l], n) : gk_fit_vdot(X[i], v->col[l], n);
      }
    /* r holds sw (B a - y) */
    for (size_t i = 0; i < nx; i++) Xr[i] = sw ? vdot1w(sw, X[i], r, n) : gk_fit_vdot(X[i], r, n);
    for (size_t l = 0; l < nu; l++) {
      size_t pl = v->t0_free ? l : l + 1;
      double *cl = C + l * nx, *wl = W + l * q;
      memset(cl, 0, nx * sizeof *cl);
      if (pl == 0)
        for (size_t i = 0; i < m; i++) cl[i] = -a[i] * v->ts;
      else
        cl[m + pl - 1] = a[pl - 1] * v->phi[pl];
      /* w = R^-1 XB^T c (forward substitution, R lower) */
      for (size_t i = 0; i < q; i++) {
        double s = 0;
        for (size_t t = 0; t < nx; t++) s += XB[t * q + i] * cl[t];
        for (size_t t = 0; t < i; t++) s -= R[i * q + t] * wl[t];
        wl[i] = s / R[i * q + i];
      }
      double jr = 0;
      for (size_t t = 0; t < nx; t++) jr += cl[t] * Xr[t];
      v->JTr[l] += jr;
    }
    for (size_t a2 = 0; a2 < nu; a2++)
      for (size_t b = 0; b <= a2; b++) {
        const double *ca = C + a2 * nx, *cb = C + b * nx;
        double dd = 0, ww = 0;
        for (size_t i = 0; i < nx; i++) {
          if (ca[i] == 0) continue;
          for (size_t l = 0; l < nx; l++) dd += ca[i] * XX[i * nx + l] * cb[l];
        }
        for (size_t i = 0; i < q; i++) ww += W[a2 * q + i] * W[b * q + i];
        if (a2 == b && !(dd - ww > 1e-6 * dd)) return 1;
        v->JTJ[a2 * nu + b] += dd - ww;
      }
  }
  for (size_t a2 = 0; a2 < nu; a2++)
    for (size_t b = 0; b < a2; b++) v->JTJ[b * nu + a2] = v->JTJ[a2 * nu + b];
  return 0;
}

static void vp_normal(void *ctx)
{
  struct vps *v = ctx;
  struct kctx *c = v->c;
  const size_t n = v->n, q = v->q, nu = v->nu, N = v->K * n;
  if (eval_basis(c, v->phi, 1)) {
    /* cannot happen at a state eval accepted (the basis was finite there);
     * a zero Jacobian makes every step fail and the driver stop */
    memset(v->JTJ, 0, sizeof v->JTJ);
    memset(v->JTr, 0, sizeof v->JTr);
    return;
  }
  if (!v->explicit_j && vp_normal_gram(v) == 0) return;
  for (size_t l = 0; l < nu; l++) {
    /* phi index and chain factor d phi / d u */
    size_t pl = v->t0_free ? l : l + 1;
    double dphi = pl == 0 ? v->ts : v->phi[pl];
    for (size_t k = 0; k < v->K; k++) {
      const double *a = v->amp + k * q, *sw = v->sw ? v->sw + k * n : NULL;
      const double *R = v->sw ? v->R + k * q * q : v->R;
      double *vv = v->v, *Jc = v->J + l * N + k * n;
      /* (dB/dphi_l) a */
      if (pl == 0) {
        for (size_t j = 0; j < n; j++) vv[j] = 0;
        for (int i = 0; i < c->m; i++) {
          const double *Et = c->Et + (size_t)i * n, ai = -a[i] * dphi;
          for (size_t j = 0; j < n; j++) vv[j] += ai * Et[j];
        }
      } else {
        const double *Eu = c->Etau + (pl - 1) * n, ai = a[pl - 1] * dphi;
        for (size_t j = 0; j < n; j++) vv[j] = ai * Eu[j];
      }
      /* minus its weighted projection onto the basis */
      double z[GK_KIN_MAX_COMPONENTS + 1];
      vp_btw(v, sw, vv, z);
      vp_solve(R, q, z);
      for (size_t j = 0; j < n; j++) Jc[j] = vv[j];
      for (size_t i = 0; i < q; i++) {
        const double *b = v->col[i], zi = z[i];
        for (size_t j = 0; j < n; j++) Jc[j] -= zi * b[j];
      }
      if (sw)
        for (size_t j = 0; j < n; j++) Jc[j] *= sw[j];
    }
  }
  for (size_t a = 0; a < nu; a++) {
    const double *Ja = v->J + a * N;
    for (size_t b = 0; b <= a; b++) v->JTJ[a * nu + b] = v->JTJ[b * nu + a] = gk_fit_vdot(Ja, v->J + b * N, N);
    v->JTr[a] = gk_fit_vdot(Ja, v->r, N);
  }
}

/* Marquardt's damped Gauss–Newton step: (J^T J + lambda diag) dx = J^T r. */
static int vp_step(void *ctx, double lambda, double *dx)
{
  struct vps *v = ctx;
  const size_t nu = v->nu;
  double M[(1 + GK_KIN_MAX_COMPONENTS) * (1 + GK_KIN_MAX_COMPONENTS)], dmax = 0;
  for (size_t i = 0; i < nu; i++) dmax = fmax(dmax, v->JTJ[i * nu + i]);
  if (!(dmax > 0) || !isfinite(dmax)) return -1;
  memcpy(M, v->JTJ, nu * nu * sizeof *M);
  for (size_t i = 0; i < nu; i++) M[i * nu + i] += lambda * fmax(v->JTJ[i * nu + i], 1e-15 * dmax);
  for (size_t i = 0; i < nu; i++)
    for (size_t l = 0; l <= i; l++) {
      double s = M[i * nu + l];
      for (size_t t = 0; t < l; t++) s -= M[i * nu + t] * M[l * nu + t];
      if (i == l) {
        if (!(s > 0) || !isfinite(s)) return -1;
        M[i * nu + i] = sqrt(s);
      } else {
        M[i * nu + l] = s / M[l * nu + l];
      }
    }
  memcpy(dx, v->JTr, nu * sizeof *dx);
  vp_solve(M, nu, dx);
  for (size_t i = 0; i < nu; i++)
    if (!isfinite(dx[i])) return -1;
  return 0;
}

static const gk_sfit_ops vp_ops = {vp_eval, vp_normal, vp_step, NULL, NULL, NULL};

/* Step test of the projection stage (see fit_m). */
#define VP_XTOL 1e-8

/* At the state: is the residual orthogonal to every column of the
 * projected Jacobian (cosine below 1e-6)? The first-order condition of a
 * minimum, scale-free. */
static int vp_stationary(struct vps *v)
{
  vp_normal(v);
  double rr = 0;
  const size_t N = v->K * v->n;
  for (size_t i = 0; i < N; i++) rr += v->r[i] * v->r[i];
  for (size_t a = 0; a < v->nu; a++)
    if (!(fabs(v->JTr[a]) <= 1e-6 * sqrt(v->JTJ[a * v->nu + a] * rr))) return 0;
  return 1;
}

static void vp_teardown(struct vps *v)
{
  free(v->amp);
  free(v->R);
  free(v->r);
  free(v->J);
  free(v->v);
  free(v->sw);
  free(v->ones);
  memset(v, 0, sizeof *v);
}

/* The projection stage of the basis context c (its E, Et, Etau allocated):
 * t0 held at t0 or free (then u[0] = 1 + (t0' - t0) / ts). 0, or -1. */
static int vp_setup(struct vps *v, struct kctx *c, int t0_fixed, double t0)
{
  const gk_kin_data *d = c->d;
  const size_t n = d->n, K = d->ntrace, q = np_trace(c->m, c->off);
  memset(v, 0, sizeof *v);
  v->c = c;
  v->n = n;
  v->K = K;
  v->q = q;
  v->t0_free = !t0_fixed;
  v->t0 = v->t0ref = t0;
  v->ts = c->irf->kind == GK_KIN_IRF_GAUSS ? gk_kin_sigma_of_fwhm(c->irf->fwhm) : min_step(d);
  v->nu = (size_t)c->m + (v->t0_free ? 1 : 0);
  v->amp = calloc(K * q, sizeof *v->amp);
  v->R = calloc((d->sigma ? K : 1) * q * q, sizeof *v->R);
  v->r = calloc(K * n, sizeof *v->r);
  v->J = calloc(v->nu * K * n, sizeof *v->J);
  v->v = calloc(n, sizeof *v->v);
  v->sw = d->sigma ? malloc(K * n * sizeof *v->sw) : NULL;
  v->ones = malloc(n * sizeof *v->ones);
  if (!v->amp || !v->R || !v->r || !v->J || !v->v || !v->ones || (d->sigma && !v->sw) || !isfinite(v->ts) ||
      !(v->ts > 0)) {
    vp_teardown(v);
    return -1;
  }
  for (size_t j = 0; j < n; j++) v->ones[j] = 1.0;
  if (v->sw)
    for (size_t j = 0; j < K * n; j++) v->sw[j] = 1.0 / d->sigma[j];
  for (int i = 0; i < c->m; i++) v->col[i] = c->E + (size_t)i * n;
  v->col[c->m] = v->ones;
  return 0;
}

int gk_kin_vp_probe(const gk_kin_data *d, const gk_kin_options *o, const double *phi, double *out)
{
  const int m = o->ncomp;
  const size_t n = d->n;
  if (m < 1 || m > GK_KIN_MAX_COMPONENTS) return -1;
  struct kctx c = {d, &o->irf, m, o->offset, NULL, NULL, NULL, NULL, NULL, 0, 0, {0}};
  c.q = malloc(2 * n * sizeof *c.q);
  c.E = malloc(3 * (size_t)m * n * sizeof *c.E);
  struct vps v;
  int rc = -1;
  if (!c.q || !c.E) goto out;
  c.G = c.q + n;
  c.Et = c.E + (size_t)m * n;
  c.Etau = c.Et + (size_t)m * n;
  int t0_fixed = o->irf.kind == GK_KIN_IRF_NONE || o->t0_fixed;
  if (vp_setup(&v, &c, t0_fixed, phi[0]) != 0) goto out;
  const size_t nu = v.nu;
  double u[1 + GK_KIN_MAX_COMPONENTS], uh[1 + GK_KIN_MAX_COMPONENTS];
  size_t k0 = 0;
  if (v.t0_free) u[k0++] = 1;
  for (int i = 0; i < m; i++) u[k0++] = log(phi[1 + i]);
  out[0] = vp_eval(&v, u);
  for (int route = 0; route < 2; route++) {
    v.explicit_j = route;
    vp_eval(&v, u);
    vp_normal(&v);
    double *jtr = out + 1 + (size_t)route * (nu + nu * nu), *jtj = jtr + nu;
    memcpy(jtr, v.JTr, nu * sizeof *jtr);
    memcpy(jtj, v.JTJ, nu * nu * sizeof *jtj);
  }
  double *g = out + 1 + 2 * (nu + nu * nu);
  for (size_t k = 0; k < nu; k++) {
    const double h = 1e-5;
    memcpy(uh, u, nu * sizeof *uh);
    uh[k] = u[k] + h;
    double fp = vp_eval(&v, uh);
    uh[k] = u[k] - h;
    double fm = vp_eval(&v, uh);
    g[k] = (fp - fm) / (4 * h);  /* d (chi2 / 2) / du */
  }
  rc = (int)nu;
  vp_teardown(&v);
out:
  free(c.q);
  free(c.E);
  return rc;
}

static int fit_m(const gk_kin_data *d, const gk_kin_options *o, int m, gk_kin_result *res,
                 gk_error *err)
{
  const size_t n = d->n, K = d->ntrace, q = np_trace(m, o->offset);
  const size_t p = 1 + (size_t)m + K * q;
  const gk_kin_irf *irf = &o->irf;
  int t0_fixed = irf->kind == GK_KIN_IRF_NONE || o->t0_fixed;
  double t0 = o->t0;
  if (isnan(t0)) t0 = irf->kind == GK_KIN_IRF_NONE ? 0.0 : gk_kin_guess_t0(d);
  double tau[GK_KIN_MAX_COMPONENTS];
  int rc;
  if (o->tau_init) {
    for (int i = 0; i < m; i++) {
      if (!(o->tau_init[i] > 0))
        return gk_error_option(err, "tau_init", "starting lifetimes must be positive");
      tau[i] = o->tau_init[i];
    }
  } else if ((rc = gk_kin_guess(d, irf, t0, m, o->offset, tau, err)) != GK_OK) {
    return rc;
  }
  struct kctx c = {d, irf, m, o->offset, NULL, NULL, NULL, NULL, NULL, 0, 0, {0}};
  c.q = malloc(2 * n * sizeof *c.q);
  c.E = malloc(3 * (size_t)m * n * sizeof *c.E);
  gk_param *par = calloc(p, sizeof *par);
  char (*names)[48] = calloc(p, sizeof *names);
  double *theta = calloc(p, sizeof *theta), *amp = calloc(K * q, sizeof *amp);
  double *starts = calloc(2 * p, sizeof *starts);
  gk_fit_result fr;
  memset(&fr, 0, sizeof fr);
  if (!c.q || !c.E || !par || !names || !theta || !amp || !starts) {
    rc = gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
    goto out;
  }
  c.G = c.q + n;
  c.Et = c.E + (size_t)m * n;
  c.Etau = c.Et + (size_t)m * n;
  theta[0] = t0;
  for (int i = 0; i < m; i++) theta[idx_tau(i)] = tau[i];
  if (eval_basis(&c, theta, 0)) { rc = gk_error_set(err, GK_EDOM, NULL, 0, "model is not finite at the start"); goto out; }
  if (n < q) {
    rc = gk_error_set(err, GK_EUSAGE, NULL, 0, "too few points for %d components", m);
    goto out;
  }
  snprintf(names[0], sizeof names[0], "t0");
  par[0] = (gk_param){names[0], "s", t0, -INFINITY, INFINITY, t0_fixed};
  for (int i = 0; i < m; i++) {
    snprintf(names[idx_tau(i)], sizeof names[0], "tau%d", i + 1);
    par[idx_tau(i)] = (gk_param){names[idx_tau(i)], "s", tau[i], 0, INFINITY, 0};
  }
  for (size_t k = 0; k < K; k++) {
    for (int i = 0; i < m; i++) {
      size_t ix = idx_amp(m, o->offset, k, i);
      snprintf(names[ix], sizeof names[0], "A%zu_%d", k + 1, i + 1);
      par[ix] = (gk_param){names[ix], NULL, 0, -INFINITY, INFINITY, 0};
    }
    if (o->offset) {
      size_t ix = idx_off(m, o->offset, k);
      snprintf(names[ix], sizeof names[0], "c%zu", k + 1);
      par[ix] = (gk_param){names[ix], NULL, 0, -INFINITY, INFINITY, 0};
    }
  }
  /* Two more starts with the lifetimes spread apart and pulled together:
   * the grid guess can land two components on one side of a true one. */
  for (int s = 0; s < 2; s++) {
    double *st = starts + (size_t)s * p;
    for (size_t k = 0; k < p; k++) {
      st[k] = par[k].init;
      if (k >= 1 && k <= (size_t)m) st[k] *= s ? 1.5 : 0.7;
    }
  }
  gk_fit_problem prob = {.n = n * K, .p = p, .y = d->y, .sigma = d->sigma,
                         .weighting = d->sigma ? GK_WEIGHT_SIGMA : GK_WEIGHT_NONE,
                         .model = model_fn, .jac = jac_fn, .ctx = &c, .param = par,
                         .starts = starts, .n_starts = 2, .refine = 3};
  /* Stage 1: variable projection over (t0, tau) from the three starts by
   * the engine's structured driver and its one multi-start policy (ranked
   * by chi2 at the start, fits from the best first, stop when two agree);
   * stage 2: the engine's finisher at that optimum (Gauss–Newton polish
   * and the covariance of every parameter from the full Jacobian). Should
   * either stage fail, the full problem is fitted from the starts by the
   * dense driver, as before. */
  int vok = 0;
  {
    struct vps v;
    gk_sfit_workspace *sws = gk_sfit_alloc((size_t)m + (t0_fixed ? 0 : 1));
    if (vp_setup(&v, &c, t0_fixed, t0) == 0 && sws) {
      double yy = 0;
      for (size_t j = 0; j < K * n; j++) {
        double w = v.sw ? d->y[j] * v.sw[j] : d->y[j];
        yy += w * w;
      }
      enum { NS = 3 };
      double us[NS][1 + GK_KIN_MAX_COMPONENTS], score[NS], best_u[1 + GK_KIN_MAX_COMPONENTS];
      size_t order[NS];
      for (size_t s = 0; s < NS; s++) {
        const double *th = s ? starts + (s - 1) * p : NULL;
        size_t o2 = 0;
        if (v.t0_free) us[s][o2++] = 1 + ((th ? th[0] : par[0].init) - v.t0ref) / v.ts;
        for (int i = 0; i < m; i++) {
          double ti = th ? th[idx_tau(i)] : par[idx_tau(i)].init;
          us[s][o2++] = ti > 0 ? log(ti) : NAN;
        }
        double sc = vp_eval(&v, us[s]);
        score[s] = isnan(sc) ? INFINITY : sc;
        size_t k = s; /* stable insertion: ascending score */
        while (k > 0 && score[order[k - 1]] > score[s]) { order[k] = order[k - 1]; k--; }
        order[k] = s;
      }
      gk_ms_policy pol = {.agree = 2, .agree_rel = 1e-9, .target = INFINITY};
      gk_ms ms;
      gk_ms_begin(&ms, &pol);
      /* The step test is looser than the engine's 1e-12: the finisher's
       * Gauss–Newton steps on the full Jacobian take a point within 1e-8
       * of the optimum the rest of the way in one step, while the driver
       * would spend ~40 rejected trials at the rounding floor before its
       * damping ceiling says so. A stop that is not a minimum (a tiny
       * step under heavy damping) is caught by the gradient test below. */
      gk_sfit_control ctl = {.max_iter = o->fit.max_iter, .xtol = fmax(o->fit.xtol, VP_XTOL),
                             .chi2_zero = 1e-28 * yy, .dof = (double)(K * n) - (double)p};
      gk_sfit_report best = {0};
      for (size_t t = 0; t < NS && !gk_ms_done(&ms); t++) {
        const size_t s = order[t];
        if (!isfinite(score[s]) && t > 0) break;
        double uu[1 + GK_KIN_MAX_COMPONENTS];
        memcpy(uu, us[s], v.nu * sizeof *uu);
        gk_sfit_report rep = gk_sfit_run(sws, &vp_ops, &v, uu, &ctl);
        if (rep.converged && !vp_stationary(&v)) {
          /* stopped short of a minimum: on with the engine's own step test */
          gk_sfit_control tight = ctl;
          tight.xtol = o->fit.xtol;
          rep = gk_sfit_run(sws, &vp_ops, &v, uu, &tight);
        }
        if (gk_ms_record(&ms, s, isfinite(rep.chi2), rep.converged, rep.chi2,
                         !rep.converged && rep.iter >= ctl.max_iter)) {
          best = rep;
          memcpy(best_u, uu, v.nu * sizeof *uu);
        }
      }
      /* A lifetime that ran off far beyond the time window (a component
       * the data do not resolve: its column flattens into a step and
       * log tau drifts without end) is pulled back to 1e3 such windows
       * and left to the dense driver, as before this stage existed: its
       * bound transform stops the drift where the covariance still gives
       * the other components' standard errors. */
      int runaway = 0, ok = ms.have && best.converged && isfinite(vp_eval(&v, best_u));
      const double cap = 1e3 * GK_KIN_TAU_MAX_WINDOWS * (d->t[n - 1] - d->t[0]);
      for (int i = 0; ok && i < m; i++)
        if (!(v.phi[1 + i] <= cap)) {
          runaway = 1;
          best_u[v.nu - (size_t)m + (size_t)i] = log(cap);
        }
      if (ok && runaway) ok = isfinite(vp_eval(&v, best_u));
      if (ok) {
        for (size_t k = 0; k <= (size_t)m; k++) theta[k] = v.phi[k];
        for (size_t k = 0; k < K; k++) {
          for (int i = 0; i < m; i++) theta[idx_amp(m, o->offset, k, i)] = v.amp[k * q + (size_t)i];
          if (o->offset) theta[idx_off(m, o->offset, k)] = v.amp[k * q + (size_t)m];
        }
        char why[160];
        snprintf(why, sizeof why, "%s (variable projection)", best.reason);
        vok = !runaway && gk_fit_finish(&prob, theta, 1, why, &fr, NULL) == GK_OK;
        if (!vok) {
          /* the dense driver from that optimum (it handles what the
           * finisher does not, e.g. a lifetime at its bound) */
          for (size_t k = 0; k < p; k++) par[k].init = theta[k];
          gk_fit_problem polish = prob;
          polish.starts = NULL;
          polish.n_starts = 0;
          polish.refine = 0;
          vok = gk_fit(&polish, &o->fit, &fr, NULL) == GK_OK;
          if (vok && !fr.converged) {
            gk_fit_result_free(&fr);
            vok = 0;
          }
          for (size_t k = 0; k <= (size_t)m; k++) par[k].init = k ? tau[k - 1] : t0;
        }
      }
    }
    gk_sfit_free(sws);
    vp_teardown(&v);
  }
  if (!vok) {
    /* The full problem from the starts, each with its amplitudes projected
     * at its lifetimes so that it is as good as its lifetimes allow. */
    double c2;
    theta[0] = t0;
    for (int i = 0; i < m; i++) theta[idx_tau(i)] = tau[i];
    if (eval_basis(&c, theta, 0) || (rc = linear_amps(d, c.E, m, o->offset, amp, &c2)) != GK_OK) {
      rc = gk_error_set(err, rc ? rc : GK_EDOM, NULL, 0, "too few points for %d components", m);
      goto out;
    }
    for (size_t k = 0; k < K; k++) {
      for (int i = 0; i < m; i++) par[idx_amp(m, o->offset, k, i)].init = amp[k * q + (size_t)i];
      if (o->offset) par[idx_off(m, o->offset, k)].init = amp[k * q + (size_t)m];
    }
    for (int s = 0; s < 2; s++) {
      double *st = starts + (size_t)s * p;
      for (size_t k = 1 + (size_t)m; k < p; k++) st[k] = par[k].init;
      if (eval_basis(&c, st, 0) == 0 && linear_amps(d, c.E, m, o->offset, amp, &c2) == GK_OK)
        for (size_t k = 0; k < K; k++) {
          for (int i = 0; i < m; i++) st[idx_amp(m, o->offset, k, i)] = amp[k * q + (size_t)i];
          if (o->offset) st[idx_off(m, o->offset, k)] = amp[k * q + (size_t)m];
        }
    }
    if ((rc = gk_fit(&prob, &o->fit, &fr, err)) != GK_OK) goto out;
  }

  /* order the components by lifetime */
  int ord[GK_KIN_MAX_COMPONENTS];
  for (int i = 0; i < m; i++) ord[i] = i;
  for (int i = 1; i < m; i++)
    for (int j = i; j > 0 && fr.value[idx_tau(ord[j])] < fr.value[idx_tau(ord[j - 1])]; j--) {
      int t = ord[j]; ord[j] = ord[j - 1]; ord[j - 1] = t;
    }
  memset(res, 0, sizeof *res);
  result_alloc(res, K, n, m);
  if (!res->amp || !res->amp_se || !res->frac || !res->off || !res->off_se || !res->yhat || !res->resid) {
    gk_kin_result_free(res);
    rc = gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
    goto out;
  }
  res->ncomp = m;
  res->offset = o->offset;
  res->ntrace = K;
  res->n = n;
  res->t0 = fr.value[0];
  res->t0_se = fr.se[0];
  for (int i = 0; i < m; i++) {
    res->tau[i] = fr.value[idx_tau(ord[i])];
    res->tau_se[i] = fr.se[idx_tau(ord[i])];
  }
  for (size_t k = 0; k < K; k++) {
    double sum = 0;
    for (int i = 0; i < m; i++) {
      size_t ix = idx_amp(m, o->offset, k, ord[i]);
      res->amp[k * (size_t)m + (size_t)i] = fr.value[ix];
      res->amp_se[k * (size_t)m + (size_t)i] = fr.se[ix];
      sum += fr.value[ix];
    }
    for (int i = 0; i < m; i++) res->frac[k * (size_t)m + (size_t)i] = res->amp[k * (size_t)m + (size_t)i] / sum;
    if (o->offset) {
      res->off[k] = fr.value[idx_off(m, o->offset, k)];
      res->off_se[k] = fr.se[idx_off(m, o->offset, k)];
    }
  }
  for (size_t j = 0; j < n * K; j++) {
    res->yhat[j] = fr.yhat[j];
    res->resid[j] = d->y[j] - fr.yhat[j];
  }
  struct avg_ctx ac = {m, o->offset, 0};
  res->tau_amp = avg_tau(fr.value, &ac);
  res->tau_amp_se = gk_fit_derived_se(&fr, avg_tau, &ac);
  ac.intensity = 1;
  res->tau_int = avg_tau(fr.value, &ac);
  res->tau_int_se = gk_fit_derived_se(&fr, avg_tau, &ac);
  res->chi2 = fr.chi2;
  res->chi2_red = fr.chi2_red;
  res->aicc = fr.aicc;
  res->dof = fr.dof;
  res->converged = fr.converged && fr.cov_ok;
  /* the solver's reason, and why a converged fit still counts as failed */
  snprintf(res->reason, sizeof res->reason, "%s", fr.cov_ok ? fr.reason
           : "covariance singular: components not resolved");
  for (int i = 0; i <= GK_KIN_MAX_COMPONENTS; i++) res->aicc_by_n[i] = NAN;
  res->aicc_by_n[m] = fr.aicc;
out:
  gk_fit_result_free(&fr);
  free(c.q);
  free(c.E);
  free(par);
  free(names);
  free(theta);
  free(amp);
  free(starts);
  return rc;
}

static int check_data(const gk_kin_data *d, gk_error *err)
{
  if (!d || d->n < 3 || d->ntrace < 1 || !d->t || !d->y)
    return gk_error_set(err, GK_EINPUT, NULL, 0, "need at least 3 time points and one trace");
  for (size_t j = 0; j < d->n; j++) {
    if (!isfinite(d->t[j])) return gk_error_set(err, GK_EINPUT, NULL, 0, "time %zu is not finite", j + 1);
    if (j && !(d->t[j] > d->t[j - 1]))
      return gk_error_set(err, GK_EINPUT, NULL, 0, "times must increase (point %zu)", j + 1);
  }
  for (size_t j = 0; j < d->n * d->ntrace; j++) {
    if (!isfinite(d->y[j])) return gk_error_set(err, GK_EINPUT, NULL, 0, "value %zu is not finite", j + 1);
    if (d->sigma && !(d->sigma[j] > 0))
      return gk_error_set(err, GK_EINPUT, NULL, 0, "uncertainty %zu must be positive", j + 1);
  }
  /* a trace with one value throughout has no decay: every lifetime fits it
   * equally (amplitude zero) and the fractions are 0/0 */
  for (size_t k = 0; k < d->ntrace; k++) {
    const double *y = d->y + k * d->n;
    size_t j = 1;
    while (j < d->n && y[j] == y[0]) j++;
    if (j == d->n)
      return gk_error_set(err, GK_EINPUT, NULL, 0, "trace %zu is constant (every value %g): no decay to fit",
                          k + 1, y[0]);
  }
  return GK_OK;
}

int gk_kin_degenerate(const gk_kin_data *d, const gk_kin_result *r, char *why, size_t why_size)
{
  double window = d->t[d->n - 1] - d->t[0];
  for (int i = 0; i < r->ncomp; i++) {
    if (!(r->tau[i] <= GK_KIN_TAU_MAX_WINDOWS * window)) {
      if (why)
        snprintf(why, why_size, "lifetime %d (%.3g s) beyond %g times the %.3g s time window", i + 1,
                 r->tau[i], (double)GK_KIN_TAU_MAX_WINDOWS, window);
      return 1;
    }
    /* an amplitude within two standard errors of zero in every trace: the
     * component is not in the data */
    int seen = 0;
    for (size_t k = 0; k < r->ntrace; k++) {
      double a = r->amp[k * (size_t)r->ncomp + (size_t)i], se = r->amp_se[k * (size_t)r->ncomp + (size_t)i];
      if (isfinite(se) && fabs(a) > 2 * se) seen = 1;
    }
    if (!seen) {
      if (why)
        snprintf(why, why_size, "amplitude %d (%.3g) consistent with zero (within 2 standard errors)", i + 1,
                 r->amp[i]);
      return 1;
    }
  }
  return 0;
}

int gk_kin_fit(const gk_kin_data *d, const gk_kin_options *o, gk_kin_result *res, gk_error *err)
{
  gk_gsl_init_();
  int rc = check_data(d, err);
  if (rc) return rc;
  if ((rc = gk_kin_irf_check(&o->irf, err)) != GK_OK) return rc;
  if (o->ncomp < 0 || o->ncomp > GK_KIN_MAX_COMPONENTS)
    return gk_error_option(err, "ncomp", "must be 1 to %d or auto", GK_KIN_MAX_COMPONENTS);
  if (o->ncomp > 0) return fit_m(d, o, o->ncomp, res, err);

  /* auto: fit 1..4 and keep the lowest AICc among fits that converged with
   * a regular covariance (an unresolved extra component cannot win) */
  gk_kin_result cand[GK_KIN_MAX_COMPONENTS + 1];
  int have[GK_KIN_MAX_COMPONENTS + 1] = {0}, degenerate[GK_KIN_MAX_COMPONENTS + 1] = {0};
  char why[GK_KIN_MAX_COMPONENTS + 1][120];
  double aicc[GK_KIN_MAX_COMPONENTS + 1];
  int best = 0;
  for (int m = 1; m <= GK_KIN_MAX_COMPONENTS; m++) {
    aicc[m] = NAN;
    size_t p = 1 + (size_t)m + d->ntrace * np_trace(m, o->offset);
    if (p + 1 >= d->n * d->ntrace) break;   /* AICc needs n > k + 1 */
    gk_error e2;
    gk_error_clear(&e2);
    if (fit_m(d, o, m, &cand[m], &e2) != GK_OK) continue;
    have[m] = 1;
    aicc[m] = cand[m].aicc;
    /* a component far outside the time window or with an amplitude
     * consistent with zero is not resolved by the data: that fit cannot
     * win whatever its AICc (a 26 788 s lifetime on a 100 ns trace) */
    degenerate[m] = gk_kin_degenerate(d, &cand[m], why[m], sizeof why[m]);
    if (cand[m].converged && !degenerate[m] && (!best || aicc[m] < aicc[best])) best = m;
  }
  int fallback = !best;
  if (!best)
    for (int m = 1; m <= GK_KIN_MAX_COMPONENTS; m++)
      if (have[m] && !degenerate[m] && (!best || aicc[m] < aicc[best])) best = m;
  if (!best)
    for (int m = 1; m <= GK_KIN_MAX_COMPONENTS; m++)
      if (have[m] && (!best || aicc[m] < aicc[best])) best = m;
  if (!best) return gk_error_set(err, GK_ENOCONV, NULL, 0, "no multi-exponential fit succeeded");
  *res = cand[best];
  res->auto_chosen = 1;
  int len = snprintf(res->choice, sizeof res->choice, "%d component%s: lowest AICc (%.4g)%s", best,
                     best > 1 ? "s" : "", aicc[best],
                     fallback ? (degenerate[best] ? " of all fits; none is resolved" : " of all fits; none converged") : "");
  for (int m = 1; m <= GK_KIN_MAX_COMPONENTS; m++) {
    res->aicc_by_n[m] = aicc[m];
    if (m == best || !have[m] || len >= (int)sizeof res->choice) continue;
    len += snprintf(res->choice + len, sizeof res->choice - (size_t)len, "; %d: dAICc %+.3g%s%s", m,
                    aicc[m] - aicc[best], cand[m].converged ? "" : " (not converged)",
                    degenerate[m] ? " (rejected: " : "");
    if (degenerate[m] && len < (int)sizeof res->choice)
      len += snprintf(res->choice + len, sizeof res->choice - (size_t)len, "%s)", why[m]);
  }
  if (fallback) res->converged = 0;
  for (int m = 1; m <= GK_KIN_MAX_COMPONENTS; m++)
    if (have[m] && m != best) gk_kin_result_free(&cand[m]);
  return GK_OK;
}
