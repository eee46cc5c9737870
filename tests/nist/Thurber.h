/* NIST StRD Thurber (higher difficulty), 37 observations, 7 parameters.
 * Model: y = (b1 + b2*x + b3*x**2 + b4*x**3) / (1 + b5*x + b6*x**2 + b7*x**3)
 * Data rows are typed as NIST prints them (y, x). */
#include "nist.h"

static const double thurber_data[37][2] = { /* y, x */
  {80.574E0, -3.067E0}, {84.248E0, -2.981E0}, {87.264E0, -2.921E0}, {87.195E0, -2.912E0},
  {89.076E0, -2.840E0}, {89.608E0, -2.797E0}, {89.868E0, -2.702E0}, {90.101E0, -2.699E0},
  {92.405E0, -2.633E0}, {95.854E0, -2.481E0}, {100.696E0, -2.363E0}, {101.060E0, -2.322E0},
  {401.672E0, -1.501E0}, {390.724E0, -1.460E0}, {567.534E0, -1.274E0}, {635.316E0, -1.212E0},
  {733.054E0, -1.100E0}, {759.087E0, -1.046E0}, {894.206E0, -0.915E0}, {990.785E0, -0.714E0},
  {1090.109E0, -0.566E0}, {1080.914E0, -0.545E0}, {1122.643E0, -0.400E0}, {1178.351E0, -0.309E0},
  {1260.531E0, -0.109E0}, {1273.514E0, -0.103E0}, {1288.339E0, 0.010E0}, {1327.543E0, 0.119E0},
  {1353.863E0, 0.377E0}, {1414.509E0, 0.790E0}, {1425.208E0, 0.963E0}, {1421.384E0, 1.006E0},
  {1442.962E0, 1.115E0}, {1464.350E0, 1.572E0}, {1468.705E0, 1.841E0}, {1447.894E0, 2.047E0},
  {1457.628E0, 2.200E0},
};
static const double thurber_start1[] = {1000, 1000, 400, 40, 0.7, 0.3, 0.03};
static const double thurber_start2[] = {1300, 1500, 500, 75, 1, 0.4, 0.05};
static const double thurber_cert[] = {1.2881396800E+03, 1.4910792535E+03, 5.8323836877E+02, 7.5416644291E+01, 9.6629502864E-01, 3.9797285797E-01, 4.9727297349E-02};
static const double thurber_sd[] = {4.6647963344E+00, 3.9571156086E+01, 2.8698696102E+01, 5.5675370270E+00, 3.1333340687E-02, 1.4984928198E-02, 6.5842344623E-03};

static void thurber_f(const double *b, const double *r, double *y)
{
  double x = r[1];
  *y = (b[0] + b[1] * x + b[2] * x * x + b[3] * x * x * x)
       / (1.0 + b[4] * x + b[5] * x * x + b[6] * x * x * x);
}
static void thurber_df(const double *b, const double *r, double *j)
{
  double x = r[1];
  double u = b[0] + b[1] * x + b[2] * x * x + b[3] * x * x * x;
  double v = 1.0 + b[4] * x + b[5] * x * x + b[6] * x * x * x;
  j[0] = 1.0 / v;
  j[1] = x / v;
  j[2] = x * x / v;
  j[3] = x * x * x / v;
  j[4] = -u * x / (v * v);
  j[5] = -u * x * x / (v * v);
  j[6] = -u * x * x * x / (v * v);
}

static const nist_set nist_Thurber = {
  "Thurber", "higher", 37, 7, 2, &thurber_data[0][0], 0,
  thurber_start1, thurber_start2, thurber_cert, thurber_sd, 5.6427082397E+03,
  thurber_f, thurber_df,
};
