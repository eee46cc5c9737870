/* gainkit dfb — threshold of a uniform DFB grating by coupled-wave theory
 * (Kogelnik & Shank, J. Appl. Phys. 1972): the lowest longitudinal modes'
 * threshold gain and detuning for a coupling coefficient and a length. */
#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "qopt.h"
#include "gainkit/cavity.h"
#include "gainkit/stack.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#define NQ(a) (sizeof(a) / sizeof((a)[0]))

/* kappa (signed), n_eff, the grating layer's confinement and, for order 2,
 * the radiation coupling zeta (K-S convention) of the TE0 mode of a stack
 * whose layer j is a rectangular grating between that layer's index
 * (fraction duty) and n_fill: the unperturbed guide has the period-averaged
 * permittivity there. Returns 0, 1 (no guided TE mode) or 2 (no order-th
 * Fourier component), or the exit code of a library error (negative) via
 * *rc_err. */
static int stack_eval(const gk_stack *s, int j, double n_fill, double duty, int order, double wl, double *kappa,
                      double *neff, double *gam, double complex *zeta, gk_error *e)
{
  gk_guide g;
  gk_modes m = {0};
  if (gk_guide_from_stack(&g, s, wl, e) != GK_OK) return -1;
  double complex ehi = g.index[j] * g.index[j];
  double elo = n_fill * n_fill;
  g.index[j] = csqrt(duty * ehi + (1 - duty) * elo);
  int rc = 0;
  if (gk_modes_find(&g, GK_MODES_TE, &m, e) != GK_OK) rc = -1;
  else if (m.n == 0) rc = 1;
  else {
    double em = gk_dfb_rect_eps_m(creal(ehi), elo, duty, order);
    *neff = creal(m.mode[0].neff);
    *gam = m.mode[0].confinement[j];
    *zeta = 0;
    if (!(fabs(em) > 1e-9 * fabs(creal(ehi) - elo))) rc = 2;
    else if (gk_dfb_kappa(&g, &m.mode[0], (size_t)j, em, kappa, e) != GK_OK) rc = -1;
    else if (order == 2 &&
             gk_dfb_radiation(&g, &m.mode[0], (size_t)j, gk_dfb_rect_eps_m(creal(ehi), elo, duty, 1), zeta, e) != GK_OK)
      rc = -1;
  }
  gk_modes_free(&m);
  gk_guide_free(&g);
  return rc;
}

/* The Bragg wavelength of period Lambda, self-consistent with n_eff(lambda):
 * lambda = 2 n_eff(lambda) Lambda / order (fixed-point iteration from wl0). */
static int stack_bragg(const gk_stack *s, int j, double n_fill, double duty, int order, double period, double wl0,
                       double *wl, double *kappa, double *neff, double *gam, double complex *zeta, gk_error *e)
{
  double w = wl0;
  int rc = 0;
  for (int it = 0; it < 30; it++) {
    rc = stack_eval(s, j, n_fill, duty, order, w, kappa, neff, gam, zeta, e);
    if (rc == -1 || rc == 1) return rc;
    double wn = 2 * *neff * period / order;
    if (fabs(wn - w) < 1e-9 * w) { w = wn; break; }
    w = wn;
  }
  *wl = w;
  return stack_eval(s, j, n_fill, duty, order, w, kappa, neff, gam, zeta, e);
}

static int stack_kappa(const char *path, const char *lay, double n_fill, double duty, int order, double *wl,
                       double *kappa, double *neff, double *gam, double complex *zeta)
{
  gk_stack s;
  gk_error e;
  gk_error_clear(&e);
  if (gk_stack_load(path, &s, &e) != GK_OK) return cli_error(&e);
  int rc = CLI_OK;
  int j = gk_stack_find(&s, lay);
  if (!(*wl > 0)) *wl = s.wavelength_nm;
  if (j <= 0 || (size_t)j + 1 >= s.nlayers) {
    rc = CLI_QFAIL("grating-layer", "%s has no interior layer '%s'", path, lay);
  } else if (!(*wl > 0)) {
    rc = cli_usage("dfb", "no wavelength: give --wavelength or wavelength_nm in %s", path);
  } else {
    int r = stack_eval(&s, j, n_fill, duty, order, *wl, kappa, neff, gam, zeta, &e);
    if (r == -1) rc = cli_error(&e);
    else if (r == 1) rc = cli_usage("dfb", "%s: no guided TE mode at %g nm with the grating layer averaged", path, *wl);
    else if (r == 2)
      rc = CLI_QFAIL("duty", "a rectangular grating of duty cycle %g has no order-%d Fourier component (no coupling)",
                     duty, order);
  }
  gk_stack_free(&s);
  return rc;
}

