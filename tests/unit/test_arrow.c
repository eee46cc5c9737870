/* The engine's arrowhead normal equations (src/fit/arrow.h) against the
 * same system solved densely with GSL: the damped step in both damping
 * modes (every unknown damped; the rest only, with the fall-back above
 * lambda_switch), a held rest unknown, the covariances (the blocks of the
 * dense inverse), and the rank-k update against gsl_blas_dsyrk. The VPI
 * fits (src/vpi/fit.c, src/vpi/limit.c) go through it; tests/unit/test_vpi.c
 * checks their whole fit against the dense engine gk_fit. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_rng.h>

#include "gk_test.h"
#include "fit/arrow.h"

enum { NB = 9, NP = 7, KW = 2, NG = 3 };

/* A random least-squares Jacobian with the arrowhead structure: residual
 * (i, j) depends on block i, on W of pump j and on the NG globals. Fills
 * the helper (one gk_arrow_add per residual) and the dense J (rows NB NP,
 * columns: blocks, then W, then globals) with residuals r. */
static void make(gsl_rng *g, size_t q, gk_arrow *a, gsl_matrix *J, gsl_vector *r)
{
  size_t nr = KW * NP + NG;
  gsl_matrix_set_zero(J);
  gk_arrow_zero(a);
  for (size_t i = 0; i < NB; i++)
    for (size_t j = 0; j < NP; j++) {
      size_t k = i * NP + j;
      double th[2], ph[KW], h[NG], rr = gsl_rng_uniform(g) - 0.5;
      for (size_t s = 0; s < q; s++) th[s] = 2 * gsl_rng_uniform(g) - 1;
      for (size_t s = 0; s < KW; s++) ph[s] = 2 * gsl_rng_uniform(g) - 1;
      for (size_t s = 0; s < NG; s++) h[s] = 2 * gsl_rng_uniform(g) - 1;
      gk_arrow_add(a, i, th, j * KW, KW, ph, NG, h, rr);
      for (size_t s = 0; s < q; s++) gsl_matrix_set(J, k, i * q + s, th[s]);
      for (size_t s = 0; s < KW; s++) gsl_matrix_set(J, k, NB * q + j * KW + s, ph[s]);
      for (size_t s = 0; s < NG; s++) gsl_matrix_set(J, k, NB * q + KW * NP + s, h[s]);
      gsl_vector_set(r, k, rr);
    }
  (void)nr;
}

/* Dense (J^T J + damping) x = J^T r; damp_blocks: Marquardt on the block
 * unknowns too. held: a rest unknown that leaves the system (-1: none).
 * Returns the solution (caller frees) or NULL when not positive definite. */
static gsl_vector *dense(const gsl_matrix *J, const gsl_vector *r, size_t q, double lambda,
                         int damp_blocks, long held)
{
  size_t n = J->size2, nbq = NB * q, nk = KW * NP;
  gsl_matrix *N = gsl_matrix_alloc(n, n);
  gsl_vector *b = gsl_vector_alloc(n);
  gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1, J, J, 0, N);
  gsl_blas_dgemv(CblasTrans, 1, J, r, 0, b);
  if (held >= 0) {
    size_t w = nbq + (size_t)held;
    for (size_t e = 0; e < n; e++) gsl_matrix_set(N, w, e, 0), gsl_matrix_set(N, e, w, 0);
    gsl_matrix_set(N, w, w, 1);
    gsl_vector_set(b, w, 0);
  }
  /* the floors: 1e-10 of the largest diagonal per kind */
  double bf[2] = {0, 0}, rf[2] = {0, 0};
  for (size_t k = 0; k < nbq; k++) bf[k % q] = fmax(bf[k % q], 1e-10 * gsl_matrix_get(N, k, k));
  for (size_t e = 0; e < n - nbq; e++)
    rf[e >= nk] = fmax(rf[e >= nk], 1e-10 * gsl_matrix_get(N, nbq + e, nbq + e));
  for (size_t k = 0; k < n; k++) {
    double d = gsl_matrix_get(N, k, k);
    if (k < nbq) {
      if (damp_blocks) d = d * (1 + lambda) + lambda * bf[k % q];
    } else {
      d = d * (1 + lambda) + lambda * rf[k - nbq >= nk];
    }
    gsl_matrix_set(N, k, k, d);
  }
  gsl_vector *x = NULL;
  if (gsl_linalg_cholesky_decomp1(N) == GSL_SUCCESS) {
    x = gsl_vector_alloc(n);
    gsl_linalg_cholesky_solve(N, b, x);
  }
  gsl_matrix_free(N), gsl_vector_free(b);
  return x;
}

