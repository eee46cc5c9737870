/* NIST StRD Lanczos3 (lower difficulty), 24 observations, 6 parameters.
 * Model: y = b1*exp(-b2*x) + b3*exp(-b4*x) + b5*exp(-b6*x)
 * Data rows are typed as NIST prints them (y, x). */
#include "nist.h"

static const double lanczos3_data[24][2] = { /* y, x */
  {2.5134E+00, 0.00000E+00}, {2.0443E+00, 5.00000E-02}, {1.6684E+00, 1.00000E-01}, {1.3664E+00, 1.50000E-01},
  {1.1232E+00, 2.00000E-01}, {0.9269E+00, 2.50000E-01}, {0.7679E+00, 3.00000E-01}, {0.6389E+00, 3.50000E-01},
  {0.5338E+00, 4.00000E-01}, {0.4479E+00, 4.50000E-01}, {0.3776E+00, 5.00000E-01}, {0.3197E+00, 5.50000E-01},
  {0.2720E+00, 6.00000E-01}, {0.2325E+00, 6.50000E-01}, {0.1997E+00, 7.00000E-01}, {0.1723E+00, 7.50000E-01},
  {0.1493E+00, 8.00000E-01}, {0.1301E+00, 8.50000E-01}, {0.1138E+00, 9.00000E-01}, {0.1000E+00, 9.50000E-01},
  {0.0883E+00, 1.00000E+00}, {0.0783E+00, 1.05000E+00}, {0.0698E+00, 1.10000E+00}, {0.0624E+00, 1.15000E+00},
};
static const double lanczos3_start1[] = {1.2, 0.3, 5.6, 5.5, 6.5, 7.6};
static const double lanczos3_start2[] = {0.5, 0.7, 3.6, 4.2, 4, 6.3};
static const double lanczos3_cert[] = {8.6816414977E-02, 9.5498101505E-01, 8.4400777463E-01, 2.9515951832E+00, 1.5825685901E+00, 4.9863565084E+00};
static const double lanczos3_sd[] = {1.7197908859E-02, 9.7041624475E-02, 4.1488663282E-02, 1.0766312506E-01, 5.8371576281E-02, 3.4436403035E-02};

static const nist_set nist_Lanczos3 = {
  "Lanczos3", "lower", 24, 6, 2, &lanczos3_data[0][0], 0,
  lanczos3_start1, lanczos3_start2, lanczos3_cert, lanczos3_sd, 1.6117193594E-08,
  nist_lanczos_f, nist_lanczos_df,
};
