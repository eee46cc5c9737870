/* test_nist.c — certification of the fitting core against the NIST StRD
 * nonlinear-regression suite (27 data sets, both NIST starting points).
 *
 * For every data set the fit from start 2 must reproduce every certified
 * parameter, every certified standard deviation and the certified residual
 * sum of squares to at least 6 significant digits, measured as the log
 * relative error LRE = -log10(|est - cert| / |cert|) >= 6 (NIST's own
 * accuracy measure). The certified standard deviations are NIST's
 * sqrt(diag((J^T J)^-1) * RSS/(n-p)), i.e. the core's default scaling by
 * chi2_red with no weights, so se is compared directly.
 *
 * From start 1 the same is required, except for the data sets listed in
 * start1_expected_fail[] (see docs/nist.md for why). That list is checked
 * both ways: a listed set that suddenly certifies makes the test fail too,
 * so the list (and the docs) get updated instead of going stale.
 *
 * One line per data set and start is printed so the figures can be quoted. */
#include "gk_test.h"
#include "gainkit/fit.h"
#include "nist/nist.h"

#include "nist/Misra1a.h"
#include "nist/Chwirut2.h"
#include "nist/Chwirut1.h"
#include "nist/Lanczos3.h"
#include "nist/Gauss1.h"
#include "nist/Gauss2.h"
#include "nist/DanWood.h"
#include "nist/Misra1b.h"
#include "nist/Kirby2.h"
#include "nist/Hahn1.h"
#include "nist/Nelson.h"
#include "nist/MGH17.h"
#include "nist/Lanczos1.h"
#include "nist/Lanczos2.h"
#include "nist/Gauss3.h"
#include "nist/Misra1c.h"
#include "nist/Misra1d.h"
#include "nist/Roszman1.h"
#include "nist/ENSO.h"
#include "nist/MGH09.h"
#include "nist/Thurber.h"
#include "nist/BoxBOD.h"
#include "nist/Rat42.h"
#include "nist/MGH10.h"
#include "nist/Eckerle4.h"
#include "nist/Rat43.h"
#include "nist/Bennett5.h"

#include <math.h>

static const nist_set *const sets[] = {
  &nist_Misra1a, &nist_Chwirut2, &nist_Chwirut1, &nist_Lanczos3, &nist_Gauss1,
  &nist_Gauss2, &nist_DanWood, &nist_Misra1b, &nist_Kirby2, &nist_Hahn1,
  &nist_Nelson, &nist_MGH17, &nist_Lanczos1, &nist_Lanczos2, &nist_Gauss3,
  &nist_Misra1c, &nist_Misra1d, &nist_Roszman1, &nist_ENSO, &nist_MGH09,
  &nist_Thurber, &nist_BoxBOD, &nist_Rat42, &nist_MGH10, &nist_Eckerle4,
  &nist_Rat43, &nist_Bennett5,
};
#define NSETS (sizeof sets / sizeof sets[0])

/* NIST prints 10 or 11 significant digits; an LRE beyond that only says the
 * fit agrees with the rounding, so it is capped (NIST's own convention). */
#define LRE_CAP 11.0
/* The requirement: 6 significant digits. */
#define LRE_MIN 6.0

/* Data sets whose start 1 does not reach the certified values with the
 * engine's default options (trust-region LM, More scaling, 1000 iterations),
 * and the one documented option change with which it does. Reasons and what
 * happens: docs/nist.md. */
typedef struct {
  const char *name;
  int scale;          /* gk_fit_options.scale for the retry */
  size_t max_iter;    /* gk_fit_options.max_iter for the retry */
} nist_exception;

static const nist_exception start1_expected_fail[] = {
  /* LM with More scaling stalls at b2 ~ 115 where exp(-b2 x) underflows the
   * b2 column of J to zero; Levenberg scaling (identity) keeps the damping
   * isotropic and walks out. */
  {"BoxBOD", 2, 1000},
  /* Start 1 is 2 orders of magnitude off in every parameter; LM creeps
   * along the long curved valley of b1*exp(b2/(x+b3)) and needs ~7700
   * iterations, more than the default cap of 1000. */
  {"MGH10", 0, 20000},
  {NULL, 0, 0},
};

static const nist_exception *start1_listed(const char *name)
{
  for (size_t i = 0; start1_expected_fail[i].name; i++)
    if (strcmp(start1_expected_fail[i].name, name) == 0) return &start1_expected_fail[i];
  return NULL;
}

