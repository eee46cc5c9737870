/* YAML configuration of `gainkit simulate` (keys listed in docs/simulate.md).
 * libyaml builds the document; every error names the file and the line of
 * the offending node from libyaml's marks. Quantities go through
 * gk_parse_quantity, so "1 um", "500 ps" or "0.5 mJ/cm2" work anywhere. */
#include <errno.h>
#include <stddef.h>
#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "gainkit/data.h"
#include "gainkit/fluence.h"
#include "gainkit/modes.h"
#include "gainkit/simulate.h"
#include "material/yamldoc.h"
#include "gainkit/stack.h"
#include "gainkit/units.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

typedef struct ctx {
  yaml_document_t *doc;
  const char *path;
  gk_error *err;
  gk_sim_file *f;
  long table_line[7];   /* line of each table's file: key, as gk_sim_file.tables */
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

typedef enum { Q, COUNT, BAND, FLAG_FL, Q_OR_BAND, PATH, POLS, PROFILE, LAW, ALONG, DEPTH } kind;
typedef struct field {
  const char *key;
  kind k;
  const char *base;     /* unit for Q; for BAND the unit of peak */
  size_t off;
  char lim;             /* Q only: 'p' > 0, 'n' >= 0, 'f' in [0, 1], 'i' >= 1, 0 any */
} field;

#define OFF(m) offsetof(gk_sim_config, m)

/* A path in the config relative to the config file's folder. */
static void resolve(const ctx *x, const char *rel, char *out, size_t size)
{
  const char *slash = strrchr(x->path, '/');
  if (rel[0] == '/' || !slash) snprintf(out, size, "%s", rel);
  else snprintf(out, size, "%.*s/%s", (int)(slash - x->path), x->path, rel);
}

/* Which of gk_sim_file.tables owns the table of band b. */
static double **table_slot(ctx *x, gk_sim_band *b)
{
  gk_sim_config *c = &x->f->cfg;
  gk_sim_band *order[] = {&c->emission, &c->sigma_e, &c->sigma_a, &c->sigma_esa, &c->background,
                          &c->gain_sigma, &c->pump_along};
  for (int i = 0; i < 7; i++)
    if (order[i] == b) return &x->f->tables[i];
  return NULL;
}

/* Two columns, wavelength (nm unless the header names a unit) and value,
 * read with the project's column reader; sorted, duplicates refused. */
static int read_table(ctx *x, const char *key, const yaml_node_t *n, const char *rel, gk_sim_band *b, int clamp)
{
  char path[1024];
  resolve(x, rel, path, sizeof path);
  int along = b == &x->f->cfg.pump_along;   /* positions along the stripe, not wavelengths */
  gk_columns_options o = {.xkind = along ? GK_XKIND_LENGTH : GK_XKIND_WAVELENGTH,
                          .x_unit_default = along ? "cm" : "nm", .allow_unsorted = 1,
                          .reject_duplicate_x = 1, .require_positive_x = !along, .min_points = 2};
  gk_columns col;
  gk_error e;
  gk_error_clear(&e);
  if (gk_columns_read(path, &o, &col, &e)) {
    gk_error_format(&e, path, sizeof path);
    return gk_error_set(x->err, GK_EINPUT, x->path, line_of(n), "%s: %s", key, path);
  }
  double **slot = table_slot(x, b), *mem = malloc(2 * col.n * sizeof *mem);
  int st = GK_OK;
  if (!slot || !mem) st = gk_error_set(x->err, GK_ENOMEM, NULL, 0, "out of memory");
  for (size_t i = 0; !st && i < col.n; i++) {
    mem[i] = col.x[i];
    double y = col.y[i];
    /* a measured PL spectrum after background subtraction dips slightly
     * below zero in its wings; a cross-section or loss below zero is wrong */
    if (y < 0 && clamp) y = 0;
    if (!(y >= 0) || !isfinite(y))
      st = gk_error_set(x->err, GK_EINPUT, col.path, col.line[i], "%s: value must be >= 0 (got %g)", key, y);
    mem[col.n + i] = y;
  }
  size_t npts = col.n;
  gk_columns_free(&col);
  if (st) { free(mem); return st; }
  free(*slot);
  *slot = mem;
  x->table_line[slot - x->f->tables] = line_of(n);
  b->ntab = npts;
  b->tab_lambda = mem;
  b->tab_value = mem + npts;
  return GK_OK;
}

static int band(ctx *x, const char *key, const yaml_node_t *n, const char *unit, gk_sim_band *b)
{
  if (!n || n->type != YAML_MAPPING_NODE)
    return fail(x, n, "%s: expected a mapping with center, fwhm%s (or file)", key, unit[0] ? " and peak" : "");
  b->peak = 1;
  b->ntab = 0;
  const yaml_node_t *file = NULL;
  for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
    yaml_node_t *k = yaml_document_get_node(x->doc, p->key), *v = yaml_document_get_node(x->doc, p->value);
    const char *ks = scalar(k);
    int st = GK_OK;
    if (ks && !strcmp(ks, "center")) st = quantity(x, ks, v, "nm", &b->center);
    else if (ks && !strcmp(ks, "fwhm")) {
      st = quantity(x, ks, v, "nm", &b->fwhm);
      if (!st && !(b->fwhm > 0)) st = fail(x, v, "%s: fwhm must be positive (got %s)", key, scalar(v));
    } else if (ks && !strcmp(ks, "peak") && unit[0]) st = quantity(x, ks, v, unit, &b->peak);
    /* scale: the file's values times this, in the band's unit (a table in
     * units of 1e-16 cm² takes scale: 1e-16 cm2) */
    else if (ks && !strcmp(ks, "scale") && unit[0]) st = quantity(x, ks, v, unit, &b->peak);
    else if (ks && !strcmp(ks, "file") && scalar(v)) file = v;
    else st = fail(x, k, "%s: unknown key '%s'", key, ks ? ks : "?");
    if (!st && b->peak < 0) st = fail(x, v, "%s: %s must be >= 0", key, ks);
    if (st) return st;
  }
  if (file) return read_table(x, key, file, scalar(file), b, !unit[0]);
  return GK_OK;
}

