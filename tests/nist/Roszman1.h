/* NIST StRD Roszman1 (average difficulty), 25 observations, 4 parameters.
 * Model: y = b1 - b2*x - arctan[b3/(x-b4)]/pi, pi = 3.141592653589793238462643383279E0
 * Data rows are typed as NIST prints them (y, x). */
#include "nist.h"

static const double roszman1_data[25][2] = { /* y, x */
  {0.252429, -4868.68}, {0.252141, -4868.09}, {0.251809, -4867.41}, {0.297989, -3375.19},
  {0.296257, -3373.14}, {0.295319, -3372.03}, {0.339603, -2473.74}, {0.337731, -2472.35},
  {0.333820, -2469.45}, {0.389510, -1894.65}, {0.386998, -1893.40}, {0.438864, -1497.24},
  {0.434887, -1495.85}, {0.427893, -1493.41}, {0.471568, -1208.68}, {0.461699, -1206.18},
  {0.461144, -1206.04}, {0.513532, -997.92}, {0.506641, -996.61}, {0.505062, -996.31},
  {0.535648, -834.94}, {0.533726, -834.66}, {0.568064, -710.03}, {0.612886, -530.16},
  {0.624169, -464.17},
};
static const double roszman1_start1[] = {0.1, -0.00001, 1000, -100};
static const double roszman1_start2[] = {0.2, -0.000005, 1200, -150};
static const double roszman1_cert[] = {2.0196866396E-01, -6.1953516256E-06, 1.2044556708E+03, -1.8134269537E+02};
static const double roszman1_sd[] = {1.9172666023E-02, 3.2058931691E-06, 7.4050983057E+01, 4.9573513849E+01};

static void roszman1_f(const double *b, const double *r, double *y)
{
  double x = r[1];
  *y = b[0] - b[1] * x - atan(b[2] / (x - b[3])) / NIST_PI;
}
static void roszman1_df(const double *b, const double *r, double *j)
{
  double x = r[1];
  double d = x - b[3], q = b[2] / d;
  j[0] = 1.0;
  j[1] = -x;
  j[2] = -1.0 / (NIST_PI * d * (1.0 + q * q));
  j[3] = -q / (NIST_PI * d * (1.0 + q * q));
}

static const nist_set nist_Roszman1 = {
  "Roszman1", "average", 25, 4, 2, &roszman1_data[0][0], 0,
  roszman1_start1, roszman1_start2, roszman1_cert, roszman1_sd, 4.9484847331E-04,
  roszman1_f, roszman1_df,
};
