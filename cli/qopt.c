/* Table-driven quantity options: see qopt.h. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "qopt.h"

static char current_cmd[64]; /* the command being run, for the dims table */

int cli_qopt_fail(const char *name, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "gainkit: --%s: ", name);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return -1;
}

static int check_value(const cli_qopt *q, const char *arg)
{
  double v = q->val[0];
  switch (q->check) {
  case QO_POS:
    if (!(v > 0)) return cli_qopt_fail(q->name, "must be positive (got '%s')", arg);
    break;
  case QO_NONNEG:
    if (!(v >= 0)) return cli_qopt_fail(q->name, "must not be negative (got '%s')", arg);
    break;
  case QO_FRACTION:
    if (!(v > 0 && v <= 1)) return cli_qopt_fail(q->name, "must lie in (0, 1] (got '%s')", arg);
    break;
  default:
    break;
  }
  return 0;
}

/* The word of a '|'-list equal to arg, or 0; *n = the number of words. */
static int choice_ok(const char *choices, const char *arg)
{
  size_t len = strlen(arg);
  for (const char *p = choices; p && *p;) {
    const char *bar = strchr(p, '|');
    size_t n = bar ? (size_t)(bar - p) : strlen(p);
    if (n == len && !strncmp(p, arg, n)) return 1;
    p = bar ? bar + 1 : p + n;
  }
  return 0;
}

static int choice_fail(const cli_qopt *q, const char *arg)
{
  char words[256], *save = NULL;
  const char *cand[32];
  size_t n = 0;
  snprintf(words, sizeof words, "%s", q->choices);
  for (char *t = strtok_r(words, "|", &save); t && n < 32; t = strtok_r(NULL, "|", &save)) cand[n++] = t;
  const char *sug = cli_suggest(arg, cand, n);
  char list[300] = "";
  for (size_t i = 0; i < n; i++) {
    size_t l = strlen(list);
    snprintf(list + l, sizeof list - l, "%s%s", i ? (i + 1 == n ? " or " : ", ") : "", cand[i]);
  }
  if (sug) return cli_qopt_fail(q->name, "'%s' is not %s (did you mean %s?)", arg, list, sug);
  return cli_qopt_fail(q->name, "'%s' is not %s", arg, list);
}

static int set_value(cli_qopt *q, const char *arg)
{
  char opt[80];
  snprintf(opt, sizeof opt, "--%s", q->name);
  q->seen = 1;
  switch (q->check) {
  case QO_FLAG:
    if (q->flag) *q->flag = 1;
    return q->cb ? q->cb(q, NULL) : 0;
  case QO_STRING:
    if (q->str) *q->str = arg;
    return 0;
  case QO_CHOICE:
    if (!choice_ok(q->choices, arg)) return choice_fail(q, arg);
    if (q->str) *q->str = arg;
    return 0;
  case QO_INT:
    return cli_int(opt, arg, q->lo, q->hi, q->ival);
  case QO_LIST:
    free(*q->list);
    return cli_list(opt, arg, q->unit ? q->unit : "", q->list, q->nlist);
  case QO_CALLBACK:
    return q->cb(q, arg);
  case QO_RANGE:
    return cli_range(opt, arg, q->unit ? q->unit : "", &q->val[0], &q->val[1]);
  default:
    break;
  }
  if (q->unit) {
    if (cli_quantity(opt, arg, q->unit, q->val) < 0) return -1;
  } else {
    gk_error e;
    gk_error_clear(&e);
    if (gk_parse_number(arg, q->val, &e) != GK_OK) return cli_qopt_fail(q->name, "%s", e.msg);
  }
  return check_value(q, arg);
}

