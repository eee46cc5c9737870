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

/* ln f(P) and its gradient with respect to (P1, P2, m, n) and P. */
static double lnf(double P, const double *gl, double *grad, double *dP)
{
  double x1 = P / gl[GK_VPI_P1], x2 = P / gl[GK_VPI_P2], m = gl[GK_VPI_M], n = gl[GK_VPI_N];
  double lx2 = log(x2), xm = exp(m * lx2), xn = exp(n * lx2);
  double N = x1 + xm, D = 1 + x1 + xn;
  if (grad) {
    grad[GK_VPI_P1] = (-x1 / gl[GK_VPI_P1]) / N + (x1 / gl[GK_VPI_P1]) / D;
    grad[GK_VPI_P2] = (-m * xm / gl[GK_VPI_P2]) / N + (n * xn / gl[GK_VPI_P2]) / D;
    grad[GK_VPI_M] = xm * lx2 / N;
    grad[GK_VPI_N] = -xn * lx2 / D;
  }
  if (dP) *dP = (x1 + m * xm) / (P * N) - (x1 + n * xn) / (P * D);
  return log(N) - log(D);
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

/* e^{gL} overflows double beyond gL ~ 709; the fit never needs that far, so
 * such a point marks the trial parameters as outside the model's domain. */
#define GL_MAX 700.0

double vpi_point(gk_vpi_model model, double L, double F, double gamma, double alpha, double dn,
                 const double *ddn, double w1, double w2, double *d, int *ok)
{
  double g = gamma * dn - alpha, x = g * L;
  *ok = x < GL_MAX && alpha * L < GL_MAX;
  if (!*ok) return NAN;
  double ase = F * L * gk_vpi_e(x), dase = F * L * L * gk_vpi_de(x);
  double bg = 0, dbg = 0;
  if (model == GK_VPI2) {
    bg = F * L * gk_vpi_e(-alpha * L);
    dbg = -F * L * L * gk_vpi_de(-alpha * L);
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