static const field F_FILM[] = {{"thickness", Q, "cm", OFF(thickness), 'p'}, {"index", Q, "", OFF(index), 'i'},
                               {"confinement", Q, "", OFF(confinement), 'f'}, {"coupling", Q, "", OFF(coupling), 'f'},
                               {"background_loss", Q_OR_BAND, "cm^-1", OFF(background_loss), 'n'},
                               {"confinement_from", PATH, NULL, 0, 0}, {"modes", POLS, NULL, OFF(npol), 0},
                               {"confinement_tm", Q, "", OFF(confinement_tm), 'f'},
                               {"coupling_tm", Q, "", OFF(coupling_tm), 'f'},
                               {"mode_loss_te", Q, "cm^-1", OFF(mode_loss[0]), 'n'},
                               {"mode_loss_tm", Q, "cm^-1", OFF(mode_loss[1]), 'n'},
                               {"depth_slices", COUNT, NULL, OFF(depth_slices), 0}, {NULL, Q, NULL, 0, 0}};
static const field F_STRIPE[] = {{"length", Q, "cm", OFF(stripe_length), 'p'}, {"width", Q, "cm", OFF(stripe_width), 'p'},
                                 {"unpumped_length", Q, "cm", OFF(unpumped_length), 'u'},
                                 {NULL, Q, NULL, 0, 0}};
static const field F_PUMP[] = {{"wavelength", Q, "nm", OFF(pump_wavelength), 'p'}, {"fwhm", Q, "s", OFF(pump_fwhm), 't'},
                               {"fluence", Q, "J/cm2", OFF(pump_fluence), 'n'},
                               {"cross_section", Q, "cm2", OFF(pump_cross_section), 'p'},
                               {"absorption", Q, "cm^-1", OFF(pump_absorption), 'p'},
                               {"profile", PROFILE, NULL, OFF(pump_profile), 0},
                               {"channels", COUNT, NULL, OFF(channels), 0},
                               {"along", ALONG, "", OFF(pump_along), 0}, {"depth", DEPTH, NULL, 0, 0},
                               {NULL, Q, NULL, 0, 0}};
static const field F_CARRIERS[] = {{"k1", Q, "s^-1", OFF(k1), 'k'}, {"k2", Q, "cm^3/s", OFF(k2), 'n'},
                                   {"k3", Q, "cm^6/s", OFF(k3), 'n'}, {"gain", LAW, NULL, OFF(gain_law), 0},
                                   {"sigma", BAND, "cm2", OFF(gain_sigma), 0},
                                   {"n_th", Q, "cm^-3", OFF(gain_nth), 'n'}, {"n_s", Q, "cm^-3", OFF(gain_ns), 'p'},
                                   {"emission", BAND, "", OFF(emission), 0}, {NULL, Q, NULL, 0, 0}};
