/* YAML configuration of `gainkit simulate` (keys listed in docs/simulate.md).
 * libyaml builds the document; every error names the file and the line of
 * the offending node from libyaml's marks. Quantities go through
 * gk_parse_quantity, so "1 um", "500 ps" or "0.5 mJ/cm2" work anywhere. */
#include <errno.h>
#include <stddef.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "gainkit/simulate.h"
#include "gainkit/units.h"

typedef struct ctx {
  yaml_document_t *doc;
  const char *path;
  gk_error *err;
} ctx;

static long line_of(const yaml_node_t *n) { return n ? (long)n->start_mark.line + 1 : 0; }

static int fail(ctx *x, const yaml_node_t *n, const char *fmt, const char *a, const char *b)
{
  return gk_error_set(x->err, GK_EINPUT, x->path, line_of(n), fmt, a, b ? b : "");
}

static const char *scalar(const yaml_node_t *n)
{
  return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* A quantity in unit `base`; the key is named in the message. */
static int quantity(ctx *x, const char *key, const yaml_node_t *n, const char *base, double *out)
{
  const char *s = scalar(n);
  if (!s) return fail(x, n, "%s: expected a value%s", key, NULL);
  gk_error e;
  gk_error_clear(&e);
  if (gk_parse_quantity(s, base, out, &e) != GK_OK)
    return gk_error_set(x->err, GK_EINPUT, x->path, line_of(n), "%s: %s", key, e.msg);
  return GK_OK;
}

static int count(ctx *x, const char *key, const yaml_node_t *n, size_t *out)
{
  double v;
  int st = quantity(x, key, n, "", &v);
  if (st) return st;
  if (!(v >= 1 && v <= 1e7 && v == floor(v)))
    return gk_error_set(x->err, GK_EINPUT, x->path, line_of(n), "%s: expected a positive integer (got %s)",
                        key, scalar(n));
  *out = (size_t)v;
  return GK_OK;
}

typedef enum { Q, COUNT, BAND, FLAG_FL } kind;
typedef struct field {
  const char *key;
  kind k;
  const char *base;     /* unit for Q; for BAND the unit of peak */
  size_t off;
} field;

#define OFF(m) offsetof(gk_sim_config, m)

static int band(ctx *x, const char *key, const yaml_node_t *n, const char *unit, gk_sim_band *b)
{
  if (!n || n->type != YAML_MAPPING_NODE)
    return fail(x, n, "%s: expected a mapping with center, fwhm%s", key, unit[0] ? " and peak" : "");
  b->peak = 1;
  for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
    yaml_node_t *k = yaml_document_get_node(x->doc, p->key), *v = yaml_document_get_node(x->doc, p->value);
    const char *ks = scalar(k);
    int st;
    if (ks && !strcmp(ks, "center")) st = quantity(x, ks, v, "nm", &b->center);
    else if (ks && !strcmp(ks, "fwhm")) st = quantity(x, ks, v, "nm", &b->fwhm);
    else if (ks && !strcmp(ks, "peak") && unit[0]) st = quantity(x, ks, v, unit, &b->peak);
    else st = fail(x, k, "%s: unknown key '%s'", key, ks ? ks : "?");
    if (st) return st;
  }
  return GK_OK;
}

static const field F_FILM[] = {{"thickness", Q, "cm", OFF(thickness)}, {"index", Q, "", OFF(index)},
                               {"confinement", Q, "", OFF(confinement)}, {"coupling", Q, "", OFF(coupling)},
                               {"background_loss", Q, "cm^-1", OFF(background_loss)}, {NULL, Q, NULL, 0}};
static const field F_STRIPE[] = {{"length", Q, "cm", OFF(stripe_length)}, {"width", Q, "cm", OFF(stripe_width)},
                                 {NULL, Q, NULL, 0}};
static const field F_PUMP[] = {{"wavelength", Q, "nm", OFF(pump_wavelength)}, {"fwhm", Q, "s", OFF(pump_fwhm)},
                               {"fluence", Q, "J/cm2", OFF(pump_fluence)},
                               {"cross_section", Q, "cm2", OFF(pump_cross_section)}, {NULL, Q, NULL, 0}};
static const field F_EMIT[] = {{"density", Q, "cm^-3", OFF(density)}, {"lifetime", Q, "s", OFF(lifetime)},
                               {"radiative_fraction", Q, "", OFF(radiative_fraction)},
                               {"emission", BAND, "", OFF(emission)},
                               {"stimulated_emission", FLAG_FL, "cm2", OFF(sigma_e)},
                               {"ground_absorption", BAND, "cm2", OFF(sigma_a)},
                               {"excited_absorption", BAND, "cm2", OFF(sigma_esa)}, {NULL, Q, NULL, 0}};
