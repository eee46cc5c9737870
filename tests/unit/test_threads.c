/* Re-entrancy: the main analyses called from 8 threads at once give the
 * same results as one call alone, bit for bit. Run under ThreadSanitizer
 * by `make check TSAN=1` (build-tsan/), which reports any data race on
 * library state (static caches, GSL's process-wide error handler, the temp
 * file table of the output module). */
#include "gk_test.h"
#include "gainkit/gainkit.h"
#include "gainkit/plot.h"
#include "gainkit/vpi.h"
#include "vpi_synth.h"
#include <gsl/gsl_errno.h>
#include <math.h>
#include <complex.h>
#include <pthread.h>
#include <stdint.h>
#include <unistd.h>

enum { NT = 8, NP = 24 };

typedef struct job {
  int id;
  double kink, vsl_g, neff, sim_edge, mat_n, table_sum, vpi_chi2;
  int rc[10];
  char out[256], fig[256];
} job;

static char stack_path[1024], table_path[1024];

static void work(job *j)
{
  gk_error e;
  /* threshold: kink fit (gk_fit, GSL multifit) */
  double p[NP], y[NP];
  for (int i = 0; i < NP; i++) {
    p[i] = 5 * pow(200.0 / 5, i / (NP - 1.0));
    double lp = log10(p[i]), lt = log10(40.0);
    y[i] = pow(10, 1.0 + (lp < lt ? 1.0 * (lp - lt) : 3.5 * (lp - lt)));
  }
  gk_threshold_kink k;
  j->rc[0] = gk_threshold_kink_fit(p, y, NP, &k, &e);
  j->kink = k.value;
  /* VSL: vsl1 fit (GSL root finding inside the models) */
  double L[20], Iv[20], th[2] = {40, log(10.0)};
  for (int i = 0; i < 20; i++) L[i] = 0.01 + 0.02 * i;
  gk_vsl_intensity(GK_VSL_VSL1, th, L, 20, Iv, NULL);
  gk_vsl_data d = {.n = 20, .L = L, .intensity = Iv, .weighting = GK_WEIGHT_RELATIVE};
  gk_vsl_fit f;
  j->rc[1] = gk_vsl_fit_model(&d, GK_VSL_VSL1, &f, &e);
  j->vsl_g = f.value[0];
  if (j->rc[1] == GK_OK) gk_vsl_fit_free(&f);
  /* modes: a stack file with a material from disk (YAML loader) */
  gk_stack s;
  j->rc[2] = gk_stack_load(stack_path, &s, &e);
  if (j->rc[2] == GK_OK) {
    gk_guide g;
    j->rc[3] = gk_guide_from_stack(&g, &s, 540, &e);
    if (j->rc[3] == GK_OK) {
      gk_modes m;
      if (gk_modes_find(&g, GK_MODES_BOTH, &m, &e) == GK_OK) {
        j->neff = m.n ? creal(m.mode[0].neff) : NAN;
        gk_modes_free(&m);
      }
      gk_guide_free(&g);
    }
    gk_stack_free(&s);
  }
  /* simulate: a small run */
  gk_sim_config c;
  gk_sim_config_default(&c);
  c.ncells = 10, c.nbins = 16, c.ntimes = 20;
  gk_sim_result r;
  j->rc[4] = gk_sim_run(&c, &r, NULL, &e);
  if (j->rc[4] == GK_OK) {
    j->sim_edge = r.budget.out_edge;
    gk_sim_result_free(&r);
  }
  /* the delimited-text reader */
  gk_table t;
  j->rc[5] = gk_table_read(table_path, NULL, &t, &e);
  if (j->rc[5] == GK_OK) {
    j->table_sum = 0;
    for (size_t i = 0; i < t.nrows * t.ncols; i++) j->table_sum += t.v[i];
    gk_table_free(&t);
  }
  /* atomic output: every thread writes its own file, two threads share one */
  gk_csv csv;
  const char *hdr[2] = {"a", "b"};
  gk_csv_init(&csv, 2, hdr);
  for (int i = 0; i < 100; i++) gk_csv_add_row(&csv, (double[]){i, j->id});
  j->rc[6] = gk_csv_write(&csv, j->out, &e);
  gk_csv_free(&csv);
  /* a built-in material */
  gk_material *mat;
  j->rc[7] = gk_material_builtin("air", &mat, &e);
  if (j->rc[7] == GK_OK) {
    double n, kk;
    if (gk_material_nk(mat, 540, &n, &kk, &e) == GK_OK) j->mat_n = n;
    gk_material_free(mat);
  }
}

/* VPI (its own LM, which used to save and restore GSL's handler per call)
 * and a figure (PLplot under the library's lock, committed by
 * gk_commit_from_fd). */
static void work2(job *j)
{
  gk_error e;
  vpi_truth t;
  synth_make(&t, 12, 8, 0, 0, 1);
  gk_vpi_data d = {.nl = t.nl, .np = t.np, .lambda = t.lambda, .pump = t.pump, .intensity = t.intensity,
                   .F = t.F, .L = t.L};
  gk_vpi_result r;
  j->rc[8] = gk_vpi_fit(&d, GK_VPI1, NULL, &r, &e);
  if (j->rc[8] == GK_OK) {
    j->vpi_chi2 = r.chi2;
    gk_vpi_result_free(&r);
  }
  synth_free(&t);
  gk_figure *f = gk_figure_new(1, 1, 300, 200, "t");
  double x[3] = {1, 2, 3}, y[3] = {1, 4, 9};
  gk_panel_add(gk_figure_panel(f, 0), x, y, NULL, 3, GK_STYLE_LINE, GK_AUTO, "y");
  j->rc[9] = gk_figure_save(f, j->fig, &e);
  gk_figure_free(f);
}

