/* chol.h — the engine's dense Cholesky factorisation for the small
 * symmetric positive definite systems of the structured solvers (VPI's
 * Schur complement, src/fit/arrow.c), in GSL's layout: row-major n x n with
 * a row stride tda, the factor L in the lower triangle and diagonal, the
 * strict upper triangle left as it was, so gsl_linalg_cholesky_invert /
 * gsl_linalg_cholesky_solve read the same factor (tests/unit/test_chol.c
 * checks both against gsl_linalg_cholesky_decomp1). Internal to the
 * library. */
#ifndef GK_FIT_CHOL_H
#define GK_FIT_CHOL_H

#include <stddef.h>

/* Factor S = L L^T in place (both triangles of S filled on entry; only the
 * lower triangle is read). Returns 0, or -1 when S is not positive
 * definite (a pivot <= 0 or not finite: GSL's criterion); S is then
 * partly overwritten. */
int gk_chol_decomp(double *S, size_t n, size_t tda);

/* x <- S^-1 x from the factor of gk_chol_decomp: L y = x, then L^T x = y. */
void gk_chol_solve(const double *S, size_t n, size_t tda, double *x);

#endif
