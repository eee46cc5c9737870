/* Tests of the map preparation of gainkit/tamap.h (gk_tamap_prepare,
 * gk_tamap_series_signal, gk_tamap_common_delay, gk_tamap_gain_curve,
 * gk_tamap_global_fit_passes): numbers computed by hand from the files
 * written here, the documented sequence of library calls, and every error
 * path naming its struct field (never a command-line flag). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gainkit/tamap.h"
#include "gk_test.h"

static void write_file(char *path, const char *text)
{
  int fd = mkstemp(path);
  FILE *f = fdopen(fd, "w");
  fputs(text, f);
  fclose(f);
}

/* 3 wavelengths x 4 delays, ps, mOD; the first delay is before time zero */
static const char *MAP =
  "wavelength (nm) \\ delay (ps),-1,0,1,10\n"
  "500,1,2,-3,4\n"
  "510,0.5,6,7,-8\n"
  "520,-2,10,11,12\n";

static void test_prepare(void)
{
  char p[] = "/tmp/gk_tamap_prep_XXXXXX";
  write_file(p, MAP);
  gk_tamap_prepare_options o;
  gk_tamap_prepare_options_default(&o);
  CHECK(isnan(o.background));
  CHECK_INT(o.chirp_order, -1);
  CHECK_ABS(o.exclude, 0, 0);
  o.read.signal_unit = "mOD";
  o.background = -0.5e-12;
  o.keep_base = 1;
  gk_tamap_prepared m;
  gk_error e;
  gk_error_clear(&e);
  CHECK_INT(gk_tamap_prepare(p, &o, &m, &e), GK_OK);
  CHECK_INT((long)m.map.nw, 3);
  CHECK_INT((long)m.map.nt, 4);
  CHECK_INT(m.has_chirp, 0);
  CHECK_INT((long)m.notes.n, 0);            /* 10 ps: plausible */
  CHECK_STR(m.map.t_unit, "ps");
  CHECK_INT(m.map.t_line, 1);
  /* background: the value at -1 ps subtracted per wavelength, mOD -> OD */
  CHECK_ABS(m.map.z[0 * 4 + 1], (2 - 1) * 1e-3, 1e-15);
  CHECK_ABS(m.map.z[1 * 4 + 3], (-8 - 0.5) * 1e-3, 1e-15);
  CHECK_ABS(m.map.z[2 * 4 + 2], (11 + 2) * 1e-3, 1e-15);
  CHECK(m.base_use != NULL);
  for (size_t i = 0; m.base_use && i < 12; i++) CHECK_INT(m.base_use[i], 1);
  gk_tamap_prepared_free(&m);
  CHECK(m.base_use == NULL && m.map.z == NULL);

  /* the artefact window: the same as gk_tamap_chirp_fit (quadratic, or
   * none when it fails) then gk_tamap_exclude on the read map */
  o.background = NAN;
  o.keep_base = 0;
  o.exclude = 0.5e-12;
  CHECK_INT(gk_tamap_prepare(p, &o, &m, &e), GK_OK);
  gk_tamap ref;
  CHECK_INT(gk_tamap_read(p, &o.read, &ref, &e), GK_OK);
  gk_tamap_chirp cw;
  int own = gk_tamap_chirp_fit(&ref, 2, &cw, NULL) == GK_OK;
  size_t nx = gk_tamap_exclude(&ref, own ? &cw : NULL, 0.5e-12);
  CHECK(nx > 0);
  CHECK(m.map.use != NULL && ref.use != NULL);
  for (size_t i = 0; m.map.use && ref.use && i < 12; i++) CHECK_INT(m.map.use[i], ref.use[i]);
  CHECK(m.base_use == NULL);
  gk_tamap_free(&ref);
  gk_tamap_prepared_free(&m);

  /* the delays read in s (up to 10 s): a note naming file:line and the column */
  o.exclude = 0;
  o.read.delay_unit = "s";
  CHECK_INT(gk_tamap_prepare(p, &o, &m, &e), GK_OK);
  CHECK_INT((long)m.notes.n, 1);
  if (m.notes.n) {
    CHECK(strstr(m.notes.msg[0], ":1:") != NULL);
    CHECK(strstr(m.notes.msg[0], "'delay'") != NULL);
    CHECK(strstr(m.notes.msg[0], "plausible") != NULL);
  }
  gk_tamap_prepared_free(&m);
  /* in fs (up to 10 fs) it is plausible */
  o.read.delay_unit = "fs";
  CHECK_INT(gk_tamap_prepare(p, &o, &m, &e), GK_OK);
  CHECK_INT((long)m.notes.n, 0);
  gk_tamap_prepared_free(&m);
  o.read.delay_unit = NULL;

  /* errors name the field, never a flag */
  o.background = -5e-12;
  gk_error_clear(&e);
  CHECK_INT(gk_tamap_prepare(p, &o, &m, &e), GK_EUSAGE);
  CHECK_STR(e.option, "background");
  CHECK(strstr(e.msg, p) != NULL && strstr(e.msg, "no delay before -5 ps") != NULL);
  CHECK(strstr(e.msg, "--") == NULL);
  o.background = NAN;
  o.chirp_order = GK_TAMAP_MAX_ORDER + 1;
  gk_error_clear(&e);
  CHECK_INT(gk_tamap_prepare(p, &o, &m, &e), GK_EUSAGE);
  CHECK_STR(e.option, "chirp_order");
  CHECK(m.map.z == NULL);
  /* a read error keeps file:line */
  o.chirp_order = -1;
  o.read.signal_unit = "furlongs";
  CHECK(gk_tamap_prepare(p, &o, &m, &e) != GK_OK);
  unlink(p);
  o.read.signal_unit = NULL;
  CHECK(gk_tamap_prepare(p, &o, &m, &e) != GK_OK);
}

