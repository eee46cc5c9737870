/* scheme_yaml.c — a kinetic scheme for gk_tamap_global_fit from a small
 * YAML file (gainkit/tamap.h, gk_tamap_scheme_read), read through the
 * library's one YAML loader (src/material/yamldoc.c: size, depth and node
 * limits, FILE:LINE errors). Each transition is handed to the text parser
 * (gk_tamap_scheme_parse) so that both forms mean the same. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gainkit/tamap.h"
#include "gainkit/units.h"
#include "material/yamldoc.h"

static int bad_name(const char *s)
{
  if (!*s || strlen(s) >= 32) return 1;
  for (; *s; s++)
    if (strchr(",;:!=->/ \t", *s)) return 1;
  return 0;
}

static int is_ground(const char *s) { return strcmp(s, "0") == 0 || strcmp(s, "GS") == 0 || strcmp(s, "ground") == 0; }

static int comp_of(const gk_tamap_scheme *s, const char *name)
{
  for (int i = 0; i < s->ncomp; i++)
    if (strcmp(s->name[i], name) == 0) return i;
  return -1;
}

/* populations "A=1,B=0.3" of a mapping node */
static int init_text(gk_ydoc *d, yaml_node_t *m, char *out, size_t cap, gk_error *err)
{
  if (m->type != YAML_MAPPING_NODE)
    return gk_yerr(d, m, err, "initial: a mapping of compartment: population (e.g. {X: 1, XX: 0.2})");
  out[0] = '\0';
  size_t len = 0;
  for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
    yaml_node_t *k = yaml_document_get_node(&d->doc, p->key), *v = yaml_document_get_node(&d->doc, p->value);
    const char *ks = gk_yscalar(k);
    if (!ks || bad_name(ks)) return gk_yerr(d, k, err, "initial: '%s' is not a compartment name", ks ? ks : "?");
    double x;
    if (gk_ynumber(d, v, "initial population", &x, err) != GK_OK) return GK_EINPUT;
    if (x < 0) return gk_yerr(d, v, err, "initial population of %s: %g < 0", ks, x);
    int n = snprintf(out + len, cap - len, "%s%s=%.17g", len ? "," : "", ks, x);
    if (n < 0 || (size_t)n >= cap - len) return gk_yerr(d, m, err, "initial: too long");
    len += (size_t)n;
  }
  return GK_OK;
}

