/* bench_fit: time of one 30-point, 3-parameter exponential fit (the size
 * of a variable-stripe-length or decay fit), finite-difference and
 * analytic Jacobian. The VSL command needs well under 1 ms per fit. */
#include <math.h>
#include <stdio.h>
#include <time.h>

#include "gainkit/fit.h"

#define N 30

typedef struct { double x[N]; } ctx_t;

static int model(const double *t, double *yhat, void *vc)
{
  const ctx_t *c = vc;
  for (int i = 0; i < N; i++) yhat[i] = t[0] * exp(-c->x[i] / t[1]) + t[2];
  return 0;
}

static int jac(const double *t, double *j, void *vc)
{
  const ctx_t *c = vc;
  for (int i = 0; i < N; i++) {
    double e = exp(-c->x[i] / t[1]);
    j[3 * i] = e;
    j[3 * i + 1] = t[0] * e * c->x[i] / (t[1] * t[1]);
    j[3 * i + 2] = 1;
  }
  return 0;
}

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(void)
{
  ctx_t c;
  double y[N];
  for (int i = 0; i < N; i++) {
    c.x[i] = 0.2 * i;
    y[i] = 5.0 * exp(-c.x[i] / 1.7) + 0.4 + 0.01 * sin(3.1 * i);
  }
  gk_param par[3] = { { "A", NULL, 2, -INFINITY, INFINITY, 0 },
                      { "tau", NULL, 0.5, 0, INFINITY, 0 },
                      { "B", NULL, 0, -INFINITY, INFINITY, 0 } };
  const int reps = 2000;
  for (int analytic = 0; analytic < 2; analytic++) {
    gk_fit_problem pr = { .n = N, .p = 3, .y = y, .model = model, .jac = analytic ? jac : NULL,
                          .ctx = &c, .param = par };
    gk_fit_result r;
    gk_error e;
    size_t iters = 0;
    int ok = 1;
    double t0 = now();
    for (int k = 0; k < reps; k++) {
      if (gk_fit(&pr, NULL, &r, &e) != GK_OK || !r.converged) ok = 0;
      iters += r.n_iter;
      gk_fit_result_free(&r);
    }
    double dt = now() - t0;
    printf("exp fit, n=30, p=3, %s Jacobian: %.1f us per fit (%d fits, %.1f iterations each)%s\n",
           analytic ? "analytic" : "finite-difference", 1e6 * dt / reps, reps,
           (double)iters / reps, ok ? "" : "  [SOME FITS FAILED]");
  }
  return 0;
}