static const field F_EMIT[] = {{"density", Q, "cm^-3", OFF(density), 'p'}, {"lifetime", Q, "s", OFF(lifetime), 't'},
                               {"radiative_fraction", Q, "", OFF(radiative_fraction), 'f'},
                               {"emission", BAND, "", OFF(emission), 0},
                               {"stimulated_emission", FLAG_FL, "cm2", OFF(sigma_e), 0},
                               {"ground_absorption", BAND, "cm2", OFF(sigma_a), 0},
                               {"excited_absorption", BAND, "cm2", OFF(sigma_esa), 0}, {NULL, Q, NULL, 0, 0}};
static const field F_SECOND[] = {{"fraction", Q, "", OFF(second_fraction), 'f'},
                                 {"lifetime", Q, "s", OFF(second_lifetime), 't'},
                                 {"radiative_fraction", Q, "", OFF(second_radiative_fraction), 'f'},
                                 {NULL, Q, NULL, 0, 0}};
static const field F_GRID[] = {{"lambda_min", Q, "nm", OFF(lambda_min), 'p'}, {"lambda_max", Q, "nm", OFF(lambda_max), 'p'},
                               {"bins", COUNT, NULL, OFF(nbins), 0}, {"cells", COUNT, NULL, OFF(ncells), 0},
                               {"time_bins", COUNT, NULL, OFF(ntimes), 0}, {"t_start", Q, "s", OFF(t_start), 'T'},
                               {"t_end", Q, "s", OFF(t_end), 'T'}, {"accuracy", Q, "", OFF(accuracy), 'a'},
                               {NULL, Q, NULL, 0, 0}};

/* A value outside what the physics allows, refused at its own line (the
 * library's gk_sim_config_check repeats these for API callers, without a
 * line). */