typedef struct {
  const nist_set *set;
  double *y;        /* response as fitted (log y for Nelson) */
} nist_ctx;

static int nist_model(const double *b, double *yhat, void *vctx)
{
  const nist_ctx *c = vctx;
  const nist_set *s = c->set;
  for (size_t i = 0; i < s->n; i++) {
    s->f(b, s->data + i * s->ncol, &yhat[i]);
    if (!isfinite(yhat[i])) return 1;
  }
  return 0;
}

static int nist_jac(const double *b, double *jac, void *vctx)
{
  const nist_ctx *c = vctx;
  const nist_set *s = c->set;
  for (size_t i = 0; i < s->n; i++) {
    s->df(b, s->data + i * s->ncol, jac + i * s->p);
    for (size_t k = 0; k < s->p; k++)
      if (!isfinite(jac[i * s->p + k])) return 1;
  }
  return 0;
}

static double lre(double est, double cert)
{
  if (!isfinite(est)) return 0.0;
  double d = fabs(est - cert);
  if (d == 0.0) return LRE_CAP;
  double l = cert != 0.0 ? -log10(d / fabs(cert)) : -log10(d);
  if (l > LRE_CAP) l = LRE_CAP;
  return l < 0.0 ? 0.0 : l;
}

/* The solver under test: GSL's trust region (the default) or the engine's
 * own dense driver (test_nist_dense). */
static gk_fit_method g_method = GK_FIT_LM;

typedef struct {
  double lre_val, lre_sd, lre_rss;  /* minima; NAN where NIST gives nothing */
  double rss;
  int converged, status;
  size_t iter;
  double b[16];     /* where the solver ended */
  char reason[160];
} nist_outcome;

static nist_outcome run_one(const nist_set *s, const double *start,
                            const nist_exception *retry)
{
  nist_outcome o = {0, NAN, NAN, NAN, 0, 0, 0, {0}, ""};
  static char names[16][24];
  gk_param par[16];
  double y[256];
  nist_ctx ctx = {s, y};

  for (size_t i = 0; i < s->n; i++) {
    double yi = s->data[i * s->ncol];
    y[i] = s->log_y ? log(yi) : yi;
  }
  for (size_t k = 0; k < s->p; k++) {
    snprintf(names[k], sizeof names[k], "b%zu", k + 1);
    par[k] = (gk_param){names[k], NULL, start[k], -INFINITY, INFINITY, 0};
  }
  gk_fit_problem prob = {
    .n = s->n, .p = s->p, .y = y, .sigma = NULL, .weighting = GK_WEIGHT_NONE,
    .absolute_sigma = 0, .model = nist_model, .jac = nist_jac, .ctx = &ctx,
    .param = par, .starts = NULL, .n_starts = 0,
  };
  gk_fit_options opt;
  gk_fit_options_default(&opt);
  opt.method = g_method;
  if (retry) {
    opt.scale = retry->scale;
    opt.max_iter = retry->max_iter;
  }

  gk_fit_result res;
  memset(&res, 0, sizeof res);
  gk_error err;
  memset(&err, 0, sizeof err);
  o.status = gk_fit(&prob, &opt, &res, &err);
  if (o.status != GK_OK) return o;
  o.converged = res.converged;
  o.rss = res.chi2;
  o.iter = res.n_iter;
  memcpy(o.b, res.value, s->p * sizeof(double));
  snprintf(o.reason, sizeof o.reason, "%s", res.reason);

  o.lre_val = LRE_CAP;
  for (size_t k = 0; k < s->p; k++) {
    double l = lre(res.value[k], s->cert[k]);
    if (l < o.lre_val) o.lre_val = l;
    if (isfinite(s->cert_sd[k])) {
      double ls = lre(res.se[k], s->cert_sd[k]);
      if (!(o.lre_sd <= ls)) o.lre_sd = isnan(o.lre_sd) ? ls : (ls < o.lre_sd ? ls : o.lre_sd);
    }
  }
  if (isfinite(s->cert_rss)) o.lre_rss = lre(res.chi2, s->cert_rss);
  gk_fit_result_free(&res);
  return o;
}

static double min3(double a, double b, double c)
{
  double m = a;
  if (isfinite(b) && b < m) m = b;
  if (isfinite(c) && c < m) m = c;
  return m;
}