/* The value an option has after parsing, for provenance ("" when unset). */
static void effective(const cli_qopt *q, char *val, size_t n)
{
  val[0] = '\0';
  const char *u = q->unit ? q->unit : "", *sp = q->unit ? " " : "";
  /* not given: the default the table states (as --help shows it) */
  if (!q->seen && q->def && q->check != QO_FLAG) {
    snprintf(val, n, "%s", q->def);
    return;
  }
  switch (q->check) {
  case QO_FLAG: snprintf(val, n, "%s", q->seen ? "on" : "off"); return;
  case QO_STRING: case QO_CHOICE:
    if (q->str && *q->str) snprintf(val, n, "%s", *q->str);
    else if (!q->seen && q->def) snprintf(val, n, "%s", q->def);
    return;
  case QO_INT: if (q->ival) snprintf(val, n, "%ld", *q->ival); return;
  case QO_LIST: case QO_CALLBACK: case QO_GROUP:
    if (!q->seen && q->def) snprintf(val, n, "%s", q->def);
    return;
  default: break;
  }
  if (!q->val || !isfinite(q->val[0])) return;
  /* (an invalid default, such as 0 for a positive quantity, means "not set") */
  if (!q->seen && (q->check == QO_POS || q->check == QO_FRACTION) && !(q->val[0] > 0)) return;
  if (q->check == QO_RANGE) snprintf(val, n, "%.6g:%.6g%s%s", q->val[0], q->val[1], sp, u);
  else snprintf(val, n, "%.6g%s%s", q->val[0], sp, u);
}

int cli_qopt_parse(cli_common *c, int argc, char **argv, cli_qopt *q, size_t nq, int *first_arg)
{
  static const struct option common[] = {CLI_COMMON_LONGOPTS};
  size_t ncommon = sizeof common / sizeof common[0];
  struct option *lo = calloc(nq + ncommon + 1, sizeof *lo);
  if (!lo) return -1;
  size_t k = 0;
  for (size_t i = 0; i < nq; i++) q[i].seen = 0; /* (a table is static: a second run starts afresh) */
  for (size_t i = 0; i < nq; i++) {
    if (q[i].check == QO_GROUP) continue;
    lo[k].name = q[i].name;
    lo[k].has_arg = q[i].check == QO_FLAG ? no_argument : required_argument;
    lo[k].val = CLI_OPT_FIRST_FREE + (int)i;
    k++;
  }
  memcpy(lo + k, common, sizeof common);
  int rc = 0, opt;
  optind = 1;
  while (rc == 0 && (opt = cli_getopt(argc, argv, CLI_COMMON_SHORTOPTS, lo, c->cmd)) != -1) {
    if (opt == '?') { rc = -1; break; }
    if (opt >= CLI_OPT_FIRST_FREE && opt < CLI_OPT_FIRST_FREE + (int)nq) {
      rc = set_value(&q[opt - CLI_OPT_FIRST_FREE], optarg);
      continue;
    }
    int h = cli_common_option(c, opt, optarg);
    if (h < 0) rc = -1;
    else if (h == 0) rc = (cli_usage(c->cmd, "unexpected option"), -1);
  }
  free(lo);
  /* provenance: the effective value of every option of the table */
  for (size_t i = 0; rc == 0 && i < nq; i++) {
    if (q[i].check == QO_GROUP) continue;
    char name[80], val[128];
    snprintf(name, sizeof name, "--%s", q[i].name);
    effective(&q[i], val, sizeof val);
    if (q[i].seen) {
      char key[96];
      snprintf(key, sizeof key, "%s (effective)", name);
      if (*val && (q[i].check < QO_STRING || q[i].check == QO_RANGE || q[i].check == QO_INT))
        cli_prov_option(key, val);
    } else {
      cli_prov_default(name, *val ? val : NULL);
    }
  }
  if (rc == 0 && cli_common_check(c) < 0) rc = -1;
  *first_arg = optind;
  return rc;
}

/* ---- generated help ---- */

/* Append `text` to b wrapped at `width` columns, continuation lines (and
 * lines after an explicit newline) indented by `indent` spaces; `col` is
 * the column the first word starts at. */
