/* gainkit dfb — threshold of a uniform DFB grating by coupled-wave theory
 * (Kogelnik & Shank, J. Appl. Phys. 1972): the lowest longitudinal modes'
 * threshold gain and detuning for a coupling coefficient and a length.
 * The grating in a stack (coupling from the mode, Bragg wavelength, the
 * threshold map) is gainkit/dfb.h; output is cli/emit_dfb.c. */
#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "qopt.h"
#include "gainkit/dfb.h"
#include "emit_dfb.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#define NQ(a) (sizeof(a) / sizeof((a)[0]))

/* Load the stack and resolve the grating (gk_dfb_grating_prepare); prints
 * the error and returns the exit code, 0 when ready. */
static int load_grating(const char *path, const char *lay, gk_stack *s, gk_dfb_grating *g, double *wl)
{
  gk_error e;
  gk_error_clear(&e);
  if (gk_stack_load(path, s, &e) != GK_OK) return cli_error(&e);
  if (gk_dfb_grating_prepare(s, lay, g, wl, &e) == GK_OK) return 0;
  gk_stack_free(s);
  if (!strcmp(e.option, "wavelength"))
    return cli_usage("dfb", "no wavelength: give --wavelength or wavelength_nm in %s", path);
  return cli_error(&e);
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
    return cli_qopt_fail(o->name, "'%s' is not two numbers A:B", arg); /* -1: a parse error */
  if (o->id == 0)
    for (int i = 0; i < 2; i++)
      if (!(v[i] >= 0 && v[i] < 1)) return cli_qopt_fail(o->name, "power reflectance %g is not in [0, 1)", v[i]);
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
         nmodes = A.nmodes, duty = A.duty, wl = A.wl, msteps = A.msteps;
  const char *stack = A.stack, *glayer = A.glayer, *pols = A.pol;
  int has_k = cli_qopt_find(q, NQ(q), "kappa")->seen, has_kg = cli_qopt_find(q, NQ(q), "kappa-gain")->seen;
  if (!(order == 1 || order == 2)) return CLI_QFAIL("order", "must be 1 or 2 (got %g)", order);
  gk_dfb_grating g = {.n_fill = A.nfill, .duty = duty, .order = (int)order, .pol = GK_TE};
  if (pols) {
    if (!strcmp(pols, "tm")) g.pol = GK_TM;
    else if (strcmp(pols, "te")) return CLI_QFAIL("pol", "must be te or tm (got '%s')", pols);
  }
  int has_depth = cli_qopt_find(q, NQ(q), "depth")->seen;
  if ((pols || has_depth) && !stack) return cli_usage(c.cmd, "--pol and --depth need --stack");
  if (has_depth) g.depth_nm = A.depth;
  int norad = cli_qopt_find(q, NQ(q), "no-radiation")->seen;
  if (g.pol == GK_TM && order == 2 && !norad)
    return CLI_QFAIL("pol", "the second-order radiation coupling is computed for TE only; give --no-radiation for the "
                            "TM threshold without it");
  int has_mp = cli_qopt_find(q, NQ(q), "map-period")->seen, has_md = cli_qopt_find(q, NQ(q), "map-duty")->seen;
  int has_ase = cli_qopt_find(q, NQ(q), "ase-gain")->seen;
  if ((has_mp || has_md) && !stack) return cli_usage(c.cmd, "--map-period and --map-duty need --stack");
  if (has_mp != has_md) return cli_usage(c.cmd, "--map-period and --map-duty go together");
  if (has_ase && !has_mp) return CLI_QFAIL("ase-gain", "is compared with the threshold map: needs --map-period/--map-duty");
  if (cli_qopt_find(q, NQ(q), "map-steps")->seen && !has_mp) return CLI_QFAIL("map-steps", "needs --map-period/--map-duty");
  if (!(msteps >= 2 && msteps <= 101 && msteps == floor(msteps))) return CLI_QFAIL("map-steps", "must be an integer from 2 to 101");
  gk_stack s;
  gk_error e;
  gk_error_clear(&e);
  int rc;
  if (has_mp) {
    if (!glayer) return CLI_QFAIL("stack", "needs --grating-layer");
    if (cli_qopt_find(q, NQ(q), "duty")->seen) return CLI_QFAIL("duty", "the map scans the duty cycle: give --map-duty only");
    if (cli_qopt_find(q, NQ(q), "period")->seen || cli_qopt_find(q, NQ(q), "neff")->seen)
      return cli_usage(c.cmd, "the map scans the period: --period/--neff do not apply");
    if (!(A.mapd[0] > 0 && A.mapd[1] < 1)) return CLI_QFAIL("map-duty", "must lie inside (0, 1) (got %g:%g)", A.mapd[0], A.mapd[1]);
    if (!(A.mapp[0] > 0)) return CLI_QFAIL("map-period", "periods must be positive");
    if (norad) return CLI_QFAIL("no-radiation", "the map always includes the second-order radiation loss");
    if ((rc = load_grating(stack, glayer, &s, &g, &wl))) return rc;
    size_t ns = (size_t)msteps;
    gk_dfb_map_cell *cells = malloc(ns * ns * sizeof *cells);
    if (!cells) rc = cli_usage(c.cmd, "out of memory");
    else if (gk_dfb_map(&s, &g, A.mapp, ns, A.mapd, ns, wl, len, cells, &e) != GK_OK) rc = cli_error(&e);
    else
      rc = dfb_emit_map(&c, &(dfb_map_out){.stack = stack, .glayer = glayer, .nfill = g.n_fill, .len = len,
                                           .g_ase = A.gase, .order = g.order, .has_ase = has_ase, .pol = g.pol,
                                           .cells = cells, .np = ns, .nd = ns});
    free(cells);
    gk_stack_free(&s);
    return rc;
  }
  if (norad && !(stack && order == 2)) return CLI_QFAIL("no-radiation", "applies to --stack with --order 2 only");
  double gam = NAN, kap_signed = 0;
  double complex zeta = 0;
  if (stack) {
    if (has_k) return CLI_QFAIL("kappa", "give either --kappa or --stack (kappa from the mode), not both");
    if (has_kg)
      return CLI_QFAIL("kappa-gain", "with --stack the gain coupling comes from the grating layer's k (its gain or "
                       "absorption); give k in the stack instead");
    if (!glayer) return CLI_QFAIL("stack", "needs --grating-layer");
    if (!(duty < 1)) return CLI_QFAIL("duty", "must be below 1 for a grating (got %g)", duty);
    if ((rc = load_grating(stack, glayer, &s, &g, &wl))) return rc;
    gk_dfb_coupling k = {.kappa = kappa, .neff = neff, .confinement = gam};
    if (gk_dfb_grating_coupling(&s, &g, wl, &k, &e) != GK_OK) rc = cli_error(&e);
    else if (k.status == GK_DFB_NO_MODE)
      rc = cli_usage("dfb", "%s: no guided %s mode at %g nm with the grating layer averaged", stack,
                     g.pol == GK_TM ? "TM" : "TE", wl);
    else if (k.status == GK_DFB_NO_COMPONENT)
      rc = CLI_QFAIL("duty", "a rectangular grating of duty cycle %g has no order-%d Fourier component (no coupling)",
                     duty, g.order);
    gk_stack_free(&s);
    if (rc) return rc;
    kap_signed = k.kappa;
    kappa = fabs(k.kappa);
    neff = k.neff;
    gam = k.confinement;
    zeta = norad ? 0 : k.zeta;
    kg = k.kappa_gain;
    has_kg = kg != 0;
    cli_qopt_find(q, NQ(q), "neff")->seen = 1;
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
  gk_dfb_mode m[20], tm[20];
  int tm_ok[20];
  char tm_msg[20][512];
  size_t n = 0;
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
  for (size_t i = 0; tmm && i < n; i++) {
    /* the independent check: a layered grating n_eff +- dn/2 with kappa = 2 dn / lambda_B */
    double lb = gk_dfb_bragg_nm(neff, period, (int)order);
    gk_error e2;
    gk_error_clear(&e2);
    tm[i] = m[i];
    tm_ok[i] = gk_dfb_threshold_tmm(neff, kappa * lb * 1e-7 / 2, lb, lround(len * 1e7 / period), &tm[i], &e2) == GK_OK;
    snprintf(tm_msg[i], sizeof tm_msg[i], "%s", e2.msg);
  }
  return dfb_emit(&c, &(dfb_out){.stack = stack, .glayer = glayer, .duty = duty, .nfill = g.n_fill, .order = order,
                                 .wl = wl, .neff = neff, .gam = gam, .period = period, .len = len, .depth = g.depth_nm,
                                 .kappa = kappa, .kap_signed = kap_signed, .kg = kg, .zeta = zeta, .r1 = r1, .r2 = r2,
                                 .facets = {A.facets[0], A.facets[1]}, .fphase = {A.fphase[0], A.fphase[1]},
                                 .shift = A.shift, .amax = amax, .dmax = dmax, .pol = g.pol, .rad = rad, .gen = gen,
                                 .has_fac = has_fac, .has_fph = has_fph, .has_n = has_n, .tmm = tmm, .m = m, .n = n,
                                 .tm = tm, .tm_ok = tm_ok, .tm_msg = (const char (*)[512])tm_msg});
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