static int limit(ctx *x, const field *f, const yaml_node_t *v, double q)
{
  const char *what = NULL;
  switch (f->lim) {
  case 'p': if (!(q > 0)) what = "must be positive"; break;
  case 'n': if (!(q >= 0)) what = "must be >= 0"; break;
  case 'f': if (!(q >= 0 && q <= 1)) what = "must lie in [0, 1]"; break;
  case 'i': if (!(q >= 1)) what = "must be >= 1 (a film with n < 1 guides nothing)"; break;
  /* the time budgets of gainkit/simulate.h: outside them a run has no
   * bounded number of steps */
  case 't':
    if (!(q > 0)) what = "must be positive";
    else if (!(q >= GK_SIM_MIN_TIME && q <= GK_SIM_MAX_TIME)) what = "must lie in [1 fs, 1 s]";
    break;
  case 'T': if (!(fabs(q) <= 10 * GK_SIM_MAX_TIME)) what = "must lie within +-10 s"; break;
  case 'u': if (!(q >= 0 && q <= 100)) what = "must lie in [0, 100] cm"; break;
  case 'k':  /* a rate whose inverse is a time of the budget */
    if (!(q > 0)) what = "must be positive";
    else if (!(1 / q >= GK_SIM_MIN_TIME && 1 / q <= GK_SIM_MAX_TIME)) what = "must lie in [1 s^-1, 1e15 s^-1]";
    break;
  case 'a':
    if (!(q > 0)) what = "must be positive";
    else if (!(q >= GK_SIM_MIN_ACCURACY && q <= 0.5)) what = "must lie in [1e-6, 0.5]";
    break;
  default: break;
  }
  if (!what) return GK_OK;
  return gk_error_set(x->err, GK_EINPUT, x->path, line_of(v), "%s: %s (got %s)", f->key, what, scalar(v));
}

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
    case Q:
      st = quantity(x, f->key, v, f->base, (double *)base);
      if (!st) st = limit(x, f, v, *(double *)base);
      break;
    case COUNT: st = count(x, f->key, v, (size_t *)base); break;
    case BAND: st = band(x, f->key, v, f->base, (gk_sim_band *)base); break;
    case Q_OR_BAND:  /* only background_loss: a number, or α_bg(λ) added to 0 */
      if (v && v->type == YAML_MAPPING_NODE) {
        c->background_loss = 0;
        st = band(x, f->key, v, f->base, &c->background);
      } else {
        st = quantity(x, f->key, v, f->base, (double *)base);
        if (!st) st = limit(x, f, v, *(double *)base);
      }
      break;
    case PATH:
      if (!scalar(v)) st = fail(x, v, "%s: expected a file name%s", f->key, NULL);
      else resolve(x, scalar(v), x->f->confinement_from, sizeof x->f->confinement_from);
      break;
    case POLS: {
      const char *s = scalar(v);
      if (s && (!strcasecmp(s, "te") || !strcasecmp(s, "te0"))) c->npol = 1;
      else if (s && (!strcasecmp(s, "te+tm") || !strcasecmp(s, "te,tm") || !strcasecmp(s, "both"))) c->npol = 2;
      else st = fail(x, v, "%s: expected te or te+tm (got '%s')", f->key, s ? s : "?");
      break;
    }
    case PROFILE: {
      const char *s = scalar(v);
      if (s && (!strcasecmp(s, "top-hat") || !strcasecmp(s, "tophat"))) c->pump_profile = GK_SIM_TOPHAT;
      else if (s && (!strcasecmp(s, "gaussian") || !strcasecmp(s, "gauss"))) c->pump_profile = GK_SIM_GAUSS;
      else st = fail(x, v, "%s: expected top-hat or gaussian (got '%s')", f->key, s ? s : "?");
      break;
    }
    case LAW: {
      const char *s = scalar(v);
      if (s && !strcasecmp(s, "saturating")) c->gain_law = GK_SIM_GAIN_SATURATING;
      else if (s && !strcasecmp(s, "linear")) c->gain_law = GK_SIM_GAIN_LINEAR;
      else st = fail(x, v, "%s: expected saturating or linear (got '%s')", f->key, s ? s : "?");
      break;
    }
    case ALONG: {
      const yaml_node_t *file = NULL;
      if (v && v->type == YAML_MAPPING_NODE)
        for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top; q++) {
          yaml_node_t *k2 = yaml_document_get_node(x->doc, q->key), *v2 = yaml_document_get_node(x->doc, q->value);
          if (scalar(k2) && !strcmp(scalar(k2), "file") && scalar(v2)) file = v2;
          else { st = fail(x, k2, "%s: unknown key '%s' (expected file)", f->key, scalar(k2) ? scalar(k2) : "?"); break; }
        }
      if (!st && !file) st = fail(x, v, "%s: expected {file: PROFILE.csv}%s", f->key, NULL);
      if (!st) {
        c->pump_along.peak = 1;
        st = read_table(x, f->key, file, scalar(file), &c->pump_along, 0);
      }
      break;
    }
    case DEPTH: {
      const char *s = scalar(v);
      if (s && (!strcasecmp(s, "beer-lambert") || !strcasecmp(s, "beer"))) x->f->pump_depth_stack = 0;
      else if (s && !strcasecmp(s, "stack")) x->f->pump_depth_stack = 1;
      else st = fail(x, v, "%s: expected beer-lambert or stack (got '%s')", f->key, s ? s : "?");
      x->f->pump_depth_line = line_of(v);
      break;
    }
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

/* Simpson's rule with 2 SLICE_SIMPSON intervals of fn over [a, b]. */
#define SLICE_SIMPSON 32
static double simpson_slice(double (*fn)(const void *, double), const void *ctx, double a, double b)
{
  double h = (b - a) / (2 * SLICE_SIMPSON), sum = fn(ctx, a) + fn(ctx, b);
  for (int i = 1; i < 2 * SLICE_SIMPSON; i++) sum += (i % 2 ? 4 : 2) * fn(ctx, a + i * h);
  return sum * h / 3;
}

static double absorb_at(const void *a, double z) { return gk_absorb_density(a, z); }

static double layer_top(const double *thick, size_t layer)
{
  double top = 0;
  for (size_t j = 1; j < layer; j++) top += thick[j];
  return top;
}

void gk_sim_depth_absorbed(const gk_absorb *a, size_t layer, size_t nz, double *share)
{
  double top = layer_top(a->thickness_nm, layer), d = a->thickness_nm[layer];
  /* the slices count from the pumped face: from the substrate side the
   * first slice is the bottom one */
  for (size_t z = 0; z < nz; z++) {
    double z0 = top + d * (double)z / (double)nz, z1 = top + d * (double)(z + 1) / (double)nz;
    share[a->reversed ? nz - 1 - z : z] = simpson_slice(absorb_at, a, z0, z1);
  }
}