static void print_line(const nist_set *s, int start, const nist_outcome *o, const char *verdict)
{
  char sd[16], rss[16];
  if (isnan(o->lre_sd)) snprintf(sd, sizeof sd, "  n/a");
  else snprintf(sd, sizeof sd, "%5.1f", o->lre_sd);
  if (isnan(o->lre_rss)) snprintf(rss, sizeof rss, "  n/a");
  else snprintf(rss, sizeof rss, "%5.1f", o->lre_rss);
  printf("NIST %-9s %-7s start%d  LRE values %5.1f  sd %s  rss %s  min %5.1f  iter %4zu  %s\n",
         s->name, s->difficulty, start, o->lre_val, sd, rss,
         min3(o->lre_val, o->lre_sd, o->lre_rss), o->iter, verdict);
  if (strncmp(verdict, "PASS", 4) != 0) {
    printf("     ended at b =");
    for (size_t k = 0; k < s->p; k++) printf(" %.6g", o->b[k]);
    printf(" (converged %d: %s)\n", o->converged, o->reason);
  }
}

/* Lanczos1 is generated data whose residuals at the optimum are ~1e-13,
 * about 1000 ulp of y (2.5), so its RSS (1.43e-25) and with it the standard
 * deviations (sqrt(RSS/dof) times the covariance diagonal) are rounding noise
 * in IEEE double: no double-precision evaluation of the model resolves them
 * beyond ~3 digits (NIST computed them in extended precision). The
 * parameter values still must certify to LRE_MIN; sd and RSS must reach
 * LRE_ROUNDING_FLOOR, which is what double precision allows. The same
 * rounding makes the RSS at the certified (11-digit) values meaningless
 * (3.98e-21 versus 1.43e-25), so the tables check skips it. */
#define LRE_ROUNDING_FLOOR 2.5
static int rounding_limited(const nist_set *s) { return strcmp(s->name, "Lanczos1") == 0; }

static int certified_set(const nist_set *s, const nist_outcome *o)
{
  if (o->status != GK_OK) return 0;
  if (rounding_limited(s))
    return o->lre_val >= LRE_MIN && o->lre_sd >= LRE_ROUNDING_FLOOR && o->lre_rss >= LRE_ROUNDING_FLOOR;
  return min3(o->lre_val, o->lre_sd, o->lre_rss) >= LRE_MIN;
}

/* Start 2 (near the solution): every set must certify. */
static void test_nist_start2(void)
{
  for (size_t i = 0; i < NSETS; i++) {
    const nist_set *s = sets[i];
    nist_outcome o = run_one(s, s->start2, NULL);
    int ok = certified_set(s, &o);
    print_line(s, 2, &o, ok ? "PASS" : "FAIL");
    CHECK_MSG(ok, "%s start 2: status %d, LRE values %.2f sd %.2f rss %.2f (need >= %.0f)",
              s->name, o.status, o.lre_val, o.lre_sd, o.lre_rss, LRE_MIN);
  }
}

/* Start 1 (far): every set must certify except the listed ones, which must
 * still fail (so the list stays true). */
static void test_nist_start1(void)
{
  for (size_t i = 0; i < NSETS; i++) {
    const nist_set *s = sets[i];
    nist_outcome o = run_one(s, s->start1, NULL);
    int ok = certified_set(s, &o);
    const nist_exception *listed = start1_listed(s->name);
    print_line(s, 1, &o, ok ? "PASS" : (listed ? "XFAIL (listed in docs/nist.md)" : "FAIL"));
    if (listed) {
      CHECK_MSG(!ok, "%s start 1 now certifies (min LRE %.2f): remove it from "
                "start1_expected_fail[] and docs/nist.md", s->name,
                min3(o.lre_val, o.lre_sd, o.lre_rss));
      /* ... and with the documented option change it must certify. */
      nist_outcome r = run_one(s, s->start1, listed);
      int rok = certified_set(s, &r);
      char verdict[64];
      snprintf(verdict, sizeof verdict, "%s (scale %d, max_iter %zu)",
               rok ? "PASS" : "FAIL", listed->scale, listed->max_iter);
      print_line(s, 1, &r, verdict);
      CHECK_MSG(rok, "%s start 1 with scale %d, max_iter %zu: LRE values %.2f sd %.2f rss %.2f",
                s->name, listed->scale, listed->max_iter, r.lre_val, r.lre_sd, r.lre_rss);
    } else
      CHECK_MSG(ok, "%s start 1: status %d, LRE values %.2f sd %.2f rss %.2f (need >= %.0f)",
                s->name, o.status, o.lre_val, o.lre_sd, o.lre_rss, LRE_MIN);
  }
}

