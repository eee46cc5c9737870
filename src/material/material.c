/* Optical constants: refractiveindex.info YAML files and built-ins. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gsl/gsl_interp.h>

#include "gainkit/material.h"
#include "material/yamldoc.h"
#include "core/core_internal.h"

#define GK_MAT_MAXC 24

typedef struct table {
  size_t np;
  double *wl, *v;   /* wavelength (µm), value */
  gsl_interp *interp;
} table;

struct gk_material {
  char name[512];
  int n_formula;            /* 1..9, or 0 when n comes from a table */
  double c[GK_MAT_MAXC];
  size_t nc;
  double flo, fhi;          /* formula range (µm) */
  table tn, tk;             /* np == 0 when absent */
};

/* ---- formulas -------------------------------------------------------------
 * Definitions as in the refractiveindex.info database documentation
 * (λ in µm, C1..Cn = c[0..n-1]); missing trailing coefficients are 0. */
int gk_material_formula(int formula, const double *cin, size_t nc, double L, double *n,
                        gk_error *err)
{
  double c[GK_MAT_MAXC] = {0};
  if (nc > GK_MAT_MAXC) nc = GK_MAT_MAXC;
  memcpy(c, cin, nc * sizeof *c);
  double L2 = L * L, r = c[0], n2 = NAN, nn = NAN;
  switch (formula) {
  case 1: /* Sellmeier: n^2 - 1 = C1 + sum Ci λ^2/(λ^2 - C(i+1)^2) */
    for (size_t i = 1; i + 1 < GK_MAT_MAXC && i < nc; i += 2) r += c[i] * L2 / (L2 - c[i + 1] * c[i + 1]);
    n2 = r + 1;
    break;
  case 2: /* Sellmeier-2: n^2 - 1 = C1 + sum Ci λ^2/(λ^2 - C(i+1)) */
    for (size_t i = 1; i + 1 < GK_MAT_MAXC && i < nc; i += 2) r += c[i] * L2 / (L2 - c[i + 1]);
    n2 = r + 1;
    break;
  case 3: /* polynomial: n^2 = C1 + sum Ci λ^C(i+1) */
    for (size_t i = 1; i + 1 < GK_MAT_MAXC && i < nc; i += 2) r += c[i] * pow(L, c[i + 1]);
    n2 = r;
    break;
  case 4: /* RefractiveIndex.INFO: two Sellmeier-like terms with free powers,
             then polynomial terms from C10 on */
    for (size_t i = 1; i <= 5; i += 4) r += c[i] * pow(L, c[i + 1]) / (L2 - pow(c[i + 2], c[i + 3]));
    for (size_t i = 9; i + 1 < GK_MAT_MAXC && i < nc; i += 2) r += c[i] * pow(L, c[i + 1]);
    n2 = r;
    break;
  case 5: /* Cauchy: n = C1 + sum Ci λ^C(i+1) */
    for (size_t i = 1; i + 1 < GK_MAT_MAXC && i < nc; i += 2) r += c[i] * pow(L, c[i + 1]);
    nn = r;
    break;
  case 6: /* gases: n - 1 = C1 + sum Ci/(C(i+1) - λ^-2) */
    for (size_t i = 1; i + 1 < GK_MAT_MAXC && i < nc; i += 2) r += c[i] / (c[i + 1] - 1.0 / L2);
    nn = r + 1;
    break;
  case 7: { /* Herzberger: n = C1 + C2/(λ^2-0.028) + C3/(λ^2-0.028)^2 + C4 λ^2 + C5 λ^4 + C6 λ^6 */
    double q = 1.0 / (L2 - 0.028);
    nn = c[0] + c[1] * q + c[2] * q * q + c[3] * L2 + c[4] * L2 * L2 + c[5] * L2 * L2 * L2;
    break;
  }
  case 8: { /* retro: (n^2-1)/(n^2+2) = C1 + C2 λ^2/(λ^2-C3) + C4 λ^2 */
    double q = c[0] + c[1] * L2 / (L2 - c[2]) + c[3] * L2;
    n2 = (1 + 2 * q) / (1 - q);
    break;
  }
  case 9: { /* exotic: n^2 = C1 + C2/(λ^2-C3) + C4 (λ-C5)/((λ-C5)^2 + C6) */
    double t = L - c[4];
    n2 = c[0] + c[1] / (L2 - c[2]) + c[3] * t / (t * t + c[5]);
    break;
  }
  default:
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "unknown dispersion formula %d (1 to 9)", formula);
  }
  if (n2 == n2) {
    if (!(n2 > 0) || !isfinite(n2))
      return gk_error_set(err, GK_EDOM, NULL, 0, "formula %d gives n^2 = %g at %g um", formula, n2, L);
    nn = sqrt(n2);
  }
  if (!isfinite(nn) || nn <= 0)
    return gk_error_set(err, GK_EDOM, NULL, 0, "formula %d gives n = %g at %g um", formula, nn, L);
  *n = nn;
  return GK_OK;
}

