/* Tests of the fitting engine's workspace API, multi-start policy, solver
 * options, variable-projection scorer and 1-D Brent helpers, each against
 * an independent number (the one-shot gk_fit, closed forms). */
#include <float.h>
#include <string.h>
#include <gsl/gsl_math.h>

#include "gk_test.h"
#include "gainkit/fit.h"
#include "fit/solve1d.h"
#include "fit/vp.h"
#include "fit/structured.h"

#define NPT 30

static double xs[NPT], ys[NPT];

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
    j[3 * i + 1] = -t[0] * xs[i] * e;
    j[3 * i + 2] = 1;
  }
  return 0;
}

static void data(void)
{
  for (size_t i = 0; i < NPT; i++) {
    xs[i] = 0.2 * (double)i;
    ys[i] = 2.5 * exp(-0.8 * xs[i]) + 0.3 + 0.01 * sin(1.7 * (double)i);
  }
}

static gk_param par[3] = {{"a", NULL, 1, -INFINITY, INFINITY, 0},
                          {"b", NULL, 0.3, 0, INFINITY, 0},
                          {"c", NULL, 0, -INFINITY, INFINITY, 0}};

static gk_fit_problem prob(void)
{
  gk_fit_problem p = {.n = NPT, .p = 3, .y = ys, .weighting = GK_WEIGHT_NONE, .model = exp_model,
                      .jac = exp_jac, .param = par};
  return p;
}

/* alloc once, run many: every run equals the one-shot gk_fit bit for bit */
static void test_workspace_reuse(void)
{
  gk_fit_problem p = prob();
  gk_fit_result ref, r;
  gk_error e;
  CHECK_INT(gk_fit(&p, NULL, &ref, &e), GK_OK);
  CHECK(ref.converged);
  gk_fit_workspace *ws = gk_fit_alloc(NULL, NULL, NPT, 3);
  CHECK(ws != NULL);
  for (int k = 0; k < 3; k++) {
    CHECK_INT(gk_fit_run(ws, &p, &r, &e), GK_OK);
    for (int j = 0; j < 3; j++) {
      CHECK(r.value[j] == ref.value[j]);
      CHECK(r.se[j] == ref.se[j]);
    }
    CHECK(r.chi2 == ref.chi2);
    gk_fit_result_free(&r);
  }
  /* a different fixed set in the same workspace: c held at 0.3 */
  gk_param pf[3] = {par[0], par[1], par[2]};
  pf[2].init = 0.3;
  pf[2].fixed = 1;
  gk_fit_problem q = p;
  q.param = pf;
  CHECK_INT(gk_fit_run(ws, &q, &r, &e), GK_OK);
  CHECK_INT(r.n_free, 2);
  CHECK(r.converged);
  CHECK(r.value[2] == 0.3);
  gk_fit_result_free(&r);
  /* wrong size */
  gk_fit_problem bad = p;
  bad.n = NPT - 1;
  CHECK_INT(gk_fit_run(ws, &bad, &r, &e), GK_EUSAGE);
  gk_fit_free(ws);
  gk_fit_result_free(&ref);
}

/* every trust-region strategy and linear solver reaches the same optimum */
static void test_solvers(void)
{
  gk_fit_problem p = prob();
  gk_fit_result ref, r;
  gk_error e;
  CHECK_INT(gk_fit(&p, NULL, &ref, &e), GK_OK);
  for (int m = GK_FIT_LM; m <= GK_FIT_SUBSPACE2D; m++)
    for (int s = GK_FIT_SOLVER_QR; s <= GK_FIT_SOLVER_SVD; s++) {
      gk_fit_options o;
      gk_fit_options_default(&o);
      o.method = (gk_fit_method)m;
      o.solver = (gk_fit_solver)s;
      CHECK_INT(gk_fit(&p, &o, &r, &e), GK_OK);
      CHECK_MSG(r.converged, "method %d solver %d: %s", m, s, r.reason);
      CHECK_CLOSE(r.chi2, ref.chi2, 1e-9);
      CHECK_CLOSE(r.value[1], ref.value[1], 1e-6);
      gk_fit_result_free(&r);
    }
  gk_fit_result_free(&ref);
}

/* screened multi-start: the same optimum as fitting every start, fewer fits */
static void test_screened_starts(void)
{
  double starts[6 * 3] = {1, 5, 0, 1, 0.01, 0, 3, 0.8, 0.3, 2, 1, 0.2, 0.1, 20, 1, 1, 0.5, 0};
  gk_fit_problem p = prob();
  p.starts = starts;
  p.n_starts = 6;
  gk_fit_result all, scr;
  gk_error e;
  CHECK_INT(gk_fit(&p, NULL, &all, &e), GK_OK);
  CHECK_INT(all.n_fits, 7);
  p.refine = 4;
  CHECK_INT(gk_fit(&p, NULL, &scr, &e), GK_OK);
  CHECK(scr.converged);
  CHECK_CLOSE(scr.chi2, all.chi2, 1e-9);
  CHECK_MSG(scr.n_fits <= 4 && scr.n_fits >= 1, "n_fits %zu", scr.n_fits);
  /* the best-scored start is (3, 0.8, 0.3), row 3 of starts */
  CHECK_INT(scr.best_start == 3 || scr.n_fits > 1, 1);
  gk_fit_result_free(&all);
  gk_fit_result_free(&scr);
}

