/* gainkit modes — guided modes of a planar multilayer stack: effective
 * indices, confinement per layer, modal loss, field profiles, and sweeps of
 * the fundamental TE/TM net modal gain over a layer thickness or wavelength
 * (Goldberg et al., Adv. Mater. 2024, Eq. 6, Fig. 3c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "qopt.h"
#include "gainkit/modes.h"
#include "gainkit/stack.h"
/* last: its macro I must not reach the public headers (vsl.h, vpi.h) */
#include <complex.h>

/* |Im n_eff| below this is rounding noise of the root search (a lossless
 * guide gives 1e-40), far below any real loss (1e-12 is 3e-7 cm^-1 at
 * 540 nm). */
#define LOSSLESS_IM 1e-12

int cli_modes_leaky(const cli_common *c, const gk_stack *s, double wl, int pols, const char *profile);  /* modes_leaky.c */

#define MAX_SWEEP 1000000

static const char *pol_name(gk_pol p) { return p == GK_TE ? "TE" : "TM"; }

/* FROM:TO:STEP (each a quantity in nm) into a malloc'd list, TO included
 * when it falls on the grid. */
static int parse_steps(const char *opt, const char *text, double **out, size_t *n)
{
  char buf[256];
  snprintf(buf, sizeof buf, "%s", text);
  char *f[3], *save = NULL;
  int k = 0;
  for (char *t = strtok_r(buf, ":", &save); t; t = strtok_r(NULL, ":", &save)) {
    if (k == 3) { k = 4; break; }
    f[k++] = t;
  }
  if (k != 3) {
    fprintf(stderr, "gainkit: %s: '%s' is not FROM:TO:STEP\n", opt, text);
    return -1;
  }
  double a, b, s;
  if (cli_quantity(opt, f[0], "nm", &a) < 0 || cli_quantity(opt, f[1], "nm", &b) < 0 ||
      cli_quantity(opt, f[2], "nm", &s) < 0)
    return -1;
  if (!(s > 0) || !(b >= a) || a < 0) {
    fprintf(stderr, "gainkit: %s: need 0 <= FROM <= TO and STEP > 0 in '%s'\n", opt, text);
    return -1;
  }
  double cnt = floor((b - a) / s * (1 + 1e-12) + 1e-9) + 1;
  if (cnt > MAX_SWEEP) {
    fprintf(stderr, "gainkit: %s: %.0f points is more than %d\n", opt, cnt, MAX_SWEEP);
    return -1;
  }
  *n = (size_t)cnt;
  *out = malloc(*n * sizeof **out);
  if (!*out) return -1;
  for (size_t i = 0; i < *n; i++) (*out)[i] = a + s * (double)i;
  return 0;
}

static void add_complex(cJSON *o, const char *key, double complex z)
{
  double v[2] = {creal(z), cimag(z)};
  gk_json_array(o, key, v, 2);
}

/* Position of the top of every layer (x = 0 at the top of layer 1). */
static double stack_depth(const gk_guide *g)
{
  double D = 0;
  for (size_t j = 1; j + 1 < g->nlayers; j++) D += g->thickness_nm[j];
  return D;
}

static int write_profile(const char *path, const gk_guide *g, const gk_stack *s, const gk_modes *m,
                         double **xs, double ***ys, size_t *npts)
{
  double D = stack_depth(g), margin = fmax(g->wavelength_nm / 2, D / 4);
  size_t np = 1201;
  double *x = malloc(np * sizeof *x);
  double **E = calloc(m->n + 1, sizeof *E);
  size_t nc = 3 + m->n;
  char **hdr = calloc(nc, sizeof *hdr);
  double *row = malloc(nc * sizeof *row);
  int rc = CLI_OK;
  gk_csv t = {0};
  if (!x || !E || !hdr || !row) { rc = CLI_USAGE; goto out; }
  for (size_t i = 0; i < np; i++) x[i] = -margin + (D + 2 * margin) * (double)i / (double)(np - 1);
  hdr[0] = strdup("x (nm)");
  hdr[1] = strdup("n");
  hdr[2] = strdup("k");
  for (size_t i = 0; i < m->n; i++) {
    char h[64];
    snprintf(h, sizeof h, "%s%d |E|^2", pol_name(m->mode[i].pol), m->mode[i].order);
    hdr[3 + i] = strdup(h);
    E[i] = malloc(np * sizeof *E[i]);
    gk_error e;
    gk_error_clear(&e);
    if (!E[i] || gk_mode_field(g, &m->mode[i], x, np, E[i], NULL, &e) != GK_OK) { rc = CLI_USAGE; goto out; }
    double mx = 0;
    for (size_t k = 0; k < np; k++) mx = fmax(mx, E[i][k]);
    for (size_t k = 0; k < np; k++) E[i][k] /= mx > 0 ? mx : 1;
  }
  if (path) {
    gk_csv_init(&t, nc, (const char *const *)hdr);
    gk_csv_add_comment(&t, "mode profiles of %s at %g nm; |E|^2 normalised to a peak of 1 "
                           "(TE: |E_y|^2, TM: |E_x|^2+|E_z|^2); x = 0 at the top of layer 2", s->file, g->wavelength_nm);
    for (size_t k = 0; k < np; k++) {
      double top = 0;
      size_t j = 0;
      if (x[k] >= 0) {
        j = 1;
        while (j + 1 < g->nlayers && x[k] >= top + g->thickness_nm[j]) top += g->thickness_nm[j++];
      }
      row[0] = x[k];
      row[1] = creal(g->index[j]);
      row[2] = cimag(g->index[j]);
      for (size_t i = 0; i < m->n; i++) row[3 + i] = E[i][k];
      gk_csv_add_row(&t, row);
    }
    gk_error e;
    gk_error_clear(&e);
    if (cli_csv_write(&t, path, &e) != GK_OK) rc = cli_error(&e);
  }
out:
  gk_csv_free(&t);
  for (size_t i = 0; i < nc; i++) if (hdr) free(hdr[i]);
  free(hdr);
  free(row);
  if (rc == CLI_OK && xs) {
    *xs = x;
    *ys = E;
    *npts = np;
  } else {
    free(x);
    for (size_t i = 0; E && i < m->n; i++) free(E[i]);
    free(E);
  }
  return rc;
}

