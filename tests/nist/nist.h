/* nist.h — one NIST StRD nonlinear-regression data set, as the certification
 * test (tests/unit/test_nist.c) consumes it.
 *
 * Each tests/nist/<Name>.h holds the data exactly as printed in NIST's
 * <Name>.dat file (rows in NIST's column order: y first, then x or x1, x2),
 * both starting points, the certified parameter values, their certified
 * standard deviations and the certified residual sum of squares, plus the
 * model and its analytic Jacobian written from NIST's model line (in
 * models.h where several data sets share one model line).
 *
 * Source: NIST/ITL StRD, https://www.itl.nist.gov/div898/strd/nls/nls_main.shtml
 * (public reference figures). */
#ifndef GK_TEST_NIST_H
#define GK_TEST_NIST_H

#include <math.h>
#include <stddef.h>

#include "models.h"

/* pi exactly as NIST writes it in the Roszman1 and ENSO model lines */
#define NIST_PI 3.141592653589793238462643383279E0

typedef struct nist_set {
  const char *name;
  const char *difficulty;   /* "lower", "average", "higher" (NIST's class) */
  size_t n, p;
  size_t ncol;              /* columns per data row: 2 (y x) or 3 (y x1 x2) */
  const double *data;       /* n rows of ncol values, NIST order */
  int log_y;                /* Nelson: the response fitted is log(y) */
  const double *start1, *start2;
  const double *cert, *cert_sd;
  double cert_rss;
  /* yhat[i] and row i of the Jacobian from the x column(s) of row i */
  void (*f)(const double *b, const double *row, double *yhat);
  void (*df)(const double *b, const double *row, double *jrow);
} nist_set;

#endif