/* variable projection on a dictionary = closed-form straight-line fit */
static void test_vp(void)
{
  double basis[3 * NPT], w[NPT];
  for (size_t i = 0; i < NPT; i++) {
    basis[i] = 1;
    basis[NPT + i] = xs[i];
    basis[2 * NPT + i] = 2 * xs[i] + 1; /* dependent on the first two */
    w[i] = 1.0 + 0.1 * (double)(i % 3);
  }
  gk_vp_dict v;
  CHECK_INT(gk_vp_dict_init(&v, basis, 3, NPT, ys, w, 1), 0);
  /* weighted straight line by the normal equations in closed form */
  double S = 0, Sx = 0, Sxx = 0, Sy = 0, Sxy = 0;
  for (size_t i = 0; i < NPT; i++) {
    S += w[i]; Sx += w[i] * xs[i]; Sxx += w[i] * xs[i] * xs[i];
    Sy += w[i] * ys[i]; Sxy += w[i] * xs[i] * ys[i];
  }
  double det = S * Sxx - Sx * Sx, b = (S * Sxy - Sx * Sy) / det, a = (Sy - b * Sx) / S, chi2 = 0;
  for (size_t i = 0; i < NPT; i++) chi2 += w[i] * (ys[i] - a - b * xs[i]) * (ys[i] - a - b * xs[i]);
  size_t c01[2] = {0, 1}, c012[3] = {0, 1, 2};
  CHECK_CLOSE(gk_vp_chi2(&v, c01, 2), chi2, 1e-9);
  CHECK(isinf(gk_vp_chi2(&v, c012, 3)));
  gk_vp_dict_free(&v);
}

static double f_cos(double x, void *c) { (void)c; return cos(x); }
static double f_par(double x, void *c) { (void)c; return (x - 1.25) * (x - 1.25) + 0.5; }

static void test_brent(void)
{
  double r = 0, m = 0;
  CHECK_INT(gk_root_brent(f_cos, NULL, 1, 2, 0, 1e-14, 100, &r), GK_OK);
  CHECK_ABS(r, M_PI / 2, 1e-13);
  CHECK_INT(gk_root_brent(f_cos, NULL, 2, 3, 0, 1e-14, 100, &r), GK_EDOM); /* not bracketed */
  CHECK_INT(gk_root_brent(f_cos, NULL, 1, 2, 0, 1e-14, 2, &r), GK_ENOCONV);
  CHECK_INT(gk_min_brent(f_par, NULL, 0.5, -1, 3, 1e-6, 0, 100, &m), GK_OK);
  CHECK_ABS(m, 1.25, 1e-6);
  CHECK_INT(gk_min_brent(f_par, NULL, 2.9, -1, 3, 1e-6, 0, 100, &m), GK_OK);
  CHECK_INT(gk_min_brent(f_par, NULL, -0.9, 0, 3, 1e-6, 0, 100, &m) != GK_OK, 1); /* guess outside */
}


/* ---- structured driver: the exponential through explicit normal equations */
typedef struct sctx {
  double t[3], r[NPT], JtJ[9], Jtr[3];
} sctx;

static double s_eval(void *ctx, const double *u)
{
  sctx *c = ctx;
  double chi2 = 0;
  for (size_t i = 0; i < NPT; i++) {
    c->r[i] = u[0] * exp(-u[1] * xs[i]) + u[2] - ys[i];
    chi2 += c->r[i] * c->r[i];
  }
  memcpy(c->t, u, sizeof c->t);
  return chi2;
}

static void s_normal(void *ctx)
{
  sctx *c = ctx;
  double j[3 * NPT];
  exp_jac(c->t, j, NULL);
  memset(c->JtJ, 0, sizeof c->JtJ);
  memset(c->Jtr, 0, sizeof c->Jtr);
  for (size_t i = 0; i < NPT; i++)
    for (int a = 0; a < 3; a++) {
      c->Jtr[a] += j[3 * i + a] * c->r[i];
      for (int b = 0; b < 3; b++) c->JtJ[3 * a + b] += j[3 * i + a] * j[3 * i + b];
    }
}