int gk_tamap_scheme_read(const char *path, gk_tamap_scheme *s, double *c0_sets, size_t max_sets,
                         size_t *nsets, gk_error *err)
{
  memset(s, 0, sizeof *s);
  *nsets = 0;
  gk_ydoc d;
  int rc = gk_ydoc_load(&d, path, err);
  if (rc != GK_OK) return rc;
  yaml_node_t *root = gk_ydoc_root(&d);
  char text[1024] = "", init[GK_TAMAP_MAX_SETS][512];
  size_t tl = 0, ninit = 0;
  long init_line = 0;
  yaml_node_t *tr, *in, *co;
  if (!root || root->type != YAML_MAPPING_NODE) {
    rc = gk_yerr(&d, root, err, "a kinetic scheme is a mapping with 'transitions' (and 'initial', 'compartments')");
    goto out;
  }
  for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
    yaml_node_t *k = yaml_document_get_node(&d.doc, p->key);
    const char *ks = gk_yscalar(k);
    if (!ks || (strcmp(ks, "transitions") && strcmp(ks, "initial") && strcmp(ks, "compartments"))) {
      rc = gk_yerr(&d, k, err, "unknown key '%s' (transitions, initial, compartments)", ks ? ks : "?");
      goto out;
    }
  }
  tr = gk_ymap_get(&d, root, "transitions");
  if (!tr || tr->type != YAML_SEQUENCE_NODE || tr->data.sequence.items.top == tr->data.sequence.items.start) {
    rc = gk_yerr(&d, tr ? tr : root, err, "transitions: a list of {from, to, rate or lifetime[, fixed]}");
    goto out;
  }
  for (yaml_node_item_t *it = tr->data.sequence.items.start; it < tr->data.sequence.items.top; it++) {
    yaml_node_t *t = yaml_document_get_node(&d.doc, *it);
    if (t->type != YAML_MAPPING_NODE) {
      rc = gk_yerr(&d, t, err, "a transition is a mapping {from: A, to: B, lifetime: 10ps}");
      goto out;
    }
    const char *from = NULL, *to = NULL, *rate = NULL, *life = NULL;
    int fixed = 0;
    for (yaml_node_pair_t *p = t->data.mapping.pairs.start; p < t->data.mapping.pairs.top; p++) {
      yaml_node_t *k = yaml_document_get_node(&d.doc, p->key), *v = yaml_document_get_node(&d.doc, p->value);
      const char *ks = gk_yscalar(k), *vs = gk_yscalar(v);
      if (!ks || !vs) { rc = gk_yerr(&d, k, err, "transition: keys and values are scalars"); goto out; }
      if (!strcmp(ks, "from")) from = vs;
      else if (!strcmp(ks, "to")) to = vs;
      else if (!strcmp(ks, "rate")) rate = vs;
      else if (!strcmp(ks, "lifetime")) life = vs;
      else if (!strcmp(ks, "fixed")) {
        if (!strcmp(vs, "true") || !strcmp(vs, "yes")) fixed = 1;
        else if (!strcmp(vs, "false") || !strcmp(vs, "no")) fixed = 0;
        else { rc = gk_yerr(&d, v, err, "fixed: '%s' is not true or false", vs); goto out; }
      } else {
        rc = gk_yerr(&d, k, err, "transition: unknown key '%s' (from, to, rate, lifetime, fixed)", ks);
        goto out;
      }
    }
    if (!from || !to) { rc = gk_yerr(&d, t, err, "transition: needs from and to"); goto out; }
    if (bad_name(from) || bad_name(to)) {
      rc = gk_yerr(&d, t, err, "transition: '%s' is not a compartment name (no spaces or ,;:!=->/)", bad_name(from) ? from : to);
      goto out;
    }
    if (rate && life) { rc = gk_yerr(&d, t, err, "transition: give rate or lifetime, not both"); goto out; }
    char val[96] = "";
    double x;
    gk_error e2;
    if (rate) {
      char rb[96];
      /* "2.5/ps" -> "2.5 1/ps" as the text form does */
      const char *sl = strchr(rate, '/');
      if (sl && sl > rate) snprintf(rb, sizeof rb, "%.*s 1%s", (int)(sl - rate), rate, sl);
      else snprintf(rb, sizeof rb, "%s", rate);
      if (gk_parse_quantity(rb, "1/s", &x, &e2) != GK_OK || !(x > 0) || !isfinite(x)) {
        rc = gk_yerr(&d, t, err, "rate: '%s' is not a rate > 0 (s^-1, or with a unit such as 0.2/ps)", rate);
        goto out;
      }
      snprintf(val, sizeof val, ":%.17g", x);
    } else if (life) {
      if (gk_parse_quantity(life, "s", &x, &e2) != GK_OK || !(x > 0) || !isfinite(x) ||
          !strpbrk(life, "abcdefghijklmnopqrstuvwxyz")) {
        rc = gk_yerr(&d, t, err, "lifetime: '%s' is not a time > 0 with its unit (e.g. 40ps)", life);
        goto out;
      }
      snprintf(val, sizeof val, ":%.17g", 1.0 / x);
    } else if (fixed) {
      rc = gk_yerr(&d, t, err, "transition: fixed needs a rate or lifetime");
      goto out;
    }
    int n = snprintf(text + tl, sizeof text - tl, "%s%s->%s%s%s", tl ? "," : "", from, is_ground(to) ? "0" : to, val,
                     fixed ? "!" : "");
    if (n < 0 || (size_t)n >= sizeof text - tl) { rc = gk_yerr(&d, t, err, "transitions: too many"); goto out; }
    tl += (size_t)n;
    gk_tamap_scheme tmp;
    if (gk_tamap_scheme_parse(text, NULL, &tmp, err) != GK_OK) {
      char msg[sizeof err->msg];
      snprintf(msg, sizeof msg, "%s", err ? err->msg : "bad transition");
      rc = gk_yerr(&d, t, err, "%s", msg);
      goto out;
    }
  }
  in = gk_ymap_get(&d, root, "initial");
  if (in) {
    init_line = gk_yline(in);
    if (in->type == YAML_SEQUENCE_NODE) {
      for (yaml_node_item_t *it = in->data.sequence.items.start; it < in->data.sequence.items.top; it++) {
        if (ninit >= GK_TAMAP_MAX_SETS || ninit >= max_sets) {
          rc = gk_yerr(&d, in, err, "initial: more than %zu population sets", max_sets < GK_TAMAP_MAX_SETS ? max_sets : (size_t)GK_TAMAP_MAX_SETS);
          goto out;
        }
        if ((rc = init_text(&d, yaml_document_get_node(&d.doc, *it), init[ninit], sizeof init[0], err)) != GK_OK) goto out;
        ninit++;
      }
    } else {
      if ((rc = init_text(&d, in, init[0], sizeof init[0], err)) != GK_OK) goto out;
      ninit = 1;
    }
  }
  if ((rc = gk_tamap_scheme_parse(text, ninit ? init[0] : NULL, s, err)) != GK_OK) {
    char msg[sizeof err->msg];
    snprintf(msg, sizeof msg, "%s", err ? err->msg : "bad scheme");
    rc = gk_yerr(&d, in ? in : tr, err, "%s", msg);
    goto out;
  }
  for (size_t k = 0; k < ninit && ninit > 1; k++) {
    gk_tamap_scheme tmp;
    yaml_node_t *node = yaml_document_get_node(&d.doc, in->data.sequence.items.start[k]);
    if (gk_tamap_scheme_parse(text, init[k], &tmp, err) != GK_OK) {
      char msg[sizeof err->msg];
      snprintf(msg, sizeof msg, "%s", err ? err->msg : "bad populations");
      rc = gk_yerr(&d, node, err, "%s", msg);
      goto out;
    }
    if (c0_sets)
      for (int c = 0; c < tmp.ncomp; c++) c0_sets[k * GK_TAMAP_MAX_COMP + (size_t)c] = tmp.c0[c];
  }
  (void)init_line;
  /* compartments: the order of the compartments (and a check that the
   * transitions use exactly these names) */
  co = gk_ymap_get(&d, root, "compartments");
  if (co) {
    if (co->type != YAML_SEQUENCE_NODE) { rc = gk_yerr(&d, co, err, "compartments: a list of names"); goto out; }
    int perm[GK_TAMAP_MAX_COMP], n = 0, seen[GK_TAMAP_MAX_COMP] = {0};
    for (yaml_node_item_t *it = co->data.sequence.items.start; it < co->data.sequence.items.top; it++) {
      yaml_node_t *v = yaml_document_get_node(&d.doc, *it);
      const char *nm = gk_yscalar(v);
      int c = nm ? comp_of(s, nm) : -1;
      if (c < 0) { rc = gk_yerr(&d, v, err, "compartments: '%s' is in no transition", nm ? nm : "?"); goto out; }
      if (seen[c]) { rc = gk_yerr(&d, v, err, "compartments: '%s' twice", nm); goto out; }
      seen[c] = 1;
      perm[n++] = c;   /* new index n-1 <- old index c */
    }
    if (n != s->ncomp) {
      for (int c = 0; c < s->ncomp; c++)
        if (!seen[c]) { rc = gk_yerr(&d, co, err, "compartments: '%s' (in a transition) is not listed", s->name[c]); goto out; }
    }
    gk_tamap_scheme o = *s;
    int inv[GK_TAMAP_MAX_COMP];
    for (int i = 0; i < n; i++) inv[perm[i]] = i;
    for (int i = 0; i < n; i++) {
      snprintf(s->name[i], sizeof s->name[i], "%s", o.name[perm[i]]);
      s->c0[i] = o.c0[perm[i]];
    }
    for (int t = 0; t < s->ntrans; t++) {
      s->tr[t].from = inv[o.tr[t].from];
      s->tr[t].to = o.tr[t].to < 0 ? o.tr[t].to : inv[o.tr[t].to];
    }
    for (size_t k = 0; k < ninit && ninit > 1 && c0_sets; k++) {
      double tmp[GK_TAMAP_MAX_COMP];
      for (int i = 0; i < n; i++) tmp[i] = c0_sets[k * GK_TAMAP_MAX_COMP + (size_t)perm[i]];
      for (int i = 0; i < n; i++) c0_sets[k * GK_TAMAP_MAX_COMP + (size_t)i] = tmp[i];
    }
  }
  *nsets = ninit > 1 ? ninit : 0;
  rc = GK_OK;
out:
  gk_ydoc_free(&d);
  if (rc != GK_OK) memset(s, 0, sizeof *s);
  return rc;
}
