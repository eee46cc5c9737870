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

/* kappa (signed), n_eff, the grating layer's confinement and, for order 2
 * (TE), the radiation coupling zeta (K-S convention) of the TE0/TM0 mode of a stack
 * whose layer j is a rectangular grating between that layer's index
 * (fraction duty) and n_fill: the unperturbed guide has the period-averaged
 * permittivity there. Returns 0, 1 (no guided TE mode) or 2 (no order-th
 * Fourier component), or the exit code of a library error (negative) via
 * *rc_err. */
/* Polarisation of the mode (--pol) and depth of the grating region inside
 * its layer (--depth; 0: the whole layer), for every stack evaluation. */
static gk_pol g_pol = GK_TE;
static double g_depth = 0;
/* Set by stack_eval: the gain coupling (cm^-1, Kogelnik-Shank sign: > 0 when
 * the grating's teeth have more gain) from the imaginary part of the grating
 * layer's permittivity. */
static double g_kgain = 0;

static int stack_eval(const gk_stack *s, int j, double n_fill, double duty, int order, double wl, double *kappa,
                      double *neff, double *gam, double complex *zeta, gk_error *e)
{
  gk_guide g0, g;
  gk_modes m = {0};
  if (gk_guide_from_stack(&g0, s, wl, e) != GK_OK) return -1;
  if (g_depth > 0 && g_depth < g0.thickness_nm[j]) {
    /* a grating shallower than its layer: the top g_depth nm of layer j
     * (etched from the cover side) become a sub-layer of their own */
    size_t nl = g0.nlayers + 1;
    double *nr = malloc(3 * nl * sizeof *nr);
    if (!nr) { gk_guide_free(&g0); return -1; }
    double *ki = nr + nl, *t = nr + 2 * nl;
    for (size_t i = 0, o = 0; i < g0.nlayers; i++, o++) {
      nr[o] = creal(g0.index[i]);
      ki[o] = cimag(g0.index[i]);
      t[o] = g0.thickness_nm[i];
      if ((int)i == j) {
        t[o] = g_depth;
        o++;
        nr[o] = nr[o - 1];
        ki[o] = ki[o - 1];
        t[o] = g0.thickness_nm[i] - g_depth;
      }
    }
    int rc = gk_guide_init(&g, nl, nr, ki, t, wl, e);
    free(nr);
    gk_guide_free(&g0);
    if (rc != GK_OK) return -1;
  } else {
    g = g0;
  }
  double complex ehi = g.index[j] * g.index[j];
  double elo = n_fill * n_fill;
  g.index[j] = csqrt(duty * ehi + (1 - duty) * elo);
  int rc = 0;
  if (gk_modes_find(&g, g_pol == GK_TM ? GK_MODES_TM : GK_MODES_TE, &m, e) != GK_OK) rc = -1;
  else if (m.n == 0) rc = 1;
  else {
    double em = gk_dfb_rect_eps_m(creal(ehi), elo, duty, order);
    double em_im = gk_dfb_rect_eps_m(cimag(ehi), 0, duty, order), ki = 0;
    *neff = creal(m.mode[0].neff);
    *gam = m.mode[0].confinement[j];
    *zeta = 0;
    g_kgain = 0;
    if (!(fabs(em) > 1e-9 * fabs(creal(ehi) - elo))) rc = 2;
    else if (gk_dfb_kappa(&g, &m.mode[0], (size_t)j, em, kappa, e) != GK_OK) rc = -1;
    else if (em_im != 0 && gk_dfb_kappa(&g, &m.mode[0], (size_t)j, em_im, &ki, e) != GK_OK) rc = -1;
    else if (order == 2 && g_pol == GK_TE &&
             gk_dfb_radiation(&g, &m.mode[0], (size_t)j, gk_dfb_rect_eps_m(creal(ehi), elo, duty, 1), zeta, e) != GK_OK)
      rc = -1;
    /* gainkit's fields are e^{-i omega t}, Kogelnik-Shank's e^{+i omega t}: their
     * kappa is the conjugate, so gain teeth (Im eps < 0) give kappa_gain > 0
     * (the conjugation is checked against a transfer matrix of a complex
     * grating in tests/unit/test_dfb.c) */
    if (rc == 0) g_kgain = -ki;
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
  } else if (g_depth > 0 && !(g_depth < s.layers[j].thickness_nm)) {
    rc = CLI_QFAIL("depth", "%g nm is not below the thickness of '%s' (%g nm); leave --depth out for a grating "
                   "through the whole layer", g_depth, lay, s.layers[j].thickness_nm);
  } else if (!(*wl > 0)) {
    rc = cli_usage("dfb", "no wavelength: give --wavelength or wavelength_nm in %s", path);
  } else {
    int r = stack_eval(&s, j, n_fill, duty, order, *wl, kappa, neff, gam, zeta, &e);
    if (r == -1) rc = cli_error(&e);
    else if (r == 1) rc = cli_usage("dfb", "%s: no guided %s mode at %g nm with the grating layer averaged", path, g_pol == GK_TM ? "TM" : "TE", *wl);
    else if (r == 2)
      rc = CLI_QFAIL("duty", "a rectangular grating of duty cycle %g has no order-%d Fourier component (no coupling)",
                     duty, order);
  }
  gk_stack_free(&s);
  return rc;
}

