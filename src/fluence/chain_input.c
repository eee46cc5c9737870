/* The gain chain's inputs (gainkit/fluence.h): fluences from file names or
 * a sidecar, the carrier density per fluence c_N and Gamma (stack or given
 * numbers), one VSL fit per scan, and the G(N) fit of the usable points.
 * (Tatarinov et al., Adv. Opt. Mater. 2023, Eq. 1-2, Table 1, Fig. 3a.) */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gainkit/fluence.h"
#include "gainkit/modes.h"
#include "gainkit/units.h"
#include "gainkit/vsl.h"

static const char *base(const char *path)
{
  const char *slash = path ? strrchr(path, '/') : NULL;
  return slash ? slash + 1 : path ? path : "";
}

double gk_chain_fluence_from_name(const char *path)
{
  const char *b = base(path);
  for (const char *s = b; *s; s++) {
    if (!isdigit((unsigned char)*s) || (s > b && (isdigit((unsigned char)s[-1]) || s[-1] == '.'))) continue;
    char *end;
    double v = strtod(s, &end);
    double f = NAN;
    if (!strncmp(end, "uJ", 2)) f = 1e-6;
    else if (!strncmp(end, "mJ", 2)) f = 1e-3;
    else if (!strncmp(end, "nJ", 2)) f = 1e-9;
    if (!isnan(f)) return v * f;
  }
  return NAN;
}

int gk_chain_fluences_from_names(const char *const *files, size_t n, double *F, gk_error *e)
{
  for (size_t i = 0; i < n; i++) {
    F[i] = gk_chain_fluence_from_name(files[i]);
    if (isnan(F[i]))
      return gk_error_option(e, "", "no fluence in the name '%s' (e.g. vsl-F120uJcm2.csv): give `fluences` or `sidecar`",
                             base(files[i]));
  }
  return GK_OK;
}

int gk_chain_sidecar_read(const char *side, const char *const *files, size_t n, double *F, gk_error *e)
{
  /* "file,fluence (uJ/cm2)" lines; the unit in the header, uJ/cm2 without */
  FILE *fp = fopen(side, "r");
  if (!fp) return gk_error_set(e, GK_EIO, side, 0, "cannot open the sidecar");
  char line[1024];
  long ln = 0;
  double fac = 1e-6;
  int header = 0, rc = GK_OK;
  for (size_t i = 0; i < n; i++) F[i] = NAN;
  while (!rc && fgets(line, sizeof line, fp)) {
    ln++;
    line[strcspn(line, "\r\n")] = 0;
    if (!line[0] || line[0] == '#') continue;
    char *comma = strchr(line, ',');
    gk_error_clear(e);
    if (!comma) { rc = gk_error_set(e, GK_EINPUT, side, ln, "expected 'file,fluence'"); break; }
    *comma = 0;
    const char *val = comma + 1;
    while (*val == ' ') val++;
    double v;
    if (!header && gk_parse_number(val, &v, e) != GK_OK) {
      header = 1;
      char name[64], unit[32];
      gk_header_split(val, name, sizeof name, unit, sizeof unit);
      if (unit[0] && (rc = gk_unit_factor(unit, "J/cm2", &fac, e)) != GK_OK) {
        snprintf(e->file, sizeof e->file, "%s", side), e->line = ln;
        break;
      }
      continue;
    }
    header = 1;
    if (gk_parse_number(val, &v, e) != GK_OK || !(v > 0)) {
      rc = gk_error_set(e, GK_EINPUT, side, ln, "fluence must be a number > 0 (got '%s')", val);
      break;
    }
    int hit = 0;
    for (size_t i = 0; i < n; i++)
      if (!strcmp(base(files[i]), base(line))) F[i] = v * fac, hit = 1;
    if (!hit) rc = gk_error_set(e, GK_EINPUT, side, ln, "'%s' is not among the files given", line);
  }
  fclose(fp);
  for (size_t i = 0; !rc && i < n; i++)
    if (isnan(F[i])) rc = gk_error_set(e, GK_EINPUT, side, 0, "no fluence for '%s'", base(files[i]));
  return rc;
}

void gk_chain_density_options_default(gk_chain_density_options *o)
{
  memset(o, 0, sizeof *o);
  o->pump_wavelength = 400;
  o->emission_wavelength = o->gamma = o->thickness = o->absorbed = o->lp = NAN;
}

