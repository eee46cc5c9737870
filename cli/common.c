/* Shared CLI machinery: option handling, messages, output emission. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "qopt.h"

int cli_usage(const char *cmd, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  fputs("gainkit: ", stderr);
  if (cmd) fprintf(stderr, "%s: ", cmd);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  if (cmd) fprintf(stderr, "Try 'gainkit %s --help'.\n", cmd);
  return CLI_USAGE;
}

static const cli_fieldmap *fieldmap;
/* Fields whose flag differs from "--" + field in every command that has
 * them (the command's own table is looked at first). */
static const cli_fieldmap common_fields[] = {
  {"delay_index", "--delay"}, {"probe_nm", "--probe"}, {"stat", "--statistics"}, {"n0", "--fluence"},
  {"fwhm", "--pulse-fwhm"}, {"L", "--length"}, {"photon_ev", "--photon-energy"}, {NULL, NULL}};
void cli_set_fieldmap(const cli_fieldmap *map) { fieldmap = map; }

const char *cli_field_flag(const char *field, char *buf, size_t size)
{
  for (const cli_fieldmap *m = fieldmap; m && m->field; m++)
    if (!strcmp(m->field, field)) return m->opt;
  for (const cli_fieldmap *m = common_fields; m->field; m++)
    if (!strcmp(m->field, field)) return m->opt;
  snprintf(buf, size, "--%s", field);
  for (char *p = buf + 2; *p; p++)
    if (*p == '_' || *p == '.') *p = '-';
  return buf;
}

void cli_fields_in_text(char *msg, size_t size)
{
  char out[2048];
  size_t o = 0;
  const char *p = msg;
  while (*p && o + 1 < sizeof out) {
    const char *q = *p == '`' ? strchr(p + 1, '`') : NULL;
    if (q && q - p > 1 && q - p < 64) {
      char field[64], buf[80];
      snprintf(field, sizeof field, "%.*s", (int)(q - p - 1), p + 1);
      o += (size_t)snprintf(out + o, sizeof out - o, "%s", cli_field_flag(field, buf, sizeof buf));
      if (o >= sizeof out) o = sizeof out - 1;
      p = q + 1;
      continue;
    }
    out[o++] = *p++;
  }
  out[o] = '\0';
  snprintf(msg, size, "%s", out);
}

void cli_notes_warn(const gk_notes *n, const char *fix)
{
  for (size_t i = 0; n && i < n->n; i++) {
    int plaus = fix && strstr(n->msg[i], "is outside the plausible");
    cli_warn("%s%s%s", n->msg[i], plaus ? "; or give " : "", plaus ? fix : "");
  }
}

int cli_error(const gk_error *e0)
{
  /* a library error names a struct field: the command's flag for it */
  gk_error tr;
  const gk_error *e = e0;
  if (e0 && ((e0->option[0] && e0->option[0] != '-') || strchr(e0->msg, '`'))) {
    char buf[80];
    tr = *e0;
    if (e0->option[0] && e0->option[0] != '-')
      snprintf(tr.option, sizeof tr.option, "%s", cli_field_flag(e0->option, buf, sizeof buf));
    cli_fields_in_text(tr.msg, sizeof tr.msg);
    e = &tr;
  }
  /* an interrupted computation fails with "cancelled": main says why */
  if (cli_interrupted()) return CLI_FAILED;
  if (e && e->code == GK_ECANCELLED && cli_time_limit_hit > 0) {
    fprintf(stderr, "gainkit: time limit of %g s (GAINKIT_MAX_SECONDS) exceeded; nothing written\n", cli_time_limit_hit);
    return CLI_USAGE;
  }
  char buf[1200];
  gk_error_format(e, buf, sizeof buf);
  fprintf(stderr, "gainkit: %s\n", buf);
  switch (e ? e->code : GK_EINTERNAL) {
  case GK_EINPUT: case GK_EUSAGE: case GK_EIO: case GK_ELIMIT: return CLI_USAGE;
  default: return CLI_FAILED;
  }
}

