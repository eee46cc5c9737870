/* gainkit cavity — resonator numbers from a measured lasing line: Q,
 * photon lifetime, free spectral range of a Fabry-Perot or whispering-gallery
 * resonator: the options, gk_cavity_line_window/_analyze (gainkit/cavity.h)
 * and the output (cli/emit_cavity.c). */
#include <math.h>
#include <string.h>

#include "cli.h"
#include "qopt.h"
#include "gainkit/cavity.h"
#include "gainkit/io.h"
#include "emit_cavity.h"

#define NQ(a) (sizeof(a) / sizeof((a)[0]))

/* "V:PLQY:Qem:tau_p" -> 4 positive numbers */
static int parse4(const char *opt, const char *s, double v[4])
{
  char tail;
  if (sscanf(s, "%lf:%lf:%lf:%lf%c", &v[0], &v[1], &v[2], &v[3], &tail) != 4)
    return CLI_QFAIL(opt, "'%s' is not V:PLQY:Q_em:tau_p (four numbers)", s);
  for (int i = 0; i < 4; i++)
    if (!(v[i] > 0 && isfinite(v[i]))) return CLI_QFAIL(opt, "'%s': every value must be positive", s);
  if (v[1] > 1) return CLI_QFAIL(opt, "PLQY %g is above 1", v[1]);
  return 0;
}

/* gainkit cavity --spectrum FILE: fit the lasing line */
static int run_fit(cli_common *c, const char *path, const double *win, int has_win, const gk_cavity_line_options *o,
                   const cavity_resonator *res)
{
  gk_io_options io = {0};
  gk_specset s = {0};
  gk_error e;
  gk_error_clear(&e);
  if (gk_io_read(path, &io, &s, &e) != GK_OK) return cli_error(&e);
  for (size_t k = 0; k < s.notes.n; k++) fprintf(stderr, "gainkit: note: %s: %s\n", path, s.notes.msg[k]);
  size_t a, n;
  if (gk_cavity_line_window(s.wl, s.nwl, has_win ? win[0] : NAN, win[1], path, &a, &n, &e) != GK_OK) {
    gk_specset_free(&s);
    return e.option[0] ? CLI_QFAIL(e.option, "%s", e.msg) : cli_usage(c->cmd, "%s", e.msg);
  }
  if (s.nspec > 1) fprintf(stderr, "gainkit: note: %s has %zu spectra; fitting the first (%s)\n", path, s.nspec, s.label[0]);
  gk_cavity_line L;
  if (gk_cavity_line_analyze(s.wl + a, s.y + a, n, o, &L, &e) != GK_OK) { gk_specset_free(&s); return cli_error(&e); }
  int rc = cavity_emit_fit(c, path, &s, a, n, o, res, &L);
  gk_cavity_line_free(&L);
  gk_specset_free(&s);
  return rc;
}

/* ---- options (declarative: --help is generated from this table) ---- */
static struct {
  double wl, lw, iw, ng, len, rad, win[2];
  const char *ishape, *spec, *ja, *jb;
} A = {.ishape = "gauss"};

