/* gainkit simulate — synthetic VPI/VSL data from the time-domain model of a
 * stripe-pumped film (gainkit/simulate.h, docs/simulate.md). The CSVs it
 * writes are the matrices `gainkit vpi`, `gainkit threshold --spectra` and
 * `gainkit vsl --matrix` read, with the configuration in '#' lines. Options and
 * library calls; the output is cli/emit_simulate.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "qopt.h"
#include "gainkit/simulate.h"
#include "sim_mpi.h"
#include "emit_simulate.h"

static int fit_to_data(const cli_common *com, const char *path, const gk_sim_file *cf, const char *data,
                       const char *names_arg, double fit_min, const sim_mpi *mpi)
{
  gk_error e;
  gk_error_clear(&e);
  char buf[512], *names[GK_SIM_FIT_MAX + 1];
  size_t np = 0;
  snprintf(buf, sizeof buf, "%s", names_arg);
  for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
    if (np == GK_SIM_FIT_MAX) return cli_usage("simulate", "--fit: at most 8 parameters");
    names[np++] = tok;
  }
  if (!np) return cli_usage("simulate", "--fit: name at least one parameter");
  gk_matrix_options mo = {.orientation = GK_ORIENT_DETECT};
  gk_matrix m;
  if (gk_matrix_read(data, &mo, &m, &e)) return cli_error(&e);
  size_t nf = m.ncol, nl = m.nrow;
  int vsl = 0;
  double *fl = malloc(nf * sizeof *fl);
  if (!fl) { gk_matrix_free(&m); return CLI_FAILED; }
  if (gk_sim_fit_axis(&m, data, &vsl, fl, &e)) {
    free(fl);
    gk_matrix_free(&m);
    return cli_error(&e);
  }
  gk_sim_fit_result fr;
  gk_progress prog = cli_progress("simulate --fit-to");
  gk_sim_sweep_kind kind = vsl ? GK_SIM_SWEEP_LENGTH : GK_SIM_SWEEP_FLUENCE;
  /* under mpirun every sweep of the fit is spread over the ranks */
  int st = gk_sim_fit_sweep_ex(&cf->cfg, kind, fl, nf, m.row, nl, m.z, (const char *const *)names, np, fit_min,
                               sim_mpi_request, (void *)mpi, &fr, &prog, &e);
  cli_progress_done(&prog);
  if (st) {
    /* a usage problem of the fit names the option */
    if (st == GK_EUSAGE) {
      fprintf(stderr, "gainkit: simulate: --fit-to %s: %s\n", data, e.msg);
      free(fl);
      gk_matrix_free(&m);
      return CLI_USAGE;
    }
    free(fl);
    gk_matrix_free(&m);
    return cli_error(&e);
  }
  /* the best-fit set on the simulation's grid, for -o and --plot */
  gk_sim_result *rs = calloc(nf, sizeof *rs);
  double scale = 1;
  for (size_t k = 0; k < np; k++)
    if (!strcmp(fr.name[k], "scale")) scale = fr.value[k];
  if (!rs || sim_mpi_request((void *)mpi, &fr.best, kind, fl, nf, rs, NULL, &e)) {
    free(rs);
    free(fl);
    gk_matrix_free(&m);
    return cli_error(&e);
  }
  for (size_t k = 0; k < nf; k++)
    for (size_t j = 0; j < rs[k].nbins; j++) rs[k].spectrum[j] *= scale;
  int rc = sim_emit_fit(com, path, cf, data, &fr, rs, fl, nf, nl, np, vsl, scale, fit_min);
  for (size_t k = 0; k < nf; k++) gk_sim_result_free(&rs[k]);
  free(rs);
  free(fl);
  gk_matrix_free(&m);
  return rc;
}

/* ---- options (declarative: --help is generated from this table) ---- */
enum { SW_VPI = 1, SW_VPI_RANGE, SW_VSL, SW_VSL_RANGE };
static struct {
  double *sw;                 /* sweep values (malloc'd), base units */
  size_t nsw;
  int kind, tr;
  const char *pol, *fit_to, *fit_names;
  double fit_min;
} A = {.kind = -1, .pol = "sum", .fit_names = "sigma,background_loss,scale", .fit_min = 1e-4};

