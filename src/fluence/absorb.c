/* absorb.c — pump absorption in a planar stack at normal incidence
 * (coherent transfer matrix of the forward/backward amplitudes, thin-film
 * interference included), carrier density profiles N(z) (transfer matrix
 * or Beer-Lambert) and their mode-weighted average. */
#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gainkit/fluence.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#ifndef M_SQRT2
#define M_SQRT2 1.41421356237309504880
#endif

/* h c in J nm */
#define HC_J_NM 1.98644586e-16

double gk_photon_energy_j(double wavelength_nm) { return HC_J_NM / wavelength_nm; }

void gk_absorb_free(gk_absorb *a)
{
  if (!a) return;
  free(a->A), free(a->fwd), free(a->bwd), free(a->index), free(a->thickness_nm);
  memset(a, 0, sizeof *a);
}

/* Run the transfer matrix on layers already in computational order. */
static int solve(gk_absorb *a, gk_error *err)
{
  size_t N = a->nlayers;
  double k0 = 2 * M_PI / a->wavelength_nm;
  double complex *fw = a->fwd, *bw = a->bwd, *nn = a->index;
  fw[N - 1] = 1, bw[N - 1] = 0;
  for (size_t j = N - 1; j-- > 0;) {
    double complex E = fw[j + 1] + bw[j + 1], H = nn[j + 1] * (fw[j + 1] - bw[j + 1]);
    double complex delta = j == 0 ? 0 : k0 * nn[j] * a->thickness_nm[j];
    if (fabs(cimag(delta)) > 300)
      return gk_error_set(err, GK_EDOM, NULL, 0,
                          "layer %zu is opaque at %g nm (k0 k d = %.0f): no light reaches the layers below",
                          j + 1, a->wavelength_nm, fabs(cimag(delta)));
    fw[j] = 0.5 * (E + H / nn[j]) * cexp(-I * delta);
    bw[j] = 0.5 * (E - H / nn[j]) * cexp(I * delta);
  }
  double complex a0 = fw[0];
  if (!(cabs(a0) > 0) || !isfinite(cabs(a0))) return gk_error_set(err, GK_EDOM, NULL, 0, "transfer matrix is singular");
  for (size_t j = 0; j < N; j++) fw[j] /= a0, bw[j] /= a0;
  a->R = creal(bw[0] * conj(bw[0]));
  a->T = creal(nn[N - 1]) / creal(nn[0]) * creal(fw[N - 1] * conj(fw[N - 1]));
  return GK_OK;
}

/* Poynting flux (per incident) at the top of computational layer j. */
static double flux_top(const gk_absorb *a, size_t j)
{
  double complex E = a->fwd[j] + a->bwd[j], H = a->index[j] * (a->fwd[j] - a->bwd[j]);
  return creal(E * conj(H)) / creal(a->index[0]);
}

int gk_absorb_layers(size_t nl, const double *n, const double *k, const double *thick, double wl,
                     gk_absorb *a, gk_error *err)
{
  memset(a, 0, sizeof *a);
  if (nl < 2) return gk_error_set(err, GK_EUSAGE, NULL, 0, "a stack needs at least 2 layers");
  if (!(wl > 0 && isfinite(wl))) return gk_error_set(err, GK_EUSAGE, NULL, 0, "wavelength must be > 0 (got %g nm)", wl);
  if (!(n[0] > 0) || k[0] != 0)
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "the layer the pump comes from must be transparent (n > 0, k = 0)");
  a->nlayers = nl;
  a->wavelength_nm = wl;
  a->A = calloc(nl, sizeof *a->A);
  a->fwd = calloc(nl, sizeof *a->fwd);
  a->bwd = calloc(nl, sizeof *a->bwd);
  a->index = calloc(nl, sizeof *a->index);
  a->thickness_nm = calloc(nl, sizeof *a->thickness_nm);
  if (!a->A || !a->fwd || !a->bwd || !a->index || !a->thickness_nm) {
    gk_absorb_free(a);
    return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  }
  for (size_t j = 0; j < nl; j++) {
    if (!(n[j] > 0 && isfinite(n[j])) || !(k[j] >= 0 && isfinite(k[j]))) {
      gk_absorb_free(a);
      return gk_error_set(err, GK_EUSAGE, NULL, 0, "layer %zu: n must be > 0 and k >= 0", j + 1);
    }
    a->index[j] = n[j] + I * k[j];
    a->thickness_nm[j] = (j == 0 || j == nl - 1) ? 0 : thick[j];
    if (j && j < nl - 1 && !(thick[j] > 0 && isfinite(thick[j]))) {
      gk_absorb_free(a);
      return gk_error_set(err, GK_EUSAGE, NULL, 0, "layer %zu: thickness must be > 0", j + 1);
    }
  }
  int rc = solve(a, err);
  if (rc) { gk_absorb_free(a); return rc; }
  for (size_t j = 1; j + 1 < nl; j++) a->A[j] = flux_top(a, j) - flux_top(a, j + 1);
  return GK_OK;
}