/* Threshold modal gain of the lowest mode, 2 alpha / L (cm^-1), or NAN. */
static double lowest_gth(double kappa, double complex zeta, double len, double *delta_L)
{
  gk_dfb_mode mm[1];
  size_t nn = 0;
  gk_error e;
  gk_error_clear(&e);
  double kL = kappa * len;
  if (fabs(kL) > 50 || fabs(kL) < 1e-6) return NAN;
  double dmax = fmax(15, 2 * fabs(kL) + 2 * cabs(zeta) * len + 12);
  if (gk_dfb_threshold_rad(kL, 0, zeta * len, 10 + 3 * creal(zeta) * len, dmax, mm, 1, &nn, &e) != GK_OK || !nn)
    return NAN;
  if (delta_L) *delta_L = mm[0].delta_L;
  return 2 * mm[0].alpha_L / len;
}

/* gainkit dfb --stack ... --map-period A:B --map-duty C:D: threshold modal
 * gain of the lowest mode (radiation included for order 2) over period and
 * duty cycle, each period at its self-consistent Bragg wavelength. */
static int run_map(cli_common *c, const char *path, const char *lay, double nfill, int order, double wl0,
                   const double *pr, const double *dr, int np, int nd, double len, double g_ase, int has_ase)
{
  gk_stack s;
  gk_error e;
  gk_error_clear(&e);
  if (gk_stack_load(path, &s, &e) != GK_OK) return cli_error(&e);
  int j = gk_stack_find(&s, lay);
  if (!(wl0 > 0)) wl0 = s.wavelength_nm;
  if (j <= 0 || (size_t)j + 1 >= s.nlayers) {
    gk_stack_free(&s);
    return CLI_QFAIL("grating-layer", "%s has no interior layer '%s'", path, lay);
  }
  if (!(wl0 > 0)) {
    gk_stack_free(&s);
    return cli_usage("dfb", "no wavelength: give --wavelength or wavelength_nm in %s", path);
  }
  size_t ncell = (size_t)np * (size_t)nd;
  double *P = malloc(np * sizeof *P), *D = malloc(nd * sizeof *D), *G = malloc(ncell * sizeof *G);
  if (!P || !D || !G) {
    free(P); free(D); free(G);
    gk_stack_free(&s);
    return cli_usage("dfb", "out of memory");
  }
  for (int i = 0; i < np; i++) P[i] = np > 1 ? pr[0] + (pr[1] - pr[0]) * i / (np - 1) : pr[0];
  for (int i = 0; i < nd; i++) D[i] = nd > 1 ? dr[0] + (dr[1] - dr[0]) * i / (nd - 1) : dr[0];
  cli_result r;
  cli_result_init(&r, "dfb map");
  static const char *hdr[] = {"period (nm)", "duty", "wavelength (nm)", "n_eff", "kappa (cm^-1)",
                              "zeta re (cm^-1)", "zeta im (cm^-1)", "g_th (cm^-1)"};
  gk_csv_init(&r.csv, 8, hdr);
  r.has_csv = 1;
  cJSON_AddStringToObject(r.j, "stack", path);
  cJSON_AddStringToObject(r.j, "grating_layer", lay);
  gk_json_num(r.j, "order", order);
  gk_json_num(r.j, "length", len);
  if (has_ase) gk_json_num(r.j, "ase_threshold_gain", g_ase);
  cli_printf(&r.b, "DFB threshold map of %s, grating in '%s' (fill index %g, order %d), L = %g um\n", path, lay, nfill,
             order, len * 1e4);
  cli_printf(&r.b, "threshold modal gain g_th (cm^-1) of the lowest mode%s; rows: duty, columns: period (nm)\n",
             order == 2 ? ", second-order radiation loss included" : "");
  cli_printf(&r.b, "%8s", "duty");
  for (int i = 0; i < np; i++) cli_printf(&r.b, " %9.1f", P[i]);
  cli_printf(&r.b, "\n");
  cJSON *cells = cJSON_AddArrayToObject(r.j, "map");
  double best = INFINITY, bp = NAN, bd = NAN, bw = NAN;
  int status = CLI_OK, nbelow = 0;
  for (int a = 0; a < nd; a++) {
    cli_printf(&r.b, "%8.3f", D[a]);
    for (int b = 0; b < np; b++) {
      double wl = NAN, kap = NAN, ne = NAN, gam = NAN;
      double complex z = 0;
      int rc = stack_bragg(&s, j, nfill, D[a], order, P[b], wl0, &wl, &kap, &ne, &gam, &z, &e);
      if (rc == -1) {
        cli_result_free(&r);
        free(P); free(D); free(G);
        gk_stack_free(&s);
        return cli_error(&e);
      }
      double gth = rc == 0 ? lowest_gth(kap, z, len, NULL) : NAN;
      G[(size_t)a * np + b] = gth;
      cJSON *o = cJSON_CreateObject();
      gk_json_num(o, "period_nm", P[b]);
      gk_json_num(o, "duty", D[a]);
      if (rc == 1) cJSON_AddStringToObject(o, "reason", "no guided TE mode");
      else {
        gk_json_num(o, "wavelength_nm", wl);
        gk_json_num(o, "neff", ne);
        gk_json_num(o, "kappa", rc == 2 ? 0 : kap);
        gk_json_num(o, "zeta_re", creal(z));
        gk_json_num(o, "zeta_im", cimag(z));
      }
      if (isfinite(gth)) {
        gk_json_num(o, "threshold_gain", gth);
        if (has_ase) cJSON_AddBoolToObject(o, "below_ase", gth < g_ase);
        if (has_ase && gth < g_ase) nbelow++;
        if (gth < best) { best = gth; bp = P[b]; bd = D[a]; bw = wl; }
        cli_printf(&r.b, " %9.4g", gth);
      } else {
        cJSON_AddNullToObject(o, "threshold_gain");
        if (rc == 2) cJSON_AddStringToObject(o, "reason", "no Fourier component of this order (no coupling)");
        else if (rc == 0) cJSON_AddStringToObject(o, "reason", "kappa L outside (1e-6, 50] or no mode found");
        cli_printf(&r.b, " %9s", "-");
      }
      cJSON_AddItemToArray(cells, o);
      gk_csv_add_row(&r.csv, (double[]){P[b], D[a], wl, ne, rc == 2 ? 0 : kap, creal(z), cimag(z), gth});
    }
    cli_printf(&r.b, "\n");
  }
  if (isfinite(best)) {
    cJSON *o = cJSON_AddObjectToObject(r.j, "lowest");
    gk_json_num(o, "period_nm", bp);
    gk_json_num(o, "duty", bd);
    gk_json_num(o, "wavelength_nm", bw);
    gk_json_num(o, "threshold_gain", best);
    cli_printf(&r.b, "lowest threshold %.4g cm^-1 at period %.2f nm, duty %.3f (lasing near %.2f nm)\n", best, bp, bd, bw);
  } else {
    cli_printf(&r.b, "no cell has a threshold\n");
    status = CLI_FAILED;
  }
  if (has_ase)
    cli_printf(&r.b, "ASE threshold modal gain %.4g cm^-1: %d of %zu cells lase below it (DFB threshold < ASE)\n", g_ase,
               nbelow, ncell);
  if (c->plot) {
    gk_figure *f = gk_figure_new(1, 1, 860, 600, NULL);
    gk_panel *p = gk_figure_panel(f, 0);
    gk_panel_labels(p, "grating period (nm)", "duty cycle", "DFB threshold modal gain g_{th} (cm^-1)");
    int prc = gk_panel_image(p, P, (size_t)np, D, (size_t)nd, G, "g_{th} (cm^-1)");
    if (prc == GK_OK && has_ase) {
      /* mark the cells below the ASE threshold */
      double *xs = malloc(ncell * sizeof *xs), *ys = malloc(ncell * sizeof *ys);
      size_t k = 0;
      if (xs && ys)
        for (int a = 0; a < nd; a++)
          for (int b = 0; b < np; b++)
            if (G[(size_t)a * np + b] < g_ase) { xs[k] = P[b]; ys[k++] = D[a]; }
      if (k) gk_panel_add(p, xs, ys, NULL, k, GK_STYLE_POINTS, 1, "g_{th} below the ASE threshold");
      free(xs);
      free(ys);
    }
    if (isfinite(best)) gk_panel_add(p, &bp, &bd, NULL, 1, GK_STYLE_POINTS, 3, "lowest threshold");
    int src = cli_save_figure(c, f);
    if (src) {
      cli_result_free(&r);
      free(P); free(D); free(G);
      gk_stack_free(&s);
      return src;
    }
  }
  free(P); free(D); free(G);
  gk_stack_free(&s);
  return cli_result_finish(c, &r, status);
}

