/* profile1.h — one side of a profile-likelihood interval of a non-negative
 * parameter, on the fitting core's workspace (gk_fit_run) and root finder
 * (gk_root_brent). Shared by the models that report profile intervals of
 * rates (gainkit trpl, gainkit tamap fit) instead of a search of their own.
 *
 * The profile chi2_P(v) is the least chi2 with parameter j held at v and
 * every other free parameter refitted (each fit started from the previous
 * one: continuation along the valley). The interval ends where chi2_P
 * crosses `level` (e.g. chi2_min + chi2_red: the 68 % level with the noise
 * estimated from the residuals).
 *
 * Search in ln v: steps from the optimum that start at the relative
 * standard error (clamped to 2 %..100 %) and double; the first step above
 * the level is bracketed and the crossing found by Brent's method to 1e-3
 * of the first step. A side that stays below the level within a factor
 * 1e4 of the optimum is open: the lower end is then 0, the upper end NaN
 * ("not bounded"). A parameter whose optimum is 0 (on its bound) has lower
 * end 0; its upper end is searched from zero_scale upwards (doubling) and
 * bracketed in v itself. */
#ifndef GK_FIT_PROFILE1_H
#define GK_FIT_PROFILE1_H

#include <stddef.h>

#include "gainkit/fit.h"

/* best: the p values at the optimum; se: the standard error of parameter j
 * (NaN when unknown); dir: -1 lower end, +1 upper end; zero_scale: where
 * the upper search of a parameter at 0 begins (> 0). *bound: the end, 0 or
 * NaN as above. Returns GK_OK, or GK_EDOM when a profile fit failed (then
 * *bound is NaN), GK_ENOMEM. prob->param[j] must be free. */
int gk_fit_profile_side(gk_fit_workspace *ws, const gk_fit_problem *prob, const double *best, size_t j,
                        double level, double se, int dir, double zero_scale, double *bound);

#endif
