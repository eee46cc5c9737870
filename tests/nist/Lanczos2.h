/* NIST StRD Lanczos2 (average difficulty), 24 observations, 6 parameters.
 * Model: y = b1*exp(-b2*x) + b3*exp(-b4*x) + b5*exp(-b6*x)
 * Data rows are typed as NIST prints them (y, x). */
#include "nist.h"

static const double lanczos2_data[24][2] = { /* y, x */
  {2.51340E+00, 0.00000E+00}, {2.04433E+00, 5.00000E-02}, {1.66840E+00, 1.00000E-01}, {1.36642E+00, 1.50000E-01},
  {1.12323E+00, 2.00000E-01}, {9.26890E-01, 2.50000E-01}, {7.67934E-01, 3.00000E-01}, {6.38878E-01, 3.50000E-01},
  {5.33784E-01, 4.00000E-01}, {4.47936E-01, 4.50000E-01}, {3.77585E-01, 5.00000E-01}, {3.19739E-01, 5.50000E-01},
  {2.72013E-01, 6.00000E-01}, {2.32497E-01, 6.50000E-01}, {1.99659E-01, 7.00000E-01}, {1.72270E-01, 7.50000E-01},
  {1.49341E-01, 8.00000E-01}, {1.30070E-01, 8.50000E-01}, {1.13812E-01, 9.00000E-01}, {1.00042E-01, 9.50000E-01},
  {8.83321E-02, 1.00000E+00}, {7.83354E-02, 1.05000E+00}, {6.97669E-02, 1.10000E+00}, {6.23931E-02, 1.15000E+00},
};
static const double lanczos2_start1[] = {1.2, 0.3, 5.6, 5.5, 6.5, 7.6};
static const double lanczos2_start2[] = {0.5, 0.7, 3.6, 4.2, 4, 6.3};
static const double lanczos2_cert[] = {9.6251029939E-02, 1.0057332849E+00, 8.6424689056E-01, 3.0078283915E+00, 1.5529016879E+00, 5.0028798100E+00};
static const double lanczos2_sd[] = {6.6770575477E-04, 3.3989646176E-03, 1.7185846685E-03, 4.1707005856E-03, 2.3744381417E-03, 1.3958787284E-03};

static const nist_set nist_Lanczos2 = {
  "Lanczos2", "average", 24, 6, 2, &lanczos2_data[0][0], 0,
  lanczos2_start1, lanczos2_start2, lanczos2_cert, lanczos2_sd, 2.2299428125E-11,
  nist_lanczos_f, nist_lanczos_df,
};