void cli_warn(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  fputs("gainkit: warning: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

/* Optimal-string-alignment distance (Damerau-Levenshtein without
 * repeated edits of a substring), on bytes; words are short. */
static size_t osa_distance(const char *a, const char *b)
{
  size_t na = strlen(a), nb = strlen(b);
  if (na > 63 || nb > 63) return 64;
  size_t d[64][64];
  for (size_t i = 0; i <= na; i++) d[i][0] = i;
  for (size_t j = 0; j <= nb; j++) d[0][j] = j;
  for (size_t i = 1; i <= na; i++)
    for (size_t j = 1; j <= nb; j++) {
      size_t cost = a[i - 1] != b[j - 1];
      size_t v = d[i - 1][j] + 1;
      if (d[i][j - 1] + 1 < v) v = d[i][j - 1] + 1;
      if (d[i - 1][j - 1] + cost < v) v = d[i - 1][j - 1] + cost;
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
        v = d[i - 2][j - 2] + 1;
      d[i][j] = v;
    }
  return d[na][nb];
}

const char *cli_suggest(const char *word, const char *const *cand, size_t n)
{
  if (!word || !*word) return NULL;
  size_t len = strlen(word), nprefix = 0;
  const char *prefix = NULL, *best = NULL;
  size_t bestd = (size_t)-1;
  for (size_t i = 0; i < n; i++) {
    if (!cand[i]) continue;
    if (!strncmp(cand[i], word, len) && len >= 3) { prefix = cand[i]; nprefix++; }
    size_t dd = osa_distance(word, cand[i]);
    if (dd < bestd) { bestd = dd; best = cand[i]; }
  }
  if (nprefix == 1) return prefix;
  if (best && bestd <= 2 && 2 * bestd < len) return best;
  return NULL;
}

/* " (did you mean --model?)" for an unknown long option, or "". */
static void option_hint(const char *bad, const struct option *longopts, char *buf, size_t size)
{
  buf[0] = '\0';
  if (!longopts || strncmp(bad, "--", 2) != 0) return;
  char word[64];
  snprintf(word, sizeof word, "%s", bad + 2);
  char *eq = strchr(word, '=');
  if (eq) *eq = '\0';
  const char *names[256];
  size_t n = 0;
  for (const struct option *o = longopts; o->name && n < 256; o++) names[n++] = o->name;
  const char *s = cli_suggest(word, names, n);
  if (s) snprintf(buf, size, " (did you mean --%s?)", s);
}

int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts,
               const char *cmd)
{
  char spec[128];
  /* leading '+': stop at nothing special; ':' reports missing arguments as ':' */
  snprintf(spec, sizeof spec, ":%s", shortopts ? shortopts : "");
  opterr = 0;
  int idx = -1;
  int c = getopt_long(argc, argv, spec, longopts, &idx);
  if (c != '?' && c != ':' && c != -1) {
    /* provenance: every option as given */
    char name[80];
    if (idx >= 0 && longopts && longopts[idx].name) snprintf(name, sizeof name, "--%s", longopts[idx].name);
    else snprintf(name, sizeof name, "-%c", c > 0 && c < 256 ? c : '?');
    if (strcmp(name, "--help") != 0) cli_prov_option(name, optarg ? optarg : "");
  }
  if (c == '?') {
    /* getopt has stepped past the offending word; it is argv[optind - 1]
     * (not the word at the old optind: GNU getopt skips over operands, so
     * "FILE --bogus" used to blame FILE) */
    const char *bad = (optind - 1 >= 0 && optind - 1 < argc) ? argv[optind - 1] : "?";
    char hint[96];
    option_hint(bad, longopts, hint, sizeof hint);
    if (optopt && optopt < 256 && optopt != '?')
      cli_usage(cmd, "unknown option '-%c'", optopt);
    else
      cli_usage(cmd, "unknown option '%s'%s", bad, hint);
    return '?';
  }
  if (c == ':') {
    const char *bad = (optind - 1 < argc && optind - 1 >= 0) ? argv[optind - 1] : "?";
    cli_usage(cmd, "option '%s' needs a value", bad);
    return '?';
  }
  return c;
}

/* ==== Figure options (--figure, --fig-width, ..., --plot-data) ==========
 * Common to every command that plots: they set the library's process-wide
 * figure style (gk_plot_set_style), which every gk_figure_save applies, so
 * commands need no code of their own for them. */
int cli_verbose;

void cli_note(const char *fmt, ...)
{
  if (!cli_verbose) return;
  va_list ap;
  va_start(ap, fmt);
  fputs("gainkit: note: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

static gk_plot_style fig_style;
static int fig_style_ready;

static int fig_number(const char *opt, const char *arg, double lo, double hi, double *out)
{
  gk_error e;
  gk_error_clear(&e);
  if (gk_parse_number(arg, out, &e) != GK_OK) {
    fprintf(stderr, "gainkit: %s: %s\n", opt, e.msg);
    return -1;
  }
  if (!(*out >= lo && *out <= hi)) {
    fprintf(stderr, "gainkit: %s: %g is out of range (%g to %g)\n", opt, *out, lo, hi);
    return -1;
  }
  return 0;
}

static int fig_lim(const char *opt, const char *arg, double v[2])
{
  const char *colon = strchr(arg, ':');
  char left[128];
  if (!colon || strchr(colon + 1, ':') || (size_t)(colon - arg) >= sizeof left) {
    fprintf(stderr, "gainkit: %s: '%s' is not a range (expected FROM:TO)\n", opt, arg);
    return -1;
  }
  memcpy(left, arg, (size_t)(colon - arg));
  left[colon - arg] = '\0';
  if (fig_number(opt, left, -1e300, 1e300, &v[0]) < 0 || fig_number(opt, colon + 1, -1e300, 1e300, &v[1]) < 0)
    return -1;
  if (!(v[0] < v[1])) {
    fprintf(stderr, "gainkit: %s: range '%s' is empty (FROM must be less than TO)\n", opt, arg);
    return -1;
  }
  return 0;
}

/* 1 handled, 0 not a figure option, -1 error (printed). */
static int figure_option(cli_common *c, int opt, const char *arg)
{
  if (!fig_style_ready) {
    gk_plot_style_init(&fig_style);
    fig_style_ready = 1;
  }
  gk_plot_style *s = &fig_style;
  double v;
  switch (opt) {
  case CLI_OPT_FIGURE:
    if (gk_plot_style_preset(s, arg) != GK_OK) {
      cli_usage(c->cmd, "--figure: '%s' is not a size (use single, double or slide)", arg);
      return -1;
    }
    break;
  case CLI_OPT_FIG_WIDTH:
  case CLI_OPT_FIG_HEIGHT:
    if (cli_quantity(opt == CLI_OPT_FIG_WIDTH ? "--fig-width" : "--fig-height", arg, "cm", &v) < 0) return -1;
    if (!(v >= 2 && v <= 100)) {
      cli_usage(c->cmd, "--fig-%s: %g cm is out of range (2 to 100 cm)", opt == CLI_OPT_FIG_WIDTH ? "width" : "height",
                v);
      return -1;
    }
    if (opt == CLI_OPT_FIG_WIDTH) s->width_cm = v;
    else s->height_cm = v;
    break;
  case CLI_OPT_FONT_SIZE:
    if (fig_number("--font-size", arg, 4, 40, &s->font_pt) < 0) return -1;
    break;
  case CLI_OPT_DPI:
    if (fig_number("--dpi", arg, 50, 1200, &s->dpi) < 0) return -1;
    break;
  case CLI_OPT_XLIM:
    if (fig_lim("--xlim", arg, s->xlim) < 0) return -1;
    s->xlim_set = 1;
    break;
  case CLI_OPT_YLIM:
    if (fig_lim("--ylim", arg, s->ylim) < 0) return -1;
    s->ylim_set = 1;
    break;
  case CLI_OPT_LOG_X: s->logx = 1; break;
  case CLI_OPT_LOG_Y: s->logy = 1; break;
  case CLI_OPT_LIN_X: s->logx = 0; break;
  case CLI_OPT_LIN_Y: s->logy = 0; break;
  case CLI_OPT_FULL_RANGE: s->full_range = 1; break;
  case CLI_OPT_PLOT_DATA: {
    char ext[16];
    gk_path_ext(arg, ext, sizeof ext);
    if (strcmp(ext, "csv") != 0) {
      cli_usage(c->cmd, "--plot-data: '%s' must end in .csv", arg);
      return -1;
    }
    s->data_path = arg;
    break;
  }
  case CLI_OPT_VERBOSE: cli_verbose = 1; return 1;
  default: return 0;
  }
  if ((s->logx == 1 && s->xlim_set && s->xlim[0] <= 0) || (s->logy == 1 && s->ylim_set && s->ylim[0] <= 0)) {
    cli_usage(c->cmd, "--%s: a log axis needs a positive range", s->logx == 1 && s->xlim_set && s->xlim[0] <= 0 ? "xlim" : "ylim");
    return -1;
  }
  if (gk_plot_set_style(s) != GK_OK) {
    cli_usage(c->cmd, "out of memory");
    return -1;
  }
  return 1;
}
/* ==== end of the figure options ========================================= */

int cli_common_option(cli_common *c, int opt, const char *arg)
{
  int fo = figure_option(c, opt, arg);
  if (fo) return fo;
  switch (opt) {
  case CLI_OPT_FORMAT:
    if (strcmp(arg, "json") == 0) c->json = 1;
    else if (strcmp(arg, "text") == 0) c->json = 0;
    else {
      cli_usage(c->cmd, "--format: '%s' is not a format (use text or json)", arg);
      return -1;
    }
    return 1;
  case 'o': c->out = arg; return 1;
  case CLI_OPT_PLOT: c->plot = arg; return 1;
  case CLI_OPT_HELP: return 1; /* handled by main */
  default: return 0;
  }
}

int cli_common_check(const cli_common *c)
{
  char ext[16];
  if (c->out) {
    gk_path_ext(c->out, ext, sizeof ext);
    if (strcmp(ext, "json") != 0 && strcmp(ext, "csv") != 0) {
      cli_usage(c->cmd, "-o: '%s' must end in .json or .csv", c->out);
      return -1;
    }
  }
  if (c->plot && !gk_plot_ext_ok(c->plot)) {
    cli_usage(c->cmd, "--plot: '%s' must end in .svg, .png or .pdf", c->plot);
    return -1;
  }
  return 0;
}

int cli_quantity(const char *opt, const char *arg, const char *base, double *out)
{
  gk_error e;
  gk_error_clear(&e);
  const cli_dim *d = cli_dim_find(opt, base);
  const char *unit = d ? d->unit : base;
  double v, f = 1;
  if (gk_parse_quantity(arg, unit, &v, &e) != GK_OK) {
    fprintf(stderr, "gainkit: %s: %s\n", opt, e.msg);
    return -1;
  }
  if (d) {
    cli_dim_check(d, arg, v);
    if (gk_unit_factor(unit, base, &f, &e) != GK_OK) {
      fprintf(stderr, "gainkit: %s: %s\n", opt, e.msg);
      return -1;
    }
  }
  *out = v * f;
  if (d && f != 1) {
    /* into base the way a suffixed value goes, so that "2.5" and "2.5nm"
     * give the same double bit for bit (v * f can be an ulp off) */
    char with_unit[160];
    double vb, dummy;
    gk_error e2;
    gk_error_clear(&e2);
    int bare = gk_parse_number(arg, &dummy, &e2) == GK_OK;
    snprintf(with_unit, sizeof with_unit, "%s%s", arg, bare ? unit : "");
    gk_error_clear(&e2);
    if (gk_parse_quantity(with_unit, base, &vb, &e2) == GK_OK) *out = vb;
  }
  /* No option of any command means anything outside 1e-60..1e60 in the
   * internal units (cross-sections 1e-16 cm2, k3 1e-28 cm6/s, densities
   * 1e20 cm-3): a subnormal or astronomical value is a typo or an attack,
   * and downstream it underflows to 0 or overflows to inf. */
  double a = fabs(*out);
  if (a != 0 && !(a >= CLI_QUANTITY_MIN && a <= CLI_QUANTITY_MAX)) {
    fprintf(stderr, "gainkit: %s: '%s' is outside the supported magnitude range %g to %g (in %s)\n", opt, arg,
            CLI_QUANTITY_MIN, CLI_QUANTITY_MAX, base && *base ? base : "plain numbers");
    return -1;
  }
  return 0;
}

int cli_range(const char *opt, const char *arg, const char *base, double *a, double *b)
{
  const char *colon = strchr(arg, ':');
  if (!colon || strchr(colon + 1, ':')) {
    fprintf(stderr, "gainkit: %s: '%s' is not a range (expected FROM:TO)\n", opt, arg);
    return -1;
  }
  char left[128];
  size_t n = (size_t)(colon - arg);
  if (n >= sizeof left) n = sizeof left - 1;
  memcpy(left, arg, n);
  left[n] = '\0';
  if (cli_quantity(opt, left, base, a) < 0 || cli_quantity(opt, colon + 1, base, b) < 0) return -1;
  if (!(*a < *b)) {
    fprintf(stderr, "gainkit: %s: range '%s' is empty (FROM must be less than TO)\n", opt, arg);
    return -1;
  }
  return 0;
}

int cli_list(const char *opt, const char *arg, const char *base, double **out, size_t *n)
{
  *out = NULL;
  *n = 0;
  char *copy = strdup(arg);
  if (!copy) return -1;
  size_t cap = 8;
  double *v = malloc(cap * sizeof *v);
  if (!v) { free(copy); return -1; }
  char *save = NULL;
  for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    if (*n == cap) {
      cap *= 2;
      double *nv = realloc(v, cap * sizeof *v);
      if (!nv) { free(v); free(copy); return -1; }
      v = nv;
    }
    if (cli_quantity(opt, tok, base, &v[*n]) < 0) { free(v); free(copy); return -1; }
    (*n)++;
  }
  free(copy);
  if (*n == 0) {
    free(v);
    fprintf(stderr, "gainkit: %s: empty list\n", opt);
    return -1;
  }
  *out = v;
  return 0;
}

int cli_int(const char *opt, const char *arg, long lo, long hi, long *out)
{
  char *end;
  errno = 0;
  long v = strtol(arg, &end, 10);
  if (errno || end == arg || *end != '\0') {
    fprintf(stderr, "gainkit: %s: '%s' is not an integer\n", opt, arg);
    return -1;
  }
  if (v < lo || v > hi) {
    fprintf(stderr, "gainkit: %s: %ld is out of range (%ld to %ld)\n", opt, v, lo, hi);
    return -1;
  }
  *out = v;
  return 0;
}

int cli_emit(const cli_common *c, const cJSON *json, const char *text, const gk_csv *csv,
             int status)
{
  gk_error e;
  gk_error_clear(&e);
  /* interrupted: nothing on stdout, no file (main exits 130) */
  if (cli_interrupted()) return CLI_FAILED;
  /* the JSON with its provenance block (a copy: json belongs to the caller) */
  cJSON *full = NULL;
  if (json) {
    full = cJSON_Duplicate(json, 1);
    cJSON *p = full ? cli_prov_json() : NULL;
    if (!full || !p) {
      cJSON_Delete(full);
      cJSON_Delete(p);
      return cli_usage(c->cmd, "out of memory");
    }
    cJSON_AddItemToObject(full, "provenance", p);
  }
  if (c->out) {
    char ext[16];
    gk_path_ext(c->out, ext, sizeof ext);
    int rc;
    if (strcmp(ext, "csv") == 0) {
      if (!csv) { cJSON_Delete(full); return cli_usage(c->cmd, "-o: this command has no CSV form; use .json"); }
      rc = cli_csv_write(csv, c->out, &e);
    } else {
      if (!json) return cli_usage(c->cmd, "-o: this command has no JSON form; use .csv");
      rc = gk_json_write(full, c->out, &e);
    }
    if (rc != GK_OK) { cJSON_Delete(full); cli_error(&e); return CLI_USAGE; }
  }
  if (c->json && full) {
    char *s = cJSON_Print(full);
    if (s) { fputs(s, stdout); fputc('\n', stdout); free(s); }
  } else if (text) {
    fputs(text, stdout);
  }
  cJSON_Delete(full);
  fflush(stdout);
  return status;
}

int cli_csv_write(const gk_csv *t, const char *path, gk_error *err)
{
  char *body = gk_csv_render(t);
  char *head = cli_prov_csv_comments();
  int rc;
  if (!body || !head) {
    rc = gk_error_set(err, GK_ENOMEM, path, 0, "out of memory");
  } else {
    size_t hn = strlen(head), bn = strlen(body);
    char *all = malloc(hn + bn + 1);
    if (!all) {
      rc = gk_error_set(err, GK_ENOMEM, path, 0, "out of memory");
    } else {
      memcpy(all, head, hn);
      memcpy(all + hn, body, bn + 1);
      rc = gk_write_atomic(path, all, hn + bn, err);
      free(all);
    }
  }
  free(body);
  free(head);
  return rc;
}

void cli_printf(cli_buf *b, const char *fmt, ...)
{
  va_list ap, ap2;
  va_start(ap, fmt);
  va_copy(ap2, ap);
  int need = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (need < 0) { va_end(ap2); return; }
  if (b->len + (size_t)need + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + (size_t)need + 1) cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s) { va_end(ap2); return; }
    b->s = s;
    b->cap = cap;
  }
  vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap2);
  va_end(ap2);
  b->len += (size_t)need;
}

