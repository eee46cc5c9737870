/* NIST StRD Misra1a (lower difficulty), 14 observations, 2 parameters.
 * Model: y = b1*(1-exp[-b2*x])
 * Data rows are typed as NIST prints them (y, x). */
#include "nist.h"

static const double misra1a_data[14][2] = { /* y, x */
  {10.07E0, 77.6E0}, {14.73E0, 114.9E0}, {17.94E0, 141.1E0}, {23.93E0, 190.8E0},
  {29.61E0, 239.9E0}, {35.18E0, 289.0E0}, {40.02E0, 332.8E0}, {44.82E0, 378.4E0},
  {50.76E0, 434.8E0}, {55.05E0, 477.3E0}, {61.01E0, 536.8E0}, {66.40E0, 593.1E0},
  {75.47E0, 689.1E0}, {81.78E0, 760.0E0},
};
static const double misra1a_start1[] = {500, 0.0001};
static const double misra1a_start2[] = {250, 0.0005};
static const double misra1a_cert[] = {2.3894212918E+02, 5.5015643181E-04};
static const double misra1a_sd[] = {2.7070075241E+00, 7.2668688436E-06};

static const nist_set nist_Misra1a = {
  "Misra1a", "lower", 14, 2, 2, &misra1a_data[0][0], 0,
  misra1a_start1, misra1a_start2, misra1a_cert, misra1a_sd, 1.2455138894E-01,
  nist_exp_rise_f, nist_exp_rise_df,
};