static void wrap(cli_buf *b, const char *text, size_t col, size_t indent, size_t width)
{
  const char *p = text;
  while (*p) {
    if (*p == '\n') {
      cli_printf(b, "\n%*s", (int)indent, "");
      col = indent;
      p++;
      continue;
    }
    if (*p == ' ') { p++; continue; }
    size_t n = strcspn(p, " \n");
    if (col > indent && col + 1 + n > width) {
      cli_printf(b, "\n%*s", (int)indent, "");
      col = indent;
    } else if (col > indent) {
      cli_printf(b, " ");
      col++;
    }
    cli_printf(b, "%.*s", (int)n, p);
    col += n;
    p += n;
  }
}

static const char *placeholder(const cli_qopt *q)
{
  if (q->arg) return q->arg;
  switch (q->check) {
  case QO_FLAG: return "";
  case QO_INT: return "N";
  case QO_RANGE: return "FROM:TO";
  case QO_LIST: return "LIST";
  case QO_STRING: case QO_CALLBACK: return "VALUE";
  default: return q->unit ? "X" : "N";
  }
}

char *cli_qopt_help(const char *cmd, const cli_qopt *q, size_t nq)
{
  enum { COL = 23, WIDTH = 90 };
  if (!nq) return NULL; /* no options of its own (version): only the common ones */
  cli_buf b = {0};
  char saved[sizeof current_cmd];
  memcpy(saved, current_cmd, sizeof saved);
  cli_set_command(cmd);
  /* "Options:" heads an ungrouped table; a grouped one starts with its first group */
  if (!nq || q[0].check != QO_GROUP) cli_printf(&b, "Options:\n");
  for (size_t i = 0; i < nq; i++) {
    if (q[i].check == QO_GROUP) {
      cli_printf(&b, "%s%s:\n", i ? "\n" : "", q[i].name);
      continue;
    }
    char left[128], opt[80], tail[256] = "";
    snprintf(opt, sizeof opt, "--%s", q[i].name);
    const char *ph = placeholder(&q[i]);
    int len = snprintf(left, sizeof left, "  %s%s%s", opt, *ph ? " " : "", ph);
    /* the unit a bare number is read in */
    const char *unit = NULL;
    if (q[i].unit && *q[i].unit && q[i].check != QO_CHOICE)
      unit = cli_dim_unit(opt, q[i].unit);
    if (unit && q[i].def) snprintf(tail, sizeof tail, " (%s; default %s)", unit, q[i].def);
    else if (unit) snprintf(tail, sizeof tail, " (%s)", unit);
    else if (q[i].def) snprintf(tail, sizeof tail, " (default %s)", q[i].def);
    char text[1200];
    snprintf(text, sizeof text, "%s%s", q[i].help ? q[i].help : "", tail);
    cli_printf(&b, "%s", left);
    size_t col = (size_t)len;
    if (col + 1 >= COL) {
      cli_printf(&b, "\n%*s", COL, "");
    } else {
      cli_printf(&b, "%*s", (int)(COL - col), "");
    }
    wrap(&b, text, COL, COL, WIDTH);
    cli_printf(&b, "\n");
  }
  memcpy(current_cmd, saved, sizeof saved);
  return b.s;
}

void cli_state_reset(void *state, size_t size)
{
  static struct { void *p; size_t n; void *saved; } reg[256];
  static size_t nreg;
  for (size_t i = 0; i < nreg; i++)
    if (reg[i].p == state && reg[i].n == size) {
      memcpy(state, reg[i].saved, size);
      return;
    }
  if (nreg == sizeof reg / sizeof reg[0]) return;
  void *copy = malloc(size);
  if (!copy) return;
  memcpy(copy, state, size);
  reg[nreg].p = state;
  reg[nreg].n = size;
  reg[nreg].saved = copy;
  nreg++;
}

cli_qopt *cli_qopt_find(cli_qopt *q, size_t nq, const char *name)
{
  for (size_t i = 0; i < nq; i++)
    if (q[i].check != QO_GROUP && strcmp(q[i].name, name) == 0) return &q[i];
  return NULL;
}

