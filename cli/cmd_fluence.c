/* gainkit fluence — pulse energy (or average power and repetition rate) and
 * spot geometry -> peak and average fluence, peak intensity, absorbed
 * fluence and the carrier density in depth, each with its definition and
 * uncertainty. Beam fits, the active layer's absorption and the mode-weighted
 * density are in gainkit/fluence.h; the output is cli/emit_fluence.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "qopt.h"
#include "gainkit/fluence.h"
#include "emit_fluence.h"

#define NQ(a) (sizeof(a) / sizeof((a)[0]))

/* A measured profile file: x (um unless the header names a unit), y; its
 * 1/e^2 radius (gk_beam_fit). Prints the error and returns the exit code. */
static int fit_beam(fluence_beam *b, int knife)
{
  gk_columns_options co = {0};
  co.min_points = 5;
  co.allow_unsorted = 1;
  co.reject_duplicate_x = 1;
  int rc = cli_read_xy(b->path, &co, "cm", &b->col);
  if (rc) return rc;
  if (!b->col.x_unit_in[0]) /* no unit in the header: micrometres */
    for (size_t i = 0; i < b->col.n; i++) b->col.x[i] *= 1e-4;
  gk_error e;
  gk_error_clear(&e);
  if (gk_beam_fit(b->col.x, b->col.y, b->col.n, knife, &b->fit, &e) == GK_OK) return 0;
  if (!e.file[0]) snprintf(e.file, sizeof e.file, "%s", b->path);
  gk_columns_free(&b->col);
  return cli_error(&e);
}

static void free_beam(fluence_beam *b)
{
  if (!b->path) return;
  gk_columns_free(&b->col);
  gk_beam_free(&b->fit);
}

static int parse_kind(const char *s, gk_spot_kind *k)
{
  static const struct { const char *n; gk_spot_kind k; } t[] = {
      {"rect", GK_SPOT_RECT}, {"stripe", GK_SPOT_RECT}, {"circle", GK_SPOT_CIRCLE},
      {"ellipse", GK_SPOT_ELLIPSE}, {"gauss", GK_SPOT_GAUSS}, {"gauss-stripe", GK_SPOT_GAUSS_STRIPE}};
  for (size_t i = 0; i < NQ(t); i++)
    if (strcmp(s, t[i].n) == 0) { *k = t[i].k; return 0; }
  return -1;
}

/* ---- options (declarative: --help is generated from this table) ---- */
static double energy = NAN, energy_err = 0, power = NAN, power_err = 0, rep = NAN, trans = 1, trans_err = 0, od = 0,
              length = NAN, width = NAN, diam = NAN, dx = NAN, dy = NAN, w = NAN, wx = NAN, wy = NAN, fwhm = NAN,
              fwhm_x = NAN, fwhm_y = NAN, size_rel = 0, absorbed = NAN, absorbed_err = 0, absorbance = NAN,
              pump_wl = NAN, emis_wl = NAN, pulse = NAN, lp = NAN, thick = NAN, refl = 0, points = 200;
static const char *spot = NULL, *knife = NULL, *knife_y = NULL, *prof = NULL, *prof_y = NULL, *stackf = NULL,
                  *from = NULL, *shape = NULL, *lpdef = NULL, *pol = NULL;
