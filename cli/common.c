/* Shared CLI machinery: option handling, messages, output emission. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

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

int cli_error(const gk_error *e)
{
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

int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts,
               const char *cmd)
{
  char spec[128];
  /* leading '+': stop at nothing special; ':' reports missing arguments as ':' */
  snprintf(spec, sizeof spec, ":%s", shortopts ? shortopts : "");
  opterr = 0;
  int c = getopt_long(argc, argv, spec, longopts, NULL);
  if (c == '?') {
    /* getopt has stepped past the offending word; it is argv[optind - 1]
     * (not the word at the old optind: GNU getopt skips over operands, so
     * "FILE --bogus" used to blame FILE) */
    const char *bad = (optind - 1 >= 0 && optind - 1 < argc) ? argv[optind - 1] : "?";
    if (optopt && optopt < 256 && optopt != '?')
      cli_usage(cmd, "unknown option '-%c'", optopt);
    else
      cli_usage(cmd, "unknown option '%s'", bad);
    return '?';
  }
  if (c == ':') {
    const char *bad = (optind - 1 < argc && optind - 1 >= 0) ? argv[optind - 1] : "?";
    cli_usage(cmd, "option '%s' needs a value", bad);
    return '?';
  }
  return c;
}

int cli_common_option(cli_common *c, int opt, const char *arg)
{
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
  if (gk_parse_quantity(arg, base, out, &e) != GK_OK) {
    fprintf(stderr, "gainkit: %s: %s\n", opt, e.msg);
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
  if (c->out) {
    char ext[16];
    gk_path_ext(c->out, ext, sizeof ext);
    int rc;
    if (strcmp(ext, "csv") == 0) {
      if (!csv) return cli_usage(c->cmd, "-o: this command has no CSV form; use .json");
      rc = gk_csv_write(csv, c->out, &e);
    } else {
      if (!json) return cli_usage(c->cmd, "-o: this command has no JSON form; use .csv");
      rc = gk_json_write(json, c->out, &e);
    }
    if (rc != GK_OK) { cli_error(&e); return CLI_USAGE; }
  }
  if (c->json && json) {
    char *s = cJSON_Print(json);
    if (s) { fputs(s, stdout); fputc('\n', stdout); free(s); }
  } else if (text) {
    fputs(text, stdout);
  }
  fflush(stdout);
  return status;
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

void cli_print_value(cli_buf *b, const char *name, double v, double se, const char *unit)
{
  if (se == se && se > 0)
    cli_printf(b, "  %-10s %14.6g ± %-12.4g %s\n", name, v, se, unit ? unit : "");
  else
    cli_printf(b, "  %-10s %14.6g   %-12s %s\n", name, v, "", unit ? unit : "");
}

struct bar { const char *label; int last; };
static int bar_update(void *ctx, size_t done, size_t total)
{
  struct bar *b = ctx;
  int pct = total ? (int)(100.0 * (double)done / (double)total) : 100;
  if (pct == b->last) return 0;
  b->last = pct;
  int w = 30, fill = pct * w / 100;
  fprintf(stderr, "\r%s [", b->label);
  for (int i = 0; i < w; i++) fputc(i < fill ? '#' : '.', stderr);
  fprintf(stderr, "] %3d%%", pct);
  fflush(stderr);
  return 0;
}

gk_progress cli_progress(const char *label)
{
  gk_progress p = {NULL, NULL};
  if (isatty(STDERR_FILENO)) {
    struct bar *b = calloc(1, sizeof *b);
    if (b) {
      b->label = label;
      b->last = -1;
      p.update = bar_update;
      p.ctx = b;
    }
  }
  return p;
}

void cli_progress_done(gk_progress *p)
{
  if (p && p->ctx) {
    fputc('\n', stderr);
    free(p->ctx);
    p->ctx = NULL;
    p->update = NULL;
  }
}

void cli_print_help(const struct cli_command *c, FILE *fp)
{
  fprintf(fp, "%s", c->help);
  size_t n = strlen(c->help);
  if (n && c->help[n - 1] != '\n') fputc('\n', fp);
}
