/* Library-internal process-wide concerns (not installed). */
#ifndef GAINKIT_CORE_INTERNAL_H
#define GAINKIT_CORE_INTERNAL_H

/* Switch GSL's abort-on-error handler off, once per process (thread-safe,
 * idempotent). Called by every library entry point that uses GSL; see
 * src/core/gsl.c for why it is never saved and restored per call. */
void gk_gsl_init_(void);

#endif