static void test_series_signal(void)
{
  /* three maps, dA = -s_k x (1, 2, 3 over 500/510/520 nm) at t >= 1 ps:
   * the window 1..10 ps, 505..520 nm averages (2 + 3)/2 s_k, flipped */
  double s[3] = {1, 2, 4};
  char paths[3][32];
  const char *pp[3];
  for (int k = 0; k < 3; k++) {
    char text[256];
    snprintf(text, sizeof text,
             "wavelength (nm) \\ delay (ps),-1,0,1,10\n500,0,0,%g,%g\n510,0,0,%g,%g\n520,0,0,%g,%g\n", -s[k],
             -s[k], -2 * s[k], -2 * s[k], -3 * s[k], -3 * s[k]);
    snprintf(paths[k], sizeof paths[k], "/tmp/gk_tamap_ser_XXXXXX");
    write_file(paths[k], text);
    pp[k] = paths[k];
  }
  gk_tamap_prepare_options o;
  gk_tamap_prepare_options_default(&o);
  double y[3];
  int flipped = -1;
  gk_notes notes = {0};
  gk_error e;
  gk_error_clear(&e);
  CHECK_INT(gk_tamap_series_signal(pp, 3, &o, 1e-12, 10e-12, 505, 520, y, &flipped, &notes, &e), GK_OK);
  CHECK_INT(flipped, 1);
  for (int k = 0; k < 3; k++) CHECK_CLOSE(y[k], 2.5 * s[k], 1e-12);
  CHECK_INT((long)notes.n, 0);
  /* delays taken as s: every map's note collected */
  o.read.delay_unit = "s";
  CHECK_INT(gk_tamap_series_signal(pp, 3, &o, 1, 10, 505, 520, y, &flipped, &notes, &e), GK_OK);
  CHECK_INT((long)notes.n, 3);
  gk_notes_free(&notes);
  o.read.delay_unit = NULL;
  /* no point in the window: the file and the field `band` */
  gk_error_clear(&e);
  CHECK_INT(gk_tamap_series_signal(pp, 3, &o, 20e-12, 30e-12, 0, 1e9, y, &flipped, NULL, &e), GK_EINPUT);
  CHECK_STR(e.file, pp[0]);
  CHECK(strstr(e.msg, "`band`") != NULL && strstr(e.msg, "--") == NULL);
  /* signs that change across the maps: refused, naming `window` */
  FILE *f = fopen(paths[2], "w");
  fputs("wavelength (nm) \\ delay (ps),-1,0,1,10\n500,0,0,1,1\n510,0,0,1,1\n520,0,0,1,1\n", f);
  fclose(f);
  gk_error_clear(&e);
  CHECK_INT(gk_tamap_series_signal(pp, 3, &o, 1e-12, 10e-12, 0, 1e9, y, &flipped, NULL, &e), GK_EINPUT);
  CHECK(strstr(e.msg, "change sign") != NULL && strstr(e.msg, "`window`") != NULL);
  for (int k = 0; k < 3; k++) unlink(paths[k]);
}