int cli_qopt_require(const cli_common *c, cli_qopt *q, size_t nq, const char *name)
{
  cli_qopt *o = cli_qopt_find(q, nq, name);
  if (o && o->seen) return 0;
  cli_usage(c->cmd, "--%s is required", name);
  return -1;
}

void cli_result_init(cli_result *r, const char *command)
{
  memset(r, 0, sizeof *r);
  r->j = cJSON_CreateObject();
  cJSON_AddStringToObject(r->j, "command", command);
}

void cli_result_free(cli_result *r)
{
  cJSON_Delete(r->j);
  cli_buf_free(&r->b);
  if (r->has_csv) gk_csv_free(&r->csv);
  r->j = NULL;
  r->has_csv = 0;
}

int cli_result_finish(const cli_common *c, cli_result *r, int status)
{
  int rc = cli_emit(c, r->j, r->b.s, r->has_csv ? &r->csv : NULL, status);
  cli_result_free(r);
  return rc;
}

int cli_no_plot(const cli_common *c, const char *which)
{
  if (!c->plot) return 0;
  cli_usage(c->cmd, "--plot: this subcommand has no figure (%s)", which);
  return -1;
}

int cli_save_figure(const cli_common *c, gk_figure *f)
{
  gk_error e;
  gk_error_clear(&e);
  int rc = 0;
  if (!f) rc = cli_usage(c->cmd, "--plot: out of memory");
  else if (gk_figure_save(f, c->plot, &e) != GK_OK) rc = cli_error(&e);
  gk_figure_free(f);
  return rc;
}

/* ---- dimensional options: the unit of a bare number, plausible ranges ---- */

/* The unit a bare number is in is the one labs quote the quantity in
 * (never silently cgs); --help of each command shows it. Ranges are wide
 * (what a real sample or measurement can have); outside them the value is
 * still used, with a warning. */
