/* Input options shared by the commands that read spectra: see input.h. */
#include "input.h"
#include "qopt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

cli_input cli_in;

cli_input cli_input_take(void)
{
  cli_input in = cli_in;
  memset(&cli_in, 0, sizeof cli_in);
  return in;
}

void cli_input_reset(void)
{
  cli_input_free(&cli_in);
  memset(&cli_in, 0, sizeof cli_in);
}

int cli_input_qopt(cli_qopt *o, const char *arg)
{
  return cli_input_option(&cli_in, o->id, arg) < 0 ? -1 : 0;
}

int cli_input_option(cli_input *in, int opt, const char *arg)
{
  gk_assemble_options *a = &in->a;
  switch (opt) {
  case CLI_IN_FORMAT: {
    int ok = !strcmp(arg, "auto");
    for (size_t i = 0; gk_io_format_names[i]; i++) ok |= !strcmp(arg, gk_io_format_names[i]);
    if (!ok) {
      fprintf(stderr, "gainkit: --format-in: '%s' is not a format (ocean, avantes, andor, "
                      "lightfield, labspec, origin, csv, spe, auto)\n", arg);
      return -1;
    }
    a->io.format = arg;
    return 1;
  }
  case CLI_IN_DCOMMA: a->io.decimal_comma = 1; return 1;
  case CLI_IN_XCOL: a->io.x_col = arg; return 1;
  case CLI_IN_YCOL: a->io.y_col = arg; return 1;
  case CLI_IN_SIGCOL: a->io.sigma_col = arg; return 1;
  case CLI_IN_PUMPS:
    free(in->pumps);
    in->pumps = NULL;
    {
      size_t cap = 0;
      a->npumps = 0;
      const char *p = arg;
      while (*p) {
        char tok[64];
        size_t l = strcspn(p, ",");
        if (!l || l >= sizeof tok) {
          fprintf(stderr, "gainkit: --pumps: '%s' is not a comma-separated list of numbers\n", arg);
          return -1;
        }
        memcpy(tok, p, l);
        tok[l] = '\0';
        gk_error e;
        double v;
        if (gk_parse_number(tok, &v, &e) != GK_OK || !(v > 0)) {
          fprintf(stderr, "gainkit: --pumps: '%s' is not a positive number (the unit is "
                          "--pump-unit's)\n", tok);
          return -1;
        }
        if (a->npumps == cap) {
          cap = cap ? 2 * cap : 16;
          double *nv = realloc(in->pumps, cap * sizeof *nv);
          if (!nv) return -1;
          in->pumps = nv;
        }
        in->pumps[a->npumps++] = v;
        p += l;
        if (*p == ',') p++;
      }
    }
    a->pumps = in->pumps;
    in->series_opts = 1;
    return 1;
  case CLI_IN_PUMPS_FILE: a->pumps_file = arg; in->series_opts = 1; return 1;
  case CLI_IN_PUMP_NAME: a->pump_from_name = 1; in->series_opts = 1; return 1;
  case CLI_IN_PUMP_UNIT:
    if (!gk_unit_valid(arg)) {
      fprintf(stderr, "gainkit: --pump-unit: '%s' is not a unit\n", arg);
      return -1;
    }
    a->pump_unit = arg;
    in->series_opts = 1;
    return 1;
  case CLI_IN_DARK: a->dark = arg; in->series_opts = 1; return 1;
  case CLI_IN_NO_NORM: a->no_normalise = 1; in->series_opts = 1; return 1;
  case CLI_IN_DUP:
    if (!strcmp(arg, "average")) a->duplicates = GK_DUP_AVERAGE;
    else if (!strcmp(arg, "refuse")) a->duplicates = GK_DUP_REFUSE;
    else {
      fprintf(stderr, "gainkit: --duplicates: '%s' is not average or refuse\n", arg);
      return -1;
    }
    in->series_opts = 1;
    return 1;
  case CLI_IN_TRANSPOSE: a->transpose = 1; in->series_opts = 1; return 1;
  default: return 0;
  }
}

void cli_input_notes(const gk_notes *n)
{
  /* a value outside its plausible range is a warning, with the flag that fixes the unit */
  for (size_t i = 0; i < n->n; i++) {
    if (strstr(n->msg[i], "is outside the plausible"))
      fprintf(stderr, "gainkit: warning: %s%s\n", n->msg[i],
              strstr(n->msg[i], "column 'pump'") ? "; or give --pump-unit" : "");
    else
      fprintf(stderr, "gainkit: note: %s\n", n->msg[i]);
  }
}

