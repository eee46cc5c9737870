/* NIST StRD DanWood (lower difficulty), 6 observations, 2 parameters.
 * Model: y = b1*x**b2
 * Data rows are typed as NIST prints them (y, x). */
#include "nist.h"

static const double danwood_data[6][2] = { /* y, x */
  {2.138E0, 1.309E0}, {3.421E0, 1.471E0}, {3.597E0, 1.490E0}, {4.340E0, 1.565E0},
  {4.882E0, 1.611E0}, {5.660E0, 1.680E0},
};
static const double danwood_start1[] = {1, 5};
static const double danwood_start2[] = {0.7, 4};
static const double danwood_cert[] = {7.6886226176E-01, 3.8604055871E+00};
static const double danwood_sd[] = {1.8281973860E-02, 5.1726610913E-02};

static void danwood_f(const double *b, const double *r, double *y)
{
  double x = r[1];
  *y = b[0] * pow(x, b[1]);
}
static void danwood_df(const double *b, const double *r, double *j)
{
  double x = r[1];
  double e = pow(x, b[1]);
  j[0] = e;
  j[1] = b[0] * e * log(x);
}

static const nist_set nist_DanWood = {
  "DanWood", "lower", 6, 2, 2, &danwood_data[0][0], 0,
  danwood_start1, danwood_start2, danwood_cert, danwood_sd, 4.3173084083E-03,
  danwood_f, danwood_df,
};
