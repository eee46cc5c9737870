/* Stack description reader (see gainkit/stack.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gainkit/stack.h"
#include "gainkit/modes.h"   /* range limits shared with the mode solver */
#include "material/yamldoc.h"

static int parse_bool(gk_ydoc *d, yaml_node_t *n, int *out, gk_error *err)
{
  const char *s = gk_yscalar(n);
  if (s && (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "True"))) { *out = 1; return GK_OK; }
  if (s && (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "False"))) { *out = 0; return GK_OK; }
  return gk_yerr(d, n, err, "active must be true or false");
}

static int is_path(const char *s)
{
  size_t n = strlen(s);
  return strchr(s, '/') || (n > 4 && !strcmp(s + n - 4, ".yml")) || (n > 5 && !strcmp(s + n - 5, ".yaml"));
}

static int load_material(gk_ydoc *d, yaml_node_t *node, const char *basedir, gk_material **m, gk_error *err)
{
  const char *s = gk_yscalar(node);
  if (!s || !*s) return gk_yerr(d, node, err, "material must be a file name or a built-in name");
  if (!is_path(s)) {
    int rc = gk_material_builtin(s, m, err);
    /* the stack line naming the material is what the user has to fix */
    if (rc != GK_OK) return gk_yerr(d, node, err, "%s", err->msg);
    return rc;
  }
  char path[1024];
  if (s[0] == '/' || !basedir[0]) snprintf(path, sizeof path, "%s", s);
  else snprintf(path, sizeof path, "%s/%s", basedir, s);
  int rc = gk_material_load(path, m, err);
  if (rc == GK_EIO || rc == GK_ELIMIT) {
    /* Name the stack line that refers to the missing file: that is what the
     * user has to fix. */
    char msg[512];
    snprintf(msg, sizeof msg, "%s", err->msg);
    return gk_error_set(err, GK_EINPUT, d->file, gk_yline(node), "material file %s: %s", path, msg);
  }
  return rc;
}

static int parse_layer(gk_ydoc *d, yaml_node_t *ln, size_t idx, size_t nl, const char *basedir,
                       gk_layer *L, gk_error *err)
{
  memset(L, 0, sizeof *L);
  L->thickness_nm = NAN;
  L->line = gk_yline(ln);
  snprintf(L->name, sizeof L->name, "layer%zu", idx + 1);
  if (ln->type != YAML_MAPPING_NODE)
    return gk_yerr(d, ln, err, "a layer must be a mapping such as {name: film, n: 2.4, thickness_nm: 100}");
  static const char *const keys[] = {"name", "n", "k", "material", "thickness_nm", "active"};
  for (yaml_node_pair_t *p = ln->data.mapping.pairs.start; p < ln->data.mapping.pairs.top; p++) {
    yaml_node_t *k = yaml_document_get_node(&d->doc, p->key);
    const char *ks = gk_yscalar(k);
    int known = 0;
    for (size_t i = 0; ks && i < sizeof keys / sizeof *keys; i++) known |= !strcmp(ks, keys[i]);
    if (!known)
      return gk_yerr(d, k, err, "unknown layer key '%s' (name, n, k, material, thickness_nm, active)", ks ? ks : "?");
  }
  yaml_node_t *v;
  int rc;
  if ((v = gk_ymap_get(d, ln, "name"))) {
    if (!gk_yscalar(v)) return gk_yerr(d, v, err, "name must be text");
    snprintf(L->name, sizeof L->name, "%s", gk_yscalar(v));
  }
  yaml_node_t *nn = gk_ymap_get(d, ln, "n"), *kn = gk_ymap_get(d, ln, "k"), *mn = gk_ymap_get(d, ln, "material");
  if (nn && mn) return gk_yerr(d, mn, err, "layer '%s' has both n and material", L->name);
  if (!nn && !mn) return gk_yerr(d, ln, err, "layer '%s' needs n (and optional k) or material", L->name);
  if (kn && !nn) return gk_yerr(d, kn, err, "k needs n (a material file brings its own k)");
  if (nn) {
    if ((rc = gk_ynumber(d, nn, "n", &L->n, err)) != GK_OK) return rc;
    if (!(L->n > 0)) return gk_yerr(d, nn, err, "n must be positive");
    /* the mode solver's range limits (gainkit/modes.h), here with a line */
    if (!(L->n >= GK_MODES_INDEX_MIN && L->n <= GK_MODES_INDEX_MAX))
      return gk_yerr(d, nn, err, "n = %g is outside the supported range %g-%g", L->n, GK_MODES_INDEX_MIN, GK_MODES_INDEX_MAX);
    if (kn && (rc = gk_ynumber(d, kn, "k", &L->k, err)) != GK_OK) return rc;
    if (kn && !(fabs(L->k) <= GK_MODES_INDEX_MAX))
      return gk_yerr(d, kn, err, "k = %g is outside the supported range -%g-%g", L->k, GK_MODES_INDEX_MAX, GK_MODES_INDEX_MAX);
  } else if ((rc = load_material(d, mn, basedir, &L->mat, err)) != GK_OK) {
    return rc;
  }
  int edge = idx == 0 || idx + 1 == nl;
  if ((v = gk_ymap_get(d, ln, "thickness_nm"))) {
    if (edge)
      return gk_yerr(d, v, err, "the %s is semi-infinite: remove thickness_nm", idx == 0 ? "cover (first layer)" : "substrate (last layer)");
    if ((rc = gk_ynumber(d, v, "thickness_nm", &L->thickness_nm, err)) != GK_OK) return rc;
    if (!(L->thickness_nm > 0)) return gk_yerr(d, v, err, "thickness_nm must be positive");
    if (!(L->thickness_nm >= GK_MODES_THICK_MIN_NM && L->thickness_nm <= GK_MODES_THICK_MAX_NM))
      return gk_yerr(d, v, err, "thickness_nm = %g is outside the supported range %g-%g nm", L->thickness_nm,
                     GK_MODES_THICK_MIN_NM, GK_MODES_THICK_MAX_NM);
  } else if (!edge) {
    return gk_yerr(d, ln, err, "layer '%s' needs thickness_nm", L->name);
  }
  if ((v = gk_ymap_get(d, ln, "active")) && (rc = parse_bool(d, v, &L->active, err)) != GK_OK) return rc;
  return GK_OK;
}

