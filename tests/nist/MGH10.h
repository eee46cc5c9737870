/* NIST StRD MGH10 (higher difficulty), 16 observations, 3 parameters.
 * Model: y = b1 * exp[b2/(x+b3)]
 * Data rows are typed as NIST prints them (y, x). */
#include "nist.h"

static const double mgh10_data[16][2] = { /* y, x */
  {3.478000E+04, 5.000000E+01}, {2.861000E+04, 5.500000E+01}, {2.365000E+04, 6.000000E+01}, {1.963000E+04, 6.500000E+01},
  {1.637000E+04, 7.000000E+01}, {1.372000E+04, 7.500000E+01}, {1.154000E+04, 8.000000E+01}, {9.744000E+03, 8.500000E+01},
  {8.261000E+03, 9.000000E+01}, {7.030000E+03, 9.500000E+01}, {6.005000E+03, 1.000000E+02}, {5.147000E+03, 1.050000E+02},
  {4.427000E+03, 1.100000E+02}, {3.820000E+03, 1.150000E+02}, {3.307000E+03, 1.200000E+02}, {2.872000E+03, 1.250000E+02},
};
static const double mgh10_start1[] = {2, 400000, 25000};
static const double mgh10_start2[] = {0.02, 4000, 250};
static const double mgh10_cert[] = {5.6096364710E-03, 6.1813463463E+03, 3.4522363462E+02};
static const double mgh10_sd[] = {1.5687892471E-04, 2.3309021107E+01, 7.8486103508E-01};

static void mgh10_f(const double *b, const double *r, double *y)
{
  double x = r[1];
  *y = b[0] * exp(b[1] / (x + b[2]));
}
static void mgh10_df(const double *b, const double *r, double *j)
{
  double x = r[1];
  double u = x + b[2], e = exp(b[1] / u);
  j[0] = e;
  j[1] = b[0] * e / u;
  j[2] = -b[0] * b[1] * e / (u * u);
}

static const nist_set nist_MGH10 = {
  "MGH10", "higher", 16, 3, 2, &mgh10_data[0][0], 0,
  mgh10_start1, mgh10_start2, mgh10_cert, mgh10_sd, 8.7945855171E+01,
  mgh10_f, mgh10_df,
};
