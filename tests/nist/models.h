/* models.h — model functions shared by NIST data sets of one family
 * (NIST gives several data sets the same model line), with analytic
 * Jacobians; each <Name>.h points its nist_set at its family here. */
#ifndef GK_TEST_NIST_MODELS_H
#define GK_TEST_NIST_MODELS_H

#include <math.h>

/* Gauss1, Gauss2, Gauss3: y = b1 exp(-b2 x) + b3 exp(-(x-b4)^2/b5^2) + b6 exp(-(x-b7)^2/b8^2) */
static void nist_gauss_f(const double *b, const double *r, double *y)
{
  double x = r[1];
  double d1 = x - b[3], d2 = x - b[6];
  *y = b[0] * exp(-b[1] * x) + b[2] * exp(-d1 * d1 / (b[4] * b[4]))
       + b[5] * exp(-d2 * d2 / (b[7] * b[7]));
}
static void nist_gauss_df(const double *b, const double *r, double *j)
{
  double x = r[1];
  double d1 = x - b[3], d2 = x - b[6];
  double e0 = exp(-b[1] * x);
  double e1 = exp(-d1 * d1 / (b[4] * b[4])), e2 = exp(-d2 * d2 / (b[7] * b[7]));
  j[0] = e0;
  j[1] = -b[0] * x * e0;
  j[2] = e1;
  j[3] = b[2] * e1 * 2.0 * d1 / (b[4] * b[4]);
  j[4] = b[2] * e1 * 2.0 * d1 * d1 / (b[4] * b[4] * b[4]);
  j[5] = e2;
  j[6] = b[5] * e2 * 2.0 * d2 / (b[7] * b[7]);
  j[7] = b[5] * e2 * 2.0 * d2 * d2 / (b[7] * b[7] * b[7]);
}
/* Chwirut1, Chwirut2: y = exp(-b1 x)/(b2 + b3 x) */
static void nist_chwirut_f(const double *b, const double *r, double *y)
{
  double x = r[1];
  *y = exp(-b[0] * x) / (b[1] + b[2] * x);
}
static void nist_chwirut_df(const double *b, const double *r, double *j)
{
  double x = r[1];
  double e = exp(-b[0] * x), d = b[1] + b[2] * x;
  j[0] = -x * e / d;
  j[1] = -e / (d * d);
  j[2] = -x * e / (d * d);
}
/* Hahn1, Thurber: y = (b1 + b2 x + b3 x^2 + b4 x^3)/(1 + b5 x + b6 x^2 + b7 x^3) */
static void nist_rational33_f(const double *b, const double *r, double *y)
{
  double x = r[1];
  *y = (b[0] + b[1] * x + b[2] * x * x + b[3] * x * x * x)
       / (1.0 + b[4] * x + b[5] * x * x + b[6] * x * x * x);
}
static void nist_rational33_df(const double *b, const double *r, double *j)
{
  double x = r[1];
  double u = b[0] + b[1] * x + b[2] * x * x + b[3] * x * x * x;
  double v = 1.0 + b[4] * x + b[5] * x * x + b[6] * x * x * x;
  j[0] = 1.0 / v;
  j[1] = x / v;
  j[2] = x * x / v;
  j[3] = x * x * x / v;
  j[4] = -u * x / (v * v);
  j[5] = -u * x * x / (v * v);
  j[6] = -u * x * x * x / (v * v);
}
/* Lanczos1, Lanczos2, Lanczos3: y = b1 exp(-b2 x) + b3 exp(-b4 x) + b5 exp(-b6 x) */
static void nist_lanczos_f(const double *b, const double *r, double *y)
{
  double x = r[1];
  *y = b[0] * exp(-b[1] * x) + b[2] * exp(-b[3] * x) + b[4] * exp(-b[5] * x);
}
static void nist_lanczos_df(const double *b, const double *r, double *j)
{
  double x = r[1];
  for (int k = 0; k < 3; k++) {
    double e = exp(-b[2 * k + 1] * x);
    j[2 * k] = e;
    j[2 * k + 1] = -b[2 * k] * x * e;
  }
}
/* Misra1a, BoxBOD: y = b1 (1 - exp(-b2 x)) */
static void nist_exp_rise_f(const double *b, const double *r, double *y)
{
  double x = r[1];
  *y = b[0] * (1.0 - exp(-b[1] * x));
}
static void nist_exp_rise_df(const double *b, const double *r, double *j)
{
  double x = r[1];
  double e = exp(-b[1] * x);
  j[0] = 1.0 - e;
  j[1] = b[0] * x * e;
}

#endif