static int plot_profiles(const char *path, const gk_guide *g, const gk_stack *s, const gk_modes *m,
                         const double *x, double **E, size_t np)
{
  gk_figure *f = gk_figure_new(1, 1, 900, 600, "Mode profiles");
  if (!f) return cli_error(&(gk_error){.code = GK_ENOMEM, .msg = "out of memory"});
  gk_panel *p = gk_figure_panel(f, 0);
  gk_panel_labels(p, "depth x (nm)", "|E|^2 (peak 1)", cli_basename(s->file));
  double top = x[0];
  for (size_t j = 0; j < g->nlayers; j++) {
    double bot = (j == 0) ? 0 : (j + 1 == g->nlayers ? x[np - 1] : top + g->thickness_nm[j]);
    char lab[96];
    snprintf(lab, sizeof lab, "%s (n=%.3g)", s->layers[j].name, creal(g->index[j]));
    /* thin layers stay unlabelled: their names would run into each other */
    int wide = bot - top > 0.12 * (x[np - 1] - x[0]);
    gk_panel_band(p, top, bot, (int)(j % GK_NCOLOURS), wide ? lab : NULL);
    top = bot;
  }
  for (size_t i = 0; i < m->n; i++) {
    char lab[64];
    snprintf(lab, sizeof lab, "%s%d n_{eff}=%.4f", pol_name(m->mode[i].pol), m->mode[i].order, creal(m->mode[i].neff));
    gk_panel_add(p, x, E[i], NULL, np, m->mode[i].pol == GK_TE ? GK_STYLE_LINE : GK_STYLE_DASHED, GK_AUTO, lab);
  }
  gk_panel_xrange(p, x[0], x[np - 1]);
  gk_panel_legend(p, GK_LEGEND_OUTSIDE_RIGHT);
  gk_error e;
  gk_error_clear(&e);
  int rc = gk_figure_save(f, path, &e) == GK_OK ? CLI_OK : cli_error(&e);
  gk_figure_free(f);
  return rc;
}

