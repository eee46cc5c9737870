/* Cancellation: every long-running library function stops when its
 * gk_progress callback returns non-zero, and says so with one code,
 * GK_ECANCELLED (before: vsl answered "usage", simulate "did not converge",
 * the modes sweep GK_OK after finishing every point). */
#include "gk_test.h"
#include "gainkit/gainkit.h"
#include <math.h>
#include "vpi_synth.h"

typedef struct { size_t calls, stop_after; } stopper;
static int stop_cb(void *ctx, size_t done, size_t total)
{
  (void)done, (void)total;
  stopper *s = ctx;
  int stop;
#pragma omp critical(test_cancel)
  stop = ++s->calls > s->stop_after;
  return stop;
}

static void test_sim_run(void)
{
  gk_sim_config c;
  gk_sim_config_default(&c);
  c.ncells = 40, c.nbins = 32, c.ntimes = 60;
  stopper s = {0, 3};
  gk_progress p = {stop_cb, &s};
  gk_sim_result r;
  gk_error e;
  gk_error_clear(&e);
  CHECK_INT(gk_sim_run(&c, &r, &p, &e), GK_ECANCELLED);
  CHECK_INT(e.code, GK_ECANCELLED);
  CHECK(strstr(e.msg, "cancelled") != NULL);
}

static void test_sim_sweep(void)
{
  gk_sim_config c;
  gk_sim_config_default(&c);
  c.ncells = 40, c.nbins = 32, c.ntimes = 60;
  double f[3] = {c.pump_fluence, 2 * c.pump_fluence, 3 * c.pump_fluence};
  gk_sim_result r[3];
  stopper s = {0, 0};
  gk_progress p = {stop_cb, &s};
  gk_error e;
  gk_error_clear(&e);
  CHECK_INT(gk_sim_sweep(&c, GK_SIM_SWEEP_FLUENCE, f, 3, r, &p, &e), GK_ECANCELLED);
  CHECK_INT(e.code, GK_ECANCELLED);
}

static void test_modes_sweep(void)
{
  gk_stack st;
  memset(&st, 0, sizeof st);
  gk_layer L[3] = {{.name = "air", .n = 1.0}, {.name = "film", .n = 2.4, .k = 0.001, .thickness_nm = 100, .active = 1},
                   {.name = "quartz", .n = 1.45}};
  st.layers = L, st.nlayers = 3, st.active = 1, st.wavelength_nm = 540;
  enum { N = 64 };
  double th[N];
  for (int i = 0; i < N; i++) th[i] = 60 + 5 * i;
  gk_sweep_point P[N];
  int conv = 0;
  stopper s = {0, 2};
  gk_progress p = {stop_cb, &s};
  gk_error e;
  gk_error_clear(&e);
  CHECK_INT(gk_modes_sweep(&st, 1, th, N, NULL, 0, 540, 500, P, &conv, &p, &e), GK_ECANCELLED);
  CHECK_INT(e.code, GK_ECANCELLED);
  /* the points after the cancel are skipped, not computed */
  CHECK(s.calls < N);
}

static void test_vsl_spectral(void)
{
  enum { NL = 8, NW = 64 };
  double L[NL], z[NW * NL];
  for (int j = 0; j < NL; j++) L[j] = 0.01 * (j + 1);
  for (int i = 0; i < NW; i++)
    for (int j = 0; j < NL; j++) z[i * NL + j] = (expm1(20.0 * L[j]) / 20.0) * (1 + 0.01 * ((i + j) % 3));
  gk_vsl_spectrum spec[GK_VSL_NMODELS];
  memset(spec, 0, sizeof spec);
  stopper s = {0, 2};
  gk_progress p = {stop_cb, &s};
  gk_error e;
  gk_error_clear(&e);
  CHECK_INT(gk_vsl_spectral(L, NL, z, NW, GK_WEIGHT_RELATIVE, 1u, spec, NULL, &p, &e), GK_ECANCELLED);
  CHECK_INT(e.code, GK_ECANCELLED);
  CHECK(strcmp(gk_strerror(GK_ECANCELLED), "cancelled") == 0);
}

/* Records every call: done never decreases, never passes total, total
 * never changes; stops after stop_after calls (0: never). */