void cli_buf_free(cli_buf *b)
{
  free(b->s);
  b->s = NULL;
  b->len = b->cap = 0;
}

/* "%.*e"/"%.*g" exponents as "e6", "e-4": shorter, still parseable. */
static void tidy_exponent(char *s)
{
  char *e = strchr(s, 'e');
  if (!e) return;
  char *d = e + 1, *src = e + 1;
  if (*src == '+') src++;
  else if (*src == '-') { *d++ = '-'; src++; }
  while (*src == '0' && src[1]) src++;
  memmove(d, src, strlen(src) + 1);
}

/* Drop trailing zeros of a decimal fraction ("2.500" -> "2.5", "5.000" -> "5"). */
static void strip_zeros(char *s)
{
  char *dot = strchr(s, '.');
  if (!dot) return;
  char *end = dot + strlen(dot) - 1;
  while (end > dot && *end == '0') *end-- = '\0';
  if (end == dot) *end = '\0';
}

const char *cli_fmt_num(char *buf, size_t n, double v, int sig)
{
  if (!isfinite(v)) {
    /* A result that could not be computed is "not determined" in words,
     * never a "nan" that reads like a number (scripts take JSON, where it
     * is null). */
    snprintf(buf, n, "%s", isnan(v) ? "not determined" : v > 0 ? "infinite" : "-infinite");
    return buf;
  }
  if (sig < 1) sig = 1;
  /* Plain decimals from 1e-3 to 1e6 (a column of integrated intensities
   * should not flip between 9578 and 1.3e4 as %g does), scientific
   * outside. */
  char tmp[64];
  double a = fabs(v);
  if (a == 0 || (a >= 1e-3 && a < 1e6)) {
    int mag = a == 0 ? 0 : (int)floor(log10(a));
    int dec = sig - 1 - mag;
    if (dec < 0) {
      double q = pow(10, -dec);
      v = round(v / q) * q;
      dec = 0;
    }
    snprintf(tmp, sizeof tmp, "%.*f", dec, v);
    strip_zeros(tmp);
    if (strcmp(tmp, "-0") == 0) strcpy(tmp, "0");
  } else {
    snprintf(tmp, sizeof tmp, "%.*e", sig - 1, v);
    char *e = strchr(tmp, 'e'), ex[16];
    snprintf(ex, sizeof ex, "%s", e);
    *e = '\0';
    strip_zeros(tmp);
    strncat(tmp, ex, sizeof tmp - strlen(tmp) - 1);
    tidy_exponent(tmp);
  }
  snprintf(buf, n, "%s", tmp);
  return buf;
}

