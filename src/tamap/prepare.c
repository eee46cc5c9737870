/* Preparation of transient-absorption maps for the analyses (what every
 * `gainkit tamap` subcommand does to a map file before computing), the
 * artefact-window passes of the global fit, and the signal of a fluence
 * series of maps. The library never prints: implausible delay axes become
 * notes, errors name the struct field or file:line. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gainkit/tamap.h"

void gk_tamap_prepare_options_default(gk_tamap_prepare_options *o)
{
  memset(o, 0, sizeof *o);
  o->background = NAN;
  o->chirp_order = -1;
}

void gk_tamap_prepared_free(gk_tamap_prepared *p)
{
  if (!p) return;
  gk_tamap_free(&p->map);
  free(p->base_use);
  gk_notes_free(&p->notes);
  memset(p, 0, sizeof *p);
}

int gk_tamap_prepare(const char *path, const gk_tamap_prepare_options *o, gk_tamap_prepared *p, gk_error *err)
{
  memset(p, 0, sizeof *p);
  gk_tamap_prepare_options def;
  if (!o) {
    gk_tamap_prepare_options_default(&def);
    o = &def;
  }
  gk_tamap *m = &p->map;
  int rc = gk_tamap_read(path, &o->read, m, err);
  if (rc) return rc;
  /* a delay axis outside 1 fs .. 1 s was most likely read in the wrong unit */
  gk_plausible_column(GK_PLAUS_TIME, m->t, m->nt, 1, m->t_unit[0] ? m->t_unit : NULL, path, m->t_line, "delay",
                      &p->notes);
  if (isfinite(o->background)) {
    size_t nb;
    if (gk_tamap_background(m, o->background, &nb, NULL) != GK_OK) {
      gk_tamap_prepared_free(p);
      return gk_error_option(err, "background", "%s: no delay before %g ps", path, o->background * 1e12);
    }
  }
  if (o->chirp_order >= 0) {
    if (o->chirp_order > GK_TAMAP_MAX_ORDER) {
      gk_tamap_prepared_free(p);
      return gk_error_option(err, "chirp_order", "the order must be an integer 0..%d", GK_TAMAP_MAX_ORDER);
    }
    gk_error e;
    gk_error_clear(&e);
    if (gk_tamap_chirp_fit(m, o->chirp_order, &p->chirp, &e) != GK_OK) {
      gk_tamap_prepared_free(p);
      if (!e.file[0]) snprintf(e.file, sizeof e.file, "%s", path);
      if (err) *err = e;
      return e.code ? e.code : GK_EINPUT;
    }
    p->has_chirp = 1;
  }
  if (o->keep_base) {
    /* the mask before the artefact window, for a second pass placed on the
     * fitted time zero; with a chirp the traces are shifted after this */
    size_t nn = m->nw * m->nt;
    p->base_use = malloc(nn);
    if (p->base_use) {
      if (m->use) memcpy(p->base_use, m->use, nn);
      else memset(p->base_use, 1, nn);
    }
  }
  if (o->exclude > 0) {
    /* the window follows time zero: the chirp curve, else a quadratic
     * fitted to the half-rise onsets for this purpose only */
    gk_tamap_chirp cw;
    int own = !p->has_chirp && gk_tamap_chirp_fit(m, 2, &cw, NULL) == GK_OK;
    gk_tamap_exclude(m, p->has_chirp ? &p->chirp : own ? &cw : NULL, o->exclude);
  }
  if (p->has_chirp && (rc = gk_tamap_chirp_apply(m, &p->chirp, err)) != GK_OK) {
    gk_tamap_prepared_free(p);
    return rc;
  }
  return GK_OK;
}

int gk_tamap_series_signal(const char *const *paths, size_t n, const gk_tamap_prepare_options *o, double t_lo,
                           double t_hi, double wl_lo, double wl_hi, double *y, int *flipped, gk_notes *notes,
                           gk_error *err)
{
  int npos = 0, nneg = 0;
  *flipped = 0;
  for (size_t k = 0; k < n; k++) {
    gk_tamap_prepared p;
    int rc = gk_tamap_prepare(paths[k], o, &p, err);
    if (rc) return rc;
    for (size_t i = 0; notes && i < p.notes.n; i++) gk_notes_add(notes, "%s", p.notes.msg[i]);
    size_t cnt = gk_tamap_window_mean(&p.map, t_lo, t_hi, wl_lo, wl_hi, &y[k]);
    if (!cnt) {
      rc = gk_error_set(err, GK_EINPUT, p.map.path, p.map.data_line,
                        "no point in the delay window %g..%g ps (within the `band` wavelengths)", t_lo * 1e12,
                        t_hi * 1e12);
      gk_tamap_prepared_free(&p);
      return rc;
    }
    gk_tamap_prepared_free(&p);
    if (y[k] > 0) npos++;
    else if (y[k] < 0) nneg++;
  }
  if (npos && nneg)
    return gk_error_set(err, GK_EINPUT, n ? paths[0] : NULL, 0,
                        "the window means change sign across the maps (%d > 0, %d < 0): choose `window`/`band` where "
                        "every map shows the same (bleach) signal",
                        npos, nneg);
  *flipped = nneg > 0;
  if (*flipped)
    for (size_t k = 0; k < n; k++) y[k] = -y[k];
  return GK_OK;
}