/* (JtJ + lambda diag JtJ) dx = Jtr by Cramer's rule (3 x 3) */
static int s_step(void *ctx, double lambda, double *dx)
{
  sctx *c = ctx;
  double M[9];
  memcpy(M, c->JtJ, sizeof M);
  for (int a = 0; a < 3; a++) M[4 * a] *= 1 + lambda;
  double det = M[0] * (M[4] * M[8] - M[5] * M[7]) - M[1] * (M[3] * M[8] - M[5] * M[6]) +
               M[2] * (M[3] * M[7] - M[4] * M[6]);
  if (!(fabs(det) > 0)) return -1;
  for (int k = 0; k < 3; k++) {
    double T[9];
    memcpy(T, M, sizeof T);
    for (int a = 0; a < 3; a++) T[3 * a + k] = c->Jtr[a];
    dx[k] = (T[0] * (T[4] * T[8] - T[5] * T[7]) - T[1] * (T[3] * T[8] - T[5] * T[6]) +
             T[2] * (T[3] * T[7] - T[4] * T[6])) / det;
  }
  return 0;
}

/* b >= 0 by projection, as VPI keeps alpha >= 0 */
static void s_project(void *ctx, double *u)
{
  (void)ctx;
  u[1] = fmax(u[1], 0);
}

/* The engine's structured LM (the driver behind VPI) reaches the dense
 * driver's optimum: chi2 to 1e-10, parameters to 1e-6. */
static void test_structured(void)
{
  gk_fit_problem pr = prob();
  gk_fit_result r;
  CHECK_INT(gk_fit(&pr, NULL, &r, NULL), GK_OK);
  sctx c;
  gk_sfit_ops ops = {s_eval, s_normal, s_step, s_project, NULL, NULL};
  gk_sfit_control ctl = {200, 1e-12, 0, NPT - 3};
  gk_sfit_workspace *w = gk_sfit_alloc(3);
  CHECK(w != NULL);
  double u[3] = {1, 0.3, 0};
  gk_sfit_report o = gk_sfit_run(w, &ops, &c, u, &ctl);
  CHECK_MSG(o.converged, "structured LM: %s", o.reason);
  CHECK_CLOSE(o.chi2, r.chi2, 1e-10);
  for (int k = 0; k < 3; k++) CHECK_CLOSE(u[k], r.value[k], 1e-6);
  /* the problem's state is that of u on return */
  CHECK_CLOSE(c.t[1], u[1], 0);
  /* no iterations allowed: the start's chi2, not converged */
  double u0[3] = {1, 0.3, 0};
  ctl.max_iter = 0;
  o = gk_sfit_run(w, &ops, &c, u0, &ctl);
  CHECK(!o.converged && o.iter == 0 && u0[0] == 1);
  gk_sfit_free(w);
  gk_fit_result_free(&r);
}

/* The normal equations turn NaN from the third iteration on (as VPI's
 * did where x^m overflowed in dn(P)'s gradient): no damped step exists at
 * any damping, and the driver must not call that point a minimum. It
 * did ("cost cannot be lowered further", converged) before. */
static int nan_calls;
static void s_normal_nan(void *ctx)
{
  s_normal(ctx);
  if (++nan_calls >= 3) ((sctx *)ctx)->JtJ[4] = NAN;
}

static void test_structured_nan(void)
{
  sctx c;
  gk_sfit_ops ops = {s_eval, s_normal_nan, s_step, s_project, NULL, NULL};
  gk_sfit_control ctl = {200, 1e-12, 0, NPT - 3};
  gk_sfit_workspace *w = gk_sfit_alloc(3);
  CHECK(w != NULL);
  double u[3] = {1, 0.3, 0}, u2[3];
  nan_calls = 0;
  gk_sfit_report o = gk_sfit_run(w, &ops, &c, u, &ctl);
  CHECK_MSG(!o.converged, "NaN normal equations reported as converged: %s", o.reason);
  CHECK(strstr(o.reason, "not finite") != NULL);
  CHECK_INT((int)o.iter, 3);
  /* the state is the best point reached, its chi2 the reported one */
  memcpy(u2, u, sizeof u2);
  CHECK_CLOSE(s_eval(&c, u2), o.chi2, 0);
  CHECK(isfinite(o.chi2));
  gk_sfit_free(w);
}

/* The one multi-start policy: ranking of screened candidates, the
 * agreement, target and wander stops, the two orders of "best". */