static void test_common_delay(void)
{
  double wl[2] = {500, 510}, z[8] = {0};
  double t1[4] = {-1e-12, 1e-12, 2e-12, 5e-12}, t2[4] = {-2e-12, 0, 2e-12, 4e-12}, t3[4] = {-1e-12, 1e-12, 3e-12, 5e-12};
  gk_tamap a, b, c;
  CHECK_INT(gk_tamap_init(&a, 2, 4, wl, t1, z, NULL), GK_OK);
  CHECK_INT(gk_tamap_init(&b, 2, 4, wl, t2, z, NULL), GK_OK);
  CHECK_INT(gk_tamap_init(&c, 2, 4, wl, t3, z, NULL), GK_OK);
  const gk_tamap *ab[2] = {&a, &b}, *ac[2] = {&a, &c};
  double t = 0;
  gk_error e;
  CHECK_INT(gk_tamap_common_delay(ab, 2, 2.4e-12, &t, &e), GK_OK);
  CHECK_ABS(t, 2e-12, 0);                      /* nearest of the first map, present in both */
  gk_error_clear(&e);
  CHECK_INT(gk_tamap_common_delay(ac, 2, 2.4e-12, &t, &e), GK_EINPUT);
  CHECK(strstr(e.msg, "no delay at 2 ps") != NULL && strstr(e.msg, "`delay`") != NULL);
  CHECK(strstr(e.msg, "--") == NULL);
  gk_tamap_free(&a);
  gk_tamap_free(&b);
  gk_tamap_free(&c);
}

static void test_gain_curve(void)
{
  /* -dA/A0 = 1 - a(<N>)/a(0) of a 2-fold band edge with Poisson
   * occupancy: a = P(0) + P(1)/2 - P(>=2) (Qin et al., Nano Lett. 2021) */
  enum { NW = 3, NT = 2, NS = 6 };
  double wl[NW] = {500, 510, 520}, t[NT] = {-1e-12, 1e-12}, nm[NS] = {0.3, 0.6, 1.0, 1.5, 2.2, 3.0};
  double wl0[4] = {490, 505, 510, 530}, a0[4] = {1e-4, 1e-4, 0.5, 0.5}, A0[NW] = {1e-4, 0.5, 0.5};
  gk_tamap maps[NS];
  const gk_tamap *mp[NS];
  for (int k = 0; k < NS; k++) {
    double N = nm[k], P0 = exp(-N), P1 = N * exp(-N), y = 1 - (P0 + P1 / 2 - (1 - P0 - P1)) / 1.0;
    double z[NW * NT] = {0};
    for (int i = 0; i < NW; i++) z[i * NT + 1] = -y * A0[i];
    CHECK_INT(gk_tamap_init(&maps[k], NW, NT, wl, t, z, NULL), GK_OK);
    mp[k] = &maps[k];
  }
  gk_tamap_gain_result r;
  CHECK_INT(gk_tamap_gain(mp, NS, nm, wl0, a0, 4, 0.5e-12, 1e-12, 0, &r, NULL), GK_OK);
  size_t ip = 99;
  gk_ta_gain_curve gc;
  gk_error e;
  gk_error_clear(&e);
  /* probe 511 nm: the nearest wavelength, 510 nm; the fit is gainkit ta's */
  CHECK_INT(gk_tamap_gain_curve(&r, nm, 511, 2, &ip, &gc, &e), GK_OK);
  CHECK_INT((long)ip, 1);
  double y[NS];
  for (int k = 0; k < NS; k++) y[k] = -r.da[1 * NS + k] / r.a0[1];
  gk_ta_options to;
  gk_ta_options_default(&to);
  to.degeneracy = 2;
  to.fit_degeneracy = 1;
  to.fit_ne = 0;
  to.ne = 0;
  gk_ta_gain_curve g2;
  CHECK_INT(gk_ta_gain_curve_fit(nm, y, NS, &to, &g2, NULL), GK_OK);
  CHECK_CLOSE(gc.g, g2.g, 1e-12);
  CHECK_CLOSE(gc.threshold, g2.threshold, 1e-12);
  gk_ta_gain_curve_free(&gc);
  gk_ta_gain_curve_free(&g2);
  /* probe 500 nm: A0 there is below 2 % of its maximum: nothing fitted */
  ip = 99;
  CHECK_INT(gk_tamap_gain_curve(&r, nm, 500, 2, &ip, &gc, &e), GK_OK);
  CHECK(ip == (size_t)-1);
  gk_ta_gain_curve_free(&gc);
  gk_tamap_gain_free(&r);
  for (int k = 0; k < NS; k++) gk_tamap_free(&maps[k]);
}