static int run(int argc, char **argv)
{
  cli_common c = {.cmd = "dfb"};
  double kappa = 0, kg = 0, len = 0, neff = 0, period = 0, order = 1, nmodes = 4, check = 0, nfill = 1, duty = 0.5,
         wl = NAN, mapp[2] = {0, 0}, mapd[2] = {0, 0}, msteps = 21, gase = 0;
  const char *stack = NULL, *glayer = NULL;
  cli_qopt q[] = {{"kappa", "cm^-1", QO_NONNEG, &kappa, NULL, 0},
                  {"kappa-gain", "cm^-1", QO_NONNEG, &kg, NULL, 0},
                  {"length", "cm", QO_POS, &len, NULL, 0},
                  {"neff", NULL, QO_POS, &neff, NULL, 0},
                  {"period", "nm", QO_POS, &period, NULL, 0},
                  {"order", NULL, QO_POS, &order, NULL, 0},
                  {"modes", NULL, QO_POS, &nmodes, NULL, 0},
                  {"check-tmm", NULL, QO_FLAG, &check, NULL, 0},
                  {"stack", NULL, QO_STRING, NULL, &stack, 0},
                  {"grating-layer", NULL, QO_STRING, NULL, &glayer, 0},
                  {"fill-index", NULL, QO_POS, &nfill, NULL, 0},
                  {"duty", NULL, QO_FRACTION, &duty, NULL, 0},
                  {"wavelength", "nm", QO_POS, &wl, NULL, 0},
                  {"map-period", "nm", QO_RANGE, mapp, NULL, 0},
                  {"map-duty", NULL, QO_RANGE, mapd, NULL, 0},
                  {"map-steps", NULL, QO_POS, &msteps, NULL, 0},
                  {"ase-gain", "cm^-1", QO_POS, &gase, NULL, 0},
                  {"no-radiation", NULL, QO_FLAG, NULL, NULL, 0}};
  int first;
  if (cli_qopt_parse(&c, argc, argv, q, NQ(q), &first) < 0) return CLI_USAGE;
  if (first < argc) return cli_usage(c.cmd, "unexpected argument '%s'", argv[first]);
  if (cli_qopt_require(&c, q, NQ(q), "length") < 0) return CLI_USAGE;
  int has_k = cli_qopt_find(q, NQ(q), "kappa")->seen, has_kg = cli_qopt_find(q, NQ(q), "kappa-gain")->seen;
  if (!(order == 1 || order == 2)) return CLI_QFAIL("order", "must be 1 or 2 (got %g)", order);
  double gam = NAN, kap_signed = 0;
  double complex zeta = 0;
  int norad = cli_qopt_find(q, NQ(q), "no-radiation")->seen;
  int has_mp = cli_qopt_find(q, NQ(q), "map-period")->seen, has_md = cli_qopt_find(q, NQ(q), "map-duty")->seen;
  int has_ase = cli_qopt_find(q, NQ(q), "ase-gain")->seen;
  if ((has_mp || has_md) && !stack) return cli_usage(c.cmd, "--map-period and --map-duty need --stack");
  if (has_mp != has_md) return cli_usage(c.cmd, "--map-period and --map-duty go together");
  if (has_ase && !has_mp) return CLI_QFAIL("ase-gain", "is compared with the threshold map: needs --map-period/--map-duty");
  if (cli_qopt_find(q, NQ(q), "map-steps")->seen && !has_mp) return CLI_QFAIL("map-steps", "needs --map-period/--map-duty");
  if (!(msteps >= 2 && msteps <= 101 && msteps == floor(msteps))) return CLI_QFAIL("map-steps", "must be an integer from 2 to 101");
  if (has_mp) {
    if (!glayer) return CLI_QFAIL("stack", "needs --grating-layer");
    if (cli_qopt_find(q, NQ(q), "duty")->seen) return CLI_QFAIL("duty", "the map scans the duty cycle: give --map-duty only");
    if (cli_qopt_find(q, NQ(q), "period")->seen || cli_qopt_find(q, NQ(q), "neff")->seen)
      return cli_usage(c.cmd, "the map scans the period: --period/--neff do not apply");
    if (!(mapd[0] > 0 && mapd[1] < 1)) return CLI_QFAIL("map-duty", "must lie inside (0, 1) (got %g:%g)", mapd[0], mapd[1]);
    if (!(mapp[0] > 0)) return CLI_QFAIL("map-period", "periods must be positive");
    if (!(order == 1 || order == 2)) return CLI_QFAIL("order", "must be 1 or 2 (got %g)", order);
    if (norad) return CLI_QFAIL("no-radiation", "the map always includes the second-order radiation loss");
    return run_map(&c, stack, glayer, nfill, (int)order, wl, mapp, mapd, (int)msteps, (int)msteps, len, gase, has_ase);
  }
  if (norad && !(stack && order == 2)) return CLI_QFAIL("no-radiation", "applies to --stack with --order 2 only");
  if (stack) {
    if (has_k) return CLI_QFAIL("kappa", "give either --kappa or --stack (kappa from the mode), not both");
    if (!glayer) return CLI_QFAIL("stack", "needs --grating-layer");
    if (!(duty < 1)) return CLI_QFAIL("duty", "must be below 1 for a grating (got %g)", duty);
    int rc0 = stack_kappa(stack, glayer, nfill, duty, (int)order, &wl, &kappa, &neff, &gam, &zeta);
    if (rc0) return rc0;
    kap_signed = kappa;
    kappa = fabs(kappa);
    if (norad) zeta = 0;
    if (!cli_qopt_find(q, NQ(q), "neff")->seen) cli_qopt_find(q, NQ(q), "neff")->seen = 1;
    if (!cli_qopt_find(q, NQ(q), "period")->seen) {
      period = order * wl / (2 * neff);
      cli_qopt_find(q, NQ(q), "period")->seen = 1;
    }
    has_k = 1;
  } else if (glayer || cli_qopt_find(q, NQ(q), "fill-index")->seen || cli_qopt_find(q, NQ(q), "duty")->seen ||
             cli_qopt_find(q, NQ(q), "wavelength")->seen) {
    return cli_usage(c.cmd, "--grating-layer, --fill-index, --duty and --wavelength need --stack");
  }
  if (!has_k && !has_kg) return cli_usage(c.cmd, "give --kappa (index coupling) and/or --kappa-gain");
  if (!(kappa > 0 || kg > 0)) return CLI_QFAIL("kappa", "index and gain coupling are both zero: no feedback");
  if (!(nmodes >= 1 && nmodes <= 20 && nmodes == floor(nmodes))) return CLI_QFAIL("modes", "must be an integer from 1 to 20");
  int has_n = cli_qopt_find(q, NQ(q), "neff")->seen, has_p = cli_qopt_find(q, NQ(q), "period")->seen;
  if (has_n != has_p) return cli_usage(c.cmd, "--neff and --period go together (Bragg wavelength 2 n_eff Lambda / order)");
  int tmm = cli_qopt_find(q, NQ(q), "check-tmm")->seen;
  if (tmm && (has_kg || !has_n)) return CLI_QFAIL("check-tmm", "needs index coupling only and --neff/--period");
  double kL = kappa * len, kgL = kg * len;
  if (kL > 50 || kgL > 50) return CLI_QFAIL("kappa", "kappa L = %g is beyond the range solved here (<= 50)", fmax(kL, kgL));
  gk_dfb_mode m[20];
  size_t n = 0;
  gk_error e;
  gk_error_clear(&e);
  int rad = stack && order == 2 && !norad;
  double zL = creal(zeta) * len;
  double amax = 10 + 3 * zL, dmax = fmax(15, 2 * hypot(kL, kgL) + 2 * cabs(zeta) * len + 12);
  if (rad) {
    if (gk_dfb_threshold_rad(kap_signed * len, kgL, zeta * len, amax, dmax, m, (size_t)nmodes, &n, &e) != GK_OK)
      return cli_error(&e);
  } else if (gk_dfb_threshold(kL, kgL, amax, dmax, m, (size_t)nmodes, &n, &e) != GK_OK) {
    return cli_error(&e);
  }
  cli_result r;
  cli_result_init(&r, "dfb");
  gk_json_num(r.j, "kappa", kappa);
  gk_json_num(r.j, "kappa_gain", kg);
  gk_json_num(r.j, "length", len);
  gk_json_num(r.j, "kappa_l", kL);
  double lb = NAN;
  cli_printf(&r.b, "Uniform DFB grating, coupled-wave threshold (Kogelnik & Shank 1972), no facet reflections\n");
  if (stack) {
    cJSON_AddStringToObject(r.j, "stack", stack);
    cJSON_AddStringToObject(r.j, "grating_layer", glayer);
    gk_json_num(r.j, "wavelength_nm", wl);
    gk_json_num(r.j, "neff", neff);
    gk_json_num(r.j, "confinement_grating", gam);
    gk_json_num(r.j, "period_nm", period);
    cli_printf(&r.b, "  stack %s, grating in '%s' (duty %g, fill index %g, order %g) at %g nm:\n", stack, glayer, duty,
               nfill, order, wl);
    cli_printf(&r.b, "  TE0 n_eff %.6f, confinement in the grating layer %.4f -> kappa %.6g cm^-1, period %.2f nm\n",
               neff, gam, kappa, period);
    if (order == 2) {
      gk_json_num(r.j, "zeta_re", creal(zeta));
      gk_json_num(r.j, "zeta_im", cimag(zeta));
      cJSON_AddBoolToObject(r.j, "radiation_included", rad);
      cli_printf(&r.b, "  second order: radiation coupling zeta %.6g %+.6g i cm^-1 (first Fourier component; "
                       "Kazarinov & Henry 1985)%s\n", creal(zeta), cimag(zeta), rad ? "" : " -- NOT included (--no-radiation)");
      if (rad) {
        double g0 = lowest_gth(kap_signed, 0, len, NULL);
        if (isfinite(g0)) {
          gk_json_num(r.j, "threshold_gain_no_radiation", g0);
          cli_printf(&r.b, "  lowest threshold without radiation %.6g cm^-1 (index coupling only)\n", g0);
        }
      }
    }
  }
  cli_printf(&r.b, "  kappa L = %.6g (index) %+.6g i (gain), L = %.6g um\n", kL, kgL, len * 1e4);
  if (has_n) {
    lb = gk_dfb_bragg_nm(neff, period, (int)order);
    double hw = gk_dfb_stopband_halfwidth_nm(lb, kappa, neff);
    gk_json_num(r.j, "bragg_wavelength_nm", lb);
    gk_json_num(r.j, "stopband_halfwidth_nm", hw);
    cli_print_value(&r.b, "lambda_B", lb, NAN, "nm (2 n_eff Lambda / order)");
    cli_print_value(&r.b, "stop band", 2 * hw, NAN, "nm full width (lambda^2 kappa / (pi n_eff), n_g = n_eff)");
  }
  if (!n) {
    cli_printf(&r.b, "  no mode found with alpha L <= %g, |delta L| <= %g\n", amax, dmax);
    cJSON_AddStringToObject(r.j, "reason", "no mode found in the search window");
    return cli_result_finish(&c, &r, CLI_FAILED);
  }
  cli_printf(&r.b, "  %-4s %12s %12s %16s %16s%s\n", "mode", "alpha L", "delta L", "g_th (cm^-1)", "lambda (nm)",
             tmm ? "   TMM alpha L, delta L" : "");
  cJSON *arr = cJSON_AddArrayToObject(r.j, "modes");
  static const char *hdr[] = {"alpha L", "delta L", "g_th (cm^-1)"};
  gk_csv_init(&r.csv, 3, hdr);
  r.has_csv = 1;
  int status = CLI_OK;
  for (size_t i = 0; i < n; i++) {
    double gth = 2 * m[i].alpha_L / len;   /* modal power gain */
    /* delta = beta - beta_B; lambda = lambda_B (1 - delta / beta_B) */
    double lam = has_n ? lb - m[i].delta_L / len * lb * lb * 1e-7 / (2 * M_PI * neff) : NAN;
    cJSON *o = cJSON_CreateObject();
    gk_json_num(o, "alpha_l", m[i].alpha_L);
    gk_json_num(o, "delta_l", m[i].delta_L);
    gk_json_num(o, "threshold_gain", gth);
    if (has_n) gk_json_num(o, "wavelength_nm", lam);
    cli_printf(&r.b, "  %-4zu %12.6f %12.6f %16.6g", i, m[i].alpha_L, m[i].delta_L, gth);
    if (has_n) cli_printf(&r.b, " %16.4f", lam);
    else cli_printf(&r.b, " %16s", "-");
    if (tmm) {
      long N = lround(len * 1e7 / period);
      /* layered grating n_eff +- dn/2 with kappa = 2 dn / lambda_B */
      double dn = kappa * lb * 1e-7 / 2;
      gk_dfb_mode t = m[i];
      gk_error e2;
      gk_error_clear(&e2);
      if (gk_dfb_threshold_tmm(neff, dn, lb, N, &t, &e2) == GK_OK) {
        gk_json_num(o, "tmm_alpha_l", t.alpha_L);
        gk_json_num(o, "tmm_delta_l", t.delta_L);
        cli_printf(&r.b, "   %.6f, %.6f", t.alpha_L, t.delta_L);
      } else {
        cJSON_AddNullToObject(o, "tmm_alpha_l");
        cJSON_AddStringToObject(o, "tmm_reason", e2.msg);
        cli_printf(&r.b, "   not determined (%s)", e2.msg);
        status = CLI_FAILED;
      }
    }
    cli_printf(&r.b, "\n");
    cJSON_AddItemToArray(arr, o);
    gk_csv_add_row(&r.csv, (double[]){m[i].alpha_L, m[i].delta_L, gth});
  }
  cli_printf(&r.b, "  g_th = 2 alpha is the modal power gain at threshold%s\n",
             rad ? "; radiation splits the band-edge pair (one edge radiates, one barely)"
                 : "; index coupling gives pairs +-delta");
  if (c.plot) {
    /* threshold gain of the lowest mode versus grating length, L/10 .. 3 L
     * (kappa fixed), capped at kappa L = 50 */
    enum { M = 60 };
    double xs[M], ys[M];
    size_t np = 0;
    for (int i = 0; i < M; i++) {
      double Li = len * 0.1 * pow(30.0, (double)i / (M - 1));
      if (hypot(kappa, kg) * Li > 50) break;
      gk_dfb_mode mm[1];
      size_t nn = 0;
      gk_error e3;
      gk_error_clear(&e3);
      if (gk_dfb_threshold(kappa * Li, kg * Li, 10, fmax(15, 2 * hypot(kappa, kg) * Li + 12), mm, 1, &nn, &e3) != GK_OK || !nn)
        continue;
      xs[np] = Li * 1e4;
      ys[np++] = 2 * mm[0].alpha_L / Li;
    }
    gk_figure *f = gk_figure_new(1, 1, 800, 560, NULL);
    gk_panel *p = gk_figure_panel(f, 0);
    gk_panel_labels(p, "grating length L (um)", "threshold modal gain g_{th} (cm^-1)",
                    "DFB threshold of the lowest mode (coupled-wave)");
    gk_panel_log(p, 1, 1);
    gk_panel_add(p, xs, ys, NULL, np, GK_STYLE_LINE, -1, "lowest mode");
    double px = len * 1e4, py = 2 * m[0].alpha_L / len;
    gk_panel_add(p, &px, &py, NULL, 1, GK_STYLE_POINTS, -1, "this grating");
    int prc = cli_save_figure(&c, f);
    if (prc) { cli_result_free(&r); return prc; }
  }
  return cli_result_finish(&c, &r, status);
}

