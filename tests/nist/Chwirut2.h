/* NIST StRD Chwirut2 (lower difficulty), 54 observations, 3 parameters.
 * Model: y = exp[-b1*x]/(b2+b3*x)
 * Data rows are typed as NIST prints them (y, x). */
#include "nist.h"

static const double chwirut2_data[54][2] = { /* y, x */
  {92.9000E0, 0.500E0}, {57.1000E0, 1.000E0}, {31.0500E0, 1.750E0}, {11.5875E0, 3.750E0},
  {8.0250E0, 5.750E0}, {63.6000E0, 0.875E0}, {21.4000E0, 2.250E0}, {14.2500E0, 3.250E0},
  {8.4750E0, 5.250E0}, {63.8000E0, 0.750E0}, {26.8000E0, 1.750E0}, {16.4625E0, 2.750E0},
  {7.1250E0, 4.750E0}, {67.3000E0, 0.625E0}, {41.0000E0, 1.250E0}, {21.1500E0, 2.250E0},
  {8.1750E0, 4.250E0}, {81.5000E0, .500E0}, {13.1200E0, 3.000E0}, {59.9000E0, .750E0},
  {14.6200E0, 3.000E0}, {32.9000E0, 1.500E0}, {5.4400E0, 6.000E0}, {12.5600E0, 3.000E0},
  {5.4400E0, 6.000E0}, {32.0000E0, 1.500E0}, {13.9500E0, 3.000E0}, {75.8000E0, .500E0},
  {20.0000E0, 2.000E0}, {10.4200E0, 4.000E0}, {59.5000E0, .750E0}, {21.6700E0, 2.000E0},
  {8.5500E0, 5.000E0}, {62.0000E0, .750E0}, {20.2000E0, 2.250E0}, {7.7600E0, 3.750E0},
  {3.7500E0, 5.750E0}, {11.8100E0, 3.000E0}, {54.7000E0, .750E0}, {23.7000E0, 2.500E0},
  {11.5500E0, 4.000E0}, {61.3000E0, .750E0}, {17.7000E0, 2.500E0}, {8.7400E0, 4.000E0},
  {59.2000E0, .750E0}, {16.3000E0, 2.500E0}, {8.6200E0, 4.000E0}, {81.0000E0, .500E0},
  {4.8700E0, 6.000E0}, {14.6200E0, 3.000E0}, {81.7000E0, .500E0}, {17.1700E0, 2.750E0},
  {81.3000E0, .500E0}, {28.9000E0, 1.750E0},
};
static const double chwirut2_start1[] = {0.1, 0.01, 0.02};
static const double chwirut2_start2[] = {0.15, 0.008, 0.010};
static const double chwirut2_cert[] = {1.6657666537E-01, 5.1653291286E-03, 1.2150007096E-02};
static const double chwirut2_sd[] = {3.8303286810E-02, 6.6621605126E-04, 1.5304234767E-03};

static void chwirut2_f(const double *b, const double *r, double *y)
{
  double x = r[1];
  *y = exp(-b[0] * x) / (b[1] + b[2] * x);
}
static void chwirut2_df(const double *b, const double *r, double *j)
{
  double x = r[1];
  double e = exp(-b[0] * x), d = b[1] + b[2] * x;
  j[0] = -x * e / d;
  j[1] = -e / (d * d);
  j[2] = -x * e / (d * d);
}

static const nist_set nist_Chwirut2 = {
  "Chwirut2", "lower", 54, 3, 2, &chwirut2_data[0][0], 0,
  chwirut2_start1, chwirut2_start2, chwirut2_cert, chwirut2_sd, 5.1304802941E+02,
  chwirut2_f, chwirut2_df,
};