int gk_absorb_stack(const gk_stack *s, double wl, int from_substrate, gk_absorb *a, gk_error *err)
{
  memset(a, 0, sizeof *a);
  size_t N = s->nlayers;
  /* the same precondition as gk_absorb_new's; checked before the copies
   * below read element 0 */
  if (N < 2) return gk_error_set(err, GK_EUSAGE, s->file, 0, "a stack needs at least 2 layers (it has %zu)", N);
  double *re = malloc(N * sizeof *re), *im = malloc(N * sizeof *im), *d = malloc(N * sizeof *d);
  double *re2 = malloc(N * sizeof *re), *im2 = malloc(N * sizeof *im), *d2 = malloc(N * sizeof *d);
  int rc = GK_OK;
  if (!re || !im || !d || !re2 || !im2 || !d2) { rc = gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory"); goto out; }
  rc = gk_stack_index(s, wl, re, im, err);
  if (rc) goto out;
  for (size_t j = 0; j < N; j++) {
    size_t src = from_substrate ? N - 1 - j : j;
    re2[j] = re[src], im2[j] = im[src], d2[j] = (src == 0 || src == N - 1) ? 0 : s->layers[src].thickness_nm;
  }
  if (im2[0] != 0) {
    rc = gk_error_set(err, GK_EUSAGE, s->file, s->layers[from_substrate ? N - 1 : 0].line,
                      "the pump enters through layer '%s', which absorbs (k = %g) at %g nm; "
                      "a semi-infinite absorbing entrance is not defined",
                      s->layers[from_substrate ? N - 1 : 0].name, im2[0], wl);
    goto out;
  }
  rc = gk_absorb_layers(N, re2, im2, d2, wl, a, err);
  if (rc) goto out;
  a->reversed = from_substrate;
  if (from_substrate) { /* absorbed fractions back in the stack's order */
    for (size_t j = 0; j < N / 2; j++) {
      double t = a->A[j];
      a->A[j] = a->A[N - 1 - j], a->A[N - 1 - j] = t;
    }
  }
out:
  free(re), free(im), free(d), free(re2), free(im2), free(d2);
  return rc;
}

double gk_absorb_density(const gk_absorb *a, double z)
{
  size_t N = a->nlayers;
  double total = 0;
  for (size_t j = 1; j + 1 < N; j++) total += a->thickness_nm[j];
  if (a->reversed) z = total - z;
  if (z < 0 || z > total) return 0;
  double top = 0;
  size_t j = 1;
  for (; j + 1 < N; j++) {
    if (z <= top + a->thickness_nm[j] || j + 2 == N) break;
    top += a->thickness_nm[j];
  }
  if (j + 1 >= N) return 0;
  double u = z - top, k0 = 2 * M_PI / a->wavelength_nm;
  double complex q = k0 * a->index[j];
  double complex E = a->fwd[j] * cexp(I * q * u) + a->bwd[j] * cexp(-I * q * u);
  double nr = creal(a->index[j]), ki = cimag(a->index[j]);
  return 4 * M_PI * nr * ki / a->wavelength_nm * creal(E * conj(E)) / creal(a->index[0]);
}

static int depth_alloc(gk_depth_profile *p, size_t npts, gk_error *err)
{
  memset(p, 0, sizeof *p);
  if (npts < 2 || npts > 1000000) return gk_error_set(err, GK_EUSAGE, NULL, 0, "points must be 2..1e6 (got %zu)", npts);
  p->n = npts;
  p->z_nm = malloc(npts * sizeof *p->z_nm);
  p->N = malloc(npts * sizeof *p->N);
  if (!p->z_nm || !p->N) {
    gk_depth_free(p);
    return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  }
  p->n_mode = NAN;
  return GK_OK;
}

void gk_depth_free(gk_depth_profile *p)
{
  if (!p) return;
  free(p->z_nm), free(p->N);
  memset(p, 0, sizeof *p);
}

int gk_depth_tmm(const gk_absorb *a, size_t layer, double F, size_t npts, gk_depth_profile *p, gk_error *err)
{
  if (layer == 0 || layer + 1 >= a->nlayers)
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "the active layer must be an interior layer (got %zu)", layer + 1);
  int rc = depth_alloc(p, npts, err);
  if (rc) return rc;
  /* the layer's place in the stack's own order */
  size_t N = a->nlayers;
  double top = 0, d;
  for (size_t j = 1; j < layer; j++) top += a->thickness_nm[a->reversed ? N - 1 - j : j];
  d = a->thickness_nm[a->reversed ? N - 1 - layer : layer];
  double hv = gk_photon_energy_j(a->wavelength_nm);
  for (size_t i = 0; i < npts; i++) {
    /* stay a hair inside the layer so that an interface point is not
     * attributed to the neighbour */
    double z = top + d * (1e-9 + (1 - 2e-9) * (double)i / (double)(npts - 1));
    p->z_nm[i] = z;
    p->N[i] = F * gk_absorb_density(a, z) * 1e7 / hv;
  }
  p->absorbed = a->A[layer];
  p->n_mean = F * a->A[layer] / (hv * d * 1e-7);
  return GK_OK;
}