/* --vpi, --vpi-range, --vsl, --vsl-range: one sweep, values in J/cm2 or cm */
static int parse_sweep(cli_qopt *o, const char *optarg)
{
  int opt = o->id, rc = 0;
  if (A.sw) {
    cli_usage("simulate", "give one sweep (--vpi, --vpi-range, --vsl or --vsl-range)");
    return -1;
  }
  int vpi = opt == SW_VPI || opt == SW_VPI_RANGE;
  const char *base = vpi ? "J/cm2" : "cm";
  A.kind = vpi ? GK_SIM_SWEEP_FLUENCE : GK_SIM_SWEEP_LENGTH;
  const char *swopt = opt == SW_VPI ? "--vpi" : opt == SW_VPI_RANGE ? "--vpi-range" : opt == SW_VSL ? "--vsl" : "--vsl-range";
  double *sw = NULL;
  size_t nsw = 0;
  if (opt == SW_VPI || opt == SW_VSL) {
    rc = cli_list(swopt, optarg, base, &sw, &nsw);
    for (size_t i = 0; !rc && i < nsw; i++)
      if (!(sw[i] > 0)) {
        fprintf(stderr, "gainkit: %s: values must be positive\n", swopt);
        rc = -1;
      }
  } else {
    gk_error e;
    gk_error_clear(&e);
    /* bare numbers in the option's unit (uJ/cm2 for fluences), as --help says */
    const cli_dim *d = cli_dim_find(swopt, base);
    double f = 1;
    if (gk_sim_parse_range(optarg, d ? d->unit : base, &sw, &nsw, &e) ||
        (d && gk_unit_factor(d->unit, base, &f, &e))) {
      fprintf(stderr, "gainkit: %s: %s\n", swopt, e.msg);
      rc = -1;
    }
    for (size_t i = 0; !rc && i < nsw; i++) {
      if (d && (i == 0 || i + 1 == nsw)) cli_dim_check(d, optarg, sw[i]);
      sw[i] *= f;
    }
    /* into base the way suffixed values go (the bare endpoints get the
     * option's unit written after them), so that "50:2500:3" and
     * "0.05mJ/cm2:2.5mJ/cm2:3" give the same doubles bit for bit */
    const char *c1 = strchr(optarg, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!rc && d && f != 1 && c2 && strlen(optarg) < 200) {
      char a[256], b[256], txt[600];
      double dummy;
      gk_error eb;
      snprintf(a, sizeof a, "%.*s", (int)(c1 - optarg), optarg);
      snprintf(b, sizeof b, "%.*s", (int)(c2 - c1 - 1), c1 + 1);
      gk_error_clear(&eb);
      int ba = gk_parse_number(a, &dummy, &eb) == GK_OK;
      gk_error_clear(&eb);
      int bb = gk_parse_number(b, &dummy, &eb) == GK_OK;
      snprintf(txt, sizeof txt, "%s%s:%s%s%s", a, ba ? d->unit : "", b, bb ? d->unit : "", c2);
      double *swb = NULL;
      size_t nb = 0;
      gk_error_clear(&eb);
      if (gk_sim_parse_range(txt, base, &swb, &nb, &eb) == GK_OK && nb == nsw) memcpy(sw, swb, nsw * sizeof *sw);
      free(swb);
    }
  }
  if (rc) {
    free(sw);
    return -1;
  }
  A.sw = sw;
  A.nsw = nsw;
  return 0;
}

static int parse_fit_min(cli_qopt *o, const char *arg)
{
  gk_error fe;
  gk_error_clear(&fe);
  if (gk_parse_number(arg, &A.fit_min, &fe) || !(A.fit_min >= 0 && A.fit_min < 1))
    return cli_qopt_fail(o->name, "expected a fraction in [0, 1) (got '%s')", arg);
  return 0;
}

static cli_qopt opts[] = {
  CLI_OPT_GROUP("Sweep (default: the config's sweep, else one run)"),
  CLI_OPT_CB_ID("vpi", "F1,F2,...", parse_sweep, SW_VPI, NULL, "pump fluences (uJ/cm2 when bare; '0.5mJ/cm2' works)"),
  CLI_OPT_CB_ID("vpi-range", "F1:F2:N", parse_sweep, SW_VPI_RANGE, NULL,
                "N fluences spaced geometrically from F1 to F2 (uJ/cm2 when bare)"),
  CLI_OPT_CB_ID("vsl", "L1,L2,...", parse_sweep, SW_VSL, NULL, "stripe lengths (cm when bare; '2mm' works)"),
  CLI_OPT_CB_ID("vsl-range", "L1:L2:N", parse_sweep, SW_VSL_RANGE, NULL, "N stripe lengths spaced geometrically (cm)"),
  CLI_OPT_FLAG("time-resolved", &A.tr, "single run: write the edge spectrum versus time"),
  CLI_OPT_CHOICE("pol", "te|tm|sum", &A.pol, "sum",
                 "with film.modes: te+tm, which spectrum the CSV holds (JSON always has both)"),
  CLI_OPT_GROUP("Fitting the simulation to data"),
  CLI_OPT_STRING("fit-to", "DATA", &A.fit_to, NULL,
                 "fit the simulation to a measured VPI matrix (first row fluences, unit from the corner cell, "
                 "mJ/cm2 when none) or VSL matrix (a length unit in the corner cell: 'L (cm)'), first column "
                 "wavelength: adjusts the --fit parameters (Levenberg-Marquardt in ln p, relative weights) and "
                 "reports each with its standard error; -o writes the best-fit simulated matrix. Exit 1 if it "
                 "does not converge. Under mpirun every sweep of the fit is spread over the ranks"),
  CLI_OPT_STRING("fit", "P1,P2,...", &A.fit_names, "sigma,background_loss,scale",
                 "parameters for --fit-to: sigma, k1, k2, k3, n_th, n_s, background_loss, coupling, confinement, "
                 "lifetime, density, pump_absorption, pump_cross_section, scale (collection factor)"),
  CLI_OPT_CALLBACK("fit-min", "F", parse_fit_min, "1e-4", "fit only data points above F x the data maximum"),
};