int gk_sim_depth_weights(const gk_guide *g, const gk_mode *m, size_t layer, size_t nz, double *w, gk_error *err)
{
  double top = layer_top(g->thickness_nm, layer), d = g->thickness_nm[layer];
  size_t np = 2 * SLICE_SIMPSON + 1;
  double x[2 * SLICE_SIMPSON + 1], e2[2 * SLICE_SIMPSON + 1], sum = 0;
  for (size_t z = 0; z < nz; z++) {
    double z0 = top + d * (double)z / (double)nz, h = d / (double)nz / (double)(np - 1);
    /* just inside the slice at the layer's faces (an interface belongs to
     * the lower layer in gk_mode_field) */
    for (size_t i = 0; i < np; i++) x[i] = z0 + h * (double)i;
    if (z == 0) x[0] = top + 1e-9 * d;
    if (z + 1 == nz) x[np - 1] = top + d * (1 - 1e-9);
    int st = gk_mode_field(g, m, x, np, e2, NULL, err);
    if (st) return st;
    double s = e2[0] + e2[np - 1];
    for (size_t i = 1; i + 1 < np; i++) s += (i % 2 ? 4 : 2) * e2[i];
    w[z] = s * h / 3;
    sum += w[z];
  }
  for (size_t z = 0; z < nz; z++) w[z] = sum > 0 ? w[z] / sum : 1 / (double)nz;
  return GK_OK;
}

/* pump.depth: stack. The film's absorption at the pump is one number for
 * both kinds of film: the stack's extinction k of the active layer when it
 * has one there (α = 4πk/λ_p, which then replaces pump.absorption of a
 * bulk film and sets an emitter film's σ_p = α/N_tot), else the model's
 * own (bulk α_p, emitters σ_p N_tot). The stack's other layers and the
 * film's n give the reflections and interference. Bulk films take fixed
 * shares per slice (depth_pump, no bleaching); emitter films solve the
 * matrix per cell as they bleach (gk_sim_run). Both keep the stack at the
 * pump wavelength in cfg.pump_stack (the pump's reflected and transmitted
 * parts; docs/simulate.md). */
static int pump_stack(gk_error *err, gk_sim_file *f, const gk_stack *s, gk_error *e)
{
  gk_sim_config *c = &f->cfg;
  size_t N = s->nlayers, act = (size_t)s->active;
  int bulk = c->kinetics == GK_SIM_BULK, st = GK_OK;
  double lp = c->pump_wavelength;
  gk_absorb a;
  /* the stack's n + ik and thicknesses at the pump (gk_absorb_stack also
   * checks that the pump enters through a transparent layer) */
  if (gk_absorb_stack(s, lp, 0, &a, e) != GK_OK) return GK_OK;  /* e set: the caller reports it */
  double *t = malloc(3 * N * sizeof *t);
  if (!t) {
    gk_absorb_free(&a);
    return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  }
  /* the table: n, k, thickness per layer (cover and substrate 0 thick) */
  for (size_t j = 0; j < N; j++) {
    t[3 * j] = creal(a.index[j]);
    t[3 * j + 1] = cimag(a.index[j]);
    t[3 * j + 2] = a.thickness_nm[j];
  }
  double k = t[3 * act + 1], alpha = 4 * M_PI * k / (lp * 1e-7);
  if (k > 0) {
    if (bulk) {
      c->pump_absorption = alpha;
      gk_sim_depth_absorbed(&a, act, c->depth_slices, c->depth_pump);
    } else {
      c->pump_cross_section = alpha / c->density;
    }
  } else {
    /* no extinction in the stack: the model's own */
    double keff = (bulk ? c->pump_absorption : c->pump_cross_section * c->density) * (lp * 1e-7) / (4 * M_PI);
    t[3 * act + 1] = keff;
    if (bulk) {
      double *re = malloc(3 * N * sizeof *re), *im = re + N, *d = im + N;
      gk_absorb b;
      if (!re) {
        st = gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
      } else {
        for (size_t j = 0; j < N; j++) re[j] = t[3 * j], im[j] = t[3 * j + 1], d[j] = t[3 * j + 2];
        if (gk_absorb_layers(N, re, im, d, lp, &b, e) == GK_OK) {
          gk_sim_depth_absorbed(&b, act, c->depth_slices, c->depth_pump);
          gk_absorb_free(&b);
        }
      }
      free(re);
    }
  }
  gk_absorb_free(&a);
  if (st || e->code) {
    free(t);
    return st;
  }
  free(f->pump_stack);
  f->pump_stack = t;
  c->pump_stack = t;
  c->pump_stack_layers = N;
  c->pump_stack_active = act;
  return GK_OK;
}