static int plot_sweep(const char *path, const gk_stack *s, const gk_sweep_point *P, size_t np, int by_thick,
                      const char *layer, double G, double d0)
{
  gk_figure *f = gk_figure_new(3, 1, 1500, 500, NULL);
  if (!f) return cli_error(&(gk_error){.code = GK_ENOMEM, .msg = "out of memory"});
  double *x = malloc(np * sizeof *x), *y = malloc(np * sizeof *y);
  if (!x || !y) { free(x); free(y); gk_figure_free(f); return cli_error(&(gk_error){.code = GK_ENOMEM, .msg = "out of memory"}); }
  char xl[128];
  if (by_thick) snprintf(xl, sizeof xl, "%s thickness (nm)", layer);
  else snprintf(xl, sizeof xl, "wavelength (nm)");
  const char *yl[3] = {"active confinement Γ", "modal loss α (cm^-1)", "net modal gain g_{net} (cm^-1)"};
  char title[3][96];
  snprintf(title[0], sizeof title[0], "confinement in %s", s->active >= 0 ? s->layers[s->active].name : "-");
  snprintf(title[1], sizeof title[1], "loss");
  snprintf(title[2], sizeof title[2], "g_{net} = Γ g_{i} - α, g_{i} = %g cm^-1", G);
  for (int q = 0; q < 3; q++) {
    gk_panel *p = gk_figure_panel(f, q);
    gk_panel_labels(p, xl, yl[q], title[q]);
    for (int pol = 0; pol < 2; pol++) {
      for (size_t i = 0; i < np; i++) {
        x[i] = by_thick ? P[i].thickness_nm : P[i].wavelength_nm;
        y[i] = q == 0 ? P[i].gamma_active[pol] : q == 1 ? P[i].loss_cm[pol] : P[i].net_gain[pol];
      }
      gk_panel_add(p, x, y, NULL, np, pol ? GK_STYLE_DASHED : GK_STYLE_LINE, pol ? GK_VERMILLION : GK_BLUE,
                   pol ? "TM0" : "TE0");
    }
    if (q == 2) gk_panel_hline(p, 0, GK_GREY, NULL);
    if (q == 2 && by_thick && d0 == d0) {
      char lab[64];
      snprintf(lab, sizeof lab, "TE0 g_{net} = 0 at %.4g nm", d0);
      gk_panel_vline(p, d0, GK_BLUE, lab);
    }
  }
  free(x);
  free(y);
  gk_error e;
  gk_error_clear(&e);
  int rc = gk_figure_save(f, path, &e) == GK_OK ? CLI_OK : cli_error(&e);
  gk_figure_free(f);
  return rc;
}

static void mode_json(cJSON *arr, const gk_mode *md, size_t nl, double wl, double ncore)
{
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "pol", pol_name(md->pol));
  cJSON_AddNumberToObject(o, "order", md->order);
  add_complex(o, "neff", md->neff);
  gk_json_array(o, "confinement", md->confinement, nl);
  gk_json_num(o, "loss_cm", md->loss_cm);
  double per[2] = {gk_modes_dfb_period_nm(1, wl, creal(md->neff)), gk_modes_dfb_period_nm(2, wl, creal(md->neff))};
  gk_json_array(o, "dfb_period_nm", per, 2);
  gk_json_num(o, "modal_angle_deg", gk_modes_modal_angle_deg(creal(md->neff), ncore));
  cJSON_AddItemToArray(arr, o);
}

/* An error about the stack as a whole (a range limit of the mode solver)
 * names the stack file. */
static int stack_error(gk_error *e, const gk_stack *s)
{
  if (!e->file[0] && !e->option[0] && e->code != GK_ENOMEM && e->code != GK_ECANCELLED)
    snprintf(e->file, sizeof e->file, "%s", s->file);
  return cli_error(e);
}