static cli_qopt q[] = {
  CLI_OPT_GROUP("Energy"),
  CLI_OPT_QTY("energy", "E", "uJ", QO_POS, &energy, NULL, "pulse energy at the source"),
  CLI_OPT_QTY("energy-err", "dE", "uJ", QO_NONNEG, &energy_err, NULL, "its error"),
  CLI_OPT_QTY("power", "P", "mW", QO_POS, &power, NULL, "average power, with --rep-rate: E = P/f"),
  CLI_OPT_QTY("power-err", "dP", "mW", QO_NONNEG, &power_err, NULL, "its error"),
  CLI_OPT_QTY("rep-rate", "f", "kHz", QO_POS, &rep, NULL, "repetition rate"),
  CLI_OPT_QTY("transmission", "T", NULL, QO_FRACTION, &trans, "1", "filters/attenuators (fraction)"),
  CLI_OPT_QTY("transmission-err", "dT", NULL, QO_NONNEG, &trans_err, NULL, "its error"),
  CLI_OPT_QTY("od", "D", NULL, QO_NONNEG, &od, "0", "neutral-density filter, T x 10^-D"),
  CLI_OPT_GROUP("Spot (--size-rel-err r adds a relative error r to each size)"),
  CLI_OPT_QTY("length", "L", "um", QO_POS, &length, NULL, "rectangle/stripe length (with --width: top hat, area L W; with --w/--fwhm: top hat along, Gaussian across, F_peak = E/(L w sqrt(pi/2)), area L x 2w)"),
  CLI_OPT_QTY("width", "W", "um", QO_POS, &width, NULL, "rectangle/stripe width"),
  CLI_OPT_QTY("diameter", "D", "um", QO_POS, &diam, NULL, "circle, top hat: area pi D^2/4"),
  CLI_OPT_QTY("diameter-x", "Dx", "um", QO_POS, &dx, NULL, "ellipse, top hat: area pi Dx Dy/4"),
  CLI_OPT_QTY("diameter-y", "Dy", "um", QO_POS, &dy, NULL, "the other diameter"),
  CLI_OPT_QTY("w", "w", "um", QO_POS, &w, NULL, "Gaussian, 1/e^2 intensity radius: F_peak = 2E/(pi w^2)"),
  CLI_OPT_QTY("wx", "wx", "um", QO_POS, &wx, NULL, "elliptical Gaussian radii: F_peak = 2E/(pi wx wy)"),
  CLI_OPT_QTY("wy", "wy", "um", QO_POS, &wy, NULL, "the other radius"),
  CLI_OPT_QTY("fwhm", "F", "um", QO_POS, &fwhm, NULL, "Gaussian by FWHM: w = FWHM/sqrt(2 ln 2)"),
  CLI_OPT_QTY("fwhm-x", "Fx", "um", QO_POS, &fwhm_x, NULL, "elliptical Gaussian by FWHM"),
  CLI_OPT_QTY("fwhm-y", "Fy", "um", QO_POS, &fwhm_y, NULL, "the other FWHM"),
  CLI_OPT_QTY("size-rel-err", "r", NULL, QO_NONNEG, &size_rel, "0", "relative error of each size"),
  CLI_OPT_STRING("knife-edge", "FILE", &knife, NULL, "knife-edge scan (position um unless the header names a unit, power): erf fit -> w (10-90% check)"),
  CLI_OPT_STRING("knife-edge-y", "FILE", &knife_y, NULL, "the other axis (elliptical beam)"),
  CLI_OPT_STRING("profile", "FILE", &prof, NULL, "camera line profile: Gaussian fit -> w (D4sigma check)"),
  CLI_OPT_STRING("profile-y", "FILE", &prof_y, NULL, "the other axis (elliptical beam)"),
  CLI_OPT_STRING("spot", "rect|stripe|circle|ellipse|gauss|gauss-stripe", &spot, "from the sizes given", "force the geometry"),
  CLI_OPT_GROUP("Pulse"),
  CLI_OPT_QTY("pulse-fwhm", "t", "fs", QO_POS, &pulse, NULL, "pulse FWHM -> peak intensity I_peak = c F_peak / FWHM"),
  CLI_OPT_STRING("pulse-shape", "gauss|sech2|square", &shape, "gauss", "c = 0.9394 (gauss), 0.8814 (sech2), 1 (square)"),
  CLI_OPT_GROUP("Absorption (one of)"),
  CLI_OPT_QTY("absorbed", "A", NULL, QO_FRACTION, &absorbed, NULL, "absorbed fraction of the film"),
  CLI_OPT_QTY("absorbed-err", "dA", NULL, QO_NONNEG, &absorbed_err, NULL, "its error"),
  CLI_OPT_QTY("absorbance", "OD", NULL, QO_POS, &absorbance, NULL, "film absorbance: A = 1 - 10^-OD"),
  CLI_OPT_STRING("stack", "FILE", &stackf, NULL, "transfer matrix of the stack (modes' YAML) at normal incidence, with --pump-wavelength: the active layer's absorption, interference included"),
  CLI_OPT_QTY("pump-wavelength", "nm", "nm", QO_POS, &pump_wl, NULL, "pump wavelength"),
  CLI_OPT_STRING("from", "cover|substrate", &from, "cover", "side the pump comes from"),
  CLI_OPT_GROUP("Carrier density N(z) at F_peak (one pair per absorbed photon)"),
  CLI_OPT_QTY("emission-wavelength", "nm", "nm", QO_POS, &emis_wl, NULL, "with --stack: the density weighted by the guided mode's |E|^2 and its Gamma"),
  CLI_OPT_STRING("pol", "te|tm", &pol, "te", "polarisation of that mode"),
  CLI_OPT_QTY("lp", "l", "nm", QO_POS, &lp, NULL, "Beer-Lambert with --thickness and --pump-wavelength: penetration depth l"),
  CLI_OPT_STRING("lp-def", "1/e2|1/e", &lpdef, "1/e2", "1/e2: alpha = 2/l (as in Tatarinov et al. 2023); 1/e: alpha = 1/l"),
  CLI_OPT_QTY("thickness", "d", "nm", QO_POS, &thick, NULL, "film thickness"),
  CLI_OPT_QTY("reflectance", "R", NULL, QO_NONNEG, &refl, "0", "reflectance of the front face"),
  CLI_OPT_QTY("points", "n", NULL, QO_POS, &points, "200", "depth samples"),
};