/* The harness itself: the LRE measure and the typed data must be sane, or a
 * "pass" above would mean nothing. Each model evaluated at the certified
 * values must give the certified RSS (this catches a mistyped data point or
 * a wrong model line independently of the solver), and each analytic
 * Jacobian must match central differences. */
static void test_nist_tables(void)
{
  CHECK_CLOSE(lre(1.000001, 1.0), 6.0, 1e-6);
  CHECK(lre(1.0, 1.0) == LRE_CAP);
  for (size_t i = 0; i < NSETS; i++) {
    const nist_set *s = sets[i];
    double rss = 0.0;
    for (size_t r = 0; r < s->n; r++) {
      double yh, yi = s->data[r * s->ncol];
      s->f(s->cert, s->data + r * s->ncol, &yh);
      double d = (s->log_y ? log(yi) : yi) - yh;
      rss += d * d;
    }
    if (isfinite(s->cert_rss) && !rounding_limited(s))
      CHECK_MSG(lre(rss, s->cert_rss) >= 4.0,
                "%s: RSS at the certified values %.10e vs certified %.10e",
                s->name, rss, s->cert_rss);
    double jrow[16], bp[16], bm[16];
    for (size_t r = 0; r < s->n; r += s->n / 5 + 1) {
      const double *row = s->data + r * s->ncol;
      s->df(s->cert, row, jrow);
      for (size_t k = 0; k < s->p; k++) {
        memcpy(bp, s->cert, s->p * sizeof(double));
        memcpy(bm, s->cert, s->p * sizeof(double));
        double h = 1e-6 * (fabs(s->cert[k]) > 0 ? fabs(s->cert[k]) : 1.0);
        bp[k] += h;
        bm[k] -= h;
        double fp, fm;
        s->f(bp, row, &fp);
        s->f(bm, row, &fm);
        double fd = (fp - fm) / (2 * h), f0;
        s->f(s->cert, row, &f0);
        /* Central differences lose digits where a derivative is tiny next
         * to the model value (Gaussian tails), so the tolerance is scaled by
         * the natural size of d f / d b_k, |f| / |b_k|, not by |fd| alone. */
        double scale = fabs(fd) + fabs(f0) / (fabs(s->cert[k]) > 0 ? fabs(s->cert[k]) : 1.0);
        CHECK_MSG(fabs(jrow[k] - fd) <= 1e-6 * scale,
                  "%s: d/db%zu analytic %.10e vs central difference %.10e (row %zu)",
                  s->name, k + 1, jrow[k], fd, r);
      }
    }
  }
}

/* The engine's dense Levenberg-Marquardt driver (GK_FIT_LM_DENSE) must
 * certify every set to the same requirement as GSL's trust region, and
 * reach GSL's RSS: from start 2 every set; from start 1 every set but the
 * listed ones, which must certify with their documented option change
 * (they are not required to fail: the list describes the default
 * solver). */
static void test_nist_dense(void)
{
  for (int start = 2; start >= 1; start--)
    for (size_t i = 0; i < NSETS; i++) {
      const nist_set *s = sets[i];
      const double *b0 = start == 2 ? s->start2 : s->start1;
      const nist_exception *listed = start == 1 ? start1_listed(s->name) : NULL;
      g_method = GK_FIT_LM;
      nist_outcome og = run_one(s, b0, listed);
      g_method = GK_FIT_LM_DENSE;
      nist_outcome od = run_one(s, b0, NULL);
      int ok = certified_set(s, &od);
      if (!ok && listed) od = run_one(s, b0, listed), ok = certified_set(s, &od);
      g_method = GK_FIT_LM;
      print_line(s, start, &od, ok ? "PASS (dense LM)" : "FAIL (dense LM)");
      CHECK_MSG(ok, "%s start %d, dense LM: status %d, LRE values %.2f sd %.2f rss %.2f (need >= %.0f)",
                s->name, start, od.status, od.lre_val, od.lre_sd, od.lre_rss, LRE_MIN);
      /* the same optimum as GSL's (Lanczos1's RSS is rounding noise) */
      if (!rounding_limited(s))
        CHECK_MSG(fabs(od.rss - og.rss) <= 1e-9 * og.rss, "%s start %d: dense RSS %.12e vs GSL %.12e",
                  s->name, start, od.rss, og.rss);
    }
}

int main(void)
{
  RUN(test_nist_tables);
  RUN(test_nist_start2);
  RUN(test_nist_start1);
  RUN(test_nist_dense);
  return gk_test_summary();
}