/* Single-wavelength analysis: all modes, table, JSON, CSV, profile, plot. */
static int run_modes(const cli_common *c, const gk_stack *s, double wl, int pols, const char *profile)
{
  gk_guide g;
  gk_modes m = {0};
  gk_error e;
  gk_error_clear(&e);
  if (gk_guide_from_stack(&g, s, wl, &e) != GK_OK) return stack_error(&e, s);
  if (gk_modes_find(&g, pols, &m, &e) != GK_OK) { gk_guide_free(&g); return cli_error(&e); }
  size_t nl = g.nlayers;
  /* the guiding layer for angles: the active one, else the film (cover
   * and substrate excluded) of highest index; the substrate used to win
   * when it was the highest index of all, and a film below the substrate
   * then read as "equal to the cladding's" with a 90 degree angle */
  size_t core = 1;
  for (size_t j = 1; j + 1 < nl; j++) if (creal(g.index[j]) > creal(g.index[core])) core = j;
  if (s->active > 0) core = (size_t)s->active;
  double ncore = creal(g.index[core]), nclad = fmax(creal(g.index[0]), creal(g.index[nl - 1]));

  cJSON *j = cJSON_CreateObject();
  cJSON_AddStringToObject(j, "command", "modes");
  gk_json_num(j, "wavelength_nm", wl);
  cJSON_AddStringToObject(j, "stack", s->file);
  cJSON *layers = cJSON_AddArrayToObject(j, "layers");
  for (size_t i = 0; i < nl; i++) {
    cJSON *L = cJSON_CreateObject();
    cJSON_AddStringToObject(L, "name", s->layers[i].name);
    add_complex(L, "index", g.index[i]);
    if (i > 0 && i + 1 < nl) gk_json_num(L, "thickness_nm", g.thickness_nm[i]);
    if ((int)i == s->active) cJSON_AddBoolToObject(L, "active", 1);
    cJSON_AddItemToArray(layers, L);
  }
  cJSON *modes = cJSON_AddArrayToObject(j, "modes");
  for (size_t i = 0; i < m.n; i++) mode_json(modes, &m.mode[i], nl, wl, ncore);
  cJSON *h = cJSON_AddObjectToObject(j, "guide");
  cJSON_AddStringToObject(h, "core_layer", s->layers[core].name);
  gk_json_num(h, "critical_angle_deg", gk_modes_critical_angle_deg(nclad, ncore));
  double cut[2][2];
  for (int p = 0; p < 2; p++)
    for (int o = 0; o < 2; o++) {
      gk_error ce;
      double d = NAN;
      if (core + 1 < nl && gk_modes_cutoff_nm(&g, (gk_pol)p, core, o, 20 * wl, &d, &ce) != GK_OK) d = NAN;
      cut[p][o] = d;
    }
  gk_json_array(h, "cutoff_te_nm", cut[0], 2);
  gk_json_array(h, "cutoff_tm_nm", cut[1], 2);
  /* a film whose index is at or below a cladding's guides nothing: no
   * critical angle, no cutoff (the library's NaN), said in words */
  int antiguide = !(ncore > nclad);
  if (antiguide)
    cJSON_AddStringToObject(h, "reason", ncore < nclad ? "no guided mode (film index below the substrate's)"
                                                       : "no guided mode (film index equal to the cladding's)");
  else if (!(isfinite(cut[0][0]) && isfinite(cut[0][1]) && isfinite(cut[1][0]) && isfinite(cut[1][1])))
    cJSON_AddStringToObject(h, "cutoff_reason", "null: no cutoff thickness found below 20 wavelengths");
  cJSON_AddBoolToObject(j, "converged", m.converged);

  cli_buf b = {0};
  cli_printf(&b, "Stack %s at %g nm (%zu layers, top to bottom)\n", s->file, wl, nl);
  cli_printf(&b, "  %-3s %-16s %10s %10s %14s\n", "#", "layer", "n", "k", "thickness (nm)");
  for (size_t i = 0; i < nl; i++) {
    char th[32];
    if (i == 0) snprintf(th, sizeof th, "cover");
    else if (i + 1 == nl) snprintf(th, sizeof th, "substrate");
    else snprintf(th, sizeof th, "%g", g.thickness_nm[i]);
    cli_printf(&b, "  %-3zu %-16s %10.5g %10.4g %14s%s\n", i + 1, s->layers[i].name, creal(g.index[i]),
               cimag(g.index[i]), th, (int)i == s->active ? "  (active)" : "");
  }
  cli_printf(&b, "\n%zu guided mode%s (confinement = fraction of |E|^2; TE: |E_y|^2, TM: |E_x|^2+|E_z|^2)\n",
             m.n, m.n == 1 ? "" : "s");
  if (m.n) {
    cli_printf(&b, "  %-5s %-24s %13s %14s", "mode", "n_eff", "loss (cm^-1)", "DFB m=2 (nm)");
    for (size_t i = 0; i < nl; i++) cli_printf(&b, " %10.10s", s->layers[i].name);
    cli_printf(&b, "\n");
  }
  for (size_t i = 0; i < m.n; i++) {
    const gk_mode *md = &m.mode[i];
    char ne[48], name[16];
    /* a lossless stack leaves |Im n_eff| at rounding level (1e-40): print
     * it and the loss as the zero they are; JSON keeps the raw numbers */
    double ni = fabs(cimag(md->neff)) < LOSSLESS_IM ? 0 : cimag(md->neff);
    if (ni == 0) snprintf(ne, sizeof ne, "%.8f", creal(md->neff));
    else snprintf(ne, sizeof ne, "%.8f%+.3ei", creal(md->neff), ni);
    snprintf(name, sizeof name, "%s%d", pol_name(md->pol), md->order);
    cli_printf(&b, "  %-5s %-24s", name, ne);
    cli_cell(&b, 12, ni == 0 ? 0 : md->loss_cm);
    cli_printf(&b, " %14.2f", gk_modes_dfb_period_nm(2, wl, creal(md->neff)));
    for (size_t q = 0; q < nl; q++) cli_printf(&b, " %10.4f", md->confinement[q]);
    cli_printf(&b, "\n");
  }
  if (antiguide)
    cli_printf(&b, "\ncore %s: %s; no critical angle, no cutoff thickness\n", s->layers[core].name,
               ncore < nclad ? "no guided mode (film index below the substrate's)"
                             : "no guided mode (film index equal to the cladding's)");
  else {
    char ct[4][32];
    for (int q = 0; q < 4; q++) {
      double d = cut[q / 2][q % 2];
      if (isfinite(d)) snprintf(ct[q], sizeof ct[q], "%.1f nm", d);
      else snprintf(ct[q], sizeof ct[q], "none below %.0f nm", 20 * wl);
    }
    cli_printf(&b, "\ncore %s: critical angle %.2f deg; cutoff thickness TE0 %s, TE1 %s, TM0 %s, TM1 %s\n",
               s->layers[core].name, gk_modes_critical_angle_deg(nclad, ncore), ct[0], ct[1], ct[2], ct[3]);
  }
  if (!m.converged) cli_printf(&b, "warning: the root search did not converge everywhere; modes may be missing\n");

  gk_csv t = {0};
  size_t nc = 5 + nl;
  char **hdr = calloc(nc, sizeof *hdr);
  double *row = malloc(nc * sizeof *row);
  int rc = CLI_OK;
  if (hdr && row) {
    const char *fixed[5] = {"pol (0=TE 1=TM)", "order", "neff_re", "neff_im", "loss (cm^-1)"};
    for (int i = 0; i < 5; i++) hdr[i] = strdup(fixed[i]);
    for (size_t i = 0; i < nl; i++) {
      char hh[96];
      snprintf(hh, sizeof hh, "confinement %s", s->layers[i].name);
      hdr[5 + i] = strdup(hh);
    }
    gk_csv_init(&t, nc, (const char *const *)hdr);
    for (size_t i = 0; i < m.n; i++) {
      row[0] = m.mode[i].pol;
      row[1] = m.mode[i].order;
      row[2] = creal(m.mode[i].neff);
      row[3] = cimag(m.mode[i].neff);
      row[4] = m.mode[i].loss_cm;
      memcpy(row + 5, m.mode[i].confinement, nl * sizeof *row);
      gk_csv_add_row(&t, row);
    }
  }
  /* Side files first, so that an unwritable path stops before stdout. */
  double *x = NULL, **E = NULL;
  size_t np = 0;
  if (profile || c->plot) rc = write_profile(profile, &g, s, &m, &x, &E, &np);
  /* with no guided mode the plot still shows the stack */
  if (rc == CLI_OK && c->plot) rc = plot_profiles(c->plot, &g, s, &m, x, E, np);
  if (rc == CLI_OK) rc = cli_emit(c, j, b.s, &t, m.converged ? CLI_OK : CLI_FAILED);
  for (size_t i = 0; E && i < m.n; i++) free(E[i]);
  free(E);
  free(x);
  for (size_t i = 0; hdr && i < nc; i++) free(hdr[i]);
  free(hdr);
  free(row);
  gk_csv_free(&t);
  cli_buf_free(&b);
  cJSON_Delete(j);
  gk_modes_free(&m);
  gk_guide_free(&g);
  return rc;
}