int gk_tamap_common_delay(const gk_tamap *const *maps, size_t n, double delay, double *t, gk_error *err)
{
  if (n < 1 || maps[0]->nt < 1) return gk_error_set(err, GK_EUSAGE, NULL, 0, "no map");
  size_t jb = 0;
  for (size_t j = 1; j < maps[0]->nt; j++)
    if (fabs(maps[0]->t[j] - delay) < fabs(maps[0]->t[jb] - delay)) jb = j;
  double lo = maps[0]->t[jb];
  for (size_t d = 1; d < n; d++) {
    size_t jj = 0;
    for (size_t j = 1; j < maps[d]->nt; j++)
      if (fabs(maps[d]->t[j] - lo) < fabs(maps[d]->t[jj] - lo)) jj = j;
    if (fabs(maps[d]->t[jj] - lo) > 1e-6 * fabs(lo) + 1e-18)
      return gk_error_set(err, GK_EINPUT, maps[d]->path, maps[d]->data_line,
                          "no delay at %g ps (the first map's nearest to `delay`); use `window`", lo * 1e12);
  }
  *t = lo;
  return GK_OK;
}

/* the fitted optimum as the start of the next fit */
static void restart_from(const gk_tamap_global_result *r, size_t nsets, gk_tamap_scheme *s, gk_tamap_global_options *o)
{
  for (int k = 0; k < s->ntrans; k++) s->tr[k].k = r->k[k];
  for (size_t d = 0; d < nsets; d++) o->t0[d] = r->t0[d];
  if (o->irf.kind == GK_KIN_IRF_GAUSS) o->irf.fwhm = r->fwhm[0];
  for (int k = 1; k <= o->disp_order; k++) o->disp[k] = r->disp[k];
  o->disp_ref = r->disp_ref;
}

int gk_tamap_global_fit_passes(gk_tamap_prepared *p, size_t nsets, gk_tamap_scheme *s, gk_tamap_global_options *o,
                               double exclude, const gk_progress *stop, gk_tamap_global_result *r, int *passes,
                               gk_error *err)
{
  const gk_tamap *mp[GK_TAMAP_MAX_SETS];
  *passes = 0;
  if (nsets < 1 || nsets > GK_TAMAP_MAX_SETS)
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "1 to %d maps in one fit (got %zu)", GK_TAMAP_MAX_SETS, nsets);
  for (size_t d = 0; d < nsets; d++) mp[d] = &p[d].map;
  int profile = o->profile;
  o->profile = 0;
  int rc = gk_tamap_global_fit(mp, nsets, s, o, r, err);
  for (int pass = 0; rc == GK_OK && exclude > 0 && pass < 2 && !gk_progress_update(stop, (size_t)pass, 2); pass++) {
    size_t changed = 0;
    for (size_t d = 0; d < nsets; d++) {
      gk_tamap *m = &p[d].map;
      if (!p[d].base_use || p[d].has_chirp || !m->use) continue;
      gk_tamap_chirp cw = {0};
      cw.order = o->disp_order;
      cw.wl_ref = r->disp_ref;
      cw.c[0] = r->t0[d];
      for (int k = 1; k <= cw.order; k++) cw.c[k] = r->disp[k];
      size_t nn = m->nw * m->nt;
      unsigned char *old = malloc(nn);
      if (!old) continue;
      memcpy(old, m->use, nn);
      memcpy(m->use, p[d].base_use, nn);
      gk_tamap_exclude(m, &cw, exclude);
      for (size_t i = 0; i < nn; i++) changed += old[i] != m->use[i];
      free(old);
      o->t0[d] = r->t0[d];
    }
    if (!changed) break;
    for (int k = 0; k < s->ntrans; k++) s->tr[k].k = r->k[k];
    if (o->irf.kind == GK_KIN_IRF_GAUSS) o->irf.fwhm = r->fwhm[0];
    for (int k = 1; k <= o->disp_order; k++) o->disp[k] = r->disp[k];
    o->disp_ref = r->disp_ref;
    gk_tamap_global_result r2;
    gk_error e2;
    gk_error_clear(&e2);
    if (gk_tamap_global_fit(mp, nsets, s, o, &r2, &e2) != GK_OK) break;
    gk_tamap_global_result_free(r);
    *r = r2;
    (*passes)++;
  }
  if (rc == GK_OK && r->converged && profile && !gk_progress_update(stop, 2, 2)) {
    /* profile intervals of the rates: one more fit from the optimum (after
     * the artefact-window passes), then each rate held in turn */
    restart_from(r, nsets, s, o);
    o->profile = 1;
    gk_tamap_global_result r2;
    rc = gk_tamap_global_fit(mp, nsets, s, o, &r2, err);
    gk_tamap_global_result_free(r);
    if (rc == GK_OK) *r = r2;
    else memset(r, 0, sizeof *r);
  }
  return rc;
}