typedef struct { size_t calls, stop_after, last_done, total; int monotone; } recorder;
static int record_cb(void *ctx, size_t done, size_t total)
{
  recorder *r = ctx;
  if (r->calls && (done < r->last_done || total != r->total)) r->monotone = 0;
  if (done > total) r->monotone = 0;
  r->last_done = done, r->total = total;
  r->calls++;
  return r->stop_after && r->calls > r->stop_after;
}

/* The VPI profile intervals: progress counts bootstrap replicates and
 * interval sides to total, the intervals are the same bits as without a
 * callback, and a stop request returns GK_ECANCELLED with profiled 0; the
 * same result then profiles normally (the cancelled bootstrap is redone). */
static void test_vpi_profile(void)
{
  vpi_truth t;
  synth_make(&t, 40, 12, 0.3, 0.02, 3);
  gk_vpi_data d;
  synth_data(&t, 1, &d);
  gk_vpi_result a, b;
  gk_error e;
  gk_error_clear(&e);
  CHECK_INT(gk_vpi_fit(&d, GK_VPI1, NULL, &a, &e), GK_OK);
  CHECK_INT(gk_vpi_fit(&d, GK_VPI1, NULL, &b, &e), GK_OK);
  CHECK_INT(gk_vpi_profile_thresholds_boot(&d, &a, 0.95, 3, &e), GK_OK);
  recorder rec = {0, 0, 0, 0, 1};
  gk_progress p = {record_cb, &rec};
  CHECK_INT(gk_vpi_profile_thresholds_ex(&d, &b, 0.95, 3, &p, &e), GK_OK);
  CHECK(rec.monotone);
  CHECK_INT(rec.total, 3 + 4);
  CHECK_INT(rec.last_done, rec.total);
  CHECK(rec.calls > 7);  /* polled before every refit, not only per unit */
  CHECK(a.profiled && b.profiled);
  CHECK(memcmp(&a.th_gl1_plo, &b.th_gl1_plo, sizeof a.th_gl1_plo) == 0);
  CHECK(memcmp(&a.th_gl1_phi, &b.th_gl1_phi, sizeof a.th_gl1_phi) == 0);
  CHECK(memcmp(&a.th_tr_plo, &b.th_tr_plo, sizeof a.th_tr_plo) == 0);
  CHECK(memcmp(&a.th_tr_phi, &b.th_tr_phi, sizeof a.th_tr_phi) == 0);
  CHECK_INT(a.prof_fits, b.prof_fits);
  gk_vpi_result_free(&b);
  /* cancelled in the bootstrap, then in the profile sides */
  size_t stops[2] = {2, rec.calls - 3};
  for (int k = 0; k < 2; k++) {
    CHECK_INT(gk_vpi_fit(&d, GK_VPI1, NULL, &b, &e), GK_OK);
    recorder rs = {0, stops[k], 0, 0, 1};
    gk_progress ps = {record_cb, &rs};
    gk_error_clear(&e);
    CHECK_INT(gk_vpi_profile_thresholds_ex(&d, &b, 0.95, 3, &ps, &e), GK_ECANCELLED);
    CHECK_INT(e.code, GK_ECANCELLED);
    CHECK(strstr(e.msg, "cancelled") != NULL);
    CHECK(!b.profiled);
    CHECK_INT(rs.calls, stops[k] + 1);  /* nothing polled after the stop */
    CHECK_INT(gk_vpi_profile_thresholds_boot(&d, &b, 0.95, 3, &e), GK_OK);
    CHECK(b.profiled);
    CHECK(memcmp(&a.th_tr_phi, &b.th_tr_phi, sizeof a.th_tr_phi) == 0);
    CHECK(memcmp(&a.th_gl1_plo, &b.th_gl1_plo, sizeof a.th_gl1_plo) == 0);
    gk_vpi_result_free(&b);
  }
  gk_vpi_result_free(&a);
  synth_free(&t);
}

/* Records the fit's calls: the bar's fraction done/total never falls
 * (the total may shrink once the search knows how many starts it keeps),
 * done never passes total; stops after stop_after calls (0: never). */