static void sweep_pol_json(cJSON *o, const char *key, const gk_sweep_point *P, int p)
{
  if (!P->found[p]) { cJSON_AddNullToObject(o, key); return; }
  cJSON *q = cJSON_AddObjectToObject(o, key);
  add_complex(q, "neff", P->neff[p]);
  gk_json_num(q, "confinement_active", P->gamma_active[p]);
  gk_json_num(q, "loss_cm", P->loss_cm[p]);
  gk_json_num(q, "net_gain", P->net_gain[p]);
}



static int run_sweep(const cli_common *c, const gk_stack *s, int layer, const double *th, size_t nth,
                     const double *wls, size_t nwl, double wl, double G, int continuation)
{
  size_t np = (layer >= 0 ? nth : 1) * (nwl ? nwl : 1);
  gk_sweep_point *P = calloc(np, sizeof *P);
  if (!P) return cli_error(&(gk_error){.code = GK_ENOMEM, .msg = "out of memory"});
  gk_error e;
  gk_error_clear(&e);
  int conv = 1;
  gk_progress pr = cli_progress("modes sweep");
  gk_modes_sweep_opts so = {.continuation = continuation};
  int rc = gk_modes_sweep_ex(s, layer, th, nth, wls, nwl, wl, G, P, &conv, &so, &pr, &e);
  cli_progress_done(&pr);
  if (rc != GK_OK || cli_interrupted()) { free(P); return rc != GK_OK ? stack_error(&e, s) : CLI_FAILED; }

  cJSON *j = cJSON_CreateObject();
  cJSON_AddStringToObject(j, "command", "modes");
  cJSON_AddStringToObject(j, "stack", s->file);
  if (!nwl) gk_json_num(j, "wavelength_nm", wl);
  if (layer >= 0) cJSON_AddStringToObject(j, "sweep_layer", s->layers[layer].name);
  if (s->active >= 0) cJSON_AddStringToObject(j, "active_layer", s->layers[s->active].name);
  else cJSON_AddNullToObject(j, "active_layer");
  gk_json_num(j, "material_gain_cm", G);
  {
    cJSON *sv = cJSON_AddObjectToObject(j, "solver");
    cJSON_AddStringToObject(sv, "method", so.continuation ? "continuation" : "full search");
    if (so.continuation) {
      cJSON_AddNumberToObject(sv, "full_searches", (double)so.full_solves);
      cJSON_AddNumberToObject(sv, "continued_points", (double)so.newton_solves);
      cJSON_AddNumberToObject(sv, "segments_redone", (double)so.redone_segments);
    }
  }
  cJSON *arr = cJSON_AddArrayToObject(j, "sweep");
  cli_buf b = {0};
  cli_printf(&b, "Sweep of %s: fundamental modes, g_net = Γ_active·%g cm^-1 − loss\n", s->file, G);
  cli_printf(&b, "  %14s  %15s  %8s  %13s  %13s  %8s  %13s  %13s\n", "thickness (nm)", "wavelength (nm)", "TE0 Γ",
             "TE0 α (cm^-1)", "TE0 g_net", "TM0 Γ", "TM0 α (cm^-1)", "TM0 g_net");
  const char *hdr[10] = {"thickness (nm)", "wavelength (nm)", "TE0 neff_re", "TE0 confinement", "TE0 loss (cm^-1)",
                         "TE0 net gain (cm^-1)", "TM0 neff_re", "TM0 confinement", "TM0 loss (cm^-1)", "TM0 net gain (cm^-1)"};
  gk_csv t = {0};
  gk_csv_init(&t, 10, hdr);
  for (size_t i = 0; i < np; i++) {
    cJSON *o = cJSON_CreateObject();
    gk_json_num(o, "thickness_nm", P[i].thickness_nm);
    gk_json_num(o, "wavelength_nm", P[i].wavelength_nm);
    sweep_pol_json(o, "te0", &P[i], 0);
    sweep_pol_json(o, "tm0", &P[i], 1);
    cJSON_AddItemToArray(arr, o);
    cli_cell(&b, 14, P[i].thickness_nm);
    cli_cell(&b, 15, P[i].wavelength_nm);
    for (int q = 0; q < 2; q++) {
      cli_cell(&b, 8, P[i].gamma_active[q]);
      cli_cell(&b, 13, P[i].loss_cm[q]);
      cli_cell(&b, 13, P[i].net_gain[q]);
    }
    cli_printf(&b, "\n");
    double row[10] = {P[i].thickness_nm, P[i].wavelength_nm, creal(P[i].neff[0]), P[i].gamma_active[0], P[i].loss_cm[0],
                      P[i].net_gain[0], creal(P[i].neff[1]), P[i].gamma_active[1], P[i].loss_cm[1], P[i].net_gain[1]};
    gk_csv_add_row(&t, row);
  }
  /* Smallest swept thickness with positive TE0 net gain: the design number
   * of Goldberg et al., Adv. Mater. 2024, Fig. 3c. */
  double gnet0 = NAN;
  if (layer >= 0 && nwl <= 1 && s->active >= 0) {
    double dmin = NAN;
    for (size_t i = 0; i < np; i++)
      if (P[i].found[0] && P[i].net_gain[0] > 0) { dmin = P[i].thickness_nm; break; }
    gk_json_num(j, "te0_positive_net_gain_from_nm", dmin);
    if (dmin == dmin) cli_printf(&b, "TE0 net gain > 0 from %s = %g nm\n", s->layers[layer].name, dmin);
    else cli_printf(&b, "TE0 net gain stays <= 0 over the sweep\n");
    /* the thickness where TE0 g_net crosses 0 (first crossing upwards),
     * linear between the two grid points around it */
    for (size_t i = 1; i < np && gnet0 != gnet0; i++)
      if (P[i - 1].found[0] && P[i].found[0] && P[i - 1].net_gain[0] <= 0 && P[i].net_gain[0] > 0)
        gnet0 = P[i - 1].thickness_nm + (0 - P[i - 1].net_gain[0]) * (P[i].thickness_nm - P[i - 1].thickness_nm) /
                                          (P[i].net_gain[0] - P[i - 1].net_gain[0]);
    gk_json_num(j, "te0_net_gain_zero_nm", gnet0);
    if (gnet0 == gnet0)
      cli_printf(&b, "TE0 g_net = 0 at %s = %.4g nm (between grid points)\n", s->layers[layer].name, gnet0);
  }
  if (s->active < 0) cli_printf(&b, "note: no layer is marked active; confinement and net gain are null\n");
  cJSON_AddBoolToObject(j, "converged", conv);
  rc = CLI_OK;
  if (c->plot) {
    int by_thick = layer >= 0;
    /* a grid is plotted for the first wavelength only */
    size_t npl = np, stride = 1;
    gk_sweep_point *Q = P;
    if (by_thick && nwl > 1) {
      stride = nwl;
      npl = nth;
      Q = malloc(npl * sizeof *Q);
      if (Q) for (size_t i = 0; i < npl; i++) Q[i] = P[i * stride];
    }
    if (!Q) rc = cli_error(&(gk_error){.code = GK_ENOMEM, .msg = "out of memory"});
    else rc = plot_sweep(c->plot, s, Q, npl, by_thick, by_thick ? s->layers[layer].name : "", G, gnet0);
    if (Q && Q != P) free(Q);
  }
  if (rc == CLI_OK) rc = cli_emit(c, j, b.s, &t, conv ? CLI_OK : CLI_FAILED);
  gk_csv_free(&t);
  cli_buf_free(&b);
  cJSON_Delete(j);
  free(P);
  return rc;
}