/* ---- tables ---------------------------------------------------------------- */
static void table_free(table *t)
{
  if (t->interp) gsl_interp_free(t->interp);
  free(t->wl);
  free(t->v);
  memset(t, 0, sizeof *t);
}

static int table_finish(table *t)
{
  t->interp = gsl_interp_alloc(gsl_interp_linear, t->np);
  if (!t->interp) return GK_ENOMEM;
  gsl_interp_init(t->interp, t->wl, t->v, t->np);
  return GK_OK;
}

static double table_eval(const table *t, double L)
{
  /* No accelerator: a gk_material is shared between threads. The clamp
   * absorbs nm <-> um rounding at the ends (the range was checked). */
  L = fmin(fmax(L, t->wl[0]), t->wl[t->np - 1]);
  return gsl_interp_eval(t->interp, t->wl, t->v, L, NULL);
}

/* Parse the `data` block of a tabulated item: rows of ncol numbers. Rows of
 * a literal block start on the line after the key, which gives us the line
 * of each bad row. tn/tk receive columns 2 and 3 (tk may be NULL). */
static int parse_table(gk_ydoc *d, yaml_node_t *node, int ncol, table *tn, table *tk, gk_error *err)
{
  const char *s = gk_yscalar(node);
  if (!s) return gk_yerr(d, node, err, "tabulated data must be a block of numbers");
  long line0 = gk_yline(node);
  if (node->data.scalar.style == YAML_LITERAL_SCALAR_STYLE || node->data.scalar.style == YAML_FOLDED_SCALAR_STYLE)
    line0++;
  size_t cap = 64, np = 0;
  double *w = malloc(cap * sizeof *w), *a = malloc(cap * sizeof *a), *b = malloc(cap * sizeof *b);
  int rc = GK_OK;
  if (!w || !a || !b) { rc = GK_ENOMEM; goto fail; }
  long row = 0;
  for (const char *p = s; *p; row++) {
    const char *eol = strchr(p, '\n');
    size_t len = eol ? (size_t)(eol - p) : strlen(p);
    char buf[256];
    if (len >= sizeof buf) len = sizeof buf - 1;
    memcpy(buf, p, len);
    buf[len] = '\0';
    p = eol ? eol + 1 : p + strlen(p);
    char *q = buf;
    while (isspace((unsigned char)*q)) q++;
    if (!*q) continue;
    double v[3];
    int k = 0;
    char *end;
    while (k < 4) {
      while (isspace((unsigned char)*q)) q++;
      if (!*q) break;
      if (k == ncol) { k++; break; }
      v[k] = strtod(q, &end);
      if (end == q || !isfinite(v[k])) { k = -1; break; }
      q = end;
      k++;
    }
    long ln = line0 + row;
    if (k != ncol) {
      rc = gk_error_set(err, GK_EINPUT, d->file, ln, "tabulated row must have %d numbers (wavelength in um%s)",
                        ncol, ncol == 3 ? ", n, k" : ", value");
      goto fail;
    }
    if (np && !(v[0] > w[np - 1])) {
      rc = gk_error_set(err, GK_EINPUT, d->file, ln, "wavelengths must increase (%g after %g)", v[0], w[np - 1]);
      goto fail;
    }
    if (!(v[0] > 0)) {
      rc = gk_error_set(err, GK_EINPUT, d->file, ln, "wavelength must be positive");
      goto fail;
    }
    if (np == cap) {
      cap *= 2;
      double *w2 = realloc(w, cap * sizeof *w); if (w2) w = w2;
      double *a2 = realloc(a, cap * sizeof *a); if (a2) a = a2;
      double *b2 = realloc(b, cap * sizeof *b); if (b2) b = b2;
      if (!w2 || !a2 || !b2) { rc = GK_ENOMEM; goto fail; }
    }
    w[np] = v[0];
    a[np] = v[1];
    b[np] = ncol == 3 ? v[2] : 0;
    np++;
  }
  if (np < 2) {
    rc = gk_yerr(d, node, err, "tabulated data need at least 2 rows");
    goto fail;
  }
  tn->np = np;
  tn->wl = w;
  tn->v = a;
  w = a = NULL;
  if ((rc = table_finish(tn)) != GK_OK) goto fail;
  if (tk) {
    tk->np = np;
    tk->wl = malloc(np * sizeof *tk->wl);
    if (!tk->wl) { rc = GK_ENOMEM; goto fail; }
    memcpy(tk->wl, tn->wl, np * sizeof *tk->wl);
    tk->v = b;
    b = NULL;
    if ((rc = table_finish(tk)) != GK_OK) goto fail;
  }
  free(b);
  return GK_OK;
fail:
  free(w); free(a); free(b);
  if (rc == GK_ENOMEM) gk_error_set(err, GK_ENOMEM, d->file, 0, "out of memory");
  return rc;
}

