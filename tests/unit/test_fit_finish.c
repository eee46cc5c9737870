/* The engine's finisher (src/fit/finish.h) against the dense driver
 * (gk_fit) on the same problems: at the dense driver's optimum it must
 * give the same chi2, values, standard errors, covariance and
 * information criteria; from a point slightly off the optimum its
 * Gauss–Newton steps must land on it; an undetermined parameter must be
 * reported as the dense driver reports it; a parameter at a bound and a
 * problem without an analytic Jacobian are declined (GK_EUSAGE). A
 * Jacobian with a planted error moves the standard errors, so the
 * agreement checks can fail. */
#include <math.h>
#include <string.h>

#include "gk_test.h"
#include "gainkit/fit.h"
#include "fit/finish.h"

#define NPT 40

static double xs[NPT], ys[NPT], sg[NPT];
static double planted = 1.0; /* factor on dyhat/db: 1 = the true Jacobian */

/* y = a exp(-b x) + c */
static int exp_model(const double *t, double *yhat, void *ctx)
{
  (void)ctx;
  for (size_t i = 0; i < NPT; i++) yhat[i] = t[0] * exp(-t[1] * xs[i]) + t[2];
  return 0;
}

static int exp_jac(const double *t, double *j, void *ctx)
{
  (void)ctx;
  for (size_t i = 0; i < NPT; i++) {
    double e = exp(-t[1] * xs[i]);
    j[3 * i] = e;
    j[3 * i + 1] = -planted * t[0] * xs[i] * e;
    j[3 * i + 2] = 1;
  }
  return 0;
}

/* a column that is 2x another: c1 and c2 are not separately determined */
static int dup_model(const double *t, double *yhat, void *ctx)
{
  (void)ctx;
  for (size_t i = 0; i < NPT; i++) yhat[i] = t[0] * exp(-t[1] * xs[i]) + t[2] + 2 * t[3];
  return 0;
}

static int dup_jac(const double *t, double *j, void *ctx)
{
  (void)ctx;
  for (size_t i = 0; i < NPT; i++) {
    double e = exp(-t[1] * xs[i]);
    j[4 * i] = e;
    j[4 * i + 1] = -t[0] * xs[i] * e;
    j[4 * i + 2] = 1;
    j[4 * i + 3] = 2;
  }
  return 0;
}

static void data(void)
{
  for (size_t i = 0; i < NPT; i++) {
    xs[i] = 0.15 * (double)i;
    /* deterministic ripple standing in for noise */
    ys[i] = 3.0 * exp(-0.7 * xs[i]) + 0.4 + 0.02 * sin(2.3 * (double)i);
    sg[i] = 0.02 * (1 + 0.3 * cos((double)i));
  }
}

static void same_result(const char *what, const gk_fit_result *a, const gk_fit_result *b, double tol)
{
  CHECK_MSG(fabs(a->chi2 - b->chi2) <= 1e-12 * a->chi2, "%s: chi2 %.15g vs %.15g", what, a->chi2, b->chi2);
  CHECK_INT(a->dof, b->dof);
  CHECK_INT(a->cov_ok, b->cov_ok);
  CHECK_MSG(fabs(a->aicc - b->aicc) <= 1e-9 * fabs(a->aicc) + 1e-12, "%s: aicc %.15g vs %.15g", what, a->aicc,
            b->aicc);
  for (size_t k = 0; k < a->p; k++) {
    CHECK_MSG(fabs(a->value[k] - b->value[k]) <= 1e-6 * a->se[k], "%s: value %zu %.15g vs %.15g (se %g)", what, k,
              a->value[k], b->value[k], a->se[k]);
    CHECK_MSG(fabs(a->se[k] - b->se[k]) <= tol * a->se[k], "%s: se %zu %.12g vs %.12g", what, k, a->se[k],
              b->se[k]);
    for (size_t l = 0; l < a->p; l++)
      CHECK_MSG(fabs(a->cov[k * a->p + l] - b->cov[k * a->p + l]) <= tol * a->se[k] * a->se[l],
                "%s: cov %zu %zu %.12g vs %.12g", what, k, l, a->cov[k * a->p + l], b->cov[k * a->p + l]);
  }
  for (size_t i = 0; i < a->n; i++)
    CHECK_MSG(fabs(a->resid[i] - b->resid[i]) <= 1e-6 * sqrt(a->chi2 / (double)a->n), "%s: resid %zu", what, i);
}