static const cli_dim dims[] = {
  /* lengths */
  {NULL, "--radius", "nm", 0.5, 50, "NC radius"},
  {NULL, "--bohr-radius", "nm", 0.1, 100, "exciton Bohr radius"},
  {NULL, "--thickness", "nm", 1, 1e5, "film thickness"},
  {NULL, "--volume", "nm3", 0.5, 5e5, "NC volume"},
  {NULL, "--length", "cm", 1e-4, 5, "stripe length"},
  {"simulate", "--vsl", "cm", 1e-4, 5, "stripe length"},
  {"simulate", "--vsl-range", "cm", 1e-4, 5, "stripe length"},
  /* wavelengths */
  {NULL, "--wavelength", "nm", 200, 3000, "wavelength"},
  {NULL, "--probe", "nm", 200, 3000, "probe wavelength"},
  {NULL, "--pump-wavelength", "nm", 200, 3000, "pump wavelength"},
  {NULL, "--window", "nm", 200, 3000, "wavelength"},
  {NULL, "--sweep-wavelength", "nm", 200, 3000, "wavelength"},
  /* fluences */
  {NULL, "--fluence", "uJ/cm2", 1e-3, 1e6, "pump fluence"},
  {NULL, "--fluence-th", "uJ/cm2", 1e-3, 1e6, "threshold fluence"},
  {"simulate", "--vpi", "uJ/cm2", 1e-3, 1e6, "pump fluence"},
  {"simulate", "--vpi-range", "uJ/cm2", 1e-3, 1e6, "pump fluence"},
  {NULL, "--photon-fluence", "cm^-2", 1e8, 1e18, "pump photon fluence"},
  /* times */
  {NULL, "--pulse-fwhm", "ps", 1e-3, 1e6, "pulse FWHM"},
  {NULL, "--sweep-fwhm", "ps", 1e-3, 1e6, "pulse FWHM"},
  {NULL, "--irf-fwhm", "ps", 1e-3, 1e6, "instrument-response FWHM"},
  {NULL, "--t0", "ps", 0, 0, "time zero"},
  {NULL, "--t-end", "ns", 1e-3, 1e6, "end time"},
  {NULL, "--tau", "ns", 1e-3, 1e6, "carrier lifetime"},
  /* TA maps resolve sub-picosecond steps (cooling, exciton formation): a
   * bare number is in ps, as the help's defaults and the output are */
  {"tamap", "--tau", "ps", 1e-3, 1e7, "TA lifetime"},
  {"tamap", "--background", "ps", -1e7, 1e7, "pre-time-zero delay"},
  {"tamap", "--exclude", "ps", 1e-3, 1e4, "coherent-artefact half-width"},
  {"tamap", "--window", "ps", -1e7, 1e7, "pump-probe delay"},
  {NULL, "--tau-x", "ns", 1e-3, 1e4, "exciton lifetime"},
  {NULL, "--tau-rx", "ns", 1e-3, 1e4, "radiative exciton lifetime"},
  {NULL, "--tau-xx", "ps", 0.1, 1e5, "biexciton lifetime"},
  {NULL, "--tau-rxx", "ps", 0.1, 1e5, "radiative biexciton lifetime"},
  {NULL, "--delay", "ps", -1e7, 1e7, "pump-probe delay"},
  {NULL, "--delays", "ps", -1e7, 1e7, "pump-probe delay"},
  {"heat", "--pulse", "us", 1e-4, 1e7, "current pulse length"},
  {"heat", "--period", "us", 1e-3, 1e9, "pulse period"},
  /* energies, cross-sections, densities */
  {NULL, "--photon-energy", "eV", 0.4, 6.5, "photon energy"},
  {NULL, "--binding-energy", "eV", 1e-4, 2, "exciton binding energy"},
  {NULL, "--eg0", "eV", 0.1, 10, "bulk band gap"},
  {NULL, "--sigma-abs", "cm2", 1e-20, 1e-10, "absorption cross-section"},
  {NULL, "--sigma0", "cm2", 1e-20, 1e-10, "gain cross-section"},
  {NULL, "--cross-section", "cm2", 1e-20, 1e-10, "absorption cross-section"},
  {NULL, "--density", "cm^-3", 1e10, 1e23, "carrier density"},
  {NULL, "--n-th", "cm^-3", 1e10, 1e23, "threshold carrier density"},
  {NULL, "--n-th0", "cm^-3", 1e10, 1e23, "threshold carrier density"},
  {NULL, "--n-s0", "cm^-3", 1e10, 1e23, "saturation carrier density"},
  {NULL, "--temperature", "K", 1, 2000, "temperature"},
  {NULL, "--material-gain", "cm^-1", -1e6, 1e6, "material gain"},
  /* rate constants and device quantities: conventional units, ranges only */
  {"carriers", "--k1", "s^-1", 0, 1e12, "monomolecular rate k1"},
  {"carriers", "--k2", "cm3/s", 0, 1e-6, "bimolecular rate k2"},
  {"carriers", "--k3", "cm6/s", 0, 1e-24, "Auger rate k3"},
  {"nc", "--chi", "ps/nm3", 1e-3, 100, "Auger volume scaling chi"},
  {"heat", "--k", "W/K", 1e-9, 10, "heat exchange constant"},
  {"heat", "--c", "J/K", 1e-15, 1, "heat capacity"},
  {"heat", "--power", "W", 0, 1e4, "Joule power"},
  {"heat", "--area", "cm2", 1e-10, 100, "device area"},
  {"heat", "--current-density", "A/cm2", 0, 1e7, "current density"},
  {"heat", "--voltage", "V", 0, 1e3, "voltage"},
  {"dfb", "--kappa", "cm^-1", 1e-2, 1e5, "DFB coupling coefficient"},
  {"dfb", "--kappa-gain", "cm^-1", 0, 1e5, "DFB gain-coupling coefficient"},
  {"dfb", "--length", "um", 1, 1e5, "grating length"},
  {"dfb", "--period", "nm", 50, 5000, "grating period"},
  {"dfb", "--map-period", "nm", 50, 5000, "grating period"},
  {"dfb", "--depth", "nm", 1, 1e4, "grating depth"},
  {"dfb", "--ase-gain", "cm^-1", 0, 1e5, "modal gain at the ASE threshold"},
  {"cavity", "--linewidth", "nm", 1e-5, 100, "lasing linewidth (FWHM)"},
  {"cavity", "--instrument-width", "nm", 0, 100, "instrument width (FWHM)"},
  {"cavity", "--length", "um", 0.1, 1e5, "cavity length"},
  {"cavity", "--radius", "um", 0.1, 1e4, "microdisk/ring radius"},
};