static int parse_item(gk_ydoc *d, gk_material *m, yaml_node_t *item, gk_error *err)
{
  yaml_node_t *tnode = gk_ymap_get(d, item, "type");
  const char *type = gk_yscalar(tnode);
  if (!type) return gk_yerr(d, item, err, "DATA item needs a 'type'");
  int has_n = m->n_formula || m->tn.np, has_k = m->tk.np > 0;
  if (strncmp(type, "formula ", 8) == 0) {
    char *end;
    long f = strtol(type + 8, &end, 10);
    if (*end || f < 1 || f > 9) return gk_yerr(d, tnode, err, "unknown type '%s' (formula 1 to 9)", type);
    if (has_n) return gk_yerr(d, tnode, err, "more than one source of n");
    yaml_node_t *rn = gk_ymap_get(d, item, "wavelength_range");
    yaml_node_t *cn = gk_ymap_get(d, item, "coefficients");
    const char *rs = gk_yscalar(rn), *cs = gk_yscalar(cn);
    if (!rs) return gk_yerr(d, item, err, "formula needs 'wavelength_range: MIN MAX' (um)");
    if (!cs) return gk_yerr(d, item, err, "formula needs 'coefficients'");
    if (sscanf(rs, "%lf %lf", &m->flo, &m->fhi) != 2 || !(m->flo > 0) || !(m->fhi > m->flo))
      return gk_yerr(d, rn, err, "wavelength_range must be two increasing wavelengths (um)");
    const char *p = cs;
    m->nc = 0;
    for (;;) {
      while (isspace((unsigned char)*p)) p++;
      if (!*p) break;
      if (m->nc == GK_MAT_MAXC) return gk_yerr(d, cn, err, "too many coefficients (at most %d)", GK_MAT_MAXC);
      double v = strtod(p, &end);
      if (end == p || !isfinite(v)) return gk_yerr(d, cn, err, "coefficients must be numbers");
      m->c[m->nc++] = v;
      p = end;
    }
    if (!m->nc) return gk_yerr(d, cn, err, "no coefficients");
    m->n_formula = (int)f;
    return GK_OK;
  }
  yaml_node_t *data = gk_ymap_get(d, item, "data");
  if (!strcmp(type, "tabulated nk")) {
    if (has_n || has_k) return gk_yerr(d, tnode, err, "more than one source of n or k");
    return parse_table(d, data, 3, &m->tn, &m->tk, err);
  }
  if (!strcmp(type, "tabulated n")) {
    if (has_n) return gk_yerr(d, tnode, err, "more than one source of n");
    return parse_table(d, data, 2, &m->tn, NULL, err);
  }
  if (!strcmp(type, "tabulated k")) {
    if (has_k) return gk_yerr(d, tnode, err, "more than one source of k");
    return parse_table(d, data, 2, &m->tk, NULL, err);
  }
  return gk_yerr(d, tnode, err, "unknown type '%s' (tabulated nk, tabulated n, tabulated k, formula 1..9)", type);
}