const struct cli_command cli_cmd_dfb = {
  .name = "dfb",
  .summary = "DFB grating threshold by coupled-wave theory (Kogelnik-Shank)",
  .order = 64,
  .help =
    "Usage: gainkit dfb (--kappa K | --kappa-gain Kg | both) --length L\n"
    "                   [--neff n --period Lambda [--order 1|2]] [--modes 4] [--check-tmm]\n"
    "       gainkit dfb --stack S.yaml --grating-layer NAME [--fill-index 1] [--duty 0.5]\n"
    "                   [--order 1|2] [--wavelength NM] --length L\n\n"
    "Threshold of the lowest longitudinal modes of a uniform DFB grating without facet\n"
    "reflections by coupled-wave theory (Kogelnik & Shank, J. Appl. Phys. 1972): the\n"
    "transcendental equation gamma cosh(gamma L) = (alpha - i delta) sinh(gamma L),\n"
    "gamma^2 = kappa^2 + (alpha - i delta)^2, solved for alpha L and delta L.\n"
    "  --kappa K        index-coupling coefficient (cm^-1; 50/cm works)\n"
    "  --kappa-gain Kg  gain-coupling coefficient (cm^-1), the imaginary part of kappa\n"
    "  --length L       grating length (um; 0.5mm works)\n"
    "  --neff n --period Lambda   effective index and grating period (nm): the Bragg\n"
    "                   wavelength 2 n Lambda/order, the stop band and each mode's\n"
    "                   wavelength (group index taken equal to n_eff)\n"
    "  --order 1|2      Bragg order (second order: kappa is the coupling of the second\n"
    "                   Fourier component; with --stack the first component's radiation\n"
    "                   (surface emission) enters as zeta, Kazarinov & Henry, IEEE JQE 1985;\n"
    "                   with --kappa alone second-order thresholds omit it)\n"
    "  --no-radiation   leave the second-order radiation out (--stack, order 2)\n"
    "  --map-period A:B --map-duty C:D   threshold map: the lowest mode's threshold modal\n"
    "                   gain over period (nm) and duty cycle, each period at its own Bragg\n"
    "                   wavelength (n_eff(lambda) self-consistent); radiation included\n"
    "  --map-steps N    grid points per axis (default 21)\n"
    "  --ase-gain G     modal gain at the ASE threshold (cm^-1, e.g. from VSL): map cells\n"
    "                   that lase below it are counted and marked\n"
    "  --modes N        how many modes to list (default 4)\n"
    "  --stack S.yaml --grating-layer NAME   kappa from the TE0 mode of the stack: the\n"
    "                   layer is a rectangular grating of its own index (fraction --duty)\n"
    "                   and --fill-index (default 1, air grooves), through its full\n"
    "                   thickness; kappa = k0 eps_m Gamma / (2 n_eff) with eps_m the\n"
    "                   order-th Fourier component, the mode found with the layer's\n"
    "                   period-averaged permittivity; the period defaults to the Bragg one\n"
    "  --check-tmm      also solve a transfer-matrix model of the layered grating\n"
    "                   (n_eff +- dn/2, kappa = 2 dn/lambda_B) as an independent check\n"
    "JSON: kappa_l, bragg_wavelength_nm, stopband_halfwidth_nm, modes[] with alpha_l,\n"
    "delta_l, threshold_gain (cm^-1, 2 alpha), wavelength_nm; zeta_re/zeta_im (order 2).\n"
    "--plot draws the lowest mode's threshold gain versus grating length (L/10 to 3 L),\n"
    "or with --map-period the map (colour) with the cells below --ase-gain marked.\n"
    "Examples:\n"
    "  gainkit dfb --kappa 40 --length 500       (kappa L = 2: alpha L = 0.9847)\n"
    "  gainkit dfb --kappa 100 --length 0.2mm --neff 1.75 --period 154nm --check-tmm\n"
    "  gainkit dfb --stack examples/stack-dfb-cspbbr3.yaml --grating-layer grating \\\n      --fill-index 2.3 --order 2 --duty 0.75 --length 200\n"
    "  gainkit dfb --stack examples/stack-dfb-cspbbr3.yaml --grating-layer grating \\\n"
    "      --fill-index 2.3 --order 2 --length 200 --map-period 260:280 --map-duty 0.2:0.8 \\\n"
    "      --map-steps 4 --ase-gain 100\n\n"
    CLI_COMMON_HELP,
  .run = run,
};
