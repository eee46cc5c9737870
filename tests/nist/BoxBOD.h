/* NIST StRD BoxBOD (higher difficulty), 6 observations, 2 parameters.
 * Model: y = b1*(1-exp[-b2*x])
 * Data rows are typed as NIST prints them (y, x). */
#include "nist.h"

static const double boxbod_data[6][2] = { /* y, x */
  {109, 1}, {149, 2}, {149, 3}, {191, 5},
  {213, 7}, {224, 10},
};
static const double boxbod_start1[] = {1, 1};
static const double boxbod_start2[] = {100, 0.75};
static const double boxbod_cert[] = {2.1380940889E+02, 5.4723748542E-01};
static const double boxbod_sd[] = {1.2354515176E+01, 1.0455993237E-01};

static void boxbod_f(const double *b, const double *r, double *y)
{
  double x = r[1];
  *y = b[0] * (1.0 - exp(-b[1] * x));
}
static void boxbod_df(const double *b, const double *r, double *j)
{
  double x = r[1];
  double e = exp(-b[1] * x);
  j[0] = 1.0 - e;
  j[1] = b[0] * x * e;
}

static const nist_set nist_BoxBOD = {
  "BoxBOD", "higher", 6, 2, 2, &boxbod_data[0][0], 0,
  boxbod_start1, boxbod_start2, boxbod_cert, boxbod_sd, 1.1680088766E+03,
  boxbod_f, boxbod_df,
};