/* Rounding of an uncertainty (Particle Data Group rule): look at its three
 * leading digits; 100-354 keep two significant digits, 355-949 one, and
 * 950-999 round up to 1000 with two. Returns the power of ten of the last
 * digit kept. */
static int se_last_digit(double se)
{
  int e = (int)floor(log10(se));
  double lead3 = round(se / pow(10, e - 2));
  if (lead3 >= 1000) { e++; lead3 = 100; }
  if (lead3 <= 354) return e - 1;
  if (lead3 <= 949) return e;
  return e;  /* rounds up to 10^(e+1): two digits, "1.0" */
}

int cli_determined(double v, double se)
{
  if (!isfinite(v)) return 0;
  return !(isfinite(se) && se > fabs(v)) && !isinf(se);
}

const char *cli_fmt_undetermined(char *buf, size_t n, double v, double se, const char *unit,
                                 const char *why)
{
  char a[64], b[64];
  const char *sp = (unit && *unit) ? " " : "";
  if (!unit) unit = "";
  if (!isfinite(v)) {
    snprintf(buf, n, "not determined%s%s%s", why && *why ? " (" : "", why && *why ? why : "",
             why && *why ? ")" : "");
    return buf;
  }
  cli_fmt_num(a, sizeof a, v, CLI_SIG);
  if (isfinite(se) && se > 0)
    snprintf(buf, n, "not determined (best fit %s%s%s, standard error %s%s%s%s%s)", a, sp, unit,
             cli_fmt_num(b, sizeof b, se, 2), sp, unit, why && *why ? "; " : "",
             why && *why ? why : "");
  else
    snprintf(buf, n, "not determined (best fit %s%s%s, no standard error%s%s)", a, sp, unit,
             why && *why ? "; " : "", why && *why ? why : "");
  return buf;
}

