/* VPI model pieces: the ASE growth factor E(x) = (e^x - 1)/x, the
 * population term dn(P) with its derivatives, one data point with its
 * real-parameter gradient, and the two-unknown NNLS. */
#include <math.h>

#include "vpi/vpi_internal.h"

/* Below this |x| the Taylor series is used: expm1(x)/x is fine there, but
 * the derivative (x e^x - expm1(x))/x^2 cancels ~log10(1/x) digits; the
 * series through x^5 has a truncation error of 7x^6/8! ~ 3e-12 relative at
 * 0.05, the direct form loses only ~1.3 digits there. */
#define E_SERIES 0.05

double gk_vpi_e(double x)
{
  if (fabs(x) < 1e-8) return 1.0 + 0.5 * x;
  return expm1(x) / x;
}

double gk_vpi_de(double x)
{
  if (fabs(x) < E_SERIES)
    return 0.5 + x * (1.0 / 3 + x * (1.0 / 8 + x * (1.0 / 30 + x * (1.0 / 144 + x / 840))));
  return (x * exp(x) - expm1(x)) / (x * x);
}

/* ln(e^a + e^b) without overflow (a, b finite or -INFINITY, not both). */
static double log_add(double a, double b)
{
  double hi = fmax(a, b), lo = fmin(a, b);
  return hi + log1p(exp(lo - hi));
}

/* lnf in logarithms: N = x1 + x2^m and D = 1 + x1 + x2^n summed as
 * exponentials of their logs, and every gradient term through the
 * fractions x1/N, x2^m/N, x1/D, x2^n/D in [0, 1]. For the (P1, P2, m, n)
 * where x2^m overflows (m in the hundreds: a search can run along the
 * m, n -> infinity valley of dn(P), docs/vpi.md), where the direct form
 * gives inf/inf = NaN. */
static double lnf_log(double P, const double *gl, double *grad, double *dP)
{
  double m = gl[GK_VPI_M], n = gl[GK_VPI_N];
  double l1 = log(P / gl[GK_VPI_P1]), lx2 = log(P / gl[GK_VPI_P2]);
  double lN = log_add(l1, m * lx2), lD = log_add(0, log_add(l1, n * lx2));
  double f1N = exp(l1 - lN), fmN = exp(m * lx2 - lN), f1D = exp(l1 - lD), fnD = exp(n * lx2 - lD);
  if (grad) {
    grad[GK_VPI_P1] = (f1D - f1N) / gl[GK_VPI_P1];
    grad[GK_VPI_P2] = (n * fnD - m * fmN) / gl[GK_VPI_P2];
    grad[GK_VPI_M] = fmN * lx2;
    grad[GK_VPI_N] = -fnD * lx2;
  }
  if (dP) *dP = ((f1N + m * fmN) - (f1D + n * fnD)) / P;
  return lN - lD;
}

/* ln f(P) and its gradient with respect to (P1, P2, m, n) and P. The
 * direct form below; where any of it is not finite, the same quantities
 * in logarithms (lnf_log), so that a finite point of the model always has
 * a finite value and gradient (a NaN in the normal equations made every
 * damped step fail, and the driver ended such a fit as "converged"). */
static double lnf(double P, const double *gl, double *grad, double *dP)
{
  double x1 = P / gl[GK_VPI_P1], x2 = P / gl[GK_VPI_P2], m = gl[GK_VPI_M], n = gl[GK_VPI_N];
  double lx2 = log(x2), xm = exp(m * lx2), xn = exp(n * lx2);
  double N = x1 + xm, D = 1 + x1 + xn;
  int ok = 1;
  if (grad) {
    grad[GK_VPI_P1] = (-x1 / gl[GK_VPI_P1]) / N + (x1 / gl[GK_VPI_P1]) / D;
    grad[GK_VPI_P2] = (-m * xm / gl[GK_VPI_P2]) / N + (n * xn / gl[GK_VPI_P2]) / D;
    grad[GK_VPI_M] = xm * lx2 / N;
    grad[GK_VPI_N] = -xn * lx2 / D;
    for (int k = 0; k < GK_VPI_NGLOB; k++) ok &= isfinite(grad[k]);
  }
  if (dP) {
    *dP = (x1 + m * xm) / (P * N) - (x1 + n * xn) / (P * D);
    ok &= isfinite(*dP);
  }
  double v = log(N) - log(D);
  if (ok && isfinite(v)) return v;
  return lnf_log(P, gl, grad, dP);
}