/* ---- options (declarative: --help is generated from this table) ---- */
static struct {
  double wl, G;
  const char *pol, *profile, *sweep, *sweep_wl;
  int leaky, full_search;
} A = {.wl = NAN, .pol = "both"};

static cli_qopt q[] = {
  CLI_OPT_QTY("wavelength", "NM", "nm", QO_POS, &A.wl, "the stack's wavelength_nm", "wavelength"),
  CLI_OPT_CHOICE("pol", "te|tm|both", &A.pol, "both", "polarisations to search"),
  CLI_OPT_STRING("profile", "OUT.csv", &A.profile, NULL, "write |E|^2 of every mode versus depth (peak 1)"),
  CLI_OPT_STRING("sweep", "LAYER:FROM:TO:STEP", &A.sweep, NULL,
                 "sweep a layer thickness (nm) for the fundamental TE0/TM0: active confinement, loss, net gain"),
  CLI_OPT_STRING("sweep-wavelength", "FROM:TO:STEP", &A.sweep_wl, NULL, "sweep the wavelength (nm)"),
  CLI_OPT_QTY("material-gain", "G", "cm^-1", QO_ANY, &A.G, NULL, "material gain g_i for g_net = Γ g_i - loss"),
  CLI_OPT_FLAG("full-search", &A.full_search,
               "a sweep: the full argument-principle search at every point, instead of continuing each point's "
               "Newton iteration from the previous n_eff (with a full search every 32 points as a check)"),
  CLI_OPT_FLAG("leaky", &A.leaky,
               "leaky and Bragg-reflection modes instead (n_eff below the cover/substrate index): leakage and "
               "absorption loss, DBR stop band, modal angle; see docs/modes.md"),
};

