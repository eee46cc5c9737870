/* gk_modes_sweep_ex with continuation: every swept point's fundamental TE0
 * and TM0 must equal an independent single solve (gk_modes_find on a guide
 * built for that point alone, its highest-Re mode of each polarisation):
 * across a cutoff, over a wavelength sweep, in scrambled order (steps so
 * large that the continuation hops to other modes, which the checkpoints
 * must catch), and with the same bits on 1 and 3 threads. */
#include <complex.h>
#include <string.h>

#include "gainkit/modes.h"
#include "gk_test.h"
#ifdef _OPENMP
#include <omp.h>
#endif

/* the highest-Re mode of polarisation p, or NULL */
static const gk_mode *top(const gk_modes *m, int p)
{
  const gk_mode *b = NULL;
  for (size_t k = 0; k < m->n; k++)
    if ((int)m->mode[k].pol == p && (!b || creal(m->mode[k].neff) > creal(b->neff))) b = &m->mode[k];
  return b;
}

/* Compares every point with its own single solve; returns the number of
 * points that disagree (found status, n_eff to 1e-10, Γ to 1e-9). */
static int against_single(const gk_stack *s, int layer, const double *th, size_t nt, const double *wl, size_t nw,
                          const gk_sweep_point *P)
{
  int bad = 0;
  size_t n = s->nlayers, NT = layer >= 0 ? nt : 1, NW = nw ? nw : 1;
  for (size_t i = 0; i < NT * NW; i++) {
    double nn[8], kk[8], d[8], lam = nw ? wl[i % NW] : s->wavelength_nm;
    for (size_t j = 0; j < n; j++) {
      nn[j] = s->layers[j].n;
      kk[j] = s->layers[j].k;
      d[j] = s->layers[j].thickness_nm;
    }
    if (layer >= 0) d[layer] = th[i / NW];
    gk_guide g;
    gk_modes m;
    gk_error e;
    if (gk_guide_init(&g, n, nn, kk, d, lam, &e) != GK_OK || gk_modes_find(&g, GK_MODES_BOTH, &m, &e) != GK_OK) {
      bad++;
      continue;
    }
    for (int p = 0; p < 2; p++) {
      const gk_mode *md = top(&m, p);
      int ok = (md != NULL) == (P[i].found[p] != 0);
      if (ok && md) {
        ok = cabs(P[i].neff[p] - md->neff) <= 1e-10 * cabs(md->neff) &&
             fabs(P[i].gamma_active[p] - md->confinement[s->active]) <= 1e-9;
      }
      if (!ok) {
        bad++;
        fprintf(stderr, "  point %zu pol %d: sweep found %d n_eff %.15g%+.3gi, single %s %.15g%+.3gi\n", i, p,
                P[i].found[p], creal(P[i].neff[p]), cimag(P[i].neff[p]), md ? "found" : "none",
                md ? creal(md->neff) : 0, md ? cimag(md->neff) : 0);
      }
    }
    gk_modes_free(&m);
    gk_guide_free(&g);
  }
  return bad;
}

/* The 6-layer lossy stack of bench/bench_modes.c */
static gk_layer L6[6];
static gk_stack six(void)
{
  double n6[] = {1.0, 1.6, 2.3, 1.75, 1.9, 1.52}, k6[] = {0, 0.002, 0, 0, 0.01, 0}, d6[] = {0, 40, 300, 40, 150, 0};
  for (int i = 0; i < 6; i++) L6[i] = (gk_layer){.n = n6[i], .k = k6[i], .thickness_nm = d6[i], .active = i == 2};
  return (gk_stack){.nlayers = 6, .layers = L6, .wavelength_nm = 540, .active = 2};
}

static void test_thickness_sweep(void)
{
  gk_stack s = six();
  enum { NP = 120 };
  double th[NP];
  for (int i = 0; i < NP; i++) th[i] = 20 + 4 * i;
  gk_sweep_point P[NP];
  int conv = 0;
  gk_error e;
  gk_modes_sweep_opts o = {.continuation = 1, .check_every = 16};
  CHECK(gk_modes_sweep_ex(&s, 2, th, NP, NULL, 0, 540, 500, P, &conv, &o, NULL, &e) == GK_OK);
  CHECK(conv);
  /* the continuation did the work: 9 checkpoints (0, 16, ..., 112, 119) */
  CHECK(o.newton_solves >= NP - 12);
  CHECK(o.full_solves <= 12);
  CHECK_INT(against_single(&s, 2, th, NP, NULL, 0, P), 0);
}

/* A low-contrast film on glass under air: TE0 and TM0 are cut off below a
 * few tens of nm. Swept downwards the continued mode runs into its cutoff
 * (Newton must give up there, and the full search says "none"); swept
 * upwards it appears mid-segment. */