static int from_stack(const gk_chain_density_options *o, gk_chain_density *d, gk_error *e)
{
  gk_stack st;
  int rc = gk_stack_load(o->stack, &st, e);
  if (rc != GK_OK) return rc;
  double emis = o->emission_wavelength;
  gk_absorb ab;
  gk_depth_profile dp;
  gk_guide g;
  gk_modes m = {0};
  int have = 0; /* 1 absorb, 2 + depth, 3 + guide */
  if (st.active < 0) rc = gk_error_set(e, GK_EINPUT, o->stack, 0, "the stack has no layer marked active: true");
  if (!rc && isnan(emis)) emis = st.wavelength_nm;
  if (!rc && isnan(emis))
    rc = gk_error_set(e, GK_EUSAGE, o->stack, 0, "no wavelength_nm in the stack: give `emission_wavelength`");
  if (!rc && (rc = gk_absorb_stack(&st, o->pump_wavelength, 0, &ab, e)) == GK_OK) have = 1;
  if (!rc) {
    d->absorbed = ab.A[st.active];
    d->thickness = st.layers[st.active].thickness_nm;
    if ((rc = gk_depth_tmm(&ab, (size_t)st.active, 1.0, 400, &dp, e)) == GK_OK) have = 2;
  }
  if (!rc && (rc = gk_guide_from_stack(&g, &st, emis, e)) == GK_OK) have = 3;
  if (!rc) rc = gk_modes_find(&g, o->tm ? GK_MODES_TM : GK_MODES_TE, &m, e);
  if (!rc && m.n == 0) rc = gk_error_set(e, GK_EINPUT, o->stack, 0, "no guided %s mode at %g nm", o->tm ? "TM" : "TE", emis);
  if (!rc) {
    d->gamma = m.mode[0].confinement[st.active];
    double *E2 = malloc(dp.n * sizeof *E2);
    if (E2 && gk_mode_field(&g, &m.mode[0], dp.z_nm, dp.n, E2, NULL, e) == GK_OK) gk_depth_mode_weighted(&dp, E2);
    free(E2);
    d->c_n = o->mode_weighted ? dp.n_mode : dp.n_mean; /* per J/cm^2 (profile at F = 1) */
    snprintf(d->how, sizeof d->how,
             "transfer matrix at %g nm (absorbed %.4f in '%s', %g nm), %s; Gamma of %s0 at %g nm from the mode solver",
             o->pump_wavelength, d->absorbed, st.layers[st.active].name, d->thickness,
             o->mode_weighted ? "density weighted by the mode's |E|^2" : "thickness-average density", o->tm ? "TM" : "TE",
             emis);
  }
  if (have >= 3) gk_modes_free(&m), gk_guide_free(&g);
  if (have >= 2) gk_depth_free(&dp);
  if (have >= 1) gk_absorb_free(&ab);
  gk_stack_free(&st);
  if (rc && !e->file[0]) snprintf(e->file, sizeof e->file, "%s", o->stack);
  return rc;
}

int gk_chain_density_compute(const gk_chain_density_options *o, gk_chain_density *d, gk_error *e)
{
  memset(d, 0, sizeof *d);
  d->c_n = d->absorbed = NAN;
  d->gamma = o->gamma;
  d->thickness = o->thickness;
  if (o->stack) {
    int rc = from_stack(o, d, e);
    if (rc) return rc;
  } else {
    double hv = gk_photon_energy_j(o->pump_wavelength);
    const int lp = !isnan(o->lp);
    if (lp) {
      gk_depth_profile dp;
      int rc = gk_depth_beer(1.0, o->pump_wavelength, 2 / (o->lp * 1e-7), o->thickness, 0, 2, &dp, e);
      if (rc != GK_OK) return rc;
      d->absorbed = dp.absorbed;
      gk_depth_free(&dp);
    } else d->absorbed = o->absorbed;
    d->c_n = d->absorbed / (hv * o->thickness * 1e-7);
    snprintf(d->how, sizeof d->how, "%s, absorbed %.4f over %g nm, thickness average; Gamma given",
             lp ? "Beer-Lambert with alpha = 2/l_p (1/e^2 depth)" : "absorbed fraction given", d->absorbed, o->thickness);
  }
  if (!(d->c_n > 0 && isfinite(d->c_n)))
    return gk_error_set(e, GK_EINPUT, o->stack ? o->stack : "", 0, "the active layer absorbs nothing at %g nm",
                        o->pump_wavelength);
  return GK_OK;
}