int cli_input_error(gk_error *e)
{
  static const struct { const char *field, *opt; } map[] = {
      {"x_col", "--x-col"}, {"y_col", "--y-col"}, {"sigma_col", "--sigma-col"},
      {"format", "--format-in"}, {"pumps", "--pumps"}};
  if (!e->file[0])
    for (size_t i = 0; i < sizeof map / sizeof *map; i++) {
      size_t l = strlen(map[i].field);
      if (!strncmp(e->msg, map[i].field, l) && e->msg[l] == ':') {
        char msg[sizeof e->msg];
        snprintf(msg, sizeof msg, "%s", e->msg + l + 2);
        gk_error_option(e, map[i].opt, "%s", msg);
        break;
      }
    }
  if (strstr(e->msg, "transpose option")) {
    char *p = strstr(e->msg, "(transpose option)");
    if (p) snprintf(p, sizeof e->msg - (size_t)(p - e->msg), "(--transpose, or fix the header)");
  }
  if (strstr(e->msg, "but no pumps")) {
    size_t l = strlen(e->msg);
    snprintf(e->msg + l, sizeof e->msg - l, ": --pumps, --pumps-file or --pump-from-name");
  }
  if (strstr(e->msg, "choose the columns explicitly")) {
    char *p = strstr(e->msg, "(x_col ");
    int x = 0, y = 0;
    if (p && sscanf(p, "(x_col %d, y_col %d)", &x, &y) == 2)
      snprintf(p, sizeof e->msg - (size_t)(p - e->msg), "with --x-col %d --y-col %d", x, y);
  }
  return cli_error(e);
}

int cli_input_load(cli_input *in, const char *const *paths, size_t n, gk_matrix *m)
{
  gk_notes notes = {0};
  gk_error e;
  gk_error_clear(&e);
  int rc = gk_io_assemble(paths, n, &in->a, m, &notes, &e);
  if (rc) {
    gk_notes_free(&notes);
    return cli_input_error(&e);
  }
  cli_input_notes(&notes);
  gk_notes_free(&notes);
  return 0;
}

void cli_input_offset_check(const gk_matrix *m, int baseline_set, int dark_set, const char *fix)
{
  if (baseline_set || dark_set || !m->ncol || m->nrow < 12) return;
  size_t nr = m->nrow, nc = m->ncol;
  double *wl = malloc(nr * sizeof *wl), *z = malloc(nr * nc * sizeof *z);
  if (!wl || !z) { free(wl); free(z); return; }
  int rev = m->row[1] < m->row[0];
  for (size_t i = 0; i < nr; i++) {
    size_t k = rev ? nr - 1 - i : i;
    wl[i] = m->row[k];
    memcpy(z + i * nc, m->z + k * nc, nc * sizeof *z);
  }
  double level;
  int sig;
  gk_io_offset_series(wl, z, nr, nc, m->col, &level, &sig);
  if (sig)
    cli_warn("the spectra sit on a background of about %.4g (edges of the spectra, extrapolated "
             "to zero pump) that is not subtracted; it adds %.4g x %.4g nm to every integrated "
             "intensity. Subtract it with %s",
             level, level, wl[nr - 1] - wl[0], fix);
  free(wl);
  free(z);
}

void cli_input_free(cli_input *in)
{
  free(in->pumps);
  in->pumps = NULL;
}

int cli_baseline(const char *arg, int allow_auto, int *edges, const char *expect, gk_baseline *b)
{
  if (edges) *edges = 0;
  if (!strcmp(arg, "none")) { b->kind = GK_BASELINE_NONE; return 0; }
  if (allow_auto && !strcmp(arg, "auto")) { b->kind = GK_BASELINE_AUTO; return 0; }
  if (edges && !strcmp(arg, "edges")) { *edges = 1; b->kind = GK_BASELINE_VALUE; return 0; }
  if (arg[0] && strspn(arg, "0123456789") == strlen(arg)) {
    long n;
    if (cli_int("--baseline", arg, 1, 1000000000L, &n) < 0) return -1;
    b->kind = GK_BASELINE_FIRST_N;
    b->n = (size_t)n;
    return 0;
  }
  double v;
  if (gk_parse_number(arg, &v, NULL) != GK_OK) {
    fprintf(stderr, "gainkit: --baseline: '%s' is not %s\n", arg, expect);
    return -1;
  }
  b->kind = GK_BASELINE_VALUE;
  b->value = v;
  return 0;
}