/* A `layers:` entry {repeat: N, layers: [...]} stands for its layers written
 * N times (e.g. the pairs of a distributed Bragg reflector). Groups nest.
 * The flat list holds the (shared) YAML nodes; *n counts them. */
#define GK_STACK_MAX_LAYERS 100000
static int expand_into(gk_ydoc *d, yaml_node_t *seq, yaml_node_t ***out, size_t *n, size_t *cap, int depth,
                       gk_error *err)
{
  if (depth > 8) return gk_yerr(d, seq, err, "repeat groups nested more than 8 deep");
  for (yaml_node_item_t *it = seq->data.sequence.items.start; it < seq->data.sequence.items.top; it++) {
    yaml_node_t *ln = yaml_document_get_node(&d->doc, *it);
    yaml_node_t *rep = ln->type == YAML_MAPPING_NODE ? gk_ymap_get(d, ln, "repeat") : NULL;
    if (!rep) {
      if (*n == *cap) {
        size_t c = *cap ? 2 * *cap : 16;
        yaml_node_t **nn = realloc(*out, c * sizeof *nn);
        if (!nn) return gk_error_set(err, GK_ENOMEM, d->file, 0, "out of memory");
        *out = nn;
        *cap = c;
      }
      (*out)[(*n)++] = ln;
      continue;
    }
    for (yaml_node_pair_t *p = ln->data.mapping.pairs.start; p < ln->data.mapping.pairs.top; p++) {
      const char *ks = gk_yscalar(yaml_document_get_node(&d->doc, p->key));
      if (!ks || (strcmp(ks, "repeat") && strcmp(ks, "layers")))
        return gk_yerr(d, yaml_document_get_node(&d->doc, p->key), err,
                       "unknown key '%s' in a repeat group (repeat, layers)", ks ? ks : "?");
    }
    double r;
    int rc = gk_ynumber(d, rep, "repeat", &r, err);
    if (rc != GK_OK) return rc;
    if (!(r >= 1 && r <= 10000 && r == floor(r)))
      return gk_yerr(d, rep, err, "repeat must be a whole number from 1 to 10000");
    yaml_node_t *sub = gk_ymap_get(d, ln, "layers");
    if (!sub || sub->type != YAML_SEQUENCE_NODE || sub->data.sequence.items.top == sub->data.sequence.items.start)
      return gk_yerr(d, sub ? sub : ln, err, "a repeat group needs 'layers:' listing at least one layer");
    for (long k = 0; k < (long)r; k++) {
      if ((rc = expand_into(d, sub, out, n, cap, depth + 1, err)) != GK_OK) return rc;
      if (*n > GK_STACK_MAX_LAYERS) return gk_yerr(d, rep, err, "more than %d layers after repeat", GK_STACK_MAX_LAYERS);
    }
  }
  return GK_OK;
}

static int expand_layers(gk_ydoc *d, yaml_node_t *seq, yaml_node_t ***out, size_t *n, gk_error *err)
{
  size_t cap = 0;
  *out = NULL;
  *n = 0;
  int rc = expand_into(d, seq, out, n, &cap, 0, err);
  if (rc != GK_OK) { free(*out); *out = NULL; *n = 0; }
  return rc;
}