int gk_tamap_model(const gk_tamap_model_options *o, size_t nsets, gk_tamap_scheme *s, double *c0, int *per_set,
                   gk_error *err)
{
  double sets[GK_TAMAP_MAX_SETS * GK_TAMAP_MAX_COMP] = {0};
  gk_error e;
  gk_error_clear(&e);
  *per_set = 0;
  if (nsets < 1 || nsets > GK_TAMAP_MAX_SETS)
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "1 to %d maps in one fit (got %zu)", GK_TAMAP_MAX_SETS, nsets);
  const char *scheme = o->scheme, *init = o->init;
  size_t sl = scheme ? strlen(scheme) : 0;
  int yaml = sl > 5 && (strcmp(scheme + sl - 5, ".yaml") == 0 || strcmp(scheme + sl - 4, ".yml") == 0);
  if (scheme && o->tau) return gk_error_option(err, "tau", "goes with `das` or `sequential` (rates are in `scheme`)");
  if (yaml) {
    /* a YAML file: transitions, initial populations (one set or one per map) */
    if (init) return gk_error_option(err, "init", "the populations of a YAML scheme are its 'initial' key");
    size_t ns = 0;
    int rc = gk_tamap_scheme_read(scheme, s, sets, GK_TAMAP_MAX_SETS, &ns, err);
    if (rc) return rc;
    if (ns && ns != nsets)
      return gk_error_set(err, GK_EINPUT, scheme, 0, "%zu population sets in 'initial' for %zu maps", ns, nsets);
    *per_set = ns != 0;
  } else if (scheme) {
    /* init "A=1,XX=0.1/A=1,XX=0.6": one set of populations per map */
    char ib[1024];
    snprintf(ib, sizeof ib, "%s", init ? init : "");
    char *slash = strchr(ib, '/');
    if (slash) *slash = '\0';
    if (gk_tamap_scheme_parse(scheme, init ? ib : NULL, s, &e) != GK_OK)
      return gk_error_option(err, "scheme", "%s", e.msg);
    if (slash) {
      size_t k = 0;
      char *save = NULL;
      snprintf(ib, sizeof ib, "%s", init);
      for (char *tok = strtok_r(ib, "/", &save); tok; tok = strtok_r(NULL, "/", &save), k++) {
        gk_tamap_scheme tmp;
        if (k >= nsets) return gk_error_option(err, "init", "more population sets than maps (%zu)", nsets);
        if (gk_tamap_scheme_parse(scheme, tok, &tmp, &e) != GK_OK) return gk_error_option(err, "init", "%s", e.msg);
        memcpy(sets + k * GK_TAMAP_MAX_COMP, tmp.c0, sizeof tmp.c0);
      }
      if (k != nsets) return gk_error_option(err, "init", "%zu population sets for %zu maps", k, nsets);
      *per_set = 1;
    }
  } else {
    int nc = o->das > 0 ? o->das : o->sequential;
    if ((o->das > 0) == (o->sequential > 0))
      return gk_error_set(err, GK_EUSAGE, NULL, 0, "give exactly one of `scheme`, `das`, `sequential`");
    if (nc > GK_TAMAP_MAX_COMP)
      return gk_error_option(err, o->das > 0 ? "das" : "sequential", "must be an integer 1..%d", GK_TAMAP_MAX_COMP);
    double tau[GK_TAMAP_MAX_COMP];
    if (o->tau) {
      if (o->ntau != (size_t)nc) return gk_error_option(err, "tau", "give %d lifetimes (got %zu)", nc, o->ntau);
      for (size_t k = 0; k < o->ntau; k++) {
        if (!(o->tau[k] > 0)) return gk_error_option(err, "tau", "lifetimes must be > 0");
        tau[k] = o->tau[k];
      }
    } else {
      for (int k = 0; k < nc; k++) tau[k] = 1e-12 * pow(10.0, k);   /* 1, 10, 100 ps ... */
    }
    if (o->das > 0) gk_tamap_scheme_parallel(s, nc, tau);
    else gk_tamap_scheme_sequential(s, nc, tau);
  }
  if (*per_set)
    for (size_t d = 0; d < nsets; d++)
      for (int a = 0; a < s->ncomp; a++) c0[d * (size_t)s->ncomp + (size_t)a] = sets[d * GK_TAMAP_MAX_COMP + (size_t)a];
  return GK_OK;
}