static void test_ms_policy(void)
{
  double sc[3];
  int pay[3], item;
  size_t n = 0;
  const double s[] = {5, 3, INFINITY, 4, 1, 3};
  for (int k = 0; k < 6; k++) {
    item = k;
    gk_ms_rank(sc, pay, sizeof *pay, &n, 3, s[k], &item);
  }
  /* kept: 1 (k=4), 3 (k=1), 3 (k=5, after the equal one) */
  CHECK_INT(n, 3);
  CHECK_INT(pay[0], 4);
  CHECK_INT(pay[1], 1);
  CHECK_INT(pay[2], 5);
  CHECK(sc[0] == 1 && sc[1] == 3 && sc[2] == 3);

  gk_ms ms;
  gk_ms_policy pol = {.agree = 2, .agree_rel = 1e-9, .target = INFINITY};
  gk_ms_begin(&ms, &pol);
  CHECK(gk_ms_record(&ms, 0, 1, 0, 5.0, 1));   /* not converged: best so far */
  CHECK(gk_ms_record(&ms, 1, 1, 1, 7.0, 0));   /* converged beats lower chi2 */
  CHECK(!gk_ms_done(&ms));
  CHECK(gk_ms_record(&ms, 2, 1, 1, 6.0, 0));   /* lower: new best, one hit */
  CHECK(!gk_ms_done(&ms));
  CHECK(!gk_ms_record(&ms, 3, 1, 1, 7.0, 0));  /* agrees with a worse one: no stop */
  CHECK(!gk_ms_done(&ms));
  CHECK(!gk_ms_record(&ms, 4, 1, 1, 6.0 * (1 + 1e-12), 0));  /* second at the best: stop */
  CHECK(gk_ms_done(&ms));
  CHECK_INT(ms.best, 2);
  CHECK_INT(ms.n_fits, 5);

  pol.lowest_chi2 = 1;
  gk_ms_begin(&ms, &pol);
  gk_ms_record(&ms, 0, 1, 1, 7.0, 0);
  CHECK(gk_ms_record(&ms, 1, 1, 0, 5.0, 1));   /* lowest chi2 wins over converged */
  CHECK_INT(ms.best, 1);

  pol = (gk_ms_policy){.agree = 2, .agree_rel = 1e-6, .target = 10.0};
  gk_ms_begin(&ms, &pol);
  gk_ms_record(&ms, 0, 1, 1, 10.0 * (1 + 1e-8), 0);  /* reaches the known minimum */
  CHECK(gk_ms_done(&ms));

  pol = (gk_ms_policy){.agree = 2, .target = INFINITY, .max_wander = 2};
  gk_ms_begin(&ms, &pol);
  gk_ms_record(&ms, 0, 1, 0, 3.0, 1);
  CHECK(!gk_ms_done(&ms));
  gk_ms_record(&ms, 1, 0, 0, NAN, 0);            /* no result: counted, nothing else */
  CHECK(!gk_ms_done(&ms) && ms.n_fits == 2);
  gk_ms_record(&ms, 2, 1, 0, 4.0, 1);
  CHECK(gk_ms_done(&ms));
}

/* The dense LM driver reaches GSL's optimum, standard errors and
 * convergence with every scaling, with analytic and finite-difference
 * Jacobians, with a bounded (b >= 0) and a fixed parameter, through a
 * reused workspace; a model failure at the start is reported as such. */
static int fail_model(const double *t, double *yhat, void *ctx)
{
  (void)t; (void)yhat; (void)ctx;
  return 1;
}

/* gk_fit with the dense driver and otherwise default options */
static int fit_dense(const gk_fit_problem *p, gk_fit_result *r)
{
  gk_fit_options o;
  gk_fit_options_default(&o);
  o.method = GK_FIT_LM_DENSE;
  gk_error e;
  return gk_fit(p, &o, r, &e);
}

static void test_dense_driver(void)
{
  for (int sc = 0; sc < 3; sc++)
    for (int fd = 0; fd < 2; fd++)
      for (int fix = 0; fix < 2; fix++) {
        gk_param pp[3];
        memcpy(pp, par, sizeof pp);
        pp[2].fixed = fix;
        pp[2].init = fix ? 0.3 : 0;
        gk_fit_problem p = prob();
        p.param = pp;
        if (fd) p.jac = NULL;
        gk_fit_options og, od;
        gk_fit_options_default(&og);
        og.scale = sc;
        od = og;
        od.method = GK_FIT_LM_DENSE;
        gk_fit_result rg, rd;
        gk_error e;
        CHECK_INT(gk_fit(&p, &og, &rg, &e), GK_OK);
        gk_fit_workspace *ws = gk_fit_alloc(NULL, &od, NPT, 3);
        CHECK(ws != NULL);
        for (int rep = 0; rep < 2; rep++) {
          CHECK_INT(gk_fit_run(ws, &p, &rd, &e), GK_OK);
          CHECK_MSG(rd.converged == rg.converged, "scale %d fd %d fixed %d: %s / %s", sc, fd, fix, rd.reason,
                    rg.reason);
          CHECK_CLOSE(rd.chi2, rg.chi2, 1e-10);
          for (int k = 0; k < 3; k++) {
            CHECK_CLOSE(rd.value[k], rg.value[k], fd ? 1e-7 : 1e-9);
            if (!pp[k].fixed) CHECK_CLOSE(rd.se[k], rg.se[k], fd ? 1e-5 : 1e-7);
            else CHECK(rd.se[k] == 0);
          }
          CHECK(rd.n_iter > 0 && rd.n_fev >= rd.n_iter && rd.n_jev > 0);
          gk_fit_result_free(&rd);
        }
        gk_fit_free(ws);
        gk_fit_result_free(&rg);
      }
  /* the model fails everywhere: an error, not a fit */
  gk_fit_problem p = prob();
  p.model = fail_model;
  gk_fit_result r;
  CHECK_INT(fit_dense(&p, &r), GK_EDOM);
}

