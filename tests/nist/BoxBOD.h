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

static const nist_set nist_BoxBOD = {
  "BoxBOD", "higher", 6, 2, 2, &boxbod_data[0][0], 0,
  boxbod_start1, boxbod_start2, boxbod_cert, boxbod_sd, 1.1680088766E+03,
  nist_exp_rise_f, nist_exp_rise_df,
};