static void *thread_main(void *arg)
{
  work(arg);
  work2(arg);
  return NULL;
}

static void test_threads(void)
{
  char dir[] = "/tmp/gk-threads.XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  snprintf(stack_path, sizeof stack_path, "%s/stack.yaml", dir);
  snprintf(table_path, sizeof table_path, "%s/t.csv", dir);
  FILE *fp = fopen(stack_path, "w");
  fprintf(fp, "wavelength_nm: 540\nlayers:\n  - {name: air, material: air}\n"
              "  - {name: film, n: 2.4, k: 0.001, thickness_nm: 250, active: true}\n  - {name: quartz, n: 1.45}\n");
  fclose(fp);
  fp = fopen(table_path, "w");
  fprintf(fp, "x (nm),y\n");
  for (int i = 0; i < 200; i++) fprintf(fp, "%d,%g\n", 400 + i, sin(i * 0.1) + 2);
  fclose(fp);

  job ref = {.id = 0};
  snprintf(ref.out, sizeof ref.out, "%s/ref.csv", dir);
  snprintf(ref.fig, sizeof ref.fig, "%s/ref.svg", dir);
  work(&ref);
  work2(&ref);
  for (int k = 0; k < 10; k++) CHECK_MSG(ref.rc[k] == GK_OK, "reference call %d: rc %d", k, ref.rc[k]);

  job jobs[NT];
  pthread_t th[NT];
  for (int i = 0; i < NT; i++) {
    memset(&jobs[i], 0, sizeof jobs[i]);
    jobs[i].id = i;
    /* threads 0 and 1 write the same path: one complete file wins */
    snprintf(jobs[i].out, sizeof jobs[i].out, "%s/out%d.csv", dir, i < 2 ? 0 : i);
    snprintf(jobs[i].fig, sizeof jobs[i].fig, "%s/fig%d.svg", dir, i < 2 ? 0 : i);
    CHECK(pthread_create(&th[i], NULL, thread_main, &jobs[i]) == 0);
  }
  for (int i = 0; i < NT; i++) pthread_join(th[i], NULL);
  for (int i = 0; i < NT; i++) {
    for (int k = 0; k < 10; k++) CHECK_MSG(jobs[i].rc[k] == GK_OK, "thread %d call %d: rc %d", i, k, jobs[i].rc[k]);
    /* bit-identical to the lone call */
    CHECK(memcmp(&jobs[i].kink, &ref.kink, sizeof ref.kink) == 0);
    CHECK(memcmp(&jobs[i].vsl_g, &ref.vsl_g, sizeof ref.vsl_g) == 0);
    CHECK(memcmp(&jobs[i].neff, &ref.neff, sizeof ref.neff) == 0);
    CHECK(memcmp(&jobs[i].sim_edge, &ref.sim_edge, sizeof ref.sim_edge) == 0);
    CHECK(memcmp(&jobs[i].table_sum, &ref.table_sum, sizeof ref.table_sum) == 0);
    CHECK(memcmp(&jobs[i].mat_n, &ref.mat_n, sizeof ref.mat_n) == 0);
    CHECK(memcmp(&jobs[i].vpi_chi2, &ref.vpi_chi2, sizeof ref.vpi_chi2) == 0);
  }
  CHECK_CLOSE(ref.kink, 40.0, 1e-6);
  CHECK_CLOSE(ref.vsl_g, 40.0, 1e-6);
  /* the shared path holds one complete file: 100 rows of one writer */
  fp = fopen(jobs[0].out, "r");
  CHECK(fp != NULL);
  if (fp) {
    char line[256];
    int rows = 0, who = -1, mixed = 0;
    while (fgets(line, sizeof line, fp)) {
      if (line[0] == '#' || line[0] == 'a' || line[0] == '"') continue;
      double a, b;
      if (sscanf(line, "%lf,%lf", &a, &b) == 2) {
        rows++;
        if (who < 0) who = (int)b;
        else if ((int)b != who) mixed = 1;
      }
    }
    fclose(fp);
    CHECK_INT(rows, 100);
    CHECK(!mixed && (who == 0 || who == 1));
  }
  /* GSL's handler is off for the whole process, whatever ran before (the
   * per-call save/restore of the VPI fit used to put abort() back): a GSL
   * error is a return code, not a crash */
  gsl_error("deliberate", __FILE__, __LINE__, GSL_EDOM);
  CHECK(1);   /* reached: no abort */
  char cmd[1100];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  CHECK(system(cmd) == 0);
}

/* Before any library call: the handler was switched off when the library
 * was loaded (src/core/gsl.c), so a GSL error in any thread, at any time,
 * is a return code. (Before, it was off only after the first VSL call, and
 * the VPI fit restored whatever was there before it.) */
static void test_gsl_handler_at_load(void)
{
  gsl_error("deliberate", __FILE__, __LINE__, GSL_EDOM);
  CHECK(1);   /* reached: no abort */
}

int main(void)
{
  RUN(test_gsl_handler_at_load);
  RUN(test_threads);
  return gk_test_summary();
}
