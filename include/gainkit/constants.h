/* gainkit/constants.h — physical constants, one definition each.
 *
 * SI 2019 exact values and CODATA 2018 recommended values (Tiesinga et
 * al., Rev. Mod. Phys. 93, 025010 (2021)). GSL's gsl_const_mksa.h still
 * carries CODATA 2006 values (e = 1.602176487e-19 C), which would shift
 * check values in the 7th digit for no physical reason, so the library
 * uses these. Units as named; derived constants are written in terms of
 * these, never as separate literals.
 */
#ifndef GAINKIT_CONSTANTS_H
#define GAINKIT_CONSTANTS_H

#define GK_Q_E    1.602176634e-19     /* elementary charge, C (exact); also J per eV */
#define GK_H_J_S  6.62607015e-34      /* Planck constant, J s (exact) */
#define GK_C_CM_S 2.99792458e10       /* speed of light, cm/s (exact) */
#define GK_HBAR   1.054571817e-34     /* h / 2 pi, J s (CODATA 2018, from exact h) */
#define GK_M0     9.1093837015e-31    /* electron mass, kg (CODATA 2018) */
#define GK_KB_EV  8.617333262e-5      /* Boltzmann constant, eV/K (exact k_B / e) */

/* h c / e in eV nm: photon energy (eV) = GK_HC_EV_NM / wavelength (nm) */
#define GK_HC_EV_NM (GK_H_J_S * GK_C_CM_S * 1e7 / GK_Q_E)

#endif