static int simulate(int argc, char **argv, const sim_mpi *mpi)
{
  cli_common com = {.cmd = "simulate"};
  CLI_RESET(A);
  int first;
  if (cli_qopt_parse(&com, argc, argv, opts, CLI_NOPTS(opts), &first) < 0) {
    free(A.sw);
    A.sw = NULL;
    return CLI_USAGE;
  }
  double *sw = A.sw;
  size_t nsw = A.nsw;
  int kind = A.kind, tr = A.tr, pol = !strcmp(A.pol, "te") ? 0 : !strcmp(A.pol, "tm") ? 1 : -1;
  const char *fit_to = A.fit_to, *fit_names = A.fit_names;
  double fit_min = A.fit_min;
  A.sw = NULL;
  if (first + 1 != argc) { free(sw); return cli_usage("simulate", "expected one CONFIG.yaml"); }
  const char *path = argv[first];
  gk_sim_file cf;
  gk_error e;
  gk_error_clear(&e);
  if (gk_sim_config_read(path, &cf, &e)) { free(sw); return cli_error(&e); }
  if (gk_sim_file_confinement(&cf, &e)) { gk_sim_file_free(&cf); free(sw); return cli_error(&e); }
  if (!sw && cf.sweep) {
    sw = cf.sweep;
    nsw = cf.nsweep;
    kind = (int)cf.sweep_kind;
    cf.sweep = NULL;
  }
  /* cf stays alive until the end: c's spectral tables point into it */
  gk_sim_config c = cf.cfg;
  /* a window that leaves out part of the pulse delivers less than the
   * configured fluence (e.g. grid: t_end without t_start starts at the
   * pump peak, t = 0) */
  double share = gk_sim_pump_share(&c);
  if (mpi->rank == 0 && share < 0.99)
    cli_warn("%s: the time window (grid: t_start, t_end) holds %.1f %% of the pump pulse's photons (its peak is "
             "at t = 0); the fluence delivered is that share of pump.fluence", path, 100 * share);
  if (pol == 1 && c.npol != 2) {
    free(sw);
    gk_sim_file_free(&cf);
    return cli_usage("simulate", "--pol tm needs a config with film: modes: te+tm");
  }
  if (fit_to) {
    /* rank 0 fits; the other ranks run the sweeps it sends them */
    int frc = CLI_OK;
    if (mpi->rank == 0) {
      frc = fit_to_data(&com, path, &cf, fit_to, fit_names, fit_min, mpi);
      sim_mpi_stop(mpi);
    } else {
      sim_mpi_serve(mpi, &cf.cfg);
    }
    free(sw);
    gk_sim_file_free(&cf);
    return frc;
  }
  if (tr && sw && nsw > 1) {
    free(sw);
    gk_sim_file_free(&cf);
    return cli_usage("simulate", "--time-resolved needs a single run (give one value, e.g. --vpi 0.7mJ/cm2)");
  }
  if (sw && nsw == 1) {
    if (kind == GK_SIM_SWEEP_FLUENCE) c.pump_fluence = sw[0];
    else c.stripe_length = sw[0];
    if (tr) { free(sw); sw = NULL; nsw = 0; }
  }
  c.time_resolved = tr;
  double mem = gk_sim_memory_bytes(&c);
  if (mem > 256e6 && mpi->rank == 0)
    fprintf(stderr, "gainkit: simulate: %.0f MB per run (grid %zu cells x %zu bins x %d modes x %zu strips)\n",
            mem / 1e6, c.ncells + gk_sim_unpumped_cells(&c), c.nbins, c.npol == 2 ? 2 : 1, gk_sim_channels(&c));
  size_t nres = sw ? nsw : 1;
  gk_sim_result *rs = calloc(nres, sizeof *rs);
  if (!rs) { free(sw); gk_sim_file_free(&cf); return CLI_FAILED; }
  gk_progress prog = cli_progress("simulate");
  /* A single run is not split: ranks other than 0 have nothing to do. */
  int st = sw ? sim_mpi_sweep(mpi, &c, (gk_sim_sweep_kind)kind, sw, nsw, rs, &prog, &e)
              : mpi->rank == 0 ? gk_sim_run(&c, &rs[0], &prog, &e) : GK_OK;
  cli_progress_done(&prog);
  if (st || mpi->rank != 0 || cli_interrupted()) {
    free(sw);
    free(rs);
    gk_sim_file_free(&cf);
    return st ? cli_error(&e) : cli_interrupted() ? CLI_FAILED : CLI_OK;
  }

  int rc = sim_emit_run(&com, path, &cf, &c, rs, sw, nsw, kind, pol, tr, mem);
  for (size_t k = 0; k < nres; k++) gk_sim_result_free(&rs[k]);
  free(rs);
  free(sw);
  gk_sim_file_free(&cf);
  return rc;
}

