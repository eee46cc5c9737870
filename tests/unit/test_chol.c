/* The engine's dense Cholesky (src/fit/chol.h) against GSL's
 * gsl_linalg_cholesky_decomp1 and gsl_linalg_cholesky_solve: the same
 * factor in the same layout (lower triangle and diagonal; upper triangle
 * untouched) for random SPD matrices of every size 1-100, with and without
 * a row stride larger than n; the solve; and the failure on a matrix that
 * is not positive definite (GSL fails on the same ones). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_rng.h>

#include "gk_test.h"
#include "fit/chol.h"

/* S = B B^T + shift I (B n x n, entries uniform in [-1, 1]) into the
 * n x n block of a tda-strided buffer; shift < 0 can make it indefinite. */
static void spd(gsl_rng *r, size_t n, size_t tda, double shift, double *S)
{
  double *B = malloc(n * n * sizeof(double));
  for (size_t k = 0; k < n * n; k++) B[k] = 2 * gsl_rng_uniform(r) - 1;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++) {
      double s = i == j ? shift : 0;
      for (size_t k = 0; k < n; k++) s += B[i * n + k] * B[j * n + k];
      S[i * tda + j] = s;
    }
  free(B);
}

static void test_against_gsl(void)
{
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 15);
  double worst_l = 0, worst_x = 0;
  int upper_same = 1, all_ok = 1;
  for (size_t n = 1; n <= 100; n++)
    for (size_t pad = 0; pad <= 3; pad += 3) {
      size_t tda = n + pad;
      double *S = calloc(n * tda, sizeof(double)), *S0 = malloc(n * tda * sizeof(double));
      double *x = malloc(n * sizeof(double)), *b = malloc(n * sizeof(double));
      spd(r, n, tda, 0.1, S);
      for (size_t k = 0; k < n * tda; k++) S0[k] = S[k];
      gsl_matrix *G = gsl_matrix_alloc(n, n);
      for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) gsl_matrix_set(G, i, j, S[i * tda + j]);
      int gs = gsl_linalg_cholesky_decomp1(G);
      int gk = gk_chol_decomp(S, n, tda);
      if (gs != GSL_SUCCESS || gk != 0) all_ok = 0;
      double lmax = 0;
      for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j <= i; j++) lmax = fmax(lmax, fabs(gsl_matrix_get(G, i, j)));
      for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
          if (j <= i) worst_l = fmax(worst_l, fabs(S[i * tda + j] - gsl_matrix_get(G, i, j)) / lmax);
          else if (S[i * tda + j] != S0[i * tda + j]) upper_same = 0;
        }
      for (size_t i = 0; i < n; i++) b[i] = x[i] = sin(1.0 + i);
      gk_chol_solve(S, n, tda, x);
      gsl_vector_view bv = gsl_vector_view_array(b, n);
      gsl_vector *xg = gsl_vector_alloc(n);
      gsl_linalg_cholesky_solve(G, &bv.vector, xg);
      double xmax = 0;
      for (size_t i = 0; i < n; i++) xmax = fmax(xmax, fabs(gsl_vector_get(xg, i)));
      for (size_t i = 0; i < n; i++) worst_x = fmax(worst_x, fabs(x[i] - gsl_vector_get(xg, i)) / xmax);
      gsl_vector_free(xg);
      gsl_matrix_free(G);
      free(S), free(S0), free(x), free(b);
    }
  CHECK(all_ok);
  CHECK(upper_same);
  /* rounding only: the two factors sum the same products in another order
   * (condition numbers here are up to ~1e5 at n = 100, shift 0.1) */
  CHECK_MSG(worst_l < 1e-11, "factor differs from GSL's by %g of its largest entry", worst_l);
  CHECK_MSG(worst_x < 1e-9, "solve differs from GSL's by %g of its largest entry", worst_x);
  gsl_rng_free(r);
}

static void test_not_positive_definite(void)
{
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 16);
  gsl_set_error_handler_off();
  int agree = 1, failures = 0;
  for (size_t n = 2; n <= 60; n += 2) {
    /* B B^T - c I with c between its smallest and largest eigenvalue */
    double *S = malloc(n * n * sizeof(double));
    spd(r, n, n, -0.5 * (double)n / 3, S);
    gsl_matrix_view G0 = gsl_matrix_view_array(S, n, n);
    gsl_matrix *G = gsl_matrix_alloc(n, n);
    gsl_matrix_memcpy(G, &G0.matrix);
    int gs = gsl_linalg_cholesky_decomp1(G) == GSL_SUCCESS;
    int gk = gk_chol_decomp(S, n, n) == 0;
    if (gs != gk) agree = 0;
    failures += !gk;
    gsl_matrix_free(G);
    free(S);
  }
  CHECK(agree);
  CHECK_MSG(failures >= 20, "only %d of 30 indefinite matrices rejected", failures);
  /* a zero pivot and a NaN */
  double z[4] = {1, 1, 1, 1}, nanm[4] = {1, 0, 0, NAN};
  CHECK_INT(gk_chol_decomp(z, 2, 2), -1);
  CHECK_INT(gk_chol_decomp(nanm, 2, 2), -1);
  /* 1 x 1 and 2 x 2 in closed form */
  double one[1] = {4}, two[4] = {4, 2, 2, 5}, x2[2] = {8, 9};
  CHECK_INT(gk_chol_decomp(one, 1, 1), 0);
  CHECK_CLOSE(one[0], 2.0, 1e-15);
  CHECK_INT(gk_chol_decomp(two, 2, 2), 0);
  CHECK_CLOSE(two[0], 2.0, 1e-15);
  CHECK_CLOSE(two[2], 1.0, 1e-15);
  CHECK_CLOSE(two[3], 2.0, 1e-15);
  CHECK_CLOSE(two[1], 2.0, 1e-15); /* upper triangle untouched */
  gk_chol_solve(two, 2, 2, x2);    /* [4 2; 2 5] x = [8 9]: x = (1.375, 1.25) */
  CHECK_CLOSE(x2[0], 1.375, 1e-14);
  CHECK_CLOSE(x2[1], 1.25, 1e-14);
  gsl_rng_free(r);
}

int main(void)
{
  RUN(test_against_gsl);
  RUN(test_not_positive_definite);
  return gk_test_summary();
}
