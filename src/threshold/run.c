/* The threshold methods on a prepared pump series: method names, the pump
 * range selection (text with units) and the dispatch to kink / lines /
 * fwhm / peak with their input checks. Moved here from the CLI so that the
 * command and the Python bindings run the same code. See
 * gainkit/threshold.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gainkit/threshold.h"
#include "gainkit/units.h"

_Static_assert(sizeof(((gk_threshold_results *)0)->lines_reason) == sizeof(((gk_error *)0)->msg),
               "lines_reason holds a gk_error message");

int gk_threshold_methods_parse(const char *text, int *methods, gk_error *err)
{
  char buf[128];
  snprintf(buf, sizeof buf, "%s", text ? text : "");
  *methods = 0;
  char *save = NULL;
  for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    if (!strcmp(tok, "kink")) *methods |= GK_THRESHOLD_KINK;
    else if (!strcmp(tok, "lines")) *methods |= GK_THRESHOLD_LINES;
    else if (!strcmp(tok, "fwhm")) *methods |= GK_THRESHOLD_FWHM;
    else if (!strcmp(tok, "peak")) *methods |= GK_THRESHOLD_PEAK;
    else if (!strcmp(tok, "default")) *methods |= GK_THRESHOLD_DEFAULT;
    else if (!strcmp(tok, "all")) *methods |= GK_THRESHOLD_ALL;
    else {
      return gk_error_option(err, "methods", "'%s' is not a method (use kink, lines, fwhm, peak, default or all)",
                             tok);
    }
  }
  if (!*methods) return gk_error_option(err, "methods", "'%s' names no method", text ? text : "");
  return GK_OK;
}

/* A pump value: a bare number is in the series' pump unit; a number with a
 * unit is converted to it (when that unit is physical). */
static int pump_value(const char *field, const char *arg, const char *unit, double *v, gk_error *err)
{
  gk_error e;
  gk_error_clear(&e);
  gk_unit_info ui;
  if (unit[0] && gk_unit_describe(unit, &ui, &e) == GK_OK) {
    gk_error_clear(&e);
    if (gk_parse_quantity(arg, unit, v, &e) != GK_OK) {
      gk_error_option(err, field, "%s", e.msg);
      return err->code = GK_EINPUT;
    }
    /* as every quantity option: nothing outside 1e-60..1e60 is meant (a typo, an overflow later) */
    double m = fabs(*v);
    if (m != 0 && !(m >= 1e-60 && m <= 1e60)) {
      gk_error_option(err, field, "'%s' is outside the supported magnitude range %g to %g (in %s)", arg, 1e-60, 1e60,
                      unit);
      return err->code = GK_EINPUT;
    }
    return GK_OK;
  }
  if (gk_parse_number(arg, v, &e) != GK_OK) {
    gk_error_option(err, field, "'%s' is not a number (the pump unit '%s' takes no suffix)", arg, unit);
    return err->code = GK_EINPUT;
  }
  return GK_OK;
}

int gk_threshold_select(gk_threshold_series *s, const gk_threshold_options *o, gk_error *err)
{
  if (!o || (!o->range && !o->max_pump)) return GK_OK;
  if (o->range && o->max_pump) return gk_error_option(err, "max_pump", "`range` and `max_pump` exclude each other");
  double lo = -INFINITY, hi = INFINITY;
  if (o->range) {
    const char *r = o->range, *colon = strchr(r, ':');
    char left[128];
    size_t k = colon ? (size_t)(colon - r) : 0;
    if (!colon || k >= sizeof left || strchr(colon + 1, ':'))
      return gk_error_option(err, "range", "'%s' is not a range (expected P1:P2)", r);
    memcpy(left, r, k);
    left[k] = '\0';
    int rc = pump_value("range", left, s->pump_unit, &lo, err);
    if (!rc) rc = pump_value("range", colon + 1, s->pump_unit, &hi, err);
    if (rc) return rc;
    if (!(lo < hi)) return gk_error_option(err, "range", "'%s' is empty (P1 must be less than P2)", r);
  } else {
    int rc = pump_value("max_pump", o->max_pump, s->pump_unit, &hi, err);
    if (rc) return rc;
  }
  gk_threshold_series_restrict(s, lo, hi);
  return GK_OK;
}

void gk_threshold_results_free(gk_threshold_results *r)
{
  if (!r) return;
  free(r->peak_int);
  r->peak_int = NULL;
}

/* An error from a method about the data belongs to the input file. */
static int file_error(gk_error *e, const char *path)
{
  if (!e->file[0] && !e->option[0]) {
    char msg[sizeof e->msg];
    snprintf(msg, sizeof msg, "%s", e->msg);
    gk_error_set(e, e->code, path, 0, "%s", msg);
  }
  return e->code;
}

static int nomem(gk_error *e)
{
  return gk_error_set(e, GK_ENOMEM, NULL, 0, "out of memory");
}