static void test_cutoff(void)
{
  gk_layer L[3] = {{.n = 1.0}, {.n = 1.75, .k = 1e-4, .thickness_nm = 200, .active = 1}, {.n = 1.52}};
  gk_stack s = {.nlayers = 3, .layers = L, .wavelength_nm = 540, .active = 1};
  enum { NP = 90 };
  double up[NP], down[NP];
  for (int i = 0; i < NP; i++) {
    up[i] = 20 + 3 * i;
    down[NP - 1 - i] = up[i];
  }
  gk_sweep_point P[NP];
  int conv;
  gk_error e;
  gk_modes_sweep_opts o = {.continuation = 1, .check_every = 32};
  CHECK(gk_modes_sweep_ex(&s, 1, up, NP, NULL, 0, 540, 0, P, &conv, &o, NULL, &e) == GK_OK);
  CHECK(!P[0].found[0] && P[NP - 1].found[0]);   /* the sweep does cross the cutoff */
  CHECK_INT(against_single(&s, 1, up, NP, NULL, 0, P), 0);
  CHECK(gk_modes_sweep_ex(&s, 1, down, NP, NULL, 0, 540, 0, P, &conv, &o, NULL, &e) == GK_OK);
  CHECK(P[0].found[0] && !P[NP - 1].found[0]);
  CHECK_INT(against_single(&s, 1, down, NP, NULL, 0, P), 0);
}

/* Wavelength-only sweep (one chain along the wavelengths) and a grid
 * (one chain per wavelength). */
static void test_wavelengths(void)
{
  gk_stack s = six();
  double wl[40], th[25];
  for (int i = 0; i < 40; i++) wl[i] = 450 + 5 * i;
  for (int i = 0; i < 25; i++) th[i] = 100 + 10 * i;
  gk_sweep_point P[40 * 25];
  int conv;
  gk_error e;
  gk_modes_sweep_opts o = {.continuation = 1, .check_every = 10};
  CHECK(gk_modes_sweep_ex(&s, -1, NULL, 0, wl, 40, 540, 0, P, &conv, &o, NULL, &e) == GK_OK);
  CHECK(o.newton_solves > 30);
  CHECK_INT(against_single(&s, -1, NULL, 0, wl, 40, P), 0);
  CHECK(gk_modes_sweep_ex(&s, 2, th, 25, wl, 4, 540, 0, P, &conv, &o, NULL, &e) == GK_OK);
  CHECK_INT(against_single(&s, 2, th, 25, wl, 4, P), 0);
}

/* Scrambled thicknesses: jumps of hundreds of nm between neighbours, where
 * Newton from the previous n_eff can land on TE1 or TE2. Whatever it does,
 * the checkpoints must leave every point equal to its single solve. */
static void test_scrambled(void)
{
  gk_stack s = six();
  enum { NP = 64 };
  double th[NP];
  unsigned x = 12345;
  for (int i = 0; i < NP; i++) {
    x = x * 1103515245u + 12345u;
    th[i] = 20 + (double)((x >> 8) % 5000) * 0.1;
  }
  gk_sweep_point P[NP];
  int conv;
  gk_error e;
  gk_modes_sweep_opts o = {.continuation = 1, .check_every = 8};
  CHECK(gk_modes_sweep_ex(&s, 2, th, NP, NULL, 0, 540, 0, P, &conv, &o, NULL, &e) == GK_OK);
  fprintf(stderr, "  scrambled: %zu full searches, %zu continued, %zu segments redone, %zu certified\n",
          o.full_solves, o.newton_solves, o.redone_segments, o.certified);
  CHECK(o.certified > 0);   /* the large steps are not smooth */
  CHECK_INT(against_single(&s, 2, th, NP, NULL, 0, P), 0);
}

static void test_threads_and_fallback(void)
{
  gk_stack s = six();
  enum { NP = 100 };
  double th[NP];
  for (int i = 0; i < NP; i++) th[i] = 30 + 4.5 * i;
  gk_sweep_point A[NP], B[NP], C[NP];
  int conv;
  gk_error e;
  gk_modes_sweep_opts o = {.continuation = 1, .check_every = 12};
#ifdef _OPENMP
  int nt = omp_get_max_threads();
  omp_set_num_threads(1);
#endif
  CHECK(gk_modes_sweep_ex(&s, 2, th, NP, NULL, 0, 540, 300, A, &conv, &o, NULL, &e) == GK_OK);
#ifdef _OPENMP
  omp_set_num_threads(3);
#endif
  CHECK(gk_modes_sweep_ex(&s, 2, th, NP, NULL, 0, 540, 300, B, &conv, &o, NULL, &e) == GK_OK);
#ifdef _OPENMP
  omp_set_num_threads(nt);
#endif
  int same = 1;
  for (int i = 0; i < NP; i++)
    for (int p = 0; p < 2; p++)
      same &= A[i].found[p] == B[i].found[p] &&
              (!A[i].found[p] || (A[i].neff[p] == B[i].neff[p] && A[i].net_gain[p] == B[i].net_gain[p]));
  CHECK(same);
  /* continuation = 0 is gk_modes_sweep */
  gk_modes_sweep_opts off = {0};
  CHECK(gk_modes_sweep_ex(&s, 2, th, NP, NULL, 0, 540, 300, C, &conv, &off, NULL, &e) == GK_OK);
  gk_sweep_point D[NP];
  CHECK(gk_modes_sweep(&s, 2, th, NP, NULL, 0, 540, 300, D, &conv, NULL, &e) == GK_OK);
  CHECK(!memcmp(C, D, sizeof C));
  /* a bad point is reported as by gk_modes_sweep */
  th[7] = -5;
  CHECK_INT(gk_modes_sweep_ex(&s, 2, th, NP, NULL, 0, 540, 300, A, &conv, &o, NULL, &e), GK_EUSAGE);
}

int main(void)
{
  RUN(test_thickness_sweep);
  RUN(test_cutoff);
  RUN(test_wavelengths);
  RUN(test_scrambled);
  RUN(test_threads_and_fallback);
  return gk_test_summary();
}