void cli_print_undetermined(cli_buf *b, const char *name, double v, double se, const char *unit,
                            const char *why)
{
  char val[512];
  cli_fmt_undetermined(val, sizeof val, v, se, unit, why);
  cli_printf(b, "  %-12s %s\n", name, val);
}

cJSON *cli_json_value(cJSON *obj, const char *key, double v, double se, int determined,
                      const char *why)
{
  cJSON *o = gk_json_value_se(obj, key, v, se);
  if (!o) return NULL;
  determined = determined && cli_determined(v, se);
  cJSON_AddBoolToObject(o, "determined", determined);
  if (!determined)
    cJSON_AddStringToObject(o, "reason", why && *why ? why
                                         : !isfinite(v) ? "no value"
                                         : "standard error larger than the value");
  return o;
}

const char *cli_bound_side(double v, double lo, double hi)
{
  if (!isfinite(v)) return NULL;
  if (isfinite(lo) && v <= lo) return "lower";
  if (isfinite(hi) && v >= hi) return "upper";
  return NULL;
}

static void bound_words(char *buf, size_t n, const char *name, const char *side, double lo, double hi)
{
  char num[64];
  int lower = side[0] == 'l';
  snprintf(buf, n, "%s %s %s", name, lower ? ">=" : "<=", cli_fmt_num(num, sizeof num, lower ? lo : hi, CLI_SIG));
}