static const field F_SECOND[] = {{"fraction", Q, "", OFF(second_fraction)},
                                 {"lifetime", Q, "s", OFF(second_lifetime)},
                                 {"radiative_fraction", Q, "", OFF(second_radiative_fraction)},
                                 {NULL, Q, NULL, 0}};
static const field F_GRID[] = {{"lambda_min", Q, "nm", OFF(lambda_min)}, {"lambda_max", Q, "nm", OFF(lambda_max)},
                               {"bins", COUNT, NULL, OFF(nbins)}, {"cells", COUNT, NULL, OFF(ncells)},
                               {"time_bins", COUNT, NULL, OFF(ntimes)}, {"t_start", Q, "s", OFF(t_start)},
                               {"t_end", Q, "s", OFF(t_end)}, {"accuracy", Q, "", OFF(accuracy)},
                               {NULL, Q, NULL, 0}};

static int section(ctx *x, const char *name, const yaml_node_t *n, const field *fs, gk_sim_config *c)
{
  if (!n || n->type != YAML_MAPPING_NODE) return fail(x, n, "%s: expected a mapping%s", name, NULL);
  for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
    yaml_node_t *k = yaml_document_get_node(x->doc, p->key), *v = yaml_document_get_node(x->doc, p->value);
    const char *ks = scalar(k);
    const field *f = fs;
    while (f->key && !(ks && !strcmp(ks, f->key))) f++;
    if (!f->key) return fail(x, k, "%s: unknown key '%s'", name, ks ? ks : "?");
    char *base = (char *)c + f->off;
    int st = GK_OK;
    switch (f->k) {
    case Q: st = quantity(x, f->key, v, f->base, (double *)base); break;
    case COUNT: st = count(x, f->key, v, (size_t *)base); break;
    case BAND: st = band(x, f->key, v, f->base, (gk_sim_band *)base); break;
    case FLAG_FL: {
      const char *s = scalar(v);
      if (s && (!strcasecmp(s, "fuchtbauer-ladenburg") || !strcasecmp(s, "fl"))) {
        c->fl_sigma_e = 1;
      } else {
        c->fl_sigma_e = 0;
        st = band(x, f->key, v, f->base, (gk_sim_band *)base);
      }
      break;
    }
    }
    if (st) return st;
  }
  return GK_OK;
}

/* "F1:F2:N": N values spaced geometrically (pump series and stripe series
 * both span decades), F1 and F2 included. */
static int range(ctx *x, const char *key, const yaml_node_t *n, const char *base, double **v, size_t *nv)
{
  const char *s = scalar(n);
  gk_error e;
  gk_error_clear(&e);
  if (!s) return fail(x, n, "%s: expected \"FROM:TO:N\"%s", key, NULL);
  int st = gk_sim_parse_range(s, base, v, nv, &e);
  if (st) return gk_error_set(x->err, GK_EINPUT, x->path, line_of(n), "%s: %s", key, e.msg);
  return GK_OK;
}

int gk_sim_parse_range(const char *text, const char *base, double **v, size_t *nv, gk_error *err)
{
  char buf[256];
  if (strlen(text) >= sizeof buf) return gk_error_set(err, GK_EUSAGE, NULL, 0, "range too long");
  strcpy(buf, text);
  char *c1 = strchr(buf, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
  if (!c1 || !c2) return gk_error_set(err, GK_EUSAGE, NULL, 0, "expected FROM:TO:N (got '%s')", text);
  *c1 = *c2 = 0;
  double a, b, nn;
  int st = gk_parse_quantity(buf, base, &a, err);
  if (!st) st = gk_parse_quantity(c1 + 1, base, &b, err);
  if (!st) st = gk_parse_number(c2 + 1, &nn, err);
  if (st) return st;
  if (!(a > 0 && b > a)) return gk_error_set(err, GK_EUSAGE, NULL, 0, "range needs 0 < FROM < TO");
  if (!(nn >= 2 && nn <= 10000 && nn == floor(nn)))
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "range needs an integer count N in [2, 10000]");
  size_t n = (size_t)nn;
  *v = malloc(n * sizeof **v);
  if (!*v) return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  for (size_t i = 0; i < n; i++) (*v)[i] = a * pow(b / a, (double)i / (double)(n - 1));
  (*v)[n - 1] = b;
  *nv = n;
  return GK_OK;
}

