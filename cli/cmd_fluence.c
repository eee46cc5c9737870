/* gainkit fluence — pulse energy (or average power and repetition rate) and
 * spot geometry -> peak and average fluence, peak intensity, absorbed
 * fluence and the carrier density in depth, each with its definition and
 * uncertainty. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "qopt.h"
#include "gainkit/fluence.h"

#define NQ(a) (sizeof(a) / sizeof((a)[0]))

/* A measured profile file: x (um unless the header names a unit), y. */
static int read_profile(const char *path, gk_columns *col)
{
  gk_columns_options co = {0};
  co.min_points = 5;
  co.allow_unsorted = 1;
  co.reject_duplicate_x = 1;
  int rc = cli_read_xy(path, &co, "cm", col);
  if (rc) return rc;
  if (!col->x_unit_in[0]) /* no unit in the header: micrometres */
    for (size_t i = 0; i < col->n; i++) col->x[i] *= 1e-4;
  return 0;
}

typedef struct beam {
  const char *path;
  int knife;            /* 1 knife edge, 0 camera profile */
  gk_columns col;
  gk_knife_result k;
  gk_profile_result p;
  double w, se_w;       /* cm */
} beam;

static int fit_beam(beam *b)
{
  int rc = read_profile(b->path, &b->col);
  if (rc) return rc;
  gk_error e;
  gk_error_clear(&e);
  rc = b->knife ? gk_knife_edge_fit(b->col.x, b->col.y, b->col.n, &b->k, &e)
                : gk_line_profile_fit(b->col.x, b->col.y, b->col.n, &b->p, &e);
  if (rc) {
    if (!e.file[0]) snprintf(e.file, sizeof e.file, "%s", b->path);
    gk_columns_free(&b->col);
    return cli_error(&e);
  }
  b->w = b->knife ? b->k.w : b->p.w;
  b->se_w = b->knife ? b->k.se_w : b->p.se_w;
  if (!(b->knife ? b->k.converged : b->p.converged)) {
    gk_columns_free(&b->col);
    if (b->knife) gk_knife_free(&b->k); else gk_profile_free(&b->p);
    e.code = GK_ENOCONV;
    snprintf(e.file, sizeof e.file, "%s", b->path);
    snprintf(e.msg, sizeof e.msg, "the beam-profile fit did not converge: the scan does not determine the radius");
    return cli_error(&e);
  }
  return 0;
}

static void free_beam(beam *b)
{
  if (!b->path) return;
  gk_columns_free(&b->col);
  if (b->knife) gk_knife_free(&b->k); else gk_profile_free(&b->p);
}

static void beam_report(cli_result *r, beam *b, const char *axis)
{
  cJSON *o = cJSON_AddObjectToObject(r->j, axis);
  cJSON_AddStringToObject(o, "file", b->path);
  cJSON_AddStringToObject(o, "method", b->knife ? "knife-edge erf fit" : "Gaussian line-profile fit");
  gk_json_value_se(o, "w", b->w, b->se_w);
  cli_printf(&r->b, "%s%s profile %s (%s, %zu points):\n", strcmp(axis, "beam") ? axis : "Beam", strcmp(axis, "beam") ? " beam" : "", cli_basename(b->path),
             b->knife ? "knife edge, P = bg + (P0/2) erfc(sqrt2 (x - x0)/w)" : "camera line, bg + A exp(-2 (x-x0)^2/w^2)",
             b->col.n);
  cli_print_value(&r->b, "w (1/e^2)", b->w * 1e4, b->se_w * 1e4, "um");
  if (b->knife) {
    gk_json_num(o, "w_10_90", b->k.w_1090);
    gk_json_num(o, "x0", b->k.x0);
    cli_print_value(&r->b, "w (10-90%)", b->k.w_1090 * 1e4, NAN, "um (clip-distance check: d/1.2816)");
  } else {
    gk_json_num(o, "w_d4sigma", b->p.w_d4s);
    gk_json_num(o, "fwhm", b->p.fwhm);
    gk_json_num(o, "x0", b->p.x0);
    cli_print_value(&r->b, "w (D4sigma)", b->p.w_d4s * 1e4, NAN, "um (second-moment check)");
    cli_print_value(&r->b, "FWHM", b->p.fwhm * 1e4, NAN, "um (interpolated)");
  }
}

