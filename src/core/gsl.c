/* One policy for GSL's process-wide error handler (see core_internal.h).
 *
 * GSL's default handler calls abort(). The library checks the status of
 * every GSL call and turns a failure into a gk_error, so the handler must
 * be off. It is one process-global pointer, so it is set exactly once:
 * when the library is loaded (a constructor, before main and before any
 * thread exists) and, for a statically linked program in which that
 * constructor might run late, by pthread_once at the library's entry
 * points. It is never saved and restored per call: a restore in one thread
 * while another (or an OpenMP team of the same call) is inside GSL is a
 * data race and can re-enable abort() under a running computation.
 *
 * A host program that installs its own GSL handler after loading gainkit
 * takes responsibility for it; gainkit's own code never relies on the
 * handler being called (a handler that returns is harmless, one that
 * aborts turns a reported numerical failure into a crash). */
#include <gsl/gsl_errno.h>
#include <pthread.h>

#include "core_internal.h"

static pthread_once_t gsl_once = PTHREAD_ONCE_INIT;

static void gsl_quiet(void) { gsl_set_error_handler_off(); }

void gk_gsl_init_(void) { pthread_once(&gsl_once, gsl_quiet); }

__attribute__((constructor)) static void gk_gsl_load_(void) { gk_gsl_init_(); }