/* Γ = share of the TE0 |E|² in the stack's active layer at the emission
 * peak: the mode the stripe's ASE travels in, where the gain sits. A step
 * of its own, after reading (config -> stack -> modes): reading a config
 * never solves a waveguide. Errors at the config line of confinement_from. */
int gk_sim_file_confinement(gk_sim_file *f, gk_error *err)
{
  if (!f->confinement_from[0]) return GK_OK;
  gk_sim_config *c = &f->cfg;
  struct { gk_error *err; const char *path; } xx = {err, f->config_path}, *x = &xx;
  const long line = f->confinement_line;
  double lam = c->emission.center;
  if (c->emission.ntab) {  /* table: its maximum */
    size_t m = 0;
    for (size_t i = 1; i < c->emission.ntab; i++)
      if (c->emission.tab_value[i] > c->emission.tab_value[m]) m = i;
    lam = c->emission.tab_lambda[m];
  }
  f->confinement_nm = lam;
  gk_stack s;
  gk_guide g;
  gk_modes md = {0};
  gk_error e;
  gk_error_clear(&e);
  char what[1200];
  if (gk_stack_load(f->confinement_from, &s, &e)) {
    gk_error_format(&e, what, sizeof what);
    return gk_error_set(x->err, GK_EINPUT, x->path, line, "confinement_from: %s", what);
  }
  int st = GK_OK;
  if (s.active < 0) {
    st = gk_error_set(x->err, GK_EINPUT, x->path, line,
                      "confinement_from: %s has no layer marked active: true", f->confinement_from);
  } else if (gk_guide_from_stack(&g, &s, lam, &e) == GK_OK) {
    /* the active layer's gain and absorption are the model's: its
     * extinction is left out of the modal loss taken from the stack */
    g.index[s.active] = creal(g.index[s.active]);
    int tm = c->npol == 2;
    if (gk_modes_find(&g, tm ? GK_MODES_TE | GK_MODES_TM : GK_MODES_TE, &md, &e) == GK_OK) {
      const gk_mode *m0[2] = {NULL, NULL};
      for (size_t i = 0; i < md.n; i++)
        if (md.mode[i].order == 0) m0[md.mode[i].pol == GK_TE ? 0 : 1] = &md.mode[i];
      for (int p = 0; p < 1 + tm && !st; p++) {
        if (!m0[p]) {
          st = gk_error_set(x->err, GK_EINPUT, x->path, line, "confinement_from: %s guides no %s mode at %g nm",
                            f->confinement_from, p ? "TM" : "TE", lam);
          break;
        }
        if (p) c->confinement_tm = m0[p]->confinement[s.active];
        else c->confinement = m0[p]->confinement[s.active];
        c->mode_loss[p] = m0[p]->loss_cm > 0 ? m0[p]->loss_cm : 0;
        if (c->depth_slices > 1 && gk_sim_depth_weights(&g, m0[p], (size_t)s.active, c->depth_slices,
                                                        c->depth_mode[p], &e) != GK_OK)
          break;
      }
      if (!st && !e.code && f->pump_depth_stack) st = pump_stack(x->err, f, &s, &e);
      gk_modes_free(&md);
    }
    gk_guide_free(&g);
  }
  if (!st && e.code) {
    gk_error_format(&e, what, sizeof what);
    st = gk_error_set(x->err, GK_EINPUT, x->path, line, "confinement_from: %s", what);
  }
  gk_stack_free(&s);
  return st;
}

void gk_sim_file_free(gk_sim_file *f)
{
  if (!f) return;
  for (int i = 0; i < 7; i++) {
    free(f->tables[i]);
    f->tables[i] = NULL;
  }
  free(f->sweep);
  f->sweep = NULL;
  free(f->pump_stack);
  f->pump_stack = NULL;
  f->nsweep = 0;
}

