/* NIST StRD Eckerle4 (higher difficulty), 35 observations, 3 parameters.
 * Model: y = (b1/b2) * exp[-0.5*((x-b3)/b2)**2]
 * Data rows are typed as NIST prints them (y, x). */
#include "nist.h"

static const double eckerle4_data[35][2] = { /* y, x */
  {0.0001575E0, 400.000000E0}, {0.0001699E0, 405.000000E0}, {0.0002350E0, 410.000000E0}, {0.0003102E0, 415.000000E0},
  {0.0004917E0, 420.000000E0}, {0.0008710E0, 425.000000E0}, {0.0017418E0, 430.000000E0}, {0.0046400E0, 435.000000E0},
  {0.0065895E0, 436.500000E0}, {0.0097302E0, 438.000000E0}, {0.0149002E0, 439.500000E0}, {0.0237310E0, 441.000000E0},
  {0.0401683E0, 442.500000E0}, {0.0712559E0, 444.000000E0}, {0.1264458E0, 445.500000E0}, {0.2073413E0, 447.000000E0},
  {0.2902366E0, 448.500000E0}, {0.3445623E0, 450.000000E0}, {0.3698049E0, 451.500000E0}, {0.3668534E0, 453.000000E0},
  {0.3106727E0, 454.500000E0}, {0.2078154E0, 456.000000E0}, {0.1164354E0, 457.500000E0}, {0.0616764E0, 459.000000E0},
  {0.0337200E0, 460.500000E0}, {0.0194023E0, 462.000000E0}, {0.0117831E0, 463.500000E0}, {0.0074357E0, 465.000000E0},
  {0.0022732E0, 470.000000E0}, {0.0008800E0, 475.000000E0}, {0.0004579E0, 480.000000E0}, {0.0002345E0, 485.000000E0},
  {0.0001586E0, 490.000000E0}, {0.0001143E0, 495.000000E0}, {0.0000710E0, 500.000000E0},
};
static const double eckerle4_start1[] = {1, 10, 500};
static const double eckerle4_start2[] = {1.5, 5, 450};
static const double eckerle4_cert[] = {1.5543827178E+00, 4.0888321754E+00, 4.5154121844E+02};
static const double eckerle4_sd[] = {1.5408051163E-02, 4.6803020753E-02, 4.6800518816E-02};

static void eckerle4_f(const double *b, const double *r, double *y)
{
  double x = r[1];
  double t = (x - b[2]) / b[1];
  *y = (b[0] / b[1]) * exp(-0.5 * t * t);
}
static void eckerle4_df(const double *b, const double *r, double *j)
{
  double x = r[1];
  double t = (x - b[2]) / b[1], e = exp(-0.5 * t * t);
  j[0] = e / b[1];
  j[1] = b[0] * e * (t * t - 1.0) / (b[1] * b[1]);
  j[2] = b[0] * e * t / (b[1] * b[1]);
}

static const nist_set nist_Eckerle4 = {
  "Eckerle4", "higher", 35, 3, 2, &eckerle4_data[0][0], 0,
  eckerle4_start1, eckerle4_start2, eckerle4_cert, eckerle4_sd, 1.4635887487E-03,
  eckerle4_f, eckerle4_df,
};
