/* NIST StRD Rat43 (higher difficulty), 15 observations, 4 parameters.
 * Model: y = b1 / ((1+exp[b2-b3*x])**(1/b4))
 * Data rows are typed as NIST prints them (y, x). */
#include "nist.h"

static const double rat43_data[15][2] = { /* y, x */
  {16.08E0, 1.0E0}, {33.83E0, 2.0E0}, {65.80E0, 3.0E0}, {97.20E0, 4.0E0},
  {191.55E0, 5.0E0}, {326.20E0, 6.0E0}, {386.87E0, 7.0E0}, {520.53E0, 8.0E0},
  {590.03E0, 9.0E0}, {651.92E0, 10.0E0}, {724.93E0, 11.0E0}, {699.56E0, 12.0E0},
  {689.96E0, 13.0E0}, {637.56E0, 14.0E0}, {717.41E0, 15.0E0},
};
static const double rat43_start1[] = {100, 10, 1, 1};
static const double rat43_start2[] = {700, 5, 0.75, 1.3};
static const double rat43_cert[] = {6.9964151270E+02, 5.2771253025E+00, 7.5962938329E-01, 1.2792483859E+00};
static const double rat43_sd[] = {1.6302297817E+01, 2.0828735829E+00, 1.9566123451E-01, 6.8761936385E-01};

static void rat43_f(const double *b, const double *r, double *y)
{
  double x = r[1];
  *y = b[0] / pow(1.0 + exp(b[1] - b[2] * x), 1.0 / b[3]);
}
static void rat43_df(const double *b, const double *r, double *j)
{
  double x = r[1];
  double e = exp(b[1] - b[2] * x), u = 1.0 + e, q = pow(u, -1.0 / b[3]);
  j[0] = q;
  j[1] = -b[0] / b[3] * e * q / u;
  j[2] = b[0] / b[3] * x * e * q / u;
  j[3] = b[0] / (b[3] * b[3]) * log(u) * q;
}

static const nist_set nist_Rat43 = {
  "Rat43", "higher", 15, 4, 2, &rat43_data[0][0], 0,
  rat43_start1, rat43_start2, rat43_cert, rat43_sd, 8.7864049080E+03,
  rat43_f, rat43_df,
};