static int list(ctx *x, const char *key, const yaml_node_t *n, const char *base, double **v, size_t *nv)
{
  if (!n || n->type != YAML_SEQUENCE_NODE || n->data.sequence.items.top == n->data.sequence.items.start)
    return fail(x, n, "%s: expected a non-empty list%s", key, NULL);
  size_t m = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
  *v = malloc(m * sizeof **v);
  if (!*v) return gk_error_set(x->err, GK_ENOMEM, NULL, 0, "out of memory");
  for (size_t i = 0; i < m; i++) {
    yaml_node_t *it = yaml_document_get_node(x->doc, n->data.sequence.items.start[i]);
    int st = quantity(x, key, it, base, &(*v)[i]);
    if (!st && !((*v)[i] > 0)) st = fail(x, it, "%s: values must be positive%s", key, NULL);
    if (st) {
      free(*v);
      *v = NULL;
      return st;
    }
  }
  *nv = m;
  return GK_OK;
}

static int sweep(ctx *x, const yaml_node_t *n, gk_sim_file *f)
{
  if (!n || n->type != YAML_MAPPING_NODE) return fail(x, n, "sweep: expected a mapping%s%s", "", NULL);
  for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
    yaml_node_t *k = yaml_document_get_node(x->doc, p->key), *v = yaml_document_get_node(x->doc, p->value);
    const char *ks = scalar(k);
    if (f->sweep) return fail(x, k, "sweep: give one of vpi, vpi_range, vsl, vsl_range%s%s", "", NULL);
    int st;
    if (ks && !strcmp(ks, "vpi")) st = list(x, ks, v, "J/cm2", &f->sweep, &f->nsweep);
    else if (ks && !strcmp(ks, "vpi_range")) st = range(x, ks, v, "J/cm2", &f->sweep, &f->nsweep);
    else if (ks && !strcmp(ks, "vsl")) st = list(x, ks, v, "cm", &f->sweep, &f->nsweep);
    else if (ks && !strcmp(ks, "vsl_range")) st = range(x, ks, v, "cm", &f->sweep, &f->nsweep);
    else st = fail(x, k, "sweep: unknown key '%s'%s", ks ? ks : "?", NULL);
    if (st) return st;
    f->sweep_kind = (ks[2] == 'i') ? GK_SIM_SWEEP_FLUENCE : GK_SIM_SWEEP_LENGTH;
  }
  return GK_OK;
}

void gk_sim_file_free(gk_sim_file *f)
{
  if (!f) return;
  free(f->sweep);
  f->sweep = NULL;
  f->nsweep = 0;
}

int gk_sim_config_read(const char *path, gk_sim_file *f, gk_error *err)
{
  memset(f, 0, sizeof *f);
  gk_sim_config_default(&f->cfg);
  FILE *fp = fopen(path, "rb");
  if (!fp) return gk_error_set(err, GK_EIO, path, 0, "cannot open: %s", strerror(errno));
  yaml_parser_t parser;
  yaml_document_t doc;
  yaml_parser_initialize(&parser);
  yaml_parser_set_input_file(&parser, fp);
  if (!yaml_parser_load(&parser, &doc)) {
    int st = gk_error_set(err, GK_EINPUT, path, (long)parser.problem_mark.line + 1, "YAML: %s%s%s",
                          parser.problem ? parser.problem : "syntax error",
                          parser.context ? " " : "", parser.context ? parser.context : "");
    yaml_parser_delete(&parser);
    fclose(fp);
    return st;
  }
  yaml_parser_delete(&parser);
  fclose(fp);
  ctx x = {&doc, path, err};
  yaml_node_t *root = yaml_document_get_root_node(&doc);
  int st = GK_OK;
  if (!root || root->type != YAML_MAPPING_NODE) {
    st = gk_error_set(err, GK_EINPUT, path, line_of(root), "expected a mapping of sections (film, stripe, pump, ...)");
  } else {
    static const struct { const char *name; const field *fs; } secs[] = {
        {"film", F_FILM}, {"stripe", F_STRIPE}, {"pump", F_PUMP}, {"emitter", F_EMIT},
        {"second_state", F_SECOND}, {"grid", F_GRID}};
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top && !st; p++) {
      yaml_node_t *k = yaml_document_get_node(&doc, p->key), *v = yaml_document_get_node(&doc, p->value);
      const char *ks = scalar(k);
      size_t i = 0, ns = sizeof secs / sizeof *secs;
      while (i < ns && !(ks && !strcmp(ks, secs[i].name))) i++;
      if (i < ns) st = section(&x, ks, v, secs[i].fs, &f->cfg);
      else if (ks && !strcmp(ks, "name")) continue;
      else if (ks && !strcmp(ks, "sweep")) st = sweep(&x, v, f);
      else st = fail(&x, k, "unknown section '%s'%s", ks ? ks : "?", NULL);
    }
    if (!st) {
      gk_error e;
      gk_error_clear(&e);
      if (gk_sim_config_check(&f->cfg, &e))
        st = gk_error_set(err, GK_EINPUT, path, 0, "%s", e.msg);
    }
  }
  yaml_document_delete(&doc);
  if (st) gk_sim_file_free(f);
  return st;
}