int gk_material_load(const char *path, gk_material **out, gk_error *err)
{
  gk_gsl_init_();
  *out = NULL;
  gk_ydoc d;
  int rc = gk_ydoc_load(&d, path, err);
  if (rc != GK_OK) return rc;
  gk_material *m = calloc(1, sizeof *m);
  if (!m) { gk_ydoc_free(&d); return gk_error_set(err, GK_ENOMEM, path, 0, "out of memory"); }
  snprintf(m->name, sizeof m->name, "%s", path);
  yaml_node_t *root = gk_ydoc_root(&d);
  yaml_node_t *data = gk_ymap_get(&d, root, "DATA");
  if (!data || data->type != YAML_SEQUENCE_NODE) {
    rc = gk_yerr(&d, data ? data : root, err, "not a refractiveindex.info file: no DATA list");
    goto done;
  }
  for (yaml_node_item_t *it = data->data.sequence.items.start; it < data->data.sequence.items.top; it++) {
    yaml_node_t *item = yaml_document_get_node(&d.doc, *it);
    if (!item || item->type != YAML_MAPPING_NODE) { rc = gk_yerr(&d, item, err, "DATA item must be a mapping"); goto done; }
    if ((rc = parse_item(&d, m, item, err)) != GK_OK) goto done;
  }
  if (!m->n_formula && !m->tn.np) { rc = gk_yerr(&d, data, err, "DATA gives no refractive index n"); goto done; }
  double lo, hi;
  gk_material_range(m, &lo, &hi);
  if (!(lo < hi)) rc = gk_yerr(&d, data, err, "the n and k data do not overlap in wavelength");
done:
  gk_ydoc_free(&d);
  if (rc != GK_OK) { gk_material_free(m); return rc; }
  *out = m;
  return GK_OK;
}

void gk_material_range(const gk_material *m, double *lo_nm, double *hi_nm)
{
  double lo = m->n_formula ? m->flo : m->tn.wl[0];
  double hi = m->n_formula ? m->fhi : m->tn.wl[m->tn.np - 1];
  if (m->tk.np) {
    lo = fmax(lo, m->tk.wl[0]);
    hi = fmin(hi, m->tk.wl[m->tk.np - 1]);
  }
  *lo_nm = lo * 1e3;
  *hi_nm = hi * 1e3;
}

int gk_material_nk(const gk_material *m, double wavelength_nm, double *n, double *k, gk_error *err)
{
  gk_gsl_init_();
  double lo, hi;
  gk_material_range(m, &lo, &hi);
  /* Tolerate rounding at the ends (nm <-> µm conversion). */
  double tol = 1e-9 * hi;
  if (!(wavelength_nm >= lo - tol && wavelength_nm <= hi + tol))
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "%s: wavelength %g nm is outside its data range %g-%g nm",
                        m->name, wavelength_nm, lo, hi);
  double L = fmin(fmax(wavelength_nm * 1e-3, lo * 1e-3), hi * 1e-3);
  if (m->n_formula) {
    int rc = gk_material_formula(m->n_formula, m->c, m->nc, L, n, err);
    if (rc != GK_OK) return rc;
  } else {
    *n = table_eval(&m->tn, L);
  }
  *k = m->tk.np ? table_eval(&m->tk, L) : 0.0;
  return GK_OK;
}

