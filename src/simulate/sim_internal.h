/* Internal to the library and its tests (not installed). */
#ifndef GK_SIM_INTERNAL_H
#define GK_SIM_INTERNAL_H
#include <stddef.h>

/* Time steps, since the process started, whose flux solve split the stripe
 * between two threads (src/simulate/simulate.c, stripe_flux): lets a test
 * show that the split it compares against the serial solve really ran. 0
 * without OpenMP. */
size_t gk_sim_stripe_steps_(void);

#endif