static int run(int argc, char **argv)
{
  cli_common c = {.cmd = "modes"};
  CLI_RESET(A);
  int first;
  if (cli_qopt_parse(&c, argc, argv, q, CLI_NOPTS(q), &first) < 0) return CLI_USAGE;
  double wl = A.wl, G = A.G;
  int pols = !strcmp(A.pol, "te") ? GK_MODES_TE : !strcmp(A.pol, "tm") ? GK_MODES_TM : GK_MODES_BOTH;
  int have_gain = cli_qopt_find(q, CLI_NOPTS(q), "material-gain")->seen, leaky = A.leaky;
  const char *profile = A.profile, *sweep = A.sweep, *sweep_wl = A.sweep_wl;
  if (cli_qopt_find(q, CLI_NOPTS(q), "wavelength")->seen && !(wl >= GK_MODES_WL_MIN_NM && wl <= GK_MODES_WL_MAX_NM)) {
    fprintf(stderr, "gainkit: --wavelength: %g nm is outside the supported range %g-%g nm\n", wl, GK_MODES_WL_MIN_NM,
            GK_MODES_WL_MAX_NM);
    return CLI_USAGE;
  }
  if (first >= argc) return cli_usage(c.cmd, "missing STACK.yaml");
  if (first + 1 < argc) return cli_usage(c.cmd, "unexpected argument '%s'", argv[first + 1]);
  if (profile) {
    char ext[16];
    gk_path_ext(profile, ext, sizeof ext);
    if (strcmp(ext, "csv")) { fprintf(stderr, "gainkit: --profile: '%s' must end in .csv\n", profile); return CLI_USAGE; }
    if (sweep || sweep_wl) { fprintf(stderr, "gainkit: --profile: not with a sweep (profiles are for one stack)\n"); return CLI_USAGE; }
  }
  if (leaky && (sweep || sweep_wl)) {
    fprintf(stderr, "gainkit: --leaky: not with --sweep or --sweep-wavelength\n");
    return CLI_USAGE;
  }
  if (have_gain && !sweep && !sweep_wl) {
    fprintf(stderr, "gainkit: --material-gain: only used with --sweep or --sweep-wavelength\n");
    return CLI_USAGE;
  }

  gk_stack s;
  gk_error e;
  gk_error_clear(&e);
  if (gk_stack_load(argv[first], &s, &e) != GK_OK) return cli_error(&e);
  if (!(wl > 0)) wl = s.wavelength_nm;
  int rc;
  double *th = NULL, *wls = NULL;
  size_t nth = 0, nwl = 0;
  int layer = -1;
  if (sweep) {
    const char *colon = strchr(sweep, ':');
    if (!colon) { fprintf(stderr, "gainkit: --sweep: '%s' is not LAYER:FROM:TO:STEP\n", sweep); rc = CLI_USAGE; goto done; }
    char name[128];
    snprintf(name, sizeof name, "%.*s", (int)(colon - sweep), sweep);
    layer = gk_stack_find(&s, name);
    if (layer < 0) {
      fprintf(stderr, "gainkit: --sweep: %s has no layer '%s'\n", s.file, name);
      rc = CLI_USAGE;
      goto done;
    }
    if (layer == 0 || (size_t)layer + 1 == s.nlayers) {
      fprintf(stderr, "gainkit: --sweep: '%s' is semi-infinite (cover or substrate); sweep a finite layer\n", name);
      rc = CLI_USAGE;
      goto done;
    }
    if (parse_steps("--sweep", colon + 1, &th, &nth) < 0) { rc = CLI_USAGE; goto done; }
  }
  if (sweep_wl && parse_steps("--sweep-wavelength", sweep_wl, &wls, &nwl) < 0) { rc = CLI_USAGE; goto done; }
  if (sweep_wl) {
    for (size_t i = 0; i < nwl; i++)
      if (!(wls[i] > 0)) { fprintf(stderr, "gainkit: --sweep-wavelength: wavelengths must be positive\n"); rc = CLI_USAGE; goto done; }
  }
  if (!(wl > 0) && !sweep_wl) {
    rc = cli_usage(c.cmd, "no wavelength: give --wavelength or wavelength_nm in %s", s.file);
    goto done;
  }
  if (sweep || sweep_wl) {
    if ((double)(nth ? nth : 1) * (double)(nwl ? nwl : 1) > MAX_SWEEP) {
      fprintf(stderr, "gainkit: --sweep: more than %d points in all\n", MAX_SWEEP);
      rc = CLI_USAGE;
      goto done;
    }
    rc = run_sweep(&c, &s, layer, th, nth, wls, nwl, wl, G, !A.full_search);
  } else if (leaky) {
    rc = cli_modes_leaky(&c, &s, wl, pols, profile);
  } else {
    rc = run_modes(&c, &s, wl, pols, profile);
  }
done:
  free(th);
  free(wls);
  gk_stack_free(&s);
  return rc;
}