static int run(int argc, char **argv)
{
  cli_common c = {.cmd = "fluence"};
  CLI_RESET(energy), CLI_RESET(energy_err), CLI_RESET(power), CLI_RESET(power_err), CLI_RESET(rep), CLI_RESET(trans), CLI_RESET(trans_err), CLI_RESET(od);
  CLI_RESET(length), CLI_RESET(width), CLI_RESET(diam), CLI_RESET(dx), CLI_RESET(dy), CLI_RESET(w), CLI_RESET(wx), CLI_RESET(wy);
  CLI_RESET(fwhm), CLI_RESET(fwhm_x), CLI_RESET(fwhm_y), CLI_RESET(size_rel), CLI_RESET(absorbed), CLI_RESET(absorbed_err), CLI_RESET(absorbance), CLI_RESET(pump_wl);
  CLI_RESET(emis_wl), CLI_RESET(pulse), CLI_RESET(lp), CLI_RESET(thick), CLI_RESET(refl), CLI_RESET(points), CLI_RESET(spot), CLI_RESET(knife);
  CLI_RESET(knife_y), CLI_RESET(prof), CLI_RESET(prof_y), CLI_RESET(stackf), CLI_RESET(from), CLI_RESET(shape), CLI_RESET(lpdef), CLI_RESET(pol);
  int first;
  if (cli_qopt_parse(&c, argc, argv, q, NQ(q), &first) < 0) return CLI_USAGE;
  if (first < argc) return cli_usage(c.cmd, "unexpected argument '%s'", argv[first]);
#define SEEN(n) (cli_qopt_find(q, NQ(q), n)->seen)
  /* ---- energy ---- */
  gk_fluence_in in = {.absorbed = NAN, .pulse_fwhm = NAN, .transmission = 1};
  if (SEEN("energy") == SEEN("power"))
    return cli_usage(c.cmd, "give either --energy or --power with --rep-rate");
  if (SEEN("energy")) {
    if (SEEN("rep-rate") || SEEN("power-err")) return cli_usage(c.cmd, "--rep-rate and --power-err go with --power");
    in.energy = energy * 1e-6, in.se_energy = energy_err * 1e-6;
  } else {
    if (!SEEN("rep-rate")) return cli_usage(c.cmd, "--power needs --rep-rate");
    if (SEEN("energy-err")) return cli_usage(c.cmd, "--energy-err goes with --energy");
    in.energy = gk_pulse_energy(power * 1e-3, rep * 1e3);
    in.se_energy = in.energy * (power_err / power);
  }
  if (!(od <= 10)) return CLI_QFAIL("od", "must be <= 10");
  in.transmission = trans * pow(10, -od);
  in.se_transmission = trans_err * pow(10, -od);
  /* ---- spot ---- */
  fluence_beam bx = {0}, by = {0};
  if (knife && prof) return cli_usage(c.cmd, "give either --knife-edge or --profile, not both");
  if ((knife_y && !knife) || (prof_y && !prof)) return cli_usage(c.cmd, "the -y profile needs the x one");
  int measured = knife || prof;
  gk_spot_kind kind = GK_SPOT_RECT;
  if (spot) {
    if (parse_kind(spot, &kind) < 0) return CLI_QFAIL("spot", "unknown '%s' (rect, stripe, circle, ellipse, gauss, gauss-stripe)", spot);
  } else if (measured) kind = SEEN("length") ? GK_SPOT_GAUSS_STRIPE : GK_SPOT_GAUSS;
  else if (SEEN("diameter")) kind = GK_SPOT_CIRCLE;
  else if (SEEN("diameter-x") || SEEN("diameter-y")) kind = GK_SPOT_ELLIPSE;
  else if (SEEN("length") && (SEEN("w") || SEEN("fwhm"))) kind = GK_SPOT_GAUSS_STRIPE;
  else if (SEEN("w") || SEEN("wx") || SEEN("fwhm") || SEEN("fwhm-x")) kind = GK_SPOT_GAUSS;
  else if (SEEN("length") || SEEN("width")) kind = GK_SPOT_RECT;
  else return cli_usage(c.cmd, "give the spot: --length/--width, --diameter, --diameter-x/-y, --w, --fwhm, --knife-edge or --profile");
  in.spot = kind;
  if (measured && kind != GK_SPOT_GAUSS && kind != GK_SPOT_GAUSS_STRIPE)
    return CLI_QFAIL("spot", "a measured profile gives a Gaussian radius: use gauss or gauss-stripe");
  if (!(size_rel < 1)) return CLI_QFAIL("size-rel-err", "must be a fraction below 1");
  int rc;
  if (measured) {
    bx.path = knife ? knife : prof;
    if ((rc = fit_beam(&bx, knife != NULL))) return rc;
    if (knife_y || prof_y) {
      by.path = knife_y ? knife_y : prof_y;
      if ((rc = fit_beam(&by, knife_y != NULL))) { free_beam(&bx); return rc; }
    }
  }
#define FAIL_SPOT(...) do { free_beam(&bx); free_beam(&by); return cli_usage(c.cmd, __VA_ARGS__); } while (0)
  switch (kind) {
  case GK_SPOT_RECT:
    if (!SEEN("length") || !SEEN("width")) FAIL_SPOT("a rectangle needs --length and --width");
    in.a = length * 1e-4, in.b = width * 1e-4;
    break;
  case GK_SPOT_CIRCLE:
    if (!SEEN("diameter")) FAIL_SPOT("a circle needs --diameter");
    in.a = in.b = diam * 1e-4;
    break;
  case GK_SPOT_ELLIPSE:
    if (!SEEN("diameter-x") || !SEEN("diameter-y")) FAIL_SPOT("an ellipse needs --diameter-x and --diameter-y");
    in.a = dx * 1e-4, in.b = dy * 1e-4;
    break;
  case GK_SPOT_GAUSS:
  case GK_SPOT_GAUSS_STRIPE: {
    double ra = NAN, rb = NAN;
    if (measured) {
      ra = bx.fit.w, rb = by.path ? by.fit.w : bx.fit.w;
    } else if (SEEN("w")) ra = rb = w * 1e-4;
    else if (SEEN("fwhm")) ra = rb = gk_gauss_w_from_fwhm(fwhm * 1e-4);
    else if (SEEN("wx") && SEEN("wy")) ra = wx * 1e-4, rb = wy * 1e-4;
    else if (SEEN("fwhm-x") && SEEN("fwhm-y"))
      ra = gk_gauss_w_from_fwhm(fwhm_x * 1e-4), rb = gk_gauss_w_from_fwhm(fwhm_y * 1e-4);
    else FAIL_SPOT("a Gaussian spot needs --w, --fwhm, --wx/--wy, --fwhm-x/--fwhm-y, --knife-edge or --profile");
    if (kind == GK_SPOT_GAUSS_STRIPE) {
      if (!SEEN("length")) FAIL_SPOT("gauss-stripe needs --length (the top-hat length along the stripe)");
      in.a = length * 1e-4, in.b = ra;
      in.se_b = measured ? bx.fit.se_w : 0;
    } else {
      in.a = ra, in.b = rb;
      if (measured) in.se_a = bx.fit.se_w, in.se_b = by.path ? by.fit.se_w : bx.fit.se_w;
    }
    break;
  }
  }
  if (size_rel > 0) in.se_a = hypot(in.se_a, size_rel * in.a), in.se_b = hypot(in.se_b, size_rel * in.b);
  /* circle of a measured round beam: one radius, fully correlated */
  if (kind == GK_SPOT_GAUSS && measured && !by.path) in.se_b = in.se_a; /* same fit: handled as correlated below */
  if (SEEN("pulse-fwhm")) in.pulse_fwhm = pulse * 1e-15;
  if (shape) {
    if (!SEEN("pulse-fwhm")) FAIL_SPOT("--pulse-shape goes with --pulse-fwhm");
    if (!strcmp(shape, "gauss")) in.pulse_shape = GK_PULSE_GAUSS;
    else if (!strcmp(shape, "sech2")) in.pulse_shape = GK_PULSE_SECH2;
    else if (!strcmp(shape, "square")) in.pulse_shape = GK_PULSE_SQUARE;
    else { free_beam(&bx); free_beam(&by); return CLI_QFAIL("pulse-shape", "unknown '%s' (gauss, sech2, square)", shape); }
  }
  /* ---- absorption ---- */
  int nabs = SEEN("absorbed") + SEEN("absorbance") + (stackf != NULL);
  if (nabs > 1) FAIL_SPOT("give one of --absorbed, --absorbance or --stack");
  if (SEEN("absorbed-err") && !SEEN("absorbed")) FAIL_SPOT("--absorbed-err goes with --absorbed");
  if (stackf && !SEEN("pump-wavelength")) FAIL_SPOT("--stack needs --pump-wavelength");
  if (SEEN("lp") && stackf) FAIL_SPOT("--lp (Beer-Lambert) and --stack (transfer matrix) are alternatives");
  if ((from || SEEN("emission-wavelength") || pol) && !stackf) FAIL_SPOT("--from, --emission-wavelength and --pol need --stack");
  if (SEEN("lp") && !SEEN("thickness")) FAIL_SPOT("--lp needs --thickness (of the active layer)");
  if (SEEN("lp") && !SEEN("pump-wavelength")) FAIL_SPOT("--lp needs --pump-wavelength (photon energy)");
  if (!(refl < 1)) { free_beam(&bx); free_beam(&by); return CLI_QFAIL("reflectance", "must be below 1"); }
  if (!(points >= 2 && points <= 1e5 && points == floor(points))) { free_beam(&bx); free_beam(&by); return CLI_QFAIL("points", "must be an integer from 2 to 1e5"); }
  int from_sub = 0;
  if (from) {
    if (!strcmp(from, "substrate")) from_sub = 1;
    else if (strcmp(from, "cover")) { free_beam(&bx); free_beam(&by); return CLI_QFAIL("from", "cover or substrate (got '%s')", from); }
  }
  int tm = 0;
  if (pol) {
    if (!strcmp(pol, "tm")) tm = 1;
    else if (strcmp(pol, "te")) { free_beam(&bx); free_beam(&by); return CLI_QFAIL("pol", "te or tm (got '%s')", pol); }
  }
  double lp_factor = 2; /* 1/e^2 depth (Tatarinov et al. 2023): alpha = 2/l_p */
  if (lpdef) {
    if (!SEEN("lp")) FAIL_SPOT("--lp-def goes with --lp");
    if (!strcmp(lpdef, "1/e")) lp_factor = 1;
    else if (strcmp(lpdef, "1/e2")) { free_beam(&bx); free_beam(&by); return CLI_QFAIL("lp-def", "1/e2 or 1/e (got '%s')", lpdef); }
  }
  gk_error e;
  gk_error_clear(&e);
  gk_stack st;
  gk_absorb ab;
  int have_stack = 0;
  const char *abs_def = NULL;
  char abs_buf[200];
  if (SEEN("absorbed")) { in.absorbed = absorbed, in.se_absorbed = absorbed_err; abs_def = "given"; }
  if (SEEN("absorbance")) {
    in.absorbed = gk_absorbed_from_od(absorbance);
    abs_def = "1 - 10^-A from the film absorbance (reflection ignored)";
  }
  if (stackf) {
    if ((rc = gk_stack_load(stackf, &st, &e)) != GK_OK) { free_beam(&bx); free_beam(&by); return cli_error(&e); }
    if (gk_fluence_absorb_active(&st, pump_wl, from_sub, &ab, &in.absorbed, &e) != GK_OK) {
      gk_stack_free(&st);
      free_beam(&bx), free_beam(&by);
      return cli_error(&e);
    }
    have_stack = 1;
    snprintf(abs_buf, sizeof abs_buf, "transfer matrix, normal incidence from the %s, absorbed in layer '%s' at %g nm",
             from_sub ? "substrate" : "cover", st.layers[st.active].name, pump_wl);
    abs_def = abs_buf;
  }
  gk_fluence_out o;
  gk_depth_profile dp = {0};
  int have_depth = 0, mode = -1;
  double gam = NAN;
  if ((rc = gk_fluence_compute(&in, &o, &e)) == GK_OK) {
    /* A round Gaussian measured once: w enters squared (fully correlated),
     * not as two independent radii. */
    if (kind == GK_SPOT_GAUSS && measured && !by.path) gk_fluence_correlated_radius(&in, &o);
    /* ---- depth profile ---- */
    if (have_stack) rc = gk_depth_tmm(&ab, (size_t)st.active, o.f_peak, (size_t)points, &dp, &e);
    else if (SEEN("lp")) rc = gk_depth_beer(o.f_peak, pump_wl, lp_factor / (lp * 1e-7), thick, refl, (size_t)points, &dp, &e);
    have_depth = rc == GK_OK && (have_stack || SEEN("lp"));
    if (have_depth && have_stack && SEEN("emission-wavelength")) {
      rc = gk_depth_mode_from_stack(&dp, &st, emis_wl, tm, &gam, &mode, &e);
      if (mode == 0) cli_warn("no guided %s mode at %g nm: no mode-weighted density", tm ? "TM" : "TE", emis_wl);
    }
  }
  rc = rc != GK_OK ? cli_error(&e)
                   : fluence_emit(&c, &(fluence_view){.in = &in, .o = &o, .abs_def = abs_def, .bx = &bx, .by = &by,
                                                      .ab = have_stack ? &ab : NULL, .dp = have_depth ? &dp : NULL,
                                                      .alpha = lp_factor / (lp * 1e-7), .lp_factor = lp_factor,
                                                      .mode = mode, .gam = gam, .emis_wl = emis_wl, .tm = tm});
  gk_depth_free(&dp);
  if (have_stack) gk_absorb_free(&ab), gk_stack_free(&st);
  free_beam(&bx), free_beam(&by);
  return rc;
}

