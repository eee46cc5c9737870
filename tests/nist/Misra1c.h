/* NIST StRD Misra1c (average difficulty), 14 observations, 2 parameters.
 * Model: y = b1 * (1-(1+2*b2*x)**(-.5))
 * Data rows are typed as NIST prints them (y, x). */
#include "nist.h"

static const double misra1c_data[14][2] = { /* y, x */
  {10.07E0, 77.6E0}, {14.73E0, 114.9E0}, {17.94E0, 141.1E0}, {23.93E0, 190.8E0},
  {29.61E0, 239.9E0}, {35.18E0, 289.0E0}, {40.02E0, 332.8E0}, {44.82E0, 378.4E0},
  {50.76E0, 434.8E0}, {55.05E0, 477.3E0}, {61.01E0, 536.8E0}, {66.40E0, 593.1E0},
  {75.47E0, 689.1E0}, {81.78E0, 760.0E0},
};
static const double misra1c_start1[] = {500, 0.0001};
static const double misra1c_start2[] = {600, 0.0002};
static const double misra1c_cert[] = {6.3642725809E+02, 2.0813627256E-04};
static const double misra1c_sd[] = {4.6638326572E+00, 1.7728423155E-06};

static void misra1c_f(const double *b, const double *r, double *y)
{
  double x = r[1];
  *y = b[0] * (1.0 - 1.0 / sqrt(1.0 + 2.0 * b[1] * x));
}
static void misra1c_df(const double *b, const double *r, double *j)
{
  double x = r[1];
  double u = 1.0 + 2.0 * b[1] * x;
  j[0] = 1.0 - 1.0 / sqrt(u);
  j[1] = b[0] * x / (u * sqrt(u));
}

static const nist_set nist_Misra1c = {
  "Misra1c", "average", 14, 2, 2, &misra1c_data[0][0], 0,
  misra1c_start1, misra1c_start2, misra1c_cert, misra1c_sd, 4.0966836971E-02,
  misra1c_f, misra1c_df,
};