double gk_vpi_dn(double P, const double *glob, double pmax, double *grad)
{
  double g[GK_VPI_NGLOB], gm[GK_VPI_NGLOB];
  double v = exp(lnf(P, glob, grad ? g : NULL, NULL) - lnf(pmax, glob, grad ? gm : NULL, NULL));
  if (grad)
    for (int k = 0; k < GK_VPI_NGLOB; k++) grad[k] = v * (g[k] - gm[k]);
  return v;
}

double vpi_dn_dP(double P, const double *glob, double pmax)
{
  double d;
  double v = exp(lnf(P, glob, NULL, &d) - lnf(pmax, glob, NULL, NULL));
  return v * d;
}


double vpi_de_from_e(double x, double e)
{
  /* E'(x) = (e^x - E)/x with e^x = 1 + x E: no second exp. The subtraction
   * loses ~log10(1/|x|) digits, hence the series below E_SERIES; at large
   * negative x it loses ~log10|x| digits (e.g. 1.5 at x = -30), harmless
   * for a Jacobian. */
  if (fabs(x) < E_SERIES) return gk_vpi_de(x);
  return (1 + (x - 1) * e) / x;
}

double vpi_point_e(gk_vpi_model model, double L, double F, double gamma, double alpha, double dn,
                   const double *ddn, double w1, double w2, double ea, double eb, double deb,
                   double *d)
{
  double x = (gamma * dn - alpha) * L;
  double ase = F * L * ea, dase = F * L * L * vpi_de_from_e(x, ea);
  double bg = 0, dbg = 0;
  if (model == GK_VPI2) {
    bg = F * L * eb;
    dbg = -F * L * L * deb;
  }
  if (d) {
    d[VPI_D_GAMMA] = w1 * dase * dn;
    d[VPI_D_ALPHA] = -w1 * dase + w2 * dbg;
    d[VPI_D_W1] = ase;
    d[VPI_D_W2] = bg;
    for (int k = 0; k < GK_VPI_NGLOB; k++) d[VPI_D_GLOB + k] = w1 * dase * gamma * ddn[k];
  }
  return w1 * ase + w2 * bg;
}

double vpi_point(gk_vpi_model model, double L, double F, double gamma, double alpha, double dn,
                 const double *ddn, double w1, double w2, double *d, int *ok)
{
  double x = (gamma * dn - alpha) * L;
  *ok = x < GL_MAX && alpha * L < GL_MAX;
  if (!*ok) return NAN;
  double eb = model == GK_VPI2 ? gk_vpi_e(-alpha * L) : 0;
  double deb = model == GK_VPI2 && d ? gk_vpi_de(-alpha * L) : 0;
  return vpi_point_e(model, L, F, gamma, alpha, dn, ddn, w1, w2, gk_vpi_e(x), eb, deb, d);
}

void vpi_nnls2(double aa, double ab, double bb, double ay, double by, double *w1, double *w2)
{
  /* The unconstrained optimum if it is feasible; otherwise the optimum lies
   * on a face (one w = 0) or at the origin: compare the feasible candidates
   * by their objective, yy - 2 w.c + w.G.w (yy drops out). */
  double best = 0, b1 = 0, b2 = 0;
  if (bb > 0) {
    double det = aa * bb - ab * ab;
    if (det > 1e-14 * aa * bb) {
      double u1 = (bb * ay - ab * by) / det, u2 = (aa * by - ab * ay) / det;
      if (u1 >= 0 && u2 >= 0) {
        *w1 = u1;
        *w2 = u2;
        return;
      }
    }
    if (by > 0) {
      double u2 = by / bb, f = -by * u2;
      if (f < best) best = f, b1 = 0, b2 = u2;
    }
  }
  if (ay > 0 && aa > 0) {
    double u1 = ay / aa, f = -ay * u1;
    if (f < best) best = f, b1 = u1, b2 = 0;
  }
  *w1 = b1;
  *w2 = b2;
}
