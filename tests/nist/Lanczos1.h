/* NIST StRD Lanczos1 (average difficulty), 24 observations, 6 parameters.
 * Model: y = b1*exp(-b2*x) + b3*exp(-b4*x) + b5*exp(-b6*x)
 * Data rows are typed as NIST prints them (y, x). */
#include "nist.h"

static const double lanczos1_data[24][2] = { /* y, x */
  {2.513400000000E+00, 0.000000000000E+00}, {2.044333373291E+00, 5.000000000000E-02}, {1.668404436564E+00, 1.000000000000E-01}, {1.366418021208E+00, 1.500000000000E-01},
  {1.123232487372E+00, 2.000000000000E-01}, {9.268897180037E-01, 2.500000000000E-01}, {7.679338563728E-01, 3.000000000000E-01}, {6.388775523106E-01, 3.500000000000E-01},
  {5.337835317402E-01, 4.000000000000E-01}, {4.479363617347E-01, 4.500000000000E-01}, {3.775847884350E-01, 5.000000000000E-01}, {3.197393199326E-01, 5.500000000000E-01},
  {2.720130773746E-01, 6.000000000000E-01}, {2.324965529032E-01, 6.500000000000E-01}, {1.996589546065E-01, 7.000000000000E-01}, {1.722704126914E-01, 7.500000000000E-01},
  {1.493405660168E-01, 8.000000000000E-01}, {1.300700206922E-01, 8.500000000000E-01}, {1.138119324644E-01, 9.000000000000E-01}, {1.000415587559E-01, 9.500000000000E-01},
  {8.833209084540E-02, 1.000000000000E+00}, {7.833544019350E-02, 1.050000000000E+00}, {6.976693743449E-02, 1.100000000000E+00}, {6.239312536719E-02, 1.150000000000E+00},
};
static const double lanczos1_start1[] = {1.2, 0.3, 5.6, 5.5, 6.5, 7.6};
static const double lanczos1_start2[] = {0.5, 0.7, 3.6, 4.2, 4, 6.3};
static const double lanczos1_cert[] = {9.5100000027E-02, 1.0000000001E+00, 8.6070000013E-01, 3.0000000002E+00, 1.5575999998E+00, 5.0000000001E+00};
static const double lanczos1_sd[] = {NAN, NAN, NAN, NAN, NAN, NAN};

static void lanczos1_f(const double *b, const double *r, double *y)
{
  double x = r[1];
  *y = b[0] * exp(-b[1] * x) + b[2] * exp(-b[3] * x) + b[4] * exp(-b[5] * x);
}
static void lanczos1_df(const double *b, const double *r, double *j)
{
  double x = r[1];
  for (int k = 0; k < 3; k++) {
    double e = exp(-b[2 * k + 1] * x);
    j[2 * k] = e;
    j[2 * k + 1] = -b[2 * k] * x * e;
  }
}

static const nist_set nist_Lanczos1 = {
  "Lanczos1", "average", 24, 6, 2, &lanczos1_data[0][0], 0,
  lanczos1_start1, lanczos1_start2, lanczos1_cert, lanczos1_sd, NAN,
  lanczos1_f, lanczos1_df,
};
