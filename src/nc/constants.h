/* Physical constants (SI 2019 exact values and CODATA 2018), shared by the
 * nc and carriers modules. GSL's gsl_const_mksa.h still carries CODATA 2006
 * values (e = 1.602176487e-19 C), which would shift check values in the
 * 7th digit for no physical reason. */
#ifndef GK_SRC_CONSTANTS_H
#define GK_SRC_CONSTANTS_H
#define GK_Q_E    1.602176634e-19     /* C (exact); also J per eV */
#define GK_HBAR   1.054571817e-34     /* J s (exact h / 2 pi) */
#define GK_M0     9.1093837015e-31    /* kg, CODATA 2018 */
#define GK_KB_EV  8.617333262e-5      /* eV/K (exact k_B / e) */
#endif
