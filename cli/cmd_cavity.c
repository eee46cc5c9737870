/* gainkit cavity — resonator numbers from a measured lasing line: Q,
 * photon lifetime, free spectral range of a Fabry-Perot or whispering-gallery
 * resonator. */
#include <math.h>
#include <string.h>

#include "cli.h"
#include "qopt.h"
#include "gainkit/cavity.h"

#define NQ(a) (sizeof(a) / sizeof((a)[0]))

static int run(int argc, char **argv)
{
  cli_common c = {.cmd = "cavity"};
  double wl = 0, lw = 0, iw = 0, ng = 0, len = 0, rad = 0;
  const char *ishape = "gauss";
  cli_qopt q[] = {{"wavelength", "nm", QO_POS, &wl, NULL, 0},
                  {"linewidth", "nm", QO_POS, &lw, NULL, 0},
                  {"instrument-width", "nm", QO_NONNEG, &iw, NULL, 0},
                  {"instrument", NULL, QO_STRING, NULL, &ishape, 0},
                  {"ng", NULL, QO_POS, &ng, NULL, 0},
                  {"length", "nm", QO_POS, &len, NULL, 0},
                  {"radius", "nm", QO_POS, &rad, NULL, 0}};
  int first;
  if (cli_qopt_parse(&c, argc, argv, q, NQ(q), &first) < 0) return CLI_USAGE;
  if (first < argc) return cli_usage(c.cmd, "unexpected argument '%s'", argv[first]);
  if (cli_qopt_require(&c, q, NQ(q), "wavelength") < 0 || cli_qopt_require(&c, q, NQ(q), "linewidth") < 0)
    return CLI_USAGE;
  int gauss = !strcmp(ishape, "gauss");
  if (!gauss && strcmp(ishape, "lorentz")) return CLI_QFAIL("instrument", "'%s' is not gauss or lorentz", ishape);
  int has_l = cli_qopt_find(q, NQ(q), "length")->seen, has_r = cli_qopt_find(q, NQ(q), "radius")->seen;
  if (has_l && has_r) return cli_usage(c.cmd, "give --length (Fabry-Perot) or --radius (microdisk/ring), not both");
  if ((has_l || has_r) && !cli_qopt_find(q, NQ(q), "ng")->seen) return CLI_QFAIL("ng", "the free spectral range needs the group index --ng");
  if (!(lw < wl)) return CLI_QFAIL("linewidth", "must be narrower than the wavelength");
  double w = lw;
  if (iw > 0) {
    w = gk_cavity_deconvolve_lorentz_nm(lw, iw, gauss);
    if (!(w > 0)) return CLI_QFAIL("instrument-width", "%g nm is not narrower than the measured line (%g nm): the linewidth is not resolved", iw, lw);
  }
  double Q = gk_cavity_q(wl, w), tp = gk_cavity_photon_lifetime_s(wl, Q);
  cli_result r;
  cli_result_init(&r, "cavity");
  gk_json_num(r.j, "wavelength_nm", wl);
  gk_json_num(r.j, "linewidth_nm", w);
  gk_json_num(r.j, "q", Q);
  gk_json_num(r.j, "photon_lifetime_s", tp);
  cli_printf(&r.b, "Resonator from the lasing line at %g nm\n", wl);
  if (iw > 0) cli_printf(&r.b, "  measured FWHM %g nm, %s instrument %g nm -> Lorentzian FWHM %.6g nm\n", lw, gauss ? "Gaussian" : "Lorentzian", iw, w);
  cli_print_value(&r.b, "Q", Q, NAN, "(lambda / FWHM)");
  cli_print_value(&r.b, "tau_p", tp, NAN, "s (Q lambda / 2 pi c)");
  if (has_l || has_r) {
    double fsr = has_l ? gk_cavity_fsr_fp_nm(wl, ng, len) : gk_cavity_fsr_wgm_nm(wl, ng, rad);
    gk_json_num(r.j, "fsr_nm", fsr);
    cli_print_value(&r.b, "FSR", fsr, NAN, has_l ? "nm (Fabry-Perot, lambda^2/(2 n_g L))" : "nm (whispering gallery, lambda^2/(2 pi R n_g))");
  }
  return cli_result_finish(&c, &r, CLI_OK);
}

const struct cli_command cli_cmd_cavity = {
  .name = "cavity",
  .summary = "resonator Q, photon lifetime and free spectral range from a lasing line",
  .order = 65,
  .help =
    "Usage: gainkit cavity --wavelength NM --linewidth W [--instrument-width G [--instrument gauss|lorentz]]\n"
    "                      [--ng n_g (--length L | --radius R)]\n\n"
    "Q = lambda/FWHM and the photon lifetime tau_p = Q lambda/(2 pi c) of a lasing line of\n"
    "Lorentzian FWHM W; with the instrument width G deconvolved (Gaussian instrument:\n"
    "Voigt width of Olivero & Longbothum 1977 solved for the Lorentzian; Lorentzian: W - G).\n"
    "Free spectral range of a Fabry-Perot cavity lambda^2/(2 n_g L) or of a microdisk/ring\n"
    "lambda^2/(2 pi R n_g). The line's width is given, not fitted here.\n"
    "  --wavelength NM   lasing wavelength (nm)\n"
    "  --linewidth W     measured FWHM (nm; 0.3nm works)\n"
    "  --instrument-width G   spectrometer FWHM (nm)\n"
    "  --ng n_g          group index; --length L (um) or --radius R (um)\n"
    "JSON: q, photon_lifetime_s, linewidth_nm (deconvolved), fsr_nm.\n"
    "Examples:\n"
    "  gainkit cavity --wavelength 530 --linewidth 0.3             (Q = 1767)\n"
    "  gainkit cavity --wavelength 530 --linewidth 0.3 --instrument-width 0.1 --ng 2.6 --radius 5\n\n"
    CLI_COMMON_HELP,
  .run = run,
};
