/* NIST StRD Rat42 (higher difficulty), 9 observations, 3 parameters.
 * Model: y = b1 / (1+exp[b2-b3*x])
 * Data rows are typed as NIST prints them (y, x). */
#include "nist.h"

static const double rat42_data[9][2] = { /* y, x */
  {8.930E0, 9.000E0}, {10.800E0, 14.000E0}, {18.590E0, 21.000E0}, {22.330E0, 28.000E0},
  {39.350E0, 42.000E0}, {56.110E0, 57.000E0}, {61.730E0, 63.000E0}, {64.620E0, 70.000E0},
  {67.080E0, 79.000E0},
};
static const double rat42_start1[] = {100, 1, 0.1};
static const double rat42_start2[] = {75, 2.5, 0.07};
static const double rat42_cert[] = {7.2462237576E+01, 2.6180768402E+00, 6.7359200066E-02};
static const double rat42_sd[] = {1.7340283401E+00, 8.8295217536E-02, 3.4465663377E-03};

static void rat42_f(const double *b, const double *r, double *y)
{
  double x = r[1];
  *y = b[0] / (1.0 + exp(b[1] - b[2] * x));
}
static void rat42_df(const double *b, const double *r, double *j)
{
  double x = r[1];
  double e = exp(b[1] - b[2] * x), u = 1.0 + e;
  j[0] = 1.0 / u;
  j[1] = -b[0] * e / (u * u);
  j[2] = b[0] * e * x / (u * u);
}

static const nist_set nist_Rat42 = {
  "Rat42", "higher", 9, 3, 2, &rat42_data[0][0], 0,
  rat42_start1, rat42_start2, rat42_cert, rat42_sd, 8.0565229338E+00,
  rat42_f, rat42_df,
};