static double maxdiff(const double *x, const double *z, const gsl_vector *ref, size_t nbq, size_t nr)
{
  double scale = 0, worst = 0;
  for (size_t k = 0; k < ref->size; k++) scale = fmax(scale, fabs(gsl_vector_get(ref, k)));
  for (size_t k = 0; k < nbq; k++) worst = fmax(worst, fabs(x[k] - gsl_vector_get(ref, k)));
  for (size_t e = 0; e < nr; e++) worst = fmax(worst, fabs(z[e] - gsl_vector_get(ref, nbq + e)));
  return worst / scale;
}

static void check_q(size_t q)
{
  gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(g, 150 + q);
  gsl_set_error_handler_off();
  size_t nr = KW * NP + NG, nbq = NB * q;
  gk_arrow a;
  CHECK_INT(gk_arrow_alloc(&a, NB, q, nr, KW * NP), 0);
  gsl_matrix *J = gsl_matrix_alloc(NB * NP, nbq + nr);
  gsl_vector *r = gsl_vector_alloc(NB * NP);
  double x[NB * 2], z[KW * NP + NG];
  const double lams[] = {0, 1e-3, 0.1, 10, 1e4};
  for (int held = -1; held <= 3; held += 4) {
    for (int mode = 0; mode < 2; mode++) {
      make(g, q, &a, J, r);
      if (held >= 0) gk_arrow_hold(&a, (size_t)held);
      a.damp = mode ? GK_ARROW_DAMP_REST : GK_ARROW_DAMP_ALL;
      a.lambda_switch = 1;
      /* damping trials with growing lambda on the same equations, as LM
       * makes them */
      for (size_t t = 0; t < sizeof lams / sizeof *lams; t++) {
        double lam = lams[t];
        int blocks = mode == 0 || lam > a.lambda_switch;
        gsl_vector *ref = dense(J, r, q, lam, blocks, held);
        CHECK(ref != NULL);
        CHECK_INT(gk_arrow_factor(&a, lam), 0);
        gk_arrow_solve(&a, x, z);
        double d = ref ? maxdiff(x, z, ref, nbq, nr) : INFINITY;
        CHECK_MSG(d < 1e-10, "q %zu mode %d held %d lambda %g: step differs from the dense solve by %g",
                  q, mode, held, lam, d);
        if (ref) gsl_vector_free(ref);
      }
    }
    /* covariance: lambda = 0, every block of the dense inverse */
    make(g, q, &a, J, r);
    if (held >= 0) gk_arrow_hold(&a, (size_t)held);
    a.damp = GK_ARROW_DAMP_ALL;
    CHECK_INT(gk_arrow_factor(&a, 0), 0);
    const double *Si = gk_arrow_rest_inverse(&a);
    CHECK(Si != NULL);
    size_t n = nbq + nr;
    gsl_matrix *N = gsl_matrix_alloc(n, n);
    gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1, J, J, 0, N);
    if (held >= 0) {
      size_t w = nbq + (size_t)held;
      for (size_t e = 0; e < n; e++) gsl_matrix_set(N, w, e, 0), gsl_matrix_set(N, e, w, 0);
      gsl_matrix_set(N, w, w, 1);
    }
    gsl_linalg_cholesky_decomp1(N);
    gsl_linalg_cholesky_invert(N);
    double worst = 0, scale = 0;
    for (size_t k = 0; k < n * n; k++) scale = fmax(scale, fabs(N->data[k]));
    for (size_t e = 0; e < nr; e++)
      for (size_t f = 0; f < nr; f++)
        worst = fmax(worst, fabs(Si[e * nr + f] - gsl_matrix_get(N, nbq + e, nbq + f)));
    for (size_t i = 0; i < NB; i++) {
      double cv[4];
      const double *T;
      gk_arrow_block_cov(&a, i, cv, &T);
      for (size_t s = 0; s < q; s++) {
        for (size_t e = 0; e < q; e++)
          worst = fmax(worst, fabs(cv[s * q + e] - gsl_matrix_get(N, i * q + s, i * q + e)));
        for (size_t e = 0; e < nr; e++)  /* the cross-covariance is -T */
          worst = fmax(worst, fabs(-T[s * nr + e] - gsl_matrix_get(N, i * q + s, nbq + e)));
      }
    }
    CHECK_MSG(worst < 1e-10 * scale, "q %zu held %d: covariance differs from the dense inverse by %g of %g",
              q, held, worst, scale);
    gsl_matrix_free(N);
  }
  /* a block that is singular: DAMP_ALL fails at lambda = 0, works damped;
   * DAMP_REST falls back to damping it */
  make(g, q, &a, J, r);
  memset(a.A + 3 * q * q, 0, q * q * sizeof(double));
  a.damp = GK_ARROW_DAMP_ALL;
  CHECK_INT(gk_arrow_factor(&a, 0), -1);
  a.damp = GK_ARROW_DAMP_REST;
  CHECK_INT(gk_arrow_factor(&a, 0.1), -1);  /* the floor is 0 in a zero block: still singular */
  gk_arrow_free(&a);
  gsl_matrix_free(J), gsl_vector_free(r);
  gsl_rng_free(g);
}