static cli_qopt q[] = {
  CLI_OPT_GROUP("Line given by its width"),
  CLI_OPT_QTY("wavelength", "NM", "nm", QO_POS, &A.wl, NULL, "lasing wavelength"),
  CLI_OPT_QTY("linewidth", "W", "nm", QO_POS, &A.lw, NULL, "measured FWHM (0.3nm works)"),
  CLI_OPT_GROUP("Line fitted from a spectrum"),
  CLI_OPT_STRING("spectrum", "FILE", &A.spec, NULL, "lasing spectrum (any format gainkit reads; the first spectrum)"),
  CLI_OPT_RANGE("window", "nm", A.win, "the whole spectrum", "fit only inside A:B"),
  CLI_OPT_FLAG("voigt", NULL, "fit a Voigt with a free Gaussian width"),
  CLI_OPT_GROUP("Instrument and resonator"),
  CLI_OPT_QTY("instrument-width", "G", "nm", QO_NONNEG, &A.iw, NULL, "spectrometer FWHM, deconvolved"),
  CLI_OPT_CHOICE("instrument", "gauss|lorentz", &A.ishape, "gauss", "shape of the instrument function"),
  CLI_OPT_NUM("ng", "n_g", QO_POS, &A.ng, NULL, "group index, for the free spectral range"),
  CLI_OPT_QTY("length", "L", "nm", QO_POS, &A.len, NULL, "Fabry-Perot cavity length"),
  CLI_OPT_QTY("radius", "R", "nm", QO_POS, &A.rad, NULL, "microdisk/ring radius"),
  CLI_OPT_GROUP("Threshold scaling"),
  CLI_OPT_STRING("jth-a", "V:PLQY:Q_em:tau_p", &A.ja, NULL, "design a (Goldberg et al. Eq. 7)"),
  CLI_OPT_STRING("jth-b", "V:PLQY:Q_em:tau_p", &A.jb, NULL, "design b: prints J_th(b)/J_th(a)"),
};

static int run(int argc, char **argv)
{
  cli_common c = {.cmd = "cavity"};
  CLI_RESET(A);
  int first;
  if (cli_qopt_parse(&c, argc, argv, q, NQ(q), &first) < 0) return CLI_USAGE;
  if (first < argc) return cli_usage(c.cmd, "unexpected argument '%s'", argv[first]);
  double wl = A.wl, lw = A.lw, iw = A.iw, ng = A.ng, len = A.len, rad = A.rad;
  const double *win = A.win;
  const char *ishape = A.ishape, *spec = A.spec, *ja = A.ja, *jb = A.jb;
  if (ja || jb) {
    if (!ja || !jb) return cli_usage(c.cmd, "--jth-a and --jth-b go together (two designs to compare)");
    for (size_t i = 0; i < NQ(q); i++)
      if (q[i].seen && strcmp(q[i].name, "jth-a") && strcmp(q[i].name, "jth-b"))
        return cli_usage(c.cmd, "--jth-a/--jth-b compare two designs; --%s does not apply", q[i].name);
    if (c.plot) { cli_no_plot(&c, "--jth-a/--jth-b"); return CLI_USAGE; }
    double A[4], B[4];
    int prc = parse4("jth-a", ja, A);
    if (prc) return prc;
    if ((prc = parse4("jth-b", jb, B))) return prc;
    double rr = gk_cavity_jth_ratio(A[0], A[1], A[2], A[3], B[0], B[1], B[2], B[3]);
    return cavity_emit_jth(&c, A, B, rr);
  }
  int gauss = !strcmp(ishape, "gauss");
  if (!gauss && strcmp(ishape, "lorentz")) return CLI_QFAIL("instrument", "'%s' is not gauss or lorentz", ishape);
  int has_l = cli_qopt_find(q, NQ(q), "length")->seen, has_r = cli_qopt_find(q, NQ(q), "radius")->seen;
  if (has_l && has_r) return cli_usage(c.cmd, "give --length (Fabry-Perot) or --radius (microdisk/ring), not both");
  if ((has_l || has_r) && !cli_qopt_find(q, NQ(q), "ng")->seen) return CLI_QFAIL("ng", "the free spectral range needs the group index --ng");
  const cavity_resonator res = {ng, len, rad, has_l, has_r};
  int voigt = cli_qopt_find(q, NQ(q), "voigt")->seen, has_w = cli_qopt_find(q, NQ(q), "window")->seen;
  if (spec) {
    if (cli_qopt_find(q, NQ(q), "wavelength")->seen || cli_qopt_find(q, NQ(q), "linewidth")->seen)
      return cli_usage(c.cmd, "--spectrum fits the line: --wavelength and --linewidth come from the fit");
    if (voigt && iw > 0) return CLI_QFAIL("voigt", "fits the Gaussian width freely: leave out --instrument-width (or --voigt)");
    const gk_cavity_line_options lo = {.instrument_width = iw, .instrument_gauss = gauss, .free_gauss = voigt};
    return run_fit(&c, spec, win, has_w, &lo, &res);
  }
  if (voigt || has_w) return cli_usage(c.cmd, "--voigt and --window apply to --spectrum");
  if (cli_qopt_require(&c, q, NQ(q), "wavelength") < 0 || cli_qopt_require(&c, q, NQ(q), "linewidth") < 0)
    return CLI_USAGE;
  if (!(lw < wl)) return CLI_QFAIL("linewidth", "must be narrower than the wavelength");
  double w = lw;
  if (iw > 0) {
    w = gk_cavity_deconvolve_lorentz_nm(lw, iw, gauss);
    if (!(w > 0)) return CLI_QFAIL("instrument-width", "%g nm is not narrower than the measured line (%g nm): the linewidth is not resolved", iw, lw);
  }
  return cavity_emit_width(&c, wl, lw, iw, gauss, w, &res);
}