static void test_agrees_with_dense(void)
{
  data();
  gk_param par[3] = {{"a", NULL, 2, -INFINITY, INFINITY, 0},
                     {"b", NULL, 1, 0, INFINITY, 0},
                     {"c", NULL, 0, -INFINITY, INFINITY, 0}};
  for (int w = 0; w < 3; w++) {
    gk_fit_problem prob = {.n = NPT, .p = 3, .y = ys, .model = exp_model, .jac = exp_jac, .param = par};
    if (w == 1) prob.weighting = GK_WEIGHT_SIGMA, prob.sigma = sg;
    if (w == 2) prob.weighting = GK_WEIGHT_SIGMA, prob.sigma = sg, prob.absolute_sigma = 1;
    gk_fit_result dense, fin;
    gk_error e;
    CHECK_INT(gk_fit(&prob, NULL, &dense, &e), GK_OK);
    CHECK(dense.converged && dense.cov_ok);
    /* at the dense optimum */
    CHECK_INT(gk_fit_finish(&prob, dense.value, 1, "test", &fin, &e), GK_OK);
    CHECK(fin.converged && fin.cov_ok);
    CHECK(strcmp(fin.reason, "test") == 0);
    same_result("at the optimum", &dense, &fin, 1e-8);
    gk_fit_result_free(&fin);
    /* from 1e-3 standard errors off: the Gauss-Newton steps land on it */
    double t[3];
    for (int k = 0; k < 3; k++) t[k] = dense.value[k] + (k == 1 ? -1e-3 : 1e-3) * dense.se[k];
    CHECK_INT(gk_fit_finish(&prob, t, 1, "test", &fin, &e), GK_OK);
    same_result("from off the optimum", &dense, &fin, 1e-6);
    gk_fit_result_free(&fin);
    /* a planted 1 % error in one Jacobian column changes the standard
     * errors: the agreement above is a real check of the Jacobian used */
    planted = 1.01;
    CHECK_INT(gk_fit_finish(&prob, dense.value, 1, "test", &fin, &e), GK_OK);
    CHECK_MSG(fabs(fin.se[1] - dense.se[1]) > 1e-3 * dense.se[1], "planted error not seen: se %g vs %g",
              fin.se[1], dense.se[1]);
    planted = 1.0;
    gk_fit_result_free(&fin);
    gk_fit_result_free(&dense);
  }
}

static void test_singular(void)
{
  data();
  gk_param par[4] = {{"a", NULL, 2, -INFINITY, INFINITY, 0},
                     {"b", NULL, 1, -INFINITY, INFINITY, 0},
                     {"c1", NULL, 0.2, -INFINITY, INFINITY, 0},
                     {"c2", NULL, 0.1, -INFINITY, INFINITY, 0}};
  gk_fit_problem prob = {.n = NPT, .p = 4, .y = ys, .model = dup_model, .jac = dup_jac, .param = par};
  gk_fit_result dense, fin;
  gk_error e;
  CHECK_INT(gk_fit(&prob, NULL, &dense, &e), GK_OK);
  CHECK(!dense.cov_ok);
  CHECK_INT(gk_fit_finish(&prob, dense.value, 1, "test", &fin, &e), GK_OK);
  CHECK(!fin.cov_ok);
  CHECK(strstr(fin.reason, "not determined") != NULL);
  CHECK(isnan(fin.se[2]) && isnan(fin.se[0]));
  CHECK_MSG(fabs(fin.chi2 - dense.chi2) <= 1e-10 * dense.chi2, "chi2 %g vs %g", fin.chi2, dense.chi2);
  gk_fit_result_free(&fin);
  gk_fit_result_free(&dense);
}

static void test_declines(void)
{
  data();
  gk_param par[3] = {{"a", NULL, 2, -INFINITY, INFINITY, 0},
                     {"b", NULL, 1, 0.7, INFINITY, 0},
                     {"c", NULL, 0, -INFINITY, INFINITY, 0}};
  gk_fit_problem prob = {.n = NPT, .p = 3, .y = ys, .model = exp_model, .jac = exp_jac, .param = par};
  gk_fit_result fin;
  gk_error e;
  double t[3] = {3, 0.7, 0.4}; /* b on its lower bound: the dense driver's business */
  CHECK_INT(gk_fit_finish(&prob, t, 1, "test", &fin, &e), GK_EUSAGE);
  CHECK(fin.value == NULL);
  prob.jac = NULL;
  t[1] = 0.8;
  CHECK_INT(gk_fit_finish(&prob, t, 1, "test", &fin, &e), GK_EUSAGE);
  /* a fixed parameter stays at its init, with se 0 */
  prob.jac = exp_jac;
  par[2].fixed = 1;
  par[2].init = 0.4;
  par[1].lo = 0;
  gk_fit_result dense;
  CHECK_INT(gk_fit(&prob, NULL, &dense, &e), GK_OK);
  CHECK_INT(gk_fit_finish(&prob, dense.value, 1, "test", &fin, &e), GK_OK);
  CHECK(fin.se[2] == 0 && fin.value[2] == 0.4);
  CHECK_INT(fin.n_free, 2);
  same_result("one fixed", &dense, &fin, 1e-8);
  gk_fit_result_free(&fin);
  gk_fit_result_free(&dense);
}

int main(void)
{
  RUN(test_agrees_with_dense);
  RUN(test_singular);
  RUN(test_declines);
  return gk_test_summary();
}
