/* gainkit modes — guided modes of a planar multilayer stack: effective
 * indices, confinement per layer, modal loss, field profiles, and sweeps of
 * the fundamental TE/TM net modal gain over a layer thickness or wavelength
 * (Goldberg et al., Adv. Mater. 2024, Eq. 6, Fig. 3c). Options and library calls; the
 * output is cli/emit_modes.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "qopt.h"
#include "gainkit/modes.h"
#include "gainkit/stack.h"
#include "emit_modes.h"
/* last: its macro I must not reach the public headers (vsl.h, vpi.h) */
#include <complex.h>

int cli_modes_leaky(const cli_common *c, const gk_stack *s, double wl, int pols, const char *profile);  /* modes_leaky.c */

#define MAX_SWEEP 1000000


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

/* Single wavelength: every mode, the guiding layer and its cutoffs. */
static int run_modes(const cli_common *c, const gk_stack *s, double wl, int pols, const char *profile)
{
  gk_guide g;
  gk_modes m = {0};
  gk_error e;
  gk_error_clear(&e);
  if (gk_guide_from_stack(&g, s, wl, &e) != GK_OK) return modes_stack_error(&e, s);
  if (gk_modes_find(&g, pols, &m, &e) != GK_OK) { gk_guide_free(&g); return cli_error(&e); }
  size_t nl = g.nlayers, core = gk_modes_core_layer(&g, s->active);
  double cut[2][2];
  for (int p = 0; p < 2; p++)
    for (int o = 0; o < 2; o++) {
      gk_error ce;
      double d = NAN;
      if (core + 1 < nl && gk_modes_cutoff_nm(&g, (gk_pol)p, core, o, 20 * wl, &d, &ce) != GK_OK) d = NAN;
      cut[p][o] = d;
    }
  int rc = modes_emit(c, s, &g, &m, wl, profile, core, cut);
  gk_modes_free(&m);
  gk_guide_free(&g);
  return rc;
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
  if (rc != GK_OK || cli_interrupted()) { free(P); return rc != GK_OK ? modes_stack_error(&e, s) : CLI_FAILED; }
  rc = modes_emit_sweep(c, s, layer, P, np, nth, nwl, wl, G, &so, conv);
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