cJSON *cli_json_bounded(cJSON *obj, const char *key, const char *name, double v, double se, double lo,
                        double hi, int determined, const char *why)
{
  const char *side = cli_bound_side(v, lo, hi);
  char r[160], w[96];
  if (side) {
    bound_words(w, sizeof w, name, side, lo, hi);
    snprintf(r, sizeof r, "at its %s bound (%s)", side, w);
    why = r;
    determined = 0;
  }
  cJSON *o = cli_json_value(obj, key, v, se, determined, why);
  if (o && side) {
    cJSON_AddStringToObject(o, "at_bound", side);
    cJSON_AddNumberToObject(o, "bound", side[0] == 'l' ? lo : hi);
  }
  return o;
}

void cli_print_bounded(cli_buf *b, const char *name, double v, double se, const char *unit, double lo,
                       double hi)
{
  const char *side = cli_bound_side(v, lo, hi);
  if (!side) {
    cli_print_value(b, name, v, se, unit);
    return;
  }
  char w[96], num[64];
  bound_words(w, sizeof w, name, side, lo, hi);
  cli_printf(b, "  %-12s at bound (%s): best fit %s%s%s\n", name, w, cli_fmt_num(num, sizeof num, v, CLI_SIG),
             unit && *unit ? " " : "", unit ? unit : "");
}

static const char *fmt_value(char *buf, size_t n, double v, double se, const char *unit, int location)
{
  char num[64];
  const char *sp = (unit && *unit) ? " " : "";
  if (!unit) unit = "";
  if (isnan(v)) return cli_fmt_num(buf, n, v, CLI_SIG); /* no unit after "not determined" */
  /* a standard error beyond the value: "(0.0 ± 1.9)e12" would hide the
   * best fit (31.5) and claim a number the data do not give */
  if (!location && !cli_determined(v, se)) return cli_fmt_undetermined(buf, n, v, se, unit, NULL);
  if (!(isfinite(se) && se > 0) || !isfinite(v)) {
    snprintf(buf, n, "%s%s%s", cli_fmt_num(num, sizeof num, v, CLI_SIG), sp, unit);
    return buf;
  }
  int pos = se_last_digit(se);
  double q = pow(10, pos);
  double vr = round(v / q) * q, sr = round(se / q) * q;
  if (vr == 0) vr = 0; /* -0.0 would print as "-0.0" */
  double big = fabs(vr) > sr ? fabs(vr) : sr;
  int ev = big > 0 ? (int)floor(log10(big)) : 0;
  if (ev >= -3 && ev <= 5) {
    int dec = pos < 0 ? -pos : 0;
    snprintf(buf, n, "%.*f ± %.*f%s%s", dec, vr, dec, sr, sp, unit);
  } else {
    /* one shared exponent so the two numbers read together */
    double scale = pow(10, ev);
    int dec = ev - pos > 0 ? ev - pos : 0;
    snprintf(buf, n, "(%.*f ± %.*f)e%d%s%s", dec, vr / scale, dec, sr / scale, ev, sp, unit);
  }
  return buf;
}