/* The dense driver's covariance on a straight line y = a + b x (x_i = x0 + i)
 * against the closed form of linear least squares, var b = s2/Sxx,
 * var a = s2 (1/n + xbar^2/Sxx), cov ab = -s2 xbar/Sxx (s2 = chi2/(n-2),
 * sums about the mean), at three conditionings of the column-scaled
 * Jacobian (cond ~ 2 xbar/std(x)): x0 = 10, cond ~ 5 (R^-1 path); x0 = 1e10,
 * cond ~ 2e9 (above the R^-1 bound: the SVD, still full rank); x0 = 1e15,
 * cond ~ 2e14 (beyond the rank threshold 1e13: no standard errors, the
 * reason names a parameter). */
static const double *lin_x;
static int lin_model(const double *t, double *yhat, void *ctx)
{
  (void)ctx;
  for (size_t i = 0; i < NPT; i++) yhat[i] = t[0] + t[1] * lin_x[i];
  return 0;
}
static int lin_jac(const double *t, double *j, void *ctx)
{
  (void)ctx;
  (void)t;
  for (size_t i = 0; i < NPT; i++) {
    j[2 * i] = 1;
    j[2 * i + 1] = lin_x[i];
  }
  return 0;
}
static void test_dense_cov_conditioning(void)
{
  const double x0s[3] = {10, 1e10, 1e15};
  for (int c = 0; c < 3; c++) {
    double x[NPT], y[NPT], xbar = 0, ybar = 0;
    for (size_t i = 0; i < NPT; i++) {
      x[i] = x0s[c] + (double)i;
      y[i] = 1 + 0.5 * (double)i + 0.3 * sin(1.7 * (double)i);
      xbar += x[i] / NPT;
      ybar += y[i] / NPT;
    }
    /* the closed form in centred sums (i - 14.5 exactly: x - xbar without
     * the rounding of x0 + i - xbar) */
    double sxx = 0, sxy = 0;
    for (size_t i = 0; i < NPT; i++) {
      const double u = (double)i - 14.5;
      sxx += u * u;
      sxy += u * (y[i] - ybar);
    }
    const double b = sxy / sxx, a = ybar - b * xbar;
    double chi2 = 0;
    for (size_t i = 0; i < NPT; i++) {
      const double r = y[i] - ybar - b * ((double)i - 14.5);
      chi2 += r * r;
    }
    lin_x = x;
    gk_param pp[2] = {{"a", NULL, a * (1 + 1e-3) + 1e-3, -INFINITY, INFINITY, 0},
                      {"b", NULL, b * (1 - 1e-3), -INFINITY, INFINITY, 0}};
    gk_fit_problem p = {.n = NPT, .p = 2, .y = y, .weighting = GK_WEIGHT_NONE, .model = lin_model,
                        .jac = lin_jac, .param = pp};
    gk_fit_result r;
    CHECK_INT(fit_dense(&p, &r), GK_OK);
    if (c < 2) {
      CHECK_MSG(r.cov_ok, "x0 %g: %s", x0s[c], r.reason);
      /* the optimum: at x0 = 1e10 the model's own a + b x cancels ~1e10
       * (|a| eps ~ 5e-7 per point), so chi2 agrees to ~1e-5 only */
      CHECK_CLOSE(r.chi2, chi2, c == 0 ? 1e-12 : 1e-5);
      /* (X^T X)^-1, scaled by the fit's chi2: to ~cond eps */
      const double s2 = r.chi2 / (NPT - 2), tol = c == 0 ? 1e-12 : 1e-5;
      CHECK_CLOSE(r.se[1], sqrt(s2 / sxx), tol);
      CHECK_CLOSE(r.se[0], sqrt(s2 * (1.0 / NPT + xbar * xbar / sxx)), tol);
      CHECK_CLOSE(r.cov[1], -s2 * xbar / sxx, tol);
      CHECK(r.cov[1] == r.cov[2]);
    } else {
      CHECK(!r.cov_ok);
      CHECK(isnan(r.se[0]) && isnan(r.se[1]));
      CHECK_MSG(strstr(r.reason, "singular Jacobian") != NULL, "%s", r.reason);
    }
    gk_fit_result_free(&r);
  }
}

/* gk_min_parabolic: exact on a parabola in one step; on a non-quadratic
 * smooth minimum it improves on the centre and converges to the minimum;
 * never returns a point worse than the centre. */
