/* NIST StRD Misra1d (average difficulty), 14 observations, 2 parameters.
 * Model: y = b1*b2*x*((1+b2*x)**(-1))
 * Data rows are typed as NIST prints them (y, x). */
#include "nist.h"

static const double misra1d_data[14][2] = { /* y, x */
  {10.07E0, 77.6E0}, {14.73E0, 114.9E0}, {17.94E0, 141.1E0}, {23.93E0, 190.8E0},
  {29.61E0, 239.9E0}, {35.18E0, 289.0E0}, {40.02E0, 332.8E0}, {44.82E0, 378.4E0},
  {50.76E0, 434.8E0}, {55.05E0, 477.3E0}, {61.01E0, 536.8E0}, {66.40E0, 593.1E0},
  {75.47E0, 689.1E0}, {81.78E0, 760.0E0},
};
static const double misra1d_start1[] = {500, 0.0001};
static const double misra1d_start2[] = {450, 0.0003};
static const double misra1d_cert[] = {4.3736970754E+02, 3.0227324449E-04};
static const double misra1d_sd[] = {3.6489174345E+00, 2.9334354479E-06};

static void misra1d_f(const double *b, const double *r, double *y)
{
  double x = r[1];
  *y = b[0] * b[1] * x / (1.0 + b[1] * x);
}
static void misra1d_df(const double *b, const double *r, double *j)
{
  double x = r[1];
  double u = 1.0 + b[1] * x;
  j[0] = b[1] * x / u;
  j[1] = b[0] * x / (u * u);
}

static const nist_set nist_Misra1d = {
  "Misra1d", "average", 14, 2, 2, &misra1d_data[0][0], 0,
  misra1d_start1, misra1d_start2, misra1d_cert, misra1d_sd, 5.6419295283E-02,
  misra1d_f, misra1d_df,
};