const struct cli_command cli_cmd_cavity = {
  .name = "cavity",
  .summary = "resonator Q, photon lifetime and free spectral range from a lasing line",
  .order = 65,
  .opts = q,
  .nopts = CLI_NOPTS(q),
  .usage = "--wavelength NM --linewidth W [--instrument-width G [--instrument gauss|lorentz]]\n"
           "                      [--ng n_g (--length L | --radius R)]\n"
           "       gainkit cavity --spectrum FILE [--window A:B] [--instrument-width G [--instrument ...] | --voigt]\n"
           "                      [--ng n_g (--length L | --radius R)]\n"
           "       gainkit cavity --jth-a V:PLQY:Q_em:tau_p --jth-b V:PLQY:Q_em:tau_p [-o FILE]",
  .about = "Q = lambda/FWHM and the photon lifetime tau_p = Q lambda/(2 pi c) of a lasing line of\n"
           "Lorentzian FWHM W; with the instrument width G deconvolved (Gaussian instrument:\n"
           "Voigt width of Olivero & Longbothum 1977 solved for the Lorentzian; Lorentzian: W - G).\n"
           "Free spectral range of a Fabry-Perot cavity lambda^2/(2 n_g L) or of a microdisk/ring\n"
           "lambda^2/(2 pi R n_g).\n"
           "--spectrum fits the lasing line (first spectrum of the file, inside --window) by\n"
           "least squares (the project's fitting engine): a Lorentzian plus a constant, or with\n"
           "a Gaussian --instrument-width a Voigt profile with that Gaussian held fixed (the\n"
           "cavity's Lorentzian width comes out deconvolved), or with --voigt both widths free.\n"
           "Q = center / Lorentzian FWHM with its standard error; a width the data do not\n"
           "resolve (not above twice its error) gives Q \"not determined\" (JSON null).\n"
           "--jth-a/--jth-b: J_th(b)/J_th(a) from J_th ∝ V/(PLQY Q_em tau_p) (Goldberg et al.,\n"
           "Adv. Mater. 2024, Eq. 7; V and tau_p in any units used for both designs).",
  .epilog =
    "JSON: q, q_se (fit), photon_lifetime_s, linewidth_nm (deconvolved), fsr_nm, jth_ratio.\n"
    "--plot (with --spectrum): the data and the fitted line.\n"
    "Examples:\n"
    "  gainkit cavity --wavelength 530 --linewidth 0.3             (Q = 1767)\n"
    "  gainkit cavity --wavelength 530 --linewidth 0.3 --instrument-width 0.1 --ng 2.6 --radius 5\n"
    "  gainkit cavity --spectrum examples/lasing-line.csv --instrument-width 0.1\n"
    "  gainkit cavity --jth-a 1:0.5:50:1e-12 --jth-b 1:0.5:50:3e-12     (ratio 1/3)",
  .run = run,
};