static int plot_beam(const cli_common *c, beam *bx, beam *by)
{
  beam *bs[2] = {bx, by};
  int nb = by->path ? 2 : 1;
  gk_figure *f = gk_figure_new(nb, 1, nb == 2 ? 1200 : 800, 560, NULL);
  for (int k = 0; k < nb; k++) {
    beam *b = bs[k];
    gk_panel *p = gk_figure_panel(f, k);
    size_t n = b->col.n;
    double *xu = malloc(n * sizeof *xu);
    enum { M = 300 };
    double xs[M], ys[M];
    if (!xu) { gk_figure_free(f); return cli_usage(c->cmd, "out of memory"); }
    for (size_t i = 0; i < n; i++) xu[i] = b->col.x[i] * 1e4;
    double lo = b->col.x[0], hi = b->col.x[n - 1];
    for (int i = 0; i < M; i++) {
      double x = lo + (hi - lo) * i / (M - 1);
      xs[i] = x * 1e4;
      ys[i] = b->knife ? gk_knife_model(&b->k, x)
                       : b->p.bg + b->p.amp * exp(-2 * (x - b->p.x0) * (x - b->p.x0) / (b->p.w * b->p.w));
    }
    char title[160];
    snprintf(title, sizeof title, "%s: w = %.4g um", cli_basename(b->path), b->w * 1e4);
    gk_panel_labels(p, "position x (um)", b->knife ? "transmitted power" : "intensity", title);
    gk_panel_add(p, xu, b->col.y, NULL, n, GK_STYLE_POINTS, -1, "data");
    gk_panel_add(p, xs, ys, NULL, M, GK_STYLE_LINE, -1, b->knife ? "erf fit" : "Gaussian fit");
    free(xu);
  }
  return cli_save_figure(c, f);
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
  beam bx = {0}, by = {0};
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
    bx.path = knife ? knife : prof, bx.knife = knife != NULL;
    if ((rc = fit_beam(&bx))) return rc;
    if (knife_y || prof_y) {
      by.path = knife_y ? knife_y : prof_y, by.knife = knife_y != NULL;
      if ((rc = fit_beam(&by))) { free_beam(&bx); return rc; }
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
      ra = bx.w, rb = by.path ? by.w : bx.w;
    } else if (SEEN("w")) ra = rb = w * 1e-4;
    else if (SEEN("fwhm")) ra = rb = gk_gauss_w_from_fwhm(fwhm * 1e-4);
    else if (SEEN("wx") && SEEN("wy")) ra = wx * 1e-4, rb = wy * 1e-4;
    else if (SEEN("fwhm-x") && SEEN("fwhm-y"))
      ra = gk_gauss_w_from_fwhm(fwhm_x * 1e-4), rb = gk_gauss_w_from_fwhm(fwhm_y * 1e-4);
    else FAIL_SPOT("a Gaussian spot needs --w, --fwhm, --wx/--wy, --fwhm-x/--fwhm-y, --knife-edge or --profile");
    if (kind == GK_SPOT_GAUSS_STRIPE) {
      if (!SEEN("length")) FAIL_SPOT("gauss-stripe needs --length (the top-hat length along the stripe)");
      in.a = length * 1e-4, in.b = ra;
      in.se_b = measured ? bx.se_w : 0;
    } else {
      in.a = ra, in.b = rb;
      if (measured) in.se_a = bx.se_w, in.se_b = by.path ? by.se_w : bx.se_w;
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
    if (st.active < 0) {
      gk_error_set(&e, GK_EINPUT, stackf, 0, "the stack has no layer marked active: true");
      gk_stack_free(&st);
      free_beam(&bx), free_beam(&by);
      return cli_error(&e);
    }
    if (gk_absorb_stack(&st, pump_wl, from_sub, &ab, &e) != GK_OK) {
      if (!e.file[0]) snprintf(e.file, sizeof e.file, "%s", stackf);
      gk_stack_free(&st);
      free_beam(&bx), free_beam(&by);
      return cli_error(&e);
    }
    have_stack = 1;
    in.absorbed = ab.A[st.active];
    snprintf(abs_buf, sizeof abs_buf, "transfer matrix, normal incidence from the %s, absorbed in layer '%s' at %g nm",
             from_sub ? "substrate" : "cover", st.layers[st.active].name, pump_wl);
    abs_def = abs_buf;
    if (!(in.absorbed > 0)) {
      gk_error_set(&e, GK_EINPUT, stackf, st.layers[st.active].line,
                   "the active layer '%s' does not absorb at %g nm (k = 0): no carriers", st.layers[st.active].name, pump_wl);
      gk_absorb_free(&ab), gk_stack_free(&st), free_beam(&bx), free_beam(&by);
      return cli_error(&e);
    }
  }
  gk_fluence_out o;
  if (gk_fluence_compute(&in, &o, &e) != GK_OK) {
    if (have_stack) gk_absorb_free(&ab), gk_stack_free(&st);
    free_beam(&bx), free_beam(&by);
    return cli_error(&e);
  }
  /* A round Gaussian measured once: w enters squared (fully correlated),
   * not as two independent radii. */
  if (kind == GK_SPOT_GAUSS && measured && !by.path) {
    double rE = o.se_energy / o.energy, rw = in.se_a / in.a;
    double rF = sqrt(rE * rE + 4 * rw * rw);
    o.se_area = o.area * 2 * rw;
    o.se_f_avg = o.f_avg * rF, o.se_f_peak = o.f_peak * rF;
    if (!isnan(o.i_peak)) o.se_i_peak = o.i_peak * rF;
    if (!isnan(o.f_abs_peak)) {
      double ra = in.absorbed > 0 && in.se_absorbed > 0 ? in.se_absorbed / in.absorbed : 0;
      o.se_f_abs_peak = o.f_abs_peak * sqrt(rF * rF + ra * ra);
    }
  }
  /* ---- report ---- */
  cli_result r;
  cli_result_init(&r, "fluence");
  cJSON *def = cJSON_AddObjectToObject(r.j, "definitions");
  cJSON_AddStringToObject(def, "area", o.area_def);
  cJSON_AddStringToObject(def, "peak", o.peak_def);
  cli_printf(&r.b, "Pump fluence (definitions: %s; %s)\n", o.area_def, o.peak_def);
  if (bx.path) beam_report(&r, &bx, by.path ? "x" : "beam");
  if (by.path) beam_report(&r, &by, "y");
  gk_json_value_se(r.j, "energy", o.energy, o.se_energy);
  gk_json_num(r.j, "transmission", in.transmission);
  gk_json_value_se(r.j, "area", o.area, o.se_area);
  gk_json_num(r.j, "area_effective", o.area_eff);
  gk_json_value_se(r.j, "fluence_peak", o.f_peak, o.se_f_peak);
  gk_json_value_se(r.j, "fluence_average", o.f_avg, o.se_f_avg);
  gk_json_value_se(r.j, "intensity_peak", o.i_peak, o.se_i_peak);
  cli_print_value(&r.b, "energy", o.energy * 1e6, o.se_energy * 1e6, "uJ on the sample");
  if (in.transmission != 1) cli_print_value(&r.b, "transmission", in.transmission, in.se_transmission, "(filters)");
  cli_print_value(&r.b, "area", o.area * 1e8, o.se_area * 1e8, "um^2 (nominal)");
  cli_print_value(&r.b, "area (eff.)", o.area_eff * 1e8, NAN, "um^2 = E/F_peak");
  cli_print_value(&r.b, "F_peak", o.f_peak * 1e6, o.se_f_peak * 1e6, "uJ/cm2");
  cli_print_value(&r.b, "F_average", o.f_avg * 1e6, o.se_f_avg * 1e6, "uJ/cm2");
  if (!isnan(o.i_peak)) {
    static const char *sn[] = {"Gaussian", "sech^2", "square"};
    char u[96];
    snprintf(u, sizeof u, "W/cm2 (%s pulse: %.4f F_peak/FWHM)", sn[in.pulse_shape], o.peak_over_time);
    cJSON_AddStringToObject(def, "intensity", u + 6);
    cli_print_value(&r.b, "I_peak", o.i_peak, o.se_i_peak, u);
  }
  if (!isnan(in.absorbed)) {
    cJSON_AddStringToObject(def, "absorbed", abs_def);
    gk_json_value_se(r.j, "absorbed", in.absorbed, in.se_absorbed);
    gk_json_value_se(r.j, "fluence_absorbed_peak", o.f_abs_peak, o.se_f_abs_peak);
    cli_print_value(&r.b, "absorbed", in.absorbed, in.se_absorbed, abs_def);
    cli_print_value(&r.b, "F_abs,peak", o.f_abs_peak * 1e6, o.se_f_abs_peak * 1e6, "uJ/cm2 absorbed (peak)");
  }
  if (have_stack) {
    gk_json_num(r.j, "reflectance", ab.R);
    gk_json_num(r.j, "transmittance", ab.T);
    cli_print_value(&r.b, "R", ab.R, NAN, "reflectance of the stack");
    cli_print_value(&r.b, "T", ab.T, NAN, "into the substrate");
  }
  /* ---- depth profile ---- */
  gk_depth_profile dp = {0};
  int have_depth = 0, status = CLI_OK;
  if (have_stack || SEEN("lp")) {
    if (have_stack) rc = gk_depth_tmm(&ab, (size_t)st.active, o.f_peak, (size_t)points, &dp, &e);
    else rc = gk_depth_beer(o.f_peak, pump_wl, lp_factor / (lp * 1e-7), thick, refl, (size_t)points, &dp, &e);
    if (rc) {
      cli_result_free(&r);
      if (have_stack) gk_absorb_free(&ab), gk_stack_free(&st);
      free_beam(&bx), free_beam(&by);
      return cli_error(&e);
    }
    have_depth = 1;
    double dnm = dp.z_nm[dp.n - 1] - dp.z_nm[0];
    cJSON *dj = cJSON_AddObjectToObject(r.j, "carriers");
    cJSON_AddStringToObject(dj, "method", have_stack ? "transfer matrix" : "Beer-Lambert");
    if (!have_stack) {
      gk_json_num(dj, "alpha_pump", lp_factor / (lp * 1e-7));
      cJSON_AddStringToObject(dj, "lp_definition", lp_factor == 2 ? "1/e^2 intensity depth: alpha = 2/l_p" : "1/e depth: alpha = 1/l_p");
    }
    gk_json_num(dj, "absorbed", dp.absorbed);
    gk_json_num(dj, "n_mean", dp.n_mean);
    gk_json_num(dj, "n_front", dp.N[0]);
    gk_json_num(dj, "n_back", dp.N[dp.n - 1]);
    cli_printf(&r.b, "Carrier density at F_peak (one pair per absorbed photon, %s):\n",
               have_stack ? "transfer-matrix field" : lp_factor == 2 ? "Beer-Lambert, alpha = 2/l_p (1/e^2 depth)" : "Beer-Lambert, alpha = 1/l_p");
    cli_print_value(&r.b, "absorbed", dp.absorbed, NAN, "in the active layer");
    cli_print_value(&r.b, "N mean", dp.n_mean, NAN, "cm^-3 (thickness average)");
    cli_print_value(&r.b, "N front", dp.N[0], NAN, "cm^-3");
    cli_print_value(&r.b, "N back", dp.N[dp.n - 1], NAN, "cm^-3");
    if (have_stack && SEEN("emission-wavelength")) {
      gk_guide g;
      gk_modes m = {0};
      if (gk_guide_from_stack(&g, &st, emis_wl, &e) == GK_OK) {
        if (gk_modes_find(&g, tm ? GK_MODES_TM : GK_MODES_TE, &m, &e) == GK_OK && m.n > 0) {
          double *E2 = malloc(dp.n * sizeof *E2);
          if (E2 && gk_mode_field(&g, &m.mode[0], dp.z_nm, dp.n, E2, NULL, &e) == GK_OK) {
            gk_depth_mode_weighted(&dp, E2);
            double gam = m.mode[0].confinement[st.active];
            gk_json_num(dj, "n_mode", dp.n_mode);
            gk_json_num(dj, "confinement", gam);
            char u[96];
            snprintf(u, sizeof u, "cm^-3 (weighted by |E|^2 of %s0 at %g nm)", tm ? "TM" : "TE", emis_wl);
            cli_print_value(&r.b, "N mode", dp.n_mode, NAN, u);
            cli_print_value(&r.b, "Gamma", gam, NAN, "confinement in the active layer");
          }
          free(E2);
        } else {
          cli_warn("no guided %s mode at %g nm: no mode-weighted density", tm ? "TM" : "TE", emis_wl);
          cJSON_AddNullToObject(dj, "n_mode");
          cJSON_AddStringToObject(dj, "n_mode_reason", "no guided mode");
        }
        gk_modes_free(&m);
        gk_guide_free(&g);
      }
      if (e.code) {
        cli_result_free(&r);
        gk_depth_free(&dp), gk_absorb_free(&ab), gk_stack_free(&st), free_beam(&bx), free_beam(&by);
        return cli_error(&e);
      }
    }
    (void)dnm;
    static const char *hdr[] = {"z (nm)", "N (cm^-3)"};
    gk_csv_init(&r.csv, 2, hdr);
    r.has_csv = 1;
    gk_csv_add_comment(&r.csv, "carrier density at the peak fluence %g uJ/cm2", o.f_peak * 1e6);
    for (size_t i = 0; i < dp.n; i++) gk_csv_add_row(&r.csv, (double[]){dp.z_nm[i], dp.N[i]});
  } else if (bx.path) {
    static const char *hdr[] = {"x (um)", "signal", "fit"};
    gk_csv_init(&r.csv, 3, hdr);
    r.has_csv = 1;
    for (size_t i = 0; i < bx.col.n; i++) {
      double x = bx.col.x[i];
      double fit = bx.knife ? gk_knife_model(&bx.k, x)
                            : bx.p.bg + bx.p.amp * exp(-2 * (x - bx.p.x0) * (x - bx.p.x0) / (bx.p.w * bx.p.w));
      gk_csv_add_row(&r.csv, (double[]){x * 1e4, bx.col.y[i], fit});
    }
  }
  rc = 0;
  if (c.plot) {
    if (bx.path) rc = plot_beam(&c, &bx, &by);
    else if (have_depth) {
      gk_figure *f = gk_figure_new(1, 1, 800, 560, NULL);
      gk_panel *p = gk_figure_panel(f, 0);
      gk_panel_labels(p, "depth z (nm)", "carrier density N (cm^-3)", "pump absorption in the active layer");
      gk_panel_add(p, dp.z_nm, dp.N, NULL, dp.n, GK_STYLE_LINE, -1, "N(z)");
      gk_panel_hline(p, dp.n_mean, -1, "thickness average");
      rc = cli_save_figure(&c, f);
    } else {
      rc = cli_usage(c.cmd, "--plot needs a measured profile (--knife-edge/--profile) or a depth profile (--stack/--lp)");
    }
  }
  gk_depth_free(&dp);
  if (have_stack) gk_absorb_free(&ab), gk_stack_free(&st);
  free_beam(&bx), free_beam(&by);
  if (rc) { cli_result_free(&r); return rc; }
  return cli_result_finish(&c, &r, status);
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