static double parab_q(double x, void *ctx)
{
  (*(int *)ctx)++;
  return 3 * (x - 1.3) * (x - 1.3) + 2;
}
static double parab_c(double x, void *ctx)
{
  (*(int *)ctx)++;
  return cosh(x - 0.37) + 0.1 * (x - 0.37) * (x - 0.37) * (x - 0.37);
}

static void test_parabolic(void)
{
  int n = 0;
  double fb, x = gk_min_parabolic(parab_q, &n, 1.0, 0.5, parab_q(0.5, &n), parab_q(1.0, &n), parab_q(1.5, &n), 1e-12, 5,
                                  &fb);
  CHECK_CLOSE(x, 1.3, 1e-12);
  CHECK_CLOSE(fb, 2.0, 1e-14);
  n = 0;
  x = gk_min_parabolic(parab_c, &n, 0.0, 1.0, parab_c(-1.0, &n), parab_c(0.0, &n), parab_c(1.0, &n), 1e-9, 30, &fb);
  CHECK(fabs(x - 0.37) < 1e-6);
  CHECK(fb <= parab_c(0.0, &n));
  CHECK(n <= 3 + 30 + 1);
  /* a centre that is already the best point stays */
  n = 0;
  x = gk_min_parabolic(parab_q, &n, 1.3, 0.1, parab_q(1.2, &n), parab_q(1.3, &n), parab_q(1.4, &n), 1e-6, 5, &fb);
  CHECK_CLOSE(x, 1.3, 1e-12);
}

/* gk_root_newton_safe: the root of e^y - 3 (monotone, convex) from both
 * sides and from a start outside the bracket's useful part; a root
 * against an independent number (ln 3); a domain edge (NaN beyond y = 2)
 * is treated as the bracket's upper end. gk_min_pattern: a parabola's
 * vertex by shrinking steps. */
static double nw_fdf(double y, void *ctx, double *df)
{
  (*(int *)ctx)++;
  if (y > 2) return NAN;
  *df = exp(y);
  return exp(y) - 3;
}
static double pat_f(double x, void *ctx)
{
  (void)ctx;
  return x > 5 ? NAN : (x - 0.3) * (x - 0.3) + 1;
}
static void test_newton_safe(void)
{
  const double starts[] = {-3, 0, 1.9, 1.5, 5};
  for (size_t k = 0; k < sizeof starts / sizeof *starts; k++) {
    int n = 0;
    double y;
    CHECK_INT(gk_root_newton_safe(nw_fdf, &n, starts[k], -10, INFINITY, 1e-10, 1e-6, 60, &y), GK_OK);
    CHECK_CLOSE(y, log(3.0), 1e-14);
    CHECK_MSG(n < 40, "start %g: %d evaluations", starts[k], n);
  }
  /* no finite lower end and only NaN above: bisection is impossible */
  int n = 0;
  double y = 0;
  CHECK_INT(gk_root_newton_safe(nw_fdf, &n, 5, -INFINITY, INFINITY, 1e-10, 1e-6, 60, &y), GK_EDOM);
  double fb, x = gk_min_pattern(pat_f, NULL, 0, pat_f(0, NULL), 1, 0.6, 40, &fb);
  CHECK(fabs(x - 0.3) < 1e-6);
  CHECK(fb <= pat_f(0.3, NULL) + 1e-12);
  /* a NaN is never lower: from 5.5 (f NaN beyond 5) the step to 5.5 - 0.6
   * is taken, the one back above 5 is not */
  x = gk_min_pattern(pat_f, NULL, 5.5, INFINITY, 1, 0.6, 1, &fb);
  CHECK(x == 5.5 - 0.6 && fb == pat_f(5.5 - 0.6, NULL));
}

/* gk_ms's lowest_chi2 = 2 (sat-exact's rule) and gk_ms_prefer */
static void test_ms_lowest_tol(void)
{
  gk_ms ms;
  gk_ms_policy pol = {.agree = 0, .agree_rel = 1e-6, .target = INFINITY, .lowest_chi2 = 2};
  gk_ms_begin(&ms, &pol);
  CHECK(gk_ms_record(&ms, 0, 1, 1, 10.0, 0));           /* first */
  CHECK(!gk_ms_record(&ms, 1, 1, 0, 10.0 - 1e-7, 0));   /* not converged, lower within rounding: no */
  CHECK(gk_ms_record(&ms, 2, 1, 0, 9.0, 1));            /* not converged, lower beyond: yes */
  CHECK(!gk_ms_record(&ms, 3, 1, 1, 9.5, 0));           /* converged but higher beyond: no */
  CHECK(gk_ms_record(&ms, 4, 1, 1, 9.0 + 1e-7, 0));     /* converged within rounding: yes */
  CHECK(!gk_ms_done(&ms));
  CHECK(ms.best == 4);
  /* the preferred candidate wins unless beaten beyond rounding */
  CHECK(gk_ms_prefer(&ms, 5, 1, 9.0 + 5e-6));
  CHECK(ms.best == 5);
  CHECK(!gk_ms_prefer(&ms, 6, 1, 12.0));
  CHECK(ms.best == 5);
}