const char *cli_fmt_value(char *buf, size_t n, double v, double se, const char *unit)
{
  return fmt_value(buf, n, v, se, unit, 0);
}

const char *cli_fmt_location(char *buf, size_t n, double v, double se, const char *unit)
{
  return fmt_value(buf, n, v, se, unit, 1);
}

void cli_print_location(cli_buf *b, const char *name, double v, double se, const char *unit)
{
  char val[512];
  fmt_value(val, sizeof val, v, se, unit, 1);
  cli_printf(b, "  %-12s %s\n", name, val);
}

void cli_cell(cli_buf *b, int width, double v)
{
  char num[64];
  cli_printf(b, "  %*s", width, isnan(v) ? "-" : cli_fmt_num(num, sizeof num, v, CLI_SIG));
}

void cli_print_value(cli_buf *b, const char *name, double v, double se, const char *unit)
{
  char val[512];
  cli_fmt_value(val, sizeof val, v, se, unit);
  cli_printf(b, "  %-12s %s\n", name, val);
}

volatile sig_atomic_t cli_interrupt_signal = 0, cli_cooperative = 0, cli_bar_open = 0;
double cli_time_limit_hit = 0;

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

struct bar { const char *label; int last, show; double t0, limit; unsigned calls; };
static int bar_update(void *ctx, size_t done, size_t total)
{
  struct bar *b = ctx;
  if (cli_interrupt_signal) return 1;   /* cancel: the library stops at its next step */
  /* the clock every 16th call: callbacks come every time step */
  if (b->limit > 0 && (b->calls++ % 16) == 0 && now_s() - b->t0 > b->limit) {
    cli_time_limit_hit = b->limit;
    return 1;
  }
  if (!b->show) return 0;
  int pct = total ? (int)(100.0 * (double)done / (double)total) : 100;
  if (pct == b->last) return 0;
  b->last = pct;
  int w = 30, fill = pct * w / 100;
  fprintf(stderr, "\r%s [", b->label);
  for (int i = 0; i < w; i++) fputc(i < fill ? '#' : '.', stderr);
  fprintf(stderr, "] %3d%%", pct);
  fflush(stderr);
  cli_bar_open = 1;
  return 0;
}

gk_progress cli_progress(const char *label)
{
  gk_progress p = {NULL, NULL};
  struct bar *b = calloc(1, sizeof *b);
  if (b) {
    const char *force = getenv("GAINKIT_PROGRESS");
    b->label = label;
    b->last = -1;
    b->show = isatty(STDERR_FILENO) || (force && strcmp(force, "1") == 0);
    const char *lim = getenv("GAINKIT_MAX_SECONDS");
    char *end = NULL;
    double l = lim ? strtod(lim, &end) : 0;
    b->limit = (lim && end != lim && isfinite(l) && l > 0) ? l : 0;
    b->t0 = now_s();
    p.update = bar_update;
    p.ctx = b;
    cli_cooperative = 1;
  }
  return p;
}

void cli_progress_done(gk_progress *p)
{
  cli_cooperative = 0;
  if (p && p->ctx) {
    if (((struct bar *)p->ctx)->show && ((struct bar *)p->ctx)->last >= 0) fputc('\n', stderr);
    cli_bar_open = 0;
    free(p->ctx);
    p->ctx = NULL;
    p->update = NULL;
  }
}

static const struct cli_subcommand *find_sub(const struct cli_command *c, const char *name)
{
  for (const struct cli_subcommand *s = c->subs; s && name && s->name; s++)
    if (strcmp(s->name, name) == 0) return s;
  return NULL;
}

/* about + generated options + epilog (a blank line between the parts) */
static void generated_help(cli_buf *b, const char *cmd, cli_qopt *opts, size_t nopts, const char *about,
                           const char *epilog)
{
  if (about && *about) cli_printf(b, "%s%s\n", about, about[strlen(about) - 1] == '\n' ? "" : "\n");
  char *o = cli_qopt_help(cmd, opts, nopts);
  if (o) cli_printf(b, "%s\n", o);
  free(o);
  if (epilog && *epilog) cli_printf(b, "%s%s\n", epilog, epilog[strlen(epilog) - 1] == '\n' ? "" : "\n");
}