static void test_fit_passes(void)
{
  /* one decay, tau = 5 ps, Gaussian IRF 0.1 ps, two wavelengths: without an
   * artefact window the passes are the plain global fit */
  enum { NW = 2, NT = 60 };
  double wl[NW] = {500, 520}, t[NT], z[NW * NT];
  for (int j = 0; j < NT; j++) t[j] = -1e-12 + j * 0.5e-12;
  gk_tamap_scheme s;
  double tau = 5e-12, k = 1 / tau;
  gk_tamap_scheme_parallel(&s, 1, &tau);
  gk_tamap_global_options o;
  gk_tamap_global_options_default(&o);
  o.irf.fwhm = 0.1e-12;
  o.fwhm_fixed = 1;
  o.t0_fixed = 1;
  for (int i = 0; i < NW; i++)
    for (int j = 0; j < NT; j++) {
      double sg = 0.1e-12 / 2.3548200450309493, x = t[j];
      z[i * NT + j] = (i + 1) * 1e-3 * 0.5 * exp(-k * x + 0.5 * k * k * sg * sg) * erfc((k * sg * sg - x) / (sg * sqrt(2)));
    }
  gk_tamap_prepared p[1];
  memset(p, 0, sizeof p);
  CHECK_INT(gk_tamap_init(&p[0].map, NW, NT, wl, t, z, NULL), GK_OK);
  s.tr[0].k = 1 / 8e-12;                       /* start away from the truth */
  gk_tamap_global_result r;
  int passes = -1;
  gk_error e;
  CHECK_INT(gk_tamap_global_fit_passes(p, 1, &s, &o, 0, NULL, &r, &passes, &e), GK_OK);
  CHECK_INT(passes, 0);
  CHECK(r.converged);
  CHECK_CLOSE(r.k[0], k, 1e-6);               /* the closed form the map was built from */
  gk_tamap_global_result_free(&r);
  /* nsets out of range: refused */
  CHECK_INT(gk_tamap_global_fit_passes(p, 0, &s, &o, 0, NULL, &r, &passes, &e), GK_EUSAGE);
  gk_tamap_prepared_free(&p[0]);
}