typedef struct { size_t calls, stop_after, last_done, last_total; int monotone; } frac_rec;
static int frac_cb(void *ctx, size_t done, size_t total)
{
  frac_rec *r = ctx;
  if (done > total || total == 0) r->monotone = 0;
  if (r->calls && (double)done * (double)r->last_total < (double)r->last_done * (double)total)
    r->monotone = 0;
  r->last_done = done, r->last_total = total;
  r->calls++;
  return r->stop_after && r->calls > r->stop_after;
}

/* The VPI fit (gk_vpi_fit_ex): the same bits as gk_vpi_fit with a callback
 * that never stops; polled once per LM iteration (far more often than
 * there are units), ending at done = total; a stop early in the start
 * search, in its middle and in the last refits returns GK_ECANCELLED at
 * once, with nothing polled after the stop and nothing left to free. On
 * 200 wavelengths (above the 128 of the wavelength-subset start search)
 * a stop inside the subset's search is honoured too. */
static void test_vpi_fit(void)
{
  for (int m = 1; m <= 2; m++) {
    gk_vpi_model model = m == 1 ? GK_VPI1 : GK_VPI2;
    vpi_truth t;
    synth_make(&t, 40, 12, m == 2 ? 0.3 : 0, 0.02, 5);
    gk_vpi_data d;
    synth_data(&t, 1, &d);
    gk_vpi_result a, b;
    gk_error e;
    gk_error_clear(&e);
    CHECK_INT(gk_vpi_fit(&d, model, NULL, &a, &e), GK_OK);
    frac_rec rec = {0, 0, 0, 0, 1};
    gk_progress p = {frac_cb, &rec};
    CHECK_INT(gk_vpi_fit_ex(&d, model, NULL, &b, &p, &e), GK_OK);
    CHECK(rec.monotone);
    CHECK(rec.last_total > 0 && rec.last_done == rec.last_total);
    CHECK(rec.calls > 5 * rec.last_total);  /* per iteration, not per unit */
    CHECK(memcmp(&a.chi2, &b.chi2, sizeof a.chi2) == 0);
    CHECK(memcmp(a.glob, b.glob, sizeof a.glob) == 0);
    CHECK(memcmp(a.gamma, b.gamma, d.nl * sizeof(double)) == 0);
    CHECK(memcmp(a.w1, b.w1, d.np * sizeof(double)) == 0);
    CHECK(memcmp(&a.th_gl1, &b.th_gl1, sizeof a.th_gl1) == 0);
    CHECK_INT(a.n_iter, b.n_iter);
    CHECK_INT(a.ncand, b.ncand);
    CHECK_INT(a.boundary, b.boundary);
    gk_vpi_result_free(&b);
    size_t stops[3] = {1, rec.calls / 2, rec.calls - 3};
    for (int k = 0; k < 3; k++) {
      frac_rec rs = {0, stops[k], 0, 0, 1};
      gk_progress ps = {frac_cb, &rs};
      gk_error_clear(&e);
      CHECK_INT(gk_vpi_fit_ex(&d, model, NULL, &b, &ps, &e), GK_ECANCELLED);
      CHECK_INT(e.code, GK_ECANCELLED);
      CHECK(strstr(e.msg, "cancelled") != NULL);
      CHECK_INT(rs.calls, stops[k] + 1);  /* nothing polled after the stop */
      CHECK(b.gamma == NULL && b.yhat == NULL);
      gk_vpi_result_free(&b);  /* harmless: nothing held */
    }
    gk_vpi_result_free(&a);
    synth_free(&t);
  }
  vpi_truth t;
  synth_make(&t, 200, 10, 0, 0.02, 6);
  gk_vpi_data d;
  synth_data(&t, 1, &d);
  gk_vpi_result b;
  gk_error e;
  gk_error_clear(&e);
  frac_rec rs = {0, 3, 0, 0, 1};
  gk_progress ps = {frac_cb, &rs};
  CHECK_INT(gk_vpi_fit_ex(&d, GK_VPI1, NULL, &b, &ps, &e), GK_ECANCELLED);
  CHECK_INT(rs.calls, 4);
  CHECK_INT(rs.last_total, 1);  /* still in the subset's search: no units counted yet */
  synth_free(&t);
}

int main(void)
{
  RUN(test_sim_run);
  RUN(test_sim_sweep);
  RUN(test_modes_sweep);
  RUN(test_vsl_spectral);
  RUN(test_vpi_profile);
  RUN(test_vpi_fit);
  return gk_test_summary();
}
