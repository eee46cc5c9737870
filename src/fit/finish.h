/* finish.h — the engine's result at an optimum that another solver found.
 * Internal to the library (src/ is not on the public include path).
 *
 * A model whose linear parameters are eliminated by variable projection
 * (kinetics: the amplitudes and offsets) is minimised over its few
 * nonlinear parameters by the structured driver (structured.h); the answer
 * is then the optimum of the full problem too (Golub & Pereyra, SIAM J.
 * Numer. Anal. 1973). gk_fit_finish turns that point into the engine's
 * gk_fit_result by the dense driver's rules (docs/fitting.md): final
 * Gauss–Newton steps from J^T f, covariance (J^T W J)^-1 from the
 * column-scaled Jacobian with the same rank threshold, chi2_red scaling,
 * AIC/AICc/BIC. The tall n x p Jacobian is reduced by one Householder QR
 * and only its p x p triangle goes through the SVD (the dense driver's SVD
 * of the tall matrix costs about 2.4 times as much at 1500 x 13).
 */
#ifndef GK_FIT_FINISH_H
#define GK_FIT_FINISH_H

#include "gainkit/fit.h"

#include <stddef.h>

/* Dot product with four partial sums: the additions of one long sum wait
 * on each other (latency-bound); four chains run side by side. Shared by
 * the finisher and the kinetics projection (same summation order in both). */
static inline double gk_fit_vdot(const double *restrict a, const double *restrict b, size_t n)
{
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  size_t j = 0;
  for (; j + 4 <= n; j += 4) {
    s0 += a[j] * b[j];
    s1 += a[j + 1] * b[j + 1];
    s2 += a[j + 2] * b[j + 2];
    s3 += a[j + 3] * b[j + 3];
  }
  for (; j < n; j++) s0 += a[j] * b[j];
  return (s0 + s1) + (s2 + s3);
}

/* Fill res from the optimum theta (prob->p values) of prob. prob needs an
 * analytic Jacobian. converged/reason describe the solver that found
 * theta (copied into res). Returns GK_OK; GK_EDOM when the model or its
 * Jacobian cannot be evaluated there; GK_EUSAGE when the problem is not
 * one this finisher handles (no analytic Jacobian, a free parameter on or
 * within rounding of a bound, n < free parameters): the caller then runs
 * the dense driver (gk_fit) instead. res is released on any error. */
int gk_fit_finish(const gk_fit_problem *prob, const double *theta, int converged, const char *reason,
                  gk_fit_result *res, gk_error *err);
/* As gk_fit_finish, with at most steps Gauss-Newton corrections (each
 * still at most GN_MAX_REL of the parameter's scale, and taken only while
 * it lowers chi2 and is not negligible) instead of three: for a point that
 * its solver left unpolished (emp's projected fits, intermediate = 2),
 * where on a poorly fitting model (chi2/dof >> 1) Gauss-Newton converges
 * only linearly. */
int gk_fit_finish_steps(const gk_fit_problem *prob, const double *theta, int converged, const char *reason,
                        int steps, gk_fit_result *res, gk_error *err);

#endif