static void test_model(void)
{
  gk_tamap_scheme s;
  double c0[GK_TAMAP_MAX_SETS * GK_TAMAP_MAX_COMP];
  int per = -1;
  gk_error e;
  /* --das 3 without lifetimes: 1, 10, 100 ps, each to the ground state */
  gk_tamap_model_options o = {NULL, NULL, 3, 0, NULL, 0};
  CHECK_INT(gk_tamap_model(&o, 1, &s, c0, &per, &e), GK_OK);
  CHECK_INT(s.ncomp, 3);
  CHECK_INT(per, 0);
  CHECK_CLOSE(s.tr[2].k, 1 / 100e-12, 1e-12);
  /* sequential with lifetimes */
  double tau[2] = {2e-12, 50e-12};
  gk_tamap_model_options q = {NULL, NULL, 0, 2, tau, 2};
  CHECK_INT(gk_tamap_model(&q, 1, &s, c0, &per, &e), GK_OK);
  CHECK_INT(s.ntrans, 2);
  CHECK_CLOSE(s.tr[0].k, 1 / 2e-12, 1e-12);
  CHECK_INT(s.tr[0].to, 1);
  /* a text scheme with one population set per map, packed nsets x ncomp */
  gk_tamap_model_options t = {"H->X:1ps, X->0:1ns", "H=1,X=0.5/H=0.2", 0, 0, NULL, 0};
  CHECK_INT(gk_tamap_model(&t, 2, &s, c0, &per, &e), GK_OK);
  CHECK_INT(per, 1);
  CHECK_INT(s.ncomp, 2);
  CHECK_ABS(c0[0], 1, 0);
  CHECK_ABS(c0[1], 0.5, 0);
  CHECK_ABS(c0[2], 0.2, 0);
  CHECK_ABS(c0[3], 0, 0);
  /* the same as YAML, populations under 'initial' */
  char y[64];
  snprintf(y, sizeof y, "/tmp/gk_tamap_model_%ld.yaml", (long)getpid());
  FILE *f = fopen(y, "w");
  fputs("transitions:\n  - {from: H, to: X, lifetime: 1ps}\n  - {from: X, to: ground, lifetime: 1ns}\n"
        "initial:\n  - {H: 1, X: 0.5}\n  - {H: 0.2}\n", f);
  fclose(f);
  gk_tamap_model_options ym = {y, NULL, 0, 0, NULL, 0};
  double c1[GK_TAMAP_MAX_SETS * GK_TAMAP_MAX_COMP];
  CHECK_INT(gk_tamap_model(&ym, 2, &s, c1, &per, &e), GK_OK);
  CHECK_INT(per, 1);
  for (int i = 0; i < 4; i++) CHECK_ABS(c1[i], c0[i], 0);
  /* errors name the field; the YAML count its file */
  gk_error_clear(&e);
  CHECK_INT(gk_tamap_model(&ym, 3, &s, c1, &per, &e), GK_EINPUT);
  CHECK_STR(e.file, y);
  ym.init = "H=1";
  CHECK_INT(gk_tamap_model(&ym, 2, &s, c1, &per, &e), GK_EUSAGE);
  CHECK_STR(e.option, "init");
  ym.init = NULL;
  ym.tau = tau;
  ym.ntau = 2;
  CHECK_INT(gk_tamap_model(&ym, 2, &s, c1, &per, &e), GK_EUSAGE);
  CHECK_STR(e.option, "tau");
  CHECK(strstr(e.msg, "`das`") != NULL && strstr(e.msg, "--") == NULL);
  unlink(y);
  t.init = "H=1/H=1/H=1";
  CHECK_INT(gk_tamap_model(&t, 2, &s, c0, &per, &e), GK_EUSAGE);
  CHECK_STR(e.option, "init");
  t.init = "H=1/Q=1";
  CHECK_INT(gk_tamap_model(&t, 2, &s, c0, &per, &e), GK_EUSAGE);
  CHECK_STR(e.option, "init");
  t.scheme = "H->X:1ps, X->";
  t.init = NULL;
  CHECK_INT(gk_tamap_model(&t, 2, &s, c0, &per, &e), GK_EUSAGE);
  CHECK_STR(e.option, "scheme");
  o.das = GK_TAMAP_MAX_COMP + 1;
  CHECK_INT(gk_tamap_model(&o, 1, &s, c0, &per, &e), GK_EUSAGE);
  CHECK_STR(e.option, "das");
  q.ntau = 1;
  CHECK_INT(gk_tamap_model(&q, 1, &s, c0, &per, &e), GK_EUSAGE);
  CHECK_STR(e.option, "tau");
  tau[1] = -1;
  q.ntau = 2;
  CHECK_INT(gk_tamap_model(&q, 1, &s, c0, &per, &e), GK_EUSAGE);
  CHECK(strstr(e.msg, "> 0") != NULL);
  CHECK_INT(gk_tamap_model(&o, 0, &s, c0, &per, &e), GK_EUSAGE);
}

int main(void)
{
  RUN(test_model);
  RUN(test_prepare);
  RUN(test_series_signal);
  RUN(test_common_delay);
  RUN(test_gain_curve);
  RUN(test_fit_passes);
  return gk_test_summary();
}