int gk_sim_config_read(const char *path, gk_sim_file *f, gk_error *err)
{
  memset(f, 0, sizeof *f);
  gk_sim_config_default(&f->cfg);
  yaml_document_t doc;
  /* one YAML loader for every input: size, depth and node limits first */
  int lst = gk_yaml_load(path, &doc, err);
  if (lst != GK_OK) return lst;
  ctx x = {&doc, path, err, f, {0}};
  const yaml_node_t *conf_node = NULL;
  yaml_node_t *root = yaml_document_get_root_node(&doc);
  int st = GK_OK;
  if (!root || root->type != YAML_MAPPING_NODE) {
    st = gk_error_set(err, GK_EINPUT, path, line_of(root), "expected a mapping of sections (film, stripe, pump, ...)");
  } else {
    static const struct { const char *name; const field *fs; } secs[] = {
        {"film", F_FILM}, {"stripe", F_STRIPE}, {"pump", F_PUMP}, {"emitter", F_EMIT},
        {"second_state", F_SECOND}, {"grid", F_GRID}, {"carriers", F_CARRIERS}};
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top && !st; p++) {
      yaml_node_t *k = yaml_document_get_node(&doc, p->key), *v = yaml_document_get_node(&doc, p->value);
      const char *ks = scalar(k);
      size_t i = 0, ns = sizeof secs / sizeof *secs;
      while (i < ns && !(ks && !strcmp(ks, secs[i].name))) i++;
      if (i < ns && !strcmp(ks, "film")) conf_node = v;
      if (i < ns && !strcmp(ks, "carriers")) f->cfg.kinetics = GK_SIM_BULK;
      if (i < ns) st = section(&x, ks, v, secs[i].fs, &f->cfg);
      else if (ks && !strcmp(ks, "name")) continue;
      else if (ks && !strcmp(ks, "sweep")) st = sweep(&x, v, f);
      else st = fail(&x, k, "unknown section '%s'%s", ks ? ks : "?", NULL);
    }
    /* after every section (the grid may come after the tables): a table
     * that misses the wavelength grid is a table in the wrong unit or for
     * another material; say which, at its line */
    static const char *tkey[6] = {"emission", "stimulated_emission", "ground_absorption", "excited_absorption",
                                  "background_loss", "sigma"};
    const gk_sim_config *c = &f->cfg;
    const gk_sim_band *tb[6] = {&c->emission, &c->sigma_e, &c->sigma_a, &c->sigma_esa, &c->background,
                                &c->gain_sigma};
    for (int i = 0; i < 6 && !st; i++)
      if (f->tables[i] && tb[i]->ntab && tb[i]->tab_lambda == f->tables[i] &&
          !(tb[i]->tab_lambda[tb[i]->ntab - 1] > c->lambda_min && tb[i]->tab_lambda[0] < c->lambda_max))
        st = gk_error_set(err, GK_EINPUT, path, x.table_line[i],
                          "%s: the table covers %g-%g nm, outside the wavelength grid %g-%g nm", tkey[i],
                          tb[i]->tab_lambda[0], tb[i]->tab_lambda[tb[i]->ntab - 1], c->lambda_min, c->lambda_max);
    /* Γ from a stack is not computed here but by gk_sim_file_confinement
     * (the caller chains it); until then confinement is NaN, which every
     * run rejects, so a forgotten step cannot pass for Γ = the default */
    if (!st && f->pump_depth_stack && !f->confinement_from[0])
      st = gk_error_set(err, GK_EINPUT, path, f->pump_depth_line,
                        "depth: stack needs film: confinement_from: STACK.yaml (the stack whose absorption is used)");
    if (!st && f->pump_depth_stack && f->cfg.depth_slices < 2)
      st = gk_error_set(err, GK_EINPUT, path, f->pump_depth_line,
                        "depth: stack needs film: depth_slices >= 2 (one slice is the depth-averaged model)");
    if (!st && f->confinement_from[0]) {
      f->confinement_line = line_of(conf_node);
      snprintf(f->config_path, sizeof f->config_path, "%s", path);
    }
    if (!st) {
      gk_error e;
      gk_error_clear(&e);
      if (gk_sim_config_check(&f->cfg, &e))
        st = gk_error_set(err, GK_EINPUT, path, 0, "%s", e.msg);
    }
    if (!st && f->confinement_from[0]) {
      f->cfg.confinement = NAN;
      if (f->cfg.npol == 2) f->cfg.confinement_tm = NAN;
    }
  }
  yaml_document_delete(&doc);
  if (st) gk_sim_file_free(f);
  return st;
}