int gk_threshold_run(const gk_threshold_series *s, const gk_threshold_options *o, gk_threshold_results *r,
                     gk_notes *notes, gk_error *e)
{
  memset(r, 0, sizeof *r);
  const char *path = o && o->path ? o->path : "";
  const int methods = o && o->methods ? o->methods : GK_THRESHOLD_DEFAULT;
  if (s->n < GK_THRESHOLD_MIN_POINTS)
    return gk_error_set(e, GK_EINPUT, path, 0, "a threshold needs at least %d points, got %zu",
                        GK_THRESHOLD_MIN_POINTS, s->n);
  if (methods & GK_THRESHOLD_KINK) {
    for (size_t i = 0; i < s->n; i++)
      if (!(s->intensity[i] > 0)) {
        if (s->spectra)
          return gk_error_set(e, GK_EINPUT, path, 0,
                              "spectrum at pump %g %s: integrated intensity %g is not positive "
                              "(the kink method works in log-log; check `baseline` and `window`)",
                              s->pump[i], s->pump_unit, s->intensity[i]);
        return gk_error_set(e, GK_EINPUT, path, s->line[i],
                            "intensity %g is not positive (the kink method works in log-log)", s->intensity[i]);
      }
  }
  if (methods == GK_THRESHOLD_FWHM && !s->has_fwhm)
    return gk_error_set(e, GK_EINPUT, path, 0,
                        "`methods` fwhm needs a FWHM column (pump, intensity, fwhm) or `spectra`");
  if (methods & GK_THRESHOLD_KINK) {
    r->run_kink = 1;
    r->n_kink = s->n;
    r->kink_rc = gk_threshold_kink_fit(s->pump, s->intensity, s->n, &r->kink, e);
    if (r->kink_rc && r->kink_rc != GK_ENOCONV) return file_error(e, path);
  }
  if (methods & GK_THRESHOLD_LINES) {
    r->run_lines = 1;
    r->lines_rc = gk_threshold_lines_fit(s->pump, s->intensity, s->n, &r->lines, e);
    if (r->lines_rc == GK_ENOCONV) {
      /* the method's message already starts with "lines: " */
      const char *why = strncmp(e->msg, "lines: ", 7) == 0 ? e->msg + 7 : e->msg;
      snprintf(r->lines_reason, sizeof r->lines_reason, "%s", why);
      if (notes) gk_notes_add(notes, "lines: %s", why);
    } else if (r->lines_rc) return file_error(e, path);
  }
  if ((methods & GK_THRESHOLD_FWHM) && s->has_fwhm) {
    /* widths whose half-maximum crossing left the window are not data */
    double *p = malloc(s->n * sizeof *p), *w = malloc(s->n * sizeof *w);
    if (!p || !w) { free(p); free(w); return nomem(e); }
    size_t m = 0;
    for (size_t i = 0; i < s->n; i++)
      if (isfinite(s->fwhm[i])) { p[m] = s->pump[i]; w[m] = s->fwhm[i]; m++; }
    r->n_fwhm = m;
    if (m < s->n && notes)
      gk_notes_add(notes, "%zu of %zu spectra have a half-maximum crossing outside the window; "
                          "their FWHM is left out", s->n - m, s->n);
    if (m < GK_THRESHOLD_MIN_POINTS && methods != GK_THRESHOLD_FWHM) {
      if (notes)
        gk_notes_add(notes, "fwhm: only %zu widths, at least %d needed; method skipped", m, GK_THRESHOLD_MIN_POINTS);
    } else {
      r->run_fwhm = 1;
      r->fwhm_rc = gk_threshold_fwhm_fit(p, w, m, &r->fwhm, e);
    }
    free(p);
    free(w);
    if (r->run_fwhm && r->fwhm_rc && r->fwhm_rc != GK_ENOCONV) return file_error(e, path);
  }
  if ((methods & GK_THRESHOLD_PEAK) && s->spectra) {
    /* Milanese et al., Adv. Opt. Mater. 2024, section 2.2: the emission at
     * the ASE peak wavelength (fixed: the peak of the highest-pump
     * spectrum) versus pump, threshold at its slope change (kink method) */
    r->peak_wl = s->peak_nm[s->n - 1];
    r->peak_int = malloc(s->n * sizeof *r->peak_int);
    double *p = malloc(s->n * sizeof *p), *v = malloc(s->n * sizeof *v);
    if (!p || !v || !r->peak_int) { free(p); free(v); return nomem(e); }
    size_t m = 0;
    for (size_t i = 0; i < s->n; i++) {
      double val = s->peak[i] > 0
                       ? s->peak[i] * gk_spectra_value_at(s->wl, s->norm + i * s->nwl, s->nwl, r->peak_wl)
                       : NAN;
      r->peak_int[i] = val > 0 ? val : NAN;
      if (val > 0) { p[m] = s->pump[i]; v[m] = val; m++; }
    }
    r->n_peak = m;
    if (m < s->n && notes)
      gk_notes_add(notes, "peak: %zu of %zu spectra have no positive intensity at %.2f nm; left out", s->n - m, s->n,
                   r->peak_wl);
    if (m < GK_THRESHOLD_MIN_POINTS && methods != GK_THRESHOLD_PEAK) {
      if (notes)
        gk_notes_add(notes, "peak: only %zu usable spectra, at least %d needed; method skipped", m,
                     GK_THRESHOLD_MIN_POINTS);
    } else {
      r->run_peak = 1;
      r->peak_rc = gk_threshold_kink_fit(p, v, m, &r->peak, e);
    }
    free(p);
    free(v);
    if (r->run_peak && r->peak_rc && r->peak_rc != GK_ENOCONV) return file_error(e, path);
  } else if (methods == GK_THRESHOLD_PEAK) {
    return gk_error_set(e, GK_EINPUT, path, 0, "`methods` peak needs spectra (`spectra`)");
  }
  return GK_OK;
}