/* gk_fit_options.intermediate: the same run, refinement included (same
 * point and chi2 to the last bit), but no covariance: cov_ok 0, se NaN for
 * free parameters and 0 for fixed ones; the reason is the solver's. */
static void test_intermediate(void)
{
  for (int dense = 0; dense < 2; dense++)
    for (int fix = 0; fix < 2; fix++) {
      gk_param pp[3];
      memcpy(pp, par, sizeof pp);
      pp[2].fixed = fix;
      pp[2].init = fix ? 0.3 : 0;
      gk_fit_problem p = prob();
      p.param = pp;
      gk_fit_options o, oi;
      gk_fit_options_default(&o);
      if (dense) o.method = GK_FIT_LM_DENSE;
      oi = o;
      oi.intermediate = 1;
      gk_fit_result r, ri;
      gk_error e;
      CHECK_INT(gk_fit(&p, &o, &r, &e), GK_OK);
      CHECK_INT(gk_fit(&p, &oi, &ri, &e), GK_OK);
      CHECK(r.cov_ok == 1);
      CHECK_MSG(ri.cov_ok == 0, "dense %d fixed %d: covariance computed", dense, fix);
      CHECK(ri.converged == r.converged && ri.n_iter == r.n_iter);
      CHECK_MSG(ri.chi2 == r.chi2, "dense %d fixed %d: chi2 %.17g vs %.17g", dense, fix, ri.chi2, r.chi2);
      CHECK(strcmp(ri.reason, r.reason) == 0);
      for (int k = 0; k < 3; k++) {
        CHECK_MSG(ri.value[k] == r.value[k], "dense %d fixed %d k %d: %.17g vs %.17g", dense, fix, k, ri.value[k],
                  r.value[k]);
        if (pp[k].fixed) CHECK(ri.se[k] == 0);
        else CHECK(isnan(ri.se[k]) && r.se[k] > 0);
      }
      gk_fit_result_free(&r);
      gk_fit_result_free(&ri);
    }
}


/* ---- the basin stop (structured.h gk_ms_basin) ----------------------------
 * y = a sin(w x) on x in [0, 6], data at w = 2: chi2(w) has local minima
 * away from the global one. */