/* Rest unknowns whose Jacobian columns are all 0 (the globals here, as
 * the VPI limit model's where no pump has ASE): the damped step exists,
 * is 0 in them and equals the dense step of the system without them; at
 * lambda = 0 the factorisation fails (they are undetermined). Before,
 * their kind's floor was 0 with them and every damping failed. */
static void test_zero_columns(void)
{
  const size_t q = 2, nr = KW * NP + NG, nbq = NB * q, nw = KW * NP;
  gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(g, 7);
  gk_arrow a;
  CHECK_INT(gk_arrow_alloc(&a, NB, q, nr, nw), 0);
  gsl_matrix *J = gsl_matrix_alloc(NB * NP, nbq + nr), *J2 = gsl_matrix_alloc(NB * NP, nbq + nw);
  gsl_vector *r = gsl_vector_alloc(NB * NP);
  make(g, q, &a, J, r);
  /* the same equations with the globals' columns 0 */
  gk_arrow_zero(&a);
  for (size_t i = 0; i < NB; i++)
    for (size_t j = 0; j < NP; j++) {
      size_t k = i * NP + j;
      double th[2], ph[KW], h[NG] = {0, 0, 0};
      for (size_t s = 0; s < q; s++) th[s] = gsl_matrix_get(J, k, i * q + s);
      for (size_t s = 0; s < KW; s++) ph[s] = gsl_matrix_get(J, k, nbq + j * KW + s);
      gk_arrow_add(&a, i, th, j * KW, KW, ph, NG, h, gsl_vector_get(r, k));
    }
  for (size_t k = 0; k < NB * NP; k++)
    for (size_t c = 0; c < nbq + nw; c++) gsl_matrix_set(J2, k, c, gsl_matrix_get(J, k, c));
  const double lams[] = {1e-3, 0.1, 10};
  for (size_t t = 0; t < 3; t++) {
    double x[NB * 2], z[KW * NP + NG];
    CHECK_INT(gk_arrow_factor(&a, lams[t]), 0);
    gk_arrow_solve(&a, x, z);
    for (size_t e = nw; e < nr; e++) CHECK(z[e] == 0);
    gsl_vector *ref = dense(J2, r, q, lams[t], 1, -1);
    CHECK(ref != NULL);
    if (ref) {
      double d = maxdiff(x, z, ref, nbq, nw);
      CHECK_MSG(d < 1e-10, "lambda %g: step differs from the reduced dense solve by %g", lams[t], d);
      gsl_vector_free(ref);
    }
  }
  CHECK_INT(gk_arrow_factor(&a, 0), -1);
  gk_arrow_free(&a);
  gsl_matrix_free(J), gsl_matrix_free(J2), gsl_vector_free(r);
  gsl_rng_free(g);
}

static void test_q1(void) { check_q(1); }
static void test_q2(void) { check_q(2); }

/* gk_arrow_syrk(S, K, k, nr) is S -= K^T K on the upper triangle:
 * gsl_blas_dsyrk(CblasUpper, CblasTrans, -1, K, 1, S); lower triangle untouched */
static void test_syrk(void)
{
  gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(g, 153);
  double worst = 0;
  int lower_same = 1;
  for (size_t k = 1; k <= 19; k += 3)
    for (size_t nr = 1; nr <= 13; nr += 4) {
      double *K = malloc(k * nr * sizeof(double)), *S = malloc(nr * nr * sizeof(double));
      double *S0 = malloc(nr * nr * sizeof(double));
      for (size_t t = 0; t < k * nr; t++) K[t] = 2 * gsl_rng_uniform(g) - 1;
      for (size_t t = 0; t < nr * nr; t++) S[t] = S0[t] = 2 * gsl_rng_uniform(g) - 1;
      gsl_matrix_view Kv = gsl_matrix_view_array(K, k, nr);
      gsl_matrix *R = gsl_matrix_alloc(nr, nr);
      memcpy(R->data, S, nr * nr * sizeof(double));
      gsl_blas_dsyrk(CblasUpper, CblasTrans, -1, &Kv.matrix, 1, R);
      gk_arrow_syrk(S, K, k, nr);
      for (size_t a = 0; a < nr; a++)
        for (size_t e = 0; e < nr; e++) {
          if (e >= a) worst = fmax(worst, fabs(S[a * nr + e] - gsl_matrix_get(R, a, e)));
          else if (S[a * nr + e] != S0[a * nr + e]) lower_same = 0;
        }
      gsl_matrix_free(R);
      free(K), free(S), free(S0);
    }
  CHECK_MSG(worst < 1e-13, "rank-k update differs from gsl_blas_dsyrk by %g", worst);
  CHECK(lower_same);
  gsl_rng_free(g);
}

int main(void)
{
  RUN(test_syrk);
  RUN(test_q1);
  RUN(test_q2);
  RUN(test_zero_columns);
  return gk_test_summary();
}