static int cmp_point(const void *a, const void *b)
{
  double u = ((const gk_chain_point *)a)->F, w = ((const gk_chain_point *)b)->F;
  return (u > w) - (u < w);
}

/* One VSL fit (and the lengths analysis) per file; pt sorted by fluence. */
static int scans(const char *const *files, size_t n, const double *F, double c_n, gk_vsl_model vm, int small,
                 gk_chain_point *pt, gk_notes *notes, gk_error *e)
{
  for (size_t i = 0; i < n; i++) {
    gk_columns col;
    gk_columns_options co = {.xkind = GK_XKIND_LENGTH, .x_unit_default = "cm", .require_increasing = 0,
                             .allow_unsorted = 1, .reject_duplicate_x = 1, .min_points = 4};
    int rc = gk_columns_read(files[i], &co, &col, e);
    if (rc != GK_OK) return rc;
    gk_vsl_data d = {.n = col.n, .L = col.x, .intensity = col.y, .sigma = col.sigma, .line = col.line,
                     .path = files[i], .weighting = col.sigma ? GK_WEIGHT_SIGMA : GK_WEIGHT_RELATIVE};
    gk_vsl_fit vf;
    memset(&vf, 0, sizeof vf);
    if ((rc = gk_vsl_fit_model(&d, vm, &vf, e)) != GK_OK) {
      gk_vsl_fit_free(&vf);
      gk_columns_free(&col);
      if (!e->file[0]) snprintf(e->file, sizeof e->file, "%s", files[i]);
      return rc;
    }
    memset(&pt[i], 0, sizeof pt[i]);
    pt[i].F = F[i], pt[i].g = vf.value[0], pt[i].se = vf.se[0], pt[i].N = F[i] * c_n;
    pt[i].file = files[i], pt[i].converged = vf.converged;
    gk_error e3;
    gk_error_clear(&e3);
    if (gk_vsl_lengths_compute(&d, &pt[i].len, &e3) != GK_OK) {
      memset(&pt[i].len, 0, sizeof pt[i].len);
      pt[i].len.l_th = pt[i].len.l_sat_model = pt[i].len.l_sat_data = pt[i].len.g_small = NAN;
    }
    if (small) {
      if (pt[i].len.n_small < 3 || !isfinite(pt[i].len.g_small)) {
        pt[i].converged = 0;
        gk_notes_add(notes, "%s: no small-signal range (the shortest stripes already fail the vsl1 test)", base(files[i]));
      } else {
        pt[i].g = pt[i].len.g_small, pt[i].se = pt[i].len.se_g_small;
        if (pt[i].len.saturated)
          gk_notes_add(notes, "%s: vsl1 on the %zu shortest stripes (up to %g um); the longer ones saturate",
                       base(files[i]), pt[i].len.n_small, pt[i].len.l_sat_data * 1e4);
      }
    }
    gk_vsl_fit_free(&vf);
    gk_columns_free(&col);
  }
  qsort(pt, n, sizeof *pt, cmp_point);
  return GK_OK;
}

int gk_chain_run(const char *const *files, size_t n, const double *F, const gk_chain_density *dens, int vsl_model,
                 int small_signal, gk_chain_point *pt, gk_chain_result *r, gk_notes *notes, gk_error *e)
{
  const gk_vsl_model vm = (gk_vsl_model)vsl_model;
  int rc = scans(files, n, F, dens->c_n, vm, small_signal, pt, notes, e);
  if (rc) return rc;
  double *fx = malloc(3 * n * sizeof *fx);
  if (!fx) return gk_error_set(e, GK_ENOMEM, NULL, 0, "out of memory");
  double *gy = fx + n, *gs = gy + n;
  for (size_t i = 0; i < n; i++) {
    fx[i] = pt[i].F, gy[i] = pt[i].g, gs[i] = pt[i].se;
    if (!pt[i].converged || !(gs[i] > 0 && isfinite(gs[i])))
      gk_notes_add(notes, "%s: the %s fit did not converge or has no error; excluded from the G(N) fit", base(pt[i].file),
                   gk_vsl_model_name(vm));
  }
  /* keep only the points with a usable gain error */
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (pt[i].converged && gs[i] > 0 && isfinite(gs[i])) fx[m] = fx[i], gy[m] = gy[i], gs[m] = gs[i], m++;
  rc = gk_chain_fit(fx, gy, gs, m, dens->gamma, dens->c_n, r, e);
  free(fx);
  return rc;
}