const struct cli_command cli_cmd_modes = {
  .name = "modes",
  .summary = "guided modes, confinement, loss and net modal gain of a thin-film stack",
  .order = 60,
  .opts = q,
  .nopts = CLI_NOPTS(q),
  .usage = "STACK.yaml [--wavelength NM] [--pol te|tm|both] [--profile OUT.csv]\n"
           "                     [--sweep LAYER:FROM:TO:STEP] [--sweep-wavelength FROM:TO:STEP]\n"
           "                     [--material-gain G] [--leaky] [--format text|json] [-o FILE] [--plot FILE]",
  .about = "Find every guided TE and TM mode of a planar multilayer (complex indices: lossy\n"
           "dielectrics, transparent conductors, thin metals with their plasmon modes):\n"
           "effective index, fraction of |E|^2 in each layer (TE: |E_y|^2, TM: |E_x|^2+|E_z|^2),\n"
           "modal loss 4 pi Im(n_eff)/lambda, DFB periods, cutoff thicknesses, critical angle.\n\n"
           "STACK.yaml lists the layers top to bottom (cover and substrate semi-infinite):\n"
           "  wavelength_nm: 540\n"
           "  layers:\n"
           "    - {name: air, n: 1.0}\n"
           "    - {name: CsPbBr3, n: 2.4, thickness_nm: 100, active: true}\n"
           "    - {name: ITO, material: ITO.yml, thickness_nm: 20}   # refractiveindex.info file\n"
           "    - {name: quartz, material: SiO2}                      # built-in material\n"
           "A group of layers repeated N times (a DBR) is an entry `repeat: N` with its own\n"
           "`layers:` list (docs/modes.md).",
  .epilog =
      "--plot draws the mode profiles over the shaded layers, or for a sweep Γ, loss and\n"
      "g_net versus thickness (or wavelength).\n"
      "Examples:\n"
      "  gainkit modes examples/stack-cspbbr3.yaml --plot profiles.png\n"
      "  gainkit modes examples/stack-electrodes.yaml --sweep perovskite:20:400:5 \\\n"
      "      --material-gain 500 --plot sweep.png\n"
      "  gainkit modes examples/stack-brw-dbr.yaml --leaky --pol te\n"
      "  gainkit modes examples/stack-brw-ahn.yaml --leaky --pol te",
  .run = run,
};