const struct cli_command cli_cmd_fluence = {
  .name = "fluence",
  .summary = "pump fluence, peak intensity, absorbed fraction and carrier density, with definitions",
  .order = 15,
  .opts = q,
  .nopts = CLI_NOPTS(q),
  .usage = "(--energy E | --power P --rep-rate f) SPOT [options]",
  .about =
    "Pump pulse -> fluence, stating the definitions used, so that thresholds from\n"
    "two labs can be compared (Tatarinov et al., Adv. Opt. Mater. 2023: threshold\n"
    "disagreements come from \"various definitions of spot size and fluence\").\n"
    "  F_average = E T / area,  F_peak = ratio x F_average,  I_peak = c F_peak / FWHM",
  .epilog =
    "-o FILE.csv writes N(z) (or the beam profile with its fit); --plot draws the\n"
    "beam profile with its fit, or N(z).\n"
    "Examples:\n"
    "  gainkit fluence --energy 10 --length 4mm --width 100um\n"
    "  gainkit fluence --power 2mW --rep-rate 1kHz --fwhm 150 --pulse-fwhm 120 --od 0.5\n"
    "  gainkit fluence --energy 5 --knife-edge examples/fluence/knife-edge.csv --plot ke.svg\n"
    "  gainkit fluence --energy 20 --length 2mm --profile examples/fluence/stripe-profile.csv\n"
    "  gainkit fluence --energy 1 --w 100 --stack examples/fluence/stack-pump.yaml --pump-wavelength 400 --emission-wavelength 540\n"
    "  gainkit fluence --energy 1 --w 100 --lp 200 --thickness 250 --pump-wavelength 400",
  .run = run,
};
