/* NIST StRD MGH09 (higher difficulty), 11 observations, 4 parameters.
 * Model: y = b1*(x**2+x*b2) / (x**2+x*b3+b4)
 * Data rows are typed as NIST prints them (y, x). */
#include "nist.h"

static const double mgh09_data[11][2] = { /* y, x */
  {1.957000E-01, 4.000000E+00}, {1.947000E-01, 2.000000E+00}, {1.735000E-01, 1.000000E+00}, {1.600000E-01, 5.000000E-01},
  {8.440000E-02, 2.500000E-01}, {6.270000E-02, 1.670000E-01}, {4.560000E-02, 1.250000E-01}, {3.420000E-02, 1.000000E-01},
  {3.230000E-02, 8.330000E-02}, {2.350000E-02, 7.140000E-02}, {2.460000E-02, 6.250000E-02},
};
static const double mgh09_start1[] = {25, 39, 41.5, 39};
static const double mgh09_start2[] = {0.25, 0.39, 0.415, 0.39};
static const double mgh09_cert[] = {1.9280693458E-01, 1.9128232873E-01, 1.2305650693E-01, 1.3606233068E-01};
static const double mgh09_sd[] = {1.1435312227E-02, 1.9633220911E-01, 8.0842031232E-02, 9.0025542308E-02};

static void mgh09_f(const double *b, const double *r, double *y)
{
  double x = r[1];
  *y = b[0] * (x * x + x * b[1]) / (x * x + x * b[2] + b[3]);
}
static void mgh09_df(const double *b, const double *r, double *j)
{
  double x = r[1];
  double u = x * x + x * b[1], v = x * x + x * b[2] + b[3];
  j[0] = u / v;
  j[1] = b[0] * x / v;
  j[2] = -b[0] * u * x / (v * v);
  j[3] = -b[0] * u / (v * v);
}

static const nist_set nist_MGH09 = {
  "MGH09", "higher", 11, 4, 2, &mgh09_data[0][0], 0,
  mgh09_start1, mgh09_start2, mgh09_cert, mgh09_sd, 3.0750560385E-04,
  mgh09_f, mgh09_df,
};