int gk_depth_beer(double F, double wl, double alpha, double d, double R, size_t npts, gk_depth_profile *p,
                  gk_error *err)
{
  if (!(alpha > 0 && isfinite(alpha))) return gk_error_set(err, GK_EUSAGE, NULL, 0, "alpha must be > 0 (got %g cm^-1)", alpha);
  if (!(d > 0 && isfinite(d))) return gk_error_set(err, GK_EUSAGE, NULL, 0, "thickness must be > 0 (got %g nm)", d);
  if (!(R >= 0 && R < 1)) return gk_error_set(err, GK_EUSAGE, NULL, 0, "reflectance must be in [0, 1) (got %g)", R);
  if (!(wl > 0)) return gk_error_set(err, GK_EUSAGE, NULL, 0, "wavelength must be > 0 (got %g nm)", wl);
  int rc = depth_alloc(p, npts, err);
  if (rc) return rc;
  double hv = gk_photon_energy_j(wl), dcm = d * 1e-7;
  for (size_t i = 0; i < npts; i++) {
    p->z_nm[i] = d * (double)i / (double)(npts - 1);
    p->N[i] = F * (1 - R) * alpha * exp(-alpha * p->z_nm[i] * 1e-7) / hv;
  }
  p->absorbed = (1 - R) * -expm1(-alpha * dcm);
  p->n_mean = F * p->absorbed / (hv * dcm);
  return GK_OK;
}

double gk_depth_mode_weighted(gk_depth_profile *p, const double *E2)
{
  double num = 0, den = 0;
  for (size_t i = 0; i + 1 < p->n; i++) {
    double dz = p->z_nm[i + 1] - p->z_nm[i];
    num += 0.5 * dz * (p->N[i] * E2[i] + p->N[i + 1] * E2[i + 1]);
    den += 0.5 * dz * (E2[i] + E2[i + 1]);
  }
  p->n_mode = den > 0 ? num / den : NAN;
  return p->n_mode;
}
