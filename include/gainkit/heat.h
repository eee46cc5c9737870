/* gainkit/heat.h — lumped thermal model of an electrically driven device.
 *
 * C dDT/dt = P(t) - K DT with P = A_d j V the Joule power [004 Eq. 10-13].
 * Units: K in W/K, C in J/K, power W, time s, DT in K.
 */
#ifndef GAINKIT_HEAT_H
#define GAINKIT_HEAT_H

#include <stddef.h>
#include "gainkit/error.h"
#include "gainkit/fit.h"

#include "gainkit/export.h"

#ifdef __cplusplus
extern "C" {
#endif
GK_API_BEGIN

typedef struct gk_heat {
  double k;        /* heat exchange constant, W/K */
  double c;        /* heat capacity, J/K */
  double power;    /* Joule power during a pulse (A_d j V), W */
} gk_heat;

int gk_heat_check(const gk_heat *h, gk_error *err);
double gk_heat_tau(const gk_heat *h);             /* tau_T = C/K */
double gk_heat_dc(const gk_heat *h);              /* Eq. 11: P/K */
/* Eq. 12: temperature rise at the end of one square pulse of length tp. */
double gk_heat_pulse(const gk_heat *h, double tp);

/* Pulse train: pulses of length tp every period (tp < period), starting
 * at t = 0 from DT = 0. */
typedef struct gk_heat_train { double tp, period; } gk_heat_train;
/* DT(t), closed form pulse by pulse. */
double gk_heat_train_at(const gk_heat *h, const gk_heat_train *tr, double t);
/* Periodic steady state: DT at the end of a pulse (maximum) and at the
 * start of one (minimum); the geometric series of Eq. 12 summed. */
void gk_heat_train_steady(const gk_heat *h, const gk_heat_train *tr, double *dt_max, double *dt_min);
/* The same DT(t) by numerical integration of Eq. 10 (GSL rk8pd, restarted
 * at every switching edge); an independent check of the closed forms. */
int gk_heat_train_ode(const gk_heat *h, const gk_heat_train *tr, const double *t, size_t n,
                      double *dt, gk_error *err);

/* Fit K and C to DT/P (K/W) measured versus pulse length tp (s):
 * DT/P = (1 - exp(-tp K/C))/K, relative weights (DT/P spans decades).
 * Parameters internally: K and tau_T = C/K; C and its error derived. */
/* Temperature rise averaged over one square pulse of length tp from DT =
 * 0: (P/K)(1 - (tau_T/tp)(1 - exp(-tp/tau_T))) — what a measurement
 * integrated over the pulse sees (Ahn et al., Chem. Rev. 2023, section
 * 6.1.5, Fig. 34b). */
double gk_heat_pulse_average(const gk_heat *h, double tp);
/* Which rise the data are: at the end of the pulse (Eq. 12) or averaged
 * over it. */
typedef enum { GK_HEAT_END = 0, GK_HEAT_AVERAGE = 1 } gk_heat_observable;
typedef struct gk_heat_fit {
  double k, c, tau, se_k, se_c, se_tau;
  int converged;
  gk_fit_result fit;
} gk_heat_fit;
int gk_heat_fit_run(const double *tp, const double *dt_per_p, size_t n, gk_heat_fit *out,
                    gk_error *err);
/* The same fit for either observable: end, DT/P as above; average,
 * <DT>/P = (1/K)(1 - (tau_T/tp)(1 - exp(-tp/tau_T))). gk_heat_fit_run is
 * the end-of-pulse form. */
int gk_heat_fit_observable(const double *tp, const double *dt_per_p, size_t n, gk_heat_observable obs,
                           gk_heat_fit *out, gk_error *err);
void gk_heat_fit_free(gk_heat_fit *f);

GK_API_END
#ifdef __cplusplus
}
#endif
#endif