const char *gk_material_name(const gk_material *m) { return m->name; }

void gk_material_free(gk_material *m)
{
  if (!m) return;
  table_free(&m->tn);
  table_free(&m->tk);
  free(m);
}

/* ---- built-in library -------------------------------------------------------
 * Transparent dielectrics only: absorbing materials (metals, ITO, perovskites)
 * depend on preparation and belong in a file the user chooses. */
static const struct builtin {
  const char *name, *aliases, *ref;
  int formula;
  double lo, hi;   /* µm */
  size_t nc;
  double c[8];
} builtins[] = {
  {"air", "", "P. E. Ciddor, Appl. Opt. 35, 1566 (1996), standard air, 15 C, 101325 Pa, 450 ppm CO2",
   6, 0.23, 1.69, 5, {0, 0.05792105, 238.0185, 0.00167917, 57.362}},
  {"SiO2", "quartz,silica,fused-silica", "I. H. Malitson, J. Opt. Soc. Am. 55, 1205 (1965), fused silica, 20 C",
   1, 0.21, 6.7, 7, {0, 0.6961663, 0.0684043, 0.4079426, 0.1162414, 0.8974794, 9.896161}},
  {"Al2O3", "sapphire", "I. H. Malitson, J. Opt. Soc. Am. 52, 1377 (1962), sapphire, ordinary ray",
   1, 0.2652, 5.577, 7, {0, 1.023798, 0.06144821, 1.058264, 0.1106997, 5.280792, 17.92656}},
  {"Si3N4", "", "K. Luke et al., Opt. Lett. 40, 4823 (2015), LPCVD Si3N4",
   1, 0.310, 5.504, 5, {0, 3.0249, 0.1353406, 40314, 1239.842}},
  {"BK7", "N-BK7", "SCHOTT optical glass data sheet, N-BK7",
   2, 0.3, 2.5, 7, {0, 1.03961212, 0.00600069867, 0.231792344, 0.0200179144, 1.01046945, 103.560653}},
  {"TiO2", "rutile", "J. R. DeVore, J. Opt. Soc. Am. 41, 416 (1951), rutile, ordinary ray",
   9, 0.43, 1.53, 6, {5.913, 0.2441, 0.0803, 0, 0, 0}},
};
#define NBUILTIN (sizeof builtins / sizeof builtins[0])

const char *gk_material_builtin_name(size_t i) { return i < NBUILTIN ? builtins[i].name : NULL; }
const char *gk_material_builtin_reference(size_t i) { return i < NBUILTIN ? builtins[i].ref : NULL; }

static int name_matches(const struct builtin *b, const char *name)
{
  if (!strcasecmp(b->name, name)) return 1;
  char buf[128];
  snprintf(buf, sizeof buf, "%s", b->aliases);
  char *save = NULL;
  for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
    if (!strcasecmp(t, name)) return 1;
  return 0;
}

int gk_material_builtin(const char *name, gk_material **out, gk_error *err)
{
  gk_gsl_init_();
  *out = NULL;
  for (size_t i = 0; i < NBUILTIN; i++) {
    const struct builtin *b = &builtins[i];
    if (!name_matches(b, name)) continue;
    gk_material *m = calloc(1, sizeof *m);
    if (!m) return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
    snprintf(m->name, sizeof m->name, "%s", b->name);
    m->n_formula = b->formula;
    m->nc = b->nc;
    memcpy(m->c, b->c, b->nc * sizeof *b->c);
    m->flo = b->lo;
    m->fhi = b->hi;
    *out = m;
    return GK_OK;
  }
  char list[256] = "";
  for (size_t i = 0; i < NBUILTIN; i++) {
    strncat(list, builtins[i].name, sizeof list - strlen(list) - 1);
    if (i + 1 < NBUILTIN) strncat(list, ", ", sizeof list - strlen(list) - 1);
  }
  return gk_error_set(err, GK_EUSAGE, NULL, 0, "unknown material '%s' (built-ins: %s; or a .yml file)", name, list);
}