static double bx[NPT], by[NPT];
static int sin_model(const double *t, double *yhat, void *ctx)
{
  (void)ctx;
  for (size_t i = 0; i < NPT; i++) yhat[i] = t[0] * sin(t[1] * bx[i]);
  return 0;
}
static int sin_jac(const double *t, double *j, void *ctx)
{
  (void)ctx;
  for (size_t i = 0; i < NPT; i++) {
    j[2 * i] = sin(t[1] * bx[i]);
    j[2 * i + 1] = t[0] * bx[i] * cos(t[1] * bx[i]);
  }
  return 0;
}
/* the basin of a fit: its point, chi2, H = J^T J there */
static gk_ms_basin sin_basin(const gk_fit_result *r)
{
  double J[2 * NPT];
  sin_jac(r->value, J, NULL);
  gk_ms_basin b = {.p = 2, .theta = {r->value[0], r->value[1]}, .box = {1, 1}, .chi2 = r->chi2,
                   .dchi2 = r->chi2 / (NPT - 2)};
  for (size_t i = 0; i < NPT; i++) {
    b.H[0] += J[2 * i] * J[2 * i];
    b.H[1] += J[2 * i] * J[2 * i + 1];
    b.H[3] += J[2 * i + 1] * J[2 * i + 1];
  }
  b.H[2] = b.H[1];
  return b;
}
static void test_basin(void)
{
  for (size_t i = 0; i < NPT; i++) {
    bx[i] = 0.2 * (double)i;
    by[i] = sin(2 * bx[i]) + 0.05 * sin(7.3 * (double)i);
  }
  gk_param bp[2] = {{"a", NULL, 1, -INFINITY, INFINITY, 0}, {"w", NULL, 2.1, -INFINITY, INFINITY, 0}};
  gk_fit_problem p = {.n = NPT, .p = 2, .y = by, .weighting = GK_WEIGHT_NONE, .model = sin_model,
                      .jac = sin_jac, .param = bp};
  gk_fit_options o;
  gk_fit_options_default(&o);
  o.method = GK_FIT_LM_DENSE;
  gk_fit_workspace *ws = gk_fit_alloc(NULL, &o, NPT, 2);
  gk_error e;
  gk_fit_result rg, rl, r;
  /* the global optimum (w near 2) and a local one (w near 2.74) */
  CHECK_INT(gk_fit_run(ws, &p, &rg, &e), GK_OK);
  bp[1].init = 2.75;
  CHECK_INT(gk_fit_run(ws, &p, &rl, &e), GK_OK);
  CHECK_MSG(rg.converged && rl.converged && fabs(rg.value[1] - 2) < 0.05 && fabs(rl.value[1] - 2) > 0.3 &&
                rl.chi2 > 2 * rg.chi2,
            "two basins: w %.6g (chi2 %.6g) and w %.6g (chi2 %.6g)", rg.value[1], rg.chi2, rl.value[1], rl.chi2);

  /* a start in the global basin, with the global fit's basin set: stops
   * there (fewer iterations than its full fit), at a chi2 inside the region */
  gk_ms_basin b = sin_basin(&rg);
  bp[0].init = 0.7;
  bp[1].init = 1.93;
  gk_fit_result rf;
  CHECK_INT(gk_fit_run(ws, &p, &rf, &e), GK_OK);
  gk_fit_basin_(ws, &b);
  b.hit = 0;
  CHECK_INT(gk_fit_run(ws, &p, &r, &e), GK_OK);
  CHECK_MSG(b.hit == 1 && r.converged, "stopped in the basin (hit %d)", b.hit);
  CHECK_MSG(r.n_iter < rf.n_iter, "the basin stop saves iterations: %zu vs %zu", r.n_iter, rf.n_iter);
  CHECK_MSG(r.chi2 - rg.chi2 <= b.dchi2 && fabs(rf.chi2 - rg.chi2) <= 1e-9 * rg.chi2,
            "inside the region; the full fit from there reaches the global chi2");
  gk_fit_result_free(&r);
  gk_fit_result_free(&rf);

  /* the LOCAL fit's basin set, a start in the global basin: never stopped
   * there, it converges to the global optimum */
  b = sin_basin(&rl);
  b.hit = 0;
  gk_fit_basin_(ws, &b);
  CHECK_INT(gk_fit_run(ws, &p, &r, &e), GK_OK);
  CHECK_MSG(b.hit == 0 && r.converged && fabs(r.chi2 - rg.chi2) <= 1e-9 * rg.chi2,
            "another basin's start is not stopped (hit %d, chi2 %.9g vs %.9g)", b.hit, r.chi2, rg.chi2);
  gk_fit_result_free(&r);
  /* a start in the local basin with the local basin set: stopped */
  bp[0].init = rl.value[0] * 0.8;
  bp[1].init = rl.value[1] * 1.01;
  b.hit = 0;
  CHECK_INT(gk_fit_run(ws, &p, &r, &e), GK_OK);
  CHECK_MSG(b.hit == 1, "the local basin's own start is stopped there");
  gk_fit_result_free(&r);
  gk_fit_basin_(ws, NULL);

  /* the test itself: the bowl's own point passes; the same chi2 with a
   * zero gradient (another minimum), a chi2 outside the region, or a chi2
   * the bowl does not predict, fail */
  gk_ms_basin q = {.p = 2, .theta = {1, 2}, .H = {4, 1, 1, 3}, .box = {1, 1}, .chi2 = 10, .dchi2 = 1};
  double d[2] = {0.1, -0.2}, th[2] = {1.1, 1.8}, hd[2] = {4 * 0.1 + 1 * -0.2, 1 * 0.1 + 3 * -0.2};
  double qq = d[0] * hd[0] + d[1] * hd[1], zero[2] = {0, 0};
  CHECK(gk_ms_in_basin(&q, th, 10 + qq, hd));
  CHECK(!gk_ms_in_basin(&q, th, 10 + qq, zero));
  CHECK(!gk_ms_in_basin(&q, th, 10 + 1.5 * qq, hd));
  double far[2] = {1 + 10 * d[0], 2 + 10 * d[1]}, hdf[2] = {10 * hd[0], 10 * hd[1]};
  CHECK(!gk_ms_in_basin(&q, far, 10 + 100 * qq, hdf));
  /* the bowl's numbers outside the box (a flat valley's far end) fail */
  q.box[1] = 0.1;
  CHECK(!gk_ms_in_basin(&q, th, 10 + qq, hd));
  gk_fit_result_free(&rg);
  gk_fit_result_free(&rl);
  gk_fit_free(ws);
}

int main(void)
{
  RUN(test_basin);
  data();
  RUN(test_intermediate);
  RUN(test_dense_driver);
  RUN(test_dense_cov_conditioning);
  RUN(test_parabolic);
  RUN(test_workspace_reuse);
  RUN(test_solvers);
  RUN(test_screened_starts);
  RUN(test_vp);
  RUN(test_brent);
  RUN(test_structured);
  RUN(test_structured_nan);
  RUN(test_ms_policy);
  RUN(test_newton_safe);
  RUN(test_ms_lowest_tol);
  return gk_test_summary();
}