char *cli_help_text(const struct cli_command *c, const char *subname)
{
  cli_buf b = {0};
  const struct cli_subcommand *s = c->subs ? find_sub(c, subname) : NULL;
  if (s) {
    char full[96];
    snprintf(full, sizeof full, "%s %s", c->name, s->name);
    cli_printf(&b, "Usage: gainkit %s %s\n\n", full, s->args ? s->args : "[options]");
    if (c->intro) cli_printf(&b, "%s", c->intro);
    if (s->opts) generated_help(&b, full, s->opts, s->nopts, s->about, s->epilog);
    else cli_printf(&b, "%s\n", s->help ? s->help : "");
    cli_printf(&b, "%s", CLI_COMMON_HELP);
  } else if (c->subs && !c->help) {
    /* every subcommand's generated help, one after the other */
    cli_printf(&b, "Usage: gainkit %s SUBCOMMAND [options]\n"
                   "       gainkit %s SUBCOMMAND --help   help for one subcommand\n\n", c->name, c->name);
    if (c->intro) cli_printf(&b, "%s", c->intro);
    for (const struct cli_subcommand *t = c->subs; t->name; t++) {
      char full[96];
      snprintf(full, sizeof full, "%s %s", c->name, t->name);
      cli_printf(&b, "---- gainkit %s %s\n", full, t->args ? t->args : "[options]");
      if (t->opts) generated_help(&b, full, t->opts, t->nopts, t->about, t->epilog);
      else cli_printf(&b, "%s\n", t->help ? t->help : "");
    }
    cli_printf(&b, "%s", CLI_COMMON_HELP);
  } else if (c->opts) {
    cli_printf(&b, "Usage: gainkit %s %s\n\n", c->name, c->usage ? c->usage : "[options]");
    generated_help(&b, c->name, c->opts, c->nopts, c->about, c->epilog);
    cli_printf(&b, "%s", CLI_COMMON_HELP);
  } else {
    const char *h = c->help ? c->help : "";
    size_t n = strlen(h);
    cli_printf(&b, "%s%s", h, n && h[n - 1] != '\n' ? "\n" : "");
  }
  if (!b.s) return strdup("");
  return b.s;
}

void cli_print_help(const struct cli_command *c, FILE *fp)
{
  char *h = cli_help_text(c, NULL);
  if (h) fputs(h, fp);
  free(h);
}

void cli_print_help_for(const struct cli_command *c, int argc, char **argv, FILE *fp)
{
  char *h = cli_help_text(c, c->subs && argc > 1 ? argv[1] : NULL);
  if (h) fputs(h, fp);
  free(h);
}

int cli_dispatch(const struct cli_command *c, int argc, char **argv)
{
  char names[256] = "";
  for (const struct cli_subcommand *s = c->subs; s && s->name; s++) {
    if (names[0]) strncat(names, ", ", sizeof names - strlen(names) - 1);
    strncat(names, s->name, sizeof names - strlen(names) - 1);
  }
  if (argc < 2 || argv[1][0] == '-') return cli_usage(c->name, "name a subcommand: %s", names);
  const struct cli_subcommand *s = find_sub(c, argv[1]);
  if (!s) {
    const char *cand[64];
    size_t n = 0;
    for (const struct cli_subcommand *t = c->subs; t && t->name && n < 64; t++) cand[n++] = t->name;
    const char *sug = cli_suggest(argv[1], cand, n);
    if (sug) return cli_usage(c->name, "unknown subcommand '%s' (did you mean %s?)", argv[1], sug);
    return cli_usage(c->name, "unknown subcommand '%s' (one of: %s)", argv[1], names);
  }
  return s->run(argc - 1, argv + 1);
}

const char *cli_basename(const char *path)
{
  const char *slash = path ? strrchr(path, '/') : NULL;
  return slash ? slash + 1 : path ? path : "";
}

int cli_read_xy(const char *path, const gk_columns_options *co, const char *x_unit, gk_columns *col)
{
  gk_error e;
  gk_error_clear(&e);
  if (gk_columns_read(path, co, col, &e) != GK_OK) return cli_error(&e);
  double fx = 1;
  if (col->x_unit_in[0] && gk_unit_factor(col->x_unit_in, x_unit, &fx, &e) != GK_OK) {
    snprintf(e.file, sizeof e.file, "%s", path);
    gk_columns_free(col);
    return cli_error(&e);
  }
  for (size_t i = 0; i < col->n; i++) col->x[i] *= fx;
  return 0;
}

int cli_lib_error(const char *cmd, gk_error *e)
{
  if (e->code != GK_EUSAGE || e->file[0]) return cli_error(e);
  char buf[80];
  cli_fields_in_text(e->msg, sizeof e->msg);
  if (!e->option[0]) return cli_usage(cmd, "%s", e->msg);
  return cli_usage(cmd, "%s: %s", cli_field_flag(e->option, buf, sizeof buf), e->msg);
}