void cli_set_command(const char *name) { snprintf(current_cmd, sizeof current_cmd, "%s", name ? name : ""); }

static int cmd_matches(const char *want)
{
  if (!want) return 1;
  size_t n = strlen(want);
  /* "nc" matches "nc auger" */
  return !strncmp(current_cmd, want, n) && (current_cmd[n] == '\0' || current_cmd[n] == ' ');
}

const cli_dim *cli_dim_find(const char *opt, const char *base)
{
  if (!opt) return NULL;
  const cli_dim *hit = NULL;
  for (size_t i = 0; i < sizeof dims / sizeof dims[0]; i++) {
    if (strcmp(dims[i].opt, opt) || !cmd_matches(dims[i].cmd)) continue;
    if (dims[i].cmd || !hit) hit = &dims[i]; /* a command's own entry wins */
  }
  if (!hit) return NULL;
  /* only for the quantity the table means: same dimension as base */
  double f;
  gk_error e;
  gk_error_clear(&e);
  if (!base || gk_unit_factor(hit->unit, base, &f, &e) != GK_OK) return NULL;
  return hit;
}

const char *cli_dim_unit(const char *opt, const char *base)
{
  const cli_dim *d = cli_dim_find(opt, base);
  return d ? d->unit : base;
}

/* Units a number is often meant in, tried in order for the hint. */
static const char *const hint_units[] = {
  "pm", "nm", "um", "mm", "cm", "m", "fs", "ps", "ns", "us", "ms", "s",
  "nJ/cm2", "uJ/cm2", "mJ/cm2", "J/cm2", "nm3", "um3", "cm3", "meV", "eV",
};

void cli_dim_check(const cli_dim *d, const char *arg, double v)
{
  if (!d || !(d->lo < d->hi) || (v >= d->lo && v <= d->hi)) return;
  char *end;
  double x = strtod(arg, &end);
  while (*end == ' ') end++;
  int bare = *end == '\0';
  char hint[96] = "";
  if (end != arg && x != 0) {
    /* of the units that bring the number into the range, the one that puts
     * it nearest the middle of the range (on a log scale) */
    double mid = 0.5 * (log10(fabs(d->lo) > 0 ? fabs(d->lo) : 1e-30) + log10(fabs(d->hi))), best = INFINITY;
    for (size_t i = 0; i < sizeof hint_units / sizeof hint_units[0]; i++) {
      double f;
      gk_error e;
      gk_error_clear(&e);
      if (gk_unit_factor(hint_units[i], d->unit, &f, &e) != GK_OK) continue;
      double y = x * f;
      if (!(y >= d->lo && y <= d->hi) || !strcmp(hint_units[i], bare ? d->unit : end)) continue;
      double dist = fabs(log10(fabs(y)) - mid);
      if (dist < best) {
        best = dist;
        /* the number as typed with the unit that makes it plausible */
        snprintf(hint, sizeof hint, "; did you mean %.*s%s?", (int)(end - arg), arg, hint_units[i]);
      }
    }
  }
  cli_warn("%s %s: %g %s is outside the plausible %s range (%g to %g %s)%s%s%s", d->opt, arg, v, d->unit,
           d->what, d->lo, d->hi, d->unit, bare ? "; a bare number is in " : "", bare ? d->unit : "", hint);
}