int gk_stack_load(const char *path, gk_stack *s, gk_error *err)
{
  memset(s, 0, sizeof *s);
  s->active = -1;
  s->wavelength_nm = NAN;
  snprintf(s->file, sizeof s->file, "%s", path);
  gk_ydoc d;
  int rc = gk_ydoc_load(&d, path, err);
  if (rc != GK_OK) return rc;
  char basedir[512];
  snprintf(basedir, sizeof basedir, "%s", path);
  char *slash = strrchr(basedir, '/');
  if (slash) *slash = '\0'; else basedir[0] = '\0';

  yaml_node_t *root = gk_ydoc_root(&d), *v;
  if (root->type != YAML_MAPPING_NODE) { rc = gk_yerr(&d, root, err, "a stack file is a mapping with 'layers:'"); goto done; }
  for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
    yaml_node_t *k = yaml_document_get_node(&d.doc, p->key);
    const char *ks = gk_yscalar(k);
    if (!ks || (strcmp(ks, "layers") && strcmp(ks, "wavelength_nm"))) {
      rc = gk_yerr(&d, k, err, "unknown key '%s' (layers, wavelength_nm)", ks ? ks : "?");
      goto done;
    }
  }
  if ((v = gk_ymap_get(&d, root, "wavelength_nm"))) {
    if ((rc = gk_ynumber(&d, v, "wavelength_nm", &s->wavelength_nm, err)) != GK_OK) goto done;
    if (!(s->wavelength_nm > 0)) { rc = gk_yerr(&d, v, err, "wavelength_nm must be positive"); goto done; }
    if (!(s->wavelength_nm >= GK_MODES_WL_MIN_NM && s->wavelength_nm <= GK_MODES_WL_MAX_NM)) {
      rc = gk_yerr(&d, v, err, "wavelength_nm = %g is outside the supported range %g-%g nm", s->wavelength_nm,
                   GK_MODES_WL_MIN_NM, GK_MODES_WL_MAX_NM);
      goto done;
    }
  }
  yaml_node_t *layers = gk_ymap_get(&d, root, "layers");
  if (!layers || layers->type != YAML_SEQUENCE_NODE) {
    rc = gk_yerr(&d, layers ? layers : root, err, "'layers:' must list the layers from top to bottom");
    goto done;
  }
  /* Expand `- {repeat: N, layers: [...]}` entries (a DBR written compactly)
   * into a flat list of layer nodes first. */
  yaml_node_t **flat = NULL;
  size_t nl = 0;
  if ((rc = expand_layers(&d, layers, &flat, &nl, err)) != GK_OK) goto done;
  if (nl < 2) { free(flat); rc = gk_yerr(&d, layers, err, "a stack needs at least a cover and a substrate (2 layers)"); goto done; }
  s->layers = calloc(nl, sizeof *s->layers);
  if (!s->layers) { free(flat); rc = gk_error_set(err, GK_ENOMEM, path, 0, "out of memory"); goto done; }
  for (size_t i = 0; i < nl; i++) {
    yaml_node_t *ln = flat[i];
    rc = parse_layer(&d, ln, i, nl, basedir, &s->layers[i], err);
    s->nlayers = i + 1;  /* so that gk_stack_free releases its material */
    if (rc != GK_OK) break;
    if (s->layers[i].active) {
      if (s->active >= 0) {
        rc = gk_yerr(&d, ln, err, "more than one active layer ('%s' and '%s')", s->layers[s->active].name, s->layers[i].name);
        break;
      }
      s->active = (int)i;
    }
  }
  free(flat);
done:
  gk_ydoc_free(&d);
  if (rc != GK_OK) gk_stack_free(s);
  return rc;
}

void gk_stack_free(gk_stack *s)
{
  if (!s) return;
  for (size_t i = 0; i < s->nlayers; i++) gk_material_free(s->layers[i].mat);
  free(s->layers);
  s->layers = NULL;
  s->nlayers = 0;
}

int gk_stack_index(const gk_stack *s, double wavelength_nm, double *re, double *im, gk_error *err)
{
  for (size_t i = 0; i < s->nlayers; i++) {
    const gk_layer *L = &s->layers[i];
    if (!L->mat) { re[i] = L->n; im[i] = L->k; continue; }
    gk_error e;
    gk_error_clear(&e);
    if (gk_material_nk(L->mat, wavelength_nm, &re[i], &im[i], &e) != GK_OK)
      return gk_error_set(err, GK_EUSAGE, s->file, L->line, "layer '%s': %s", L->name, e.msg);
  }
  return GK_OK;
}

int gk_stack_find(const gk_stack *s, const char *key)
{
  for (size_t i = 0; i < s->nlayers; i++)
    if (!strcmp(s->layers[i].name, key)) return (int)i;
  char *end;
  long v = strtol(key, &end, 10);
  if (*key && !*end && v >= 1 && (size_t)v <= s->nlayers) return (int)v - 1;
  return -1;
}