/* Threshold modal gain of the lowest mode, 2 alpha / L (cm^-1), or NAN. */
static double lowest_gth(double kappa, double kgain, double complex zeta, double len, double *delta_L)
{
  gk_dfb_mode mm[1];
  size_t nn = 0;
  gk_error e;
  gk_error_clear(&e);
  double kL = kappa * len;
  if (fabs(kL) > 50 || fabs(kL) < 1e-6) return NAN;
  double dmax = fmax(15, 2 * fabs(kL) + 2 * cabs(zeta) * len + 12);
  if (gk_dfb_threshold_rad(kL, kgain * len, zeta * len, 10 + 3 * creal(zeta) * len, dmax, mm, 1, &nn, &e) != GK_OK || !nn)
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
  if (g_depth > 0 && !(g_depth < s.layers[j].thickness_nm)) {
    double t = s.layers[j].thickness_nm;
    gk_stack_free(&s);
    return CLI_QFAIL("depth", "%g nm is not below the thickness of '%s' (%g nm); leave --depth out for a grating "
                     "through the whole layer", g_depth, lay, t);
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
      double gth = rc == 0 ? lowest_gth(kap, g_kgain, z, len, NULL) : NAN;
      G[(size_t)a * np + b] = gth;
      cJSON *o = cJSON_CreateObject();
      gk_json_num(o, "period_nm", P[b]);
      gk_json_num(o, "duty", D[a]);
      if (rc == 1) cJSON_AddStringToObject(o, "reason", g_pol == GK_TM ? "no guided TM mode" : "no guided TE mode");
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

/* ---- options (declarative: --help is generated from this table) ---- */
static struct {
  double kappa, kg, len, neff, period, order, nmodes, nfill, duty, wl, mapp[2], mapd[2], msteps, gase, depth;
  double facets[2], fphase[2], shift;
  const char *stack, *glayer, *pol;
} A = {.order = 1, .nmodes = 4, .nfill = 1, .duty = 0.5, .wl = NAN, .msteps = 21};

/* --facets R1:R2 (power reflectances, 0 <= R < 1) and --facet-phase
 * P1:P2 (degrees): two numbers separated by a colon. */
static int parse_pair(cli_qopt *o, const char *arg)
{
  double *v = o->id == 0 ? A.facets : A.fphase;
  char tail;
  if (sscanf(arg, "%lf:%lf%c", &v[0], &v[1], &tail) != 2 || !isfinite(v[0]) || !isfinite(v[1]))
    return CLI_QFAIL(o->name, "'%s' is not two numbers A:B", arg);
  if (o->id == 0)
    for (int i = 0; i < 2; i++)
      if (!(v[i] >= 0 && v[i] < 1)) return CLI_QFAIL(o->name, "power reflectance %g is not in [0, 1)", v[i]);
  return 0;
}

static cli_qopt q[] = {
  CLI_OPT_GROUP("Grating given by its coupling"),
  CLI_OPT_QTY("kappa", "K", "cm^-1", QO_NONNEG, &A.kappa, NULL, "index-coupling coefficient (50/cm works)"),
  CLI_OPT_QTY("kappa-gain", "Kg", "cm^-1", QO_NONNEG, &A.kg, NULL,
              "gain-coupling coefficient, the imaginary part of kappa"),
  CLI_OPT_QTY("length", "L", "cm", QO_POS, &A.len, NULL, "grating length (0.5mm works); required"),
  CLI_OPT_NUM("neff", "n", QO_POS, &A.neff, NULL,
              "effective index; with --period: the Bragg wavelength 2 n Lambda/order, the stop band and each "
              "mode's wavelength (group index taken equal to n_eff)"),
  CLI_OPT_QTY("period", "Lambda", "nm", QO_POS, &A.period, "the Bragg period (with --stack)", "grating period"),
  CLI_OPT_NUM("order", "1|2", QO_POS, &A.order, "1",
              "Bragg order (second order: kappa is the coupling of the second Fourier component; with --stack "
              "the first component's radiation (surface emission) enters as zeta, Kazarinov & Henry, IEEE JQE "
              "1985; with --kappa alone second-order thresholds omit it)"),
  CLI_OPT_NUM("modes", "N", QO_POS, &A.nmodes, "4", "how many modes to list"),
  CLI_OPT_CB_ID("facets", "R1:R2", parse_pair, 0, "0:0 (no facet reflections)",
                "power reflectances of the left and right facets (e.g. 0.3:0.3 cleaved, 0:0.9 AR/HR); "
                "amplitude sqrt(R) e^(i phase)"),
  CLI_OPT_CB_ID("facet-phase", "P1:P2", parse_pair, 1, "0:0",
                "phases of the facet reflections (degrees) in the frame of the coupled-wave amplitudes, "
                "i.e. including the grating phase at each facet"),
  CLI_OPT_NUM("shift", "DEG", QO_ANY, &A.shift, "0",
              "grating phase jump at the centre (degrees; 180 = a quarter-wave-shifted grating, which lases "
              "at the Bragg wavelength)"),
  CLI_OPT_FLAG("check-tmm", NULL,
               "also solve a transfer-matrix model of the layered grating (n_eff +- dn/2, kappa = 2 dn/lambda_B) "
               "as an independent check"),
  CLI_OPT_GROUP("Grating in a stack (kappa from the mode)"),
  CLI_OPT_STRING("stack", "S.yaml", &A.stack, NULL,
                 "kappa from the TE0 (or --pol tm: TM0) mode of the stack: layer --grating-layer is a "
                 "rectangular grating of its own index (fraction --duty) and --fill-index; kappa = k0 eps_m "
                 "Gamma / (2 n_eff) (TE; TM from the e_x^2 - e_z^2 overlap) with eps_m the order-th Fourier "
                 "component, the mode found with the grating's period-averaged permittivity; a grating layer "
                 "with k (gain or absorption) adds gain coupling, the imaginary part of kappa"),
  CLI_OPT_STRING("grating-layer", "NAME", &A.glayer, NULL, "the stack layer holding the grating"),
  CLI_OPT_NUM("fill-index", "n", QO_POS, &A.nfill, "1 (air grooves)", "index filling the grooves"),
  CLI_OPT_NUM("duty", "D", QO_FRACTION, &A.duty, "0.5", "fraction of the period at the layer's own index"),
  CLI_OPT_QTY("depth", "d", "nm", QO_POS, &A.depth, "the whole layer",
              "grating depth below the layer thickness: the top d nm of the layer (etched from the cover side) "
              "become the grating, a sub-layer of their own; the rest stays unetched"),
  CLI_OPT_CHOICE("pol", "te|tm", &A.pol, "te", "polarisation of the mode (TM: order 1, or order 2 with --no-radiation)"),
  CLI_OPT_QTY("wavelength", "NM", "nm", QO_POS, &A.wl, "the stack's wavelength_nm", "wavelength of the mode"),
  CLI_OPT_FLAG("no-radiation", NULL, "leave the second-order radiation out (--stack, order 2)"),
  CLI_OPT_GROUP("Threshold map (--stack)"),
  CLI_OPT_RANGE("map-period", "nm", A.mapp, NULL,
                "threshold map: the lowest mode's threshold modal gain over period and duty cycle, each period "
                "at its own Bragg wavelength (n_eff(lambda) self-consistent); radiation included"),
  CLI_OPT_RANGE("map-duty", NULL, A.mapd, NULL, "duty-cycle range of the map"),
  CLI_OPT_NUM("map-steps", "N", QO_POS, &A.msteps, "21", "grid points per axis"),
  CLI_OPT_QTY("ase-gain", "G", "cm^-1", QO_POS, &A.gase, NULL,
              "modal gain at the ASE threshold (e.g. from VSL): map cells that lase below it are counted and "
              "marked"),
};

static int run(int argc, char **argv)
{
  cli_common c = {.cmd = "dfb"};
  CLI_RESET(A);
  int first;
  if (cli_qopt_parse(&c, argc, argv, q, NQ(q), &first) < 0) return CLI_USAGE;
  if (first < argc) return cli_usage(c.cmd, "unexpected argument '%s'", argv[first]);
  if (cli_qopt_require(&c, q, NQ(q), "length") < 0) return CLI_USAGE;
  double kappa = A.kappa, kg = A.kg, len = A.len, neff = A.neff, period = A.period, order = A.order,
         nmodes = A.nmodes, nfill = A.nfill, duty = A.duty, wl = A.wl, msteps = A.msteps, gase = A.gase,
         depth = A.depth;
  const double *mapp = A.mapp, *mapd = A.mapd;
  const char *stack = A.stack, *glayer = A.glayer, *pols = A.pol;
  int has_k = cli_qopt_find(q, NQ(q), "kappa")->seen, has_kg = cli_qopt_find(q, NQ(q), "kappa-gain")->seen;
  if (!(order == 1 || order == 2)) return CLI_QFAIL("order", "must be 1 or 2 (got %g)", order);
  g_pol = GK_TE;
  g_depth = 0;
  if (pols) {
    if (!strcmp(pols, "tm")) g_pol = GK_TM;
    else if (strcmp(pols, "te")) return CLI_QFAIL("pol", "must be te or tm (got '%s')", pols);
  }
  int has_depth = cli_qopt_find(q, NQ(q), "depth")->seen;
  if ((pols || has_depth) && !stack) return cli_usage(c.cmd, "--pol and --depth need --stack");
  if (has_depth) g_depth = depth;
  if (g_pol == GK_TM && order == 2 && !cli_qopt_find(q, NQ(q), "no-radiation")->seen)
    return CLI_QFAIL("pol", "the second-order radiation coupling is computed for TE only; give --no-radiation for the "
                            "TM threshold without it");
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
    if (has_kg)
      return CLI_QFAIL("kappa-gain", "with --stack the gain coupling comes from the grating layer's k (its gain or "
                       "absorption); give k in the stack instead");
    if (!glayer) return CLI_QFAIL("stack", "needs --grating-layer");
    if (!(duty < 1)) return CLI_QFAIL("duty", "must be below 1 for a grating (got %g)", duty);
    int rc0 = stack_kappa(stack, glayer, nfill, duty, (int)order, &wl, &kappa, &neff, &gam, &zeta);
    if (rc0) return rc0;
    kap_signed = kappa;
    kappa = fabs(kappa);
    kg = g_kgain;
    has_kg = kg != 0;
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
  int has_fac = cli_qopt_find(q, NQ(q), "facets")->seen, has_fph = cli_qopt_find(q, NQ(q), "facet-phase")->seen;
  int has_shift = cli_qopt_find(q, NQ(q), "shift")->seen;
  if (has_fph && !has_fac) return CLI_QFAIL("facet-phase", "needs --facets");
  int gen = has_fac || has_shift;
  double complex r1 = 0, r2 = 0;
  if (has_fac) {
    r1 = sqrt(A.facets[0]) * cexp(I * A.fphase[0] * M_PI / 180);
    r2 = sqrt(A.facets[1]) * cexp(I * A.fphase[1] * M_PI / 180);
  }
  if (gen && tmm) return CLI_QFAIL("check-tmm", "models the uniform grating without facets or phase shift");
  gk_dfb_mode m[20];
  size_t n = 0;
  gk_error e;
  gk_error_clear(&e);
  int rad = stack && order == 2 && !norad;
  if (gen && rad)
    return CLI_QFAIL(has_fac ? "facets" : "shift", "the second-order radiation coupling is not combined with facets or a "
                     "phase shift; give --no-radiation for the threshold without it");
  double zL = creal(zeta) * len;
  double amax = 10 + 3 * zL, dmax = fmax(15, 2 * hypot(kL, kgL) + 2 * cabs(zeta) * len + 12);
  if (gen) {
    if (gk_dfb_threshold_facets((stack ? kap_signed : kappa) * len, kgL, r1, r2, A.shift * M_PI / 180, amax + 5,
                                dmax, m, (size_t)nmodes, &n, &e) != GK_OK)
      return cli_error(&e);
  } else if (rad) {
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
  cli_printf(&r.b, gen ? "DFB grating with facets/phase shift, coupled-wave threshold (Kogelnik & Shank 1972; section "
                         "transfer matrices)\n"
                       : "Uniform DFB grating, coupled-wave threshold (Kogelnik & Shank 1972), no facet reflections\n");
  if (stack) {
    cJSON_AddStringToObject(r.j, "stack", stack);
    cJSON_AddStringToObject(r.j, "grating_layer", glayer);
    gk_json_num(r.j, "wavelength_nm", wl);
    gk_json_num(r.j, "neff", neff);
    gk_json_num(r.j, "confinement_grating", gam);
    gk_json_num(r.j, "period_nm", period);
    cli_printf(&r.b, "  stack %s, grating in '%s' (duty %g, fill index %g, order %g) at %g nm:\n", stack, glayer, duty,
               nfill, order, wl);
    cJSON_AddStringToObject(r.j, "pol", g_pol == GK_TM ? "TM" : "TE");
    if (g_depth > 0) {
      gk_json_num(r.j, "grating_depth_nm", g_depth);
      cli_printf(&r.b, "  grating region: the top %g nm of '%s' (a sub-layer; the rest of the layer unetched)\n", g_depth,
                 glayer);
    }
    cli_printf(&r.b, "  %s0 n_eff %.6f, confinement in the grating %s %.4f -> kappa %.6g cm^-1, period %.2f nm\n",
               g_pol == GK_TM ? "TM" : "TE", neff, g_depth > 0 ? "region" : "layer", gam, kappa, period);
    if (kg != 0)
      cli_printf(&r.b, "  gain coupling from the grating layer's k: kappa_gain %.6g cm^-1 (%s teeth)\n", kg,
                 kg > 0 ? "gain in the" : "absorbing");
    if (order == 2) {
      gk_json_num(r.j, "zeta_re", creal(zeta));
      gk_json_num(r.j, "zeta_im", cimag(zeta));
      cJSON_AddBoolToObject(r.j, "radiation_included", rad);
      cli_printf(&r.b, "  second order: radiation coupling zeta %.6g %+.6g i cm^-1 (first Fourier component; "
                       "Kazarinov & Henry 1985)%s\n", creal(zeta), cimag(zeta), rad ? "" : " -- NOT included (--no-radiation)");
      if (rad) {
        double g0 = lowest_gth(kap_signed, kg, 0, len, NULL);
        if (isfinite(g0)) {
          gk_json_num(r.j, "threshold_gain_no_radiation", g0);
          cli_printf(&r.b, "  lowest threshold without radiation %.6g cm^-1 (index coupling only)\n", g0);
        }
      }
    }
  }
  cli_printf(&r.b, "  kappa L = %.6g (index) %+.6g i (gain), L = %.6g um\n", kL, kgL, len * 1e4);
  if (gen) {
    cJSON *fj = cJSON_AddArrayToObject(r.j, "facet_reflectance");
    cJSON *pj = cJSON_AddArrayToObject(r.j, "facet_phase_deg");
    for (int i = 0; i < 2; i++) {
      cJSON_AddItemToArray(fj, cJSON_CreateNumber(has_fac ? A.facets[i] : 0));
      cJSON_AddItemToArray(pj, cJSON_CreateNumber(has_fph ? A.fphase[i] : 0));
    }
    gk_json_num(r.j, "phase_shift_deg", A.shift);
    cli_printf(&r.b, "  facets: power reflectance %g (phase %g deg) left, %g (phase %g deg) right; grating phase "
                     "shift %g deg at the centre\n", has_fac ? A.facets[0] : 0, has_fph ? A.fphase[0] : 0,
               has_fac ? A.facets[1] : 0, has_fph ? A.fphase[1] : 0, A.shift);
  }
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
             rad   ? "; radiation splits the band-edge pair (one edge radiates, one barely)"
             : gen ? "; facets and phase shifts break the +-delta pairs"
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
      int prc0 = gen ? gk_dfb_threshold_facets((stack ? kap_signed : kappa) * Li, kg * Li, r1, r2, A.shift * M_PI / 180,
                                               15, fmax(15, 2 * hypot(kappa, kg) * Li + 12), mm, 1, &nn, &e3)
                     : gk_dfb_threshold(kappa * Li, kg * Li, 10, fmax(15, 2 * hypot(kappa, kg) * Li + 12), mm, 1, &nn, &e3);
      if (prc0 != GK_OK || !nn) continue;
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
  .opts = q,
  .nopts = CLI_NOPTS(q),
  .usage = "(--kappa K | --kappa-gain Kg | both) --length L\n"
           "                   [--neff n --period Lambda [--order 1|2]] [--modes 4] [--check-tmm]\n"
           "       gainkit dfb --stack S.yaml --grating-layer NAME [--fill-index 1] [--duty 0.5]\n"
           "                   [--depth d] [--pol te|tm] [--order 1|2] [--wavelength NM] --length L",
  .about = "Threshold of the lowest longitudinal modes of a uniform DFB grating without facet\n"
           "reflections by coupled-wave theory (Kogelnik & Shank, J. Appl. Phys. 1972): the\n"
           "transcendental equation gamma cosh(gamma L) = (alpha - i delta) sinh(gamma L),\n"
           "gamma^2 = kappa^2 + (alpha - i delta)^2, solved for alpha L and delta L.",
  .epilog =
    "JSON: kappa_l, bragg_wavelength_nm, stopband_halfwidth_nm, modes[] with alpha_l,\n"
    "delta_l, threshold_gain (cm^-1, 2 alpha), wavelength_nm; zeta_re/zeta_im (order 2);\n"
    "pol, grating_depth_nm (--stack); facet_reflectance, facet_phase_deg, phase_shift_deg.\n"
    "--plot draws the lowest mode's threshold gain versus grating length (L/10 to 3 L),\n"
    "or with --map-period the map (colour) with the cells below --ase-gain marked.\n"
    "Examples:\n"
    "  gainkit dfb --kappa 40 --length 500       (kappa L = 2: alpha L = 0.9847)\n"
    "  gainkit dfb --kappa 100 --length 0.2mm --neff 1.75 --period 154nm --check-tmm\n"
    "  gainkit dfb --kappa 40 --length 500 --shift 180      (quarter-wave shifted: delta L = 0)\n"
    "  gainkit dfb --kappa 40 --length 500 --facets 0.3:0.3 --facet-phase 0:90\n"
    "  gainkit dfb --stack examples/stack-dfb-cspbbr3.yaml --grating-layer grating \\\n      --fill-index 2.3 --order 2 --duty 0.75 --length 200\n"
    "  gainkit dfb --stack examples/stack-dfb-cspbbr3.yaml --grating-layer grating \\\n      --fill-index 2.3 --depth 20 --pol tm --length 200\n"
    "  gainkit dfb --stack examples/stack-dfb-cspbbr3.yaml --grating-layer grating \\\n"
    "      --fill-index 2.3 --order 2 --length 200 --map-period 260:280 --map-duty 0.2:0.8 \\\n"
    "      --map-steps 4 --ase-gain 100",
  .run = run,
};