/* MPI starts here and only here (and only under mpirun), so no other
 * command pays its start-up cost. */
static int run(int argc, char **argv)
{
  sim_mpi mpi;
  sim_mpi_init(&mpi);
  return sim_mpi_finish(&mpi, simulate(argc, argv, &mpi));
}

const struct cli_command cli_cmd_simulate = {
  .name = "simulate",
  .summary = "time-domain simulation of a stripe-pumped film (synthetic VPI/VSL data)",
  .order = 60,
  .opts = opts,
  .nopts = CLI_NOPTS(opts),
  .usage = "CONFIG.yaml [--vpi F1,F2,... | --vpi-range F1:F2:N]\n"
           "                        [--vsl L1,L2,... | --vsl-range L1:L2:N] [--time-resolved]\n"
           "                        [--fit-to DATA [--fit P1,P2,...]]",
  .about =
    "Time-domain, spectrally resolved simulation of a stripe-pumped film: rate\n"
    "equations of the emitters (or the carriers of a bulk film) coupled to\n"
    "forward/backward guided photon fluxes (docs/simulate.md); film.depth_slices\n"
    "resolves the populations in depth (the pump bleaching the emitter film from\n"
    "the top; pump.depth: stack pumps it through its stack, reflections and\n"
    "interference included, the stack's transfer matrix solved again as the film\n"
    "bleaches; single runs report per slice the photons absorbed and the\n"
    "populations in cm^-3, maximum and at the pump peak). Without a sweep\n"
    "flag the sweep in CONFIG is run; without one there, a single run at the\n"
    "configured fluence and stripe length.",
  .epilog =
    "Outputs (-o .csv): a sweep writes the matrix of time-integrated edge spectra\n"
    "(first row fluences in mJ/cm2 or stripe lengths in cm, first column wavelength\n"
    "in nm, photons/nm), read directly by `gainkit vpi`, `gainkit threshold\n"
    "--spectra` and `gainkit vsl --matrix`; '#' lines record the configuration\n"
    "(stripe_length_cm, ...). A single run writes the spectrum, or with\n"
    "--time-resolved the spectrum-versus-time matrix (columns t in ns).\n"
    "\n"
    "`mpirun -np K gainkit simulate ...` spreads the sweep points over K ranks;\n"
    "rank 0 writes the same output as a serial run. With every rank on one node,\n"
    "Open MPI is asked for its shared-memory layer (pml ob1: a faster start)\n"
    "unless OMPI_MCA_pml, _btl, _mtl or _osc is set; each rank starts its points\n"
    "while MPI_Init runs, and the PMIx connection to mpirun gets TCP_NODELAY\n"
    "(a faster MPI_Finalize). GAINKIT_MPI_TUNE=0 leaves all three to Open MPI.\n"
    "\n"
    "Before a run the memory of its grids is printed with the results (text\n"
    "'memory:', JSON memory_bytes) and on stderr when above 256 MB.\n"
    "\n"
    "Examples:\n"
    "  gainkit simulate examples/sim-500ps.yaml --vpi-range 0.05mJ/cm2:2.5mJ/cm2:8 \\\n"
    "      -o vpi-series.csv --plot vpi-series.png\n"
    "  gainkit simulate examples/sim-500ps.yaml --vpi 0.73mJ/cm2 --time-resolved --plot t.png\n"
    "  gainkit simulate examples/sim-cspbbr3-film.yaml --vpi 20,40 --pol tm\n"
    "  gainkit simulate examples/sim-cspbbr3-nc.yaml --vpi 0.2mJ/cm2",
  .run = run,
};
