/* gainkit/error.h — status codes and error reports.
 *
 * Convention (after GSL): every library function that can fail returns an
 * int status, GK_OK (0) on success, and fills a caller-provided gk_error
 * with what went wrong and where (file and line when the error is in an
 * input file). The library never prints and never exits; the CLI turns a
 * gk_error into "gainkit: FILE:LINE: message" and an exit code.
 */
#ifndef GAINKIT_ERROR_H
#define GAINKIT_ERROR_H

#include <stddef.h>

#include "gainkit/export.h"

#ifdef __cplusplus
extern "C" {
#endif
GK_API_BEGIN

enum gk_status {
  GK_OK = 0,
  GK_EINPUT = 1,   /* malformed or invalid input data (file content)       */
  GK_EUSAGE = 2,   /* invalid argument / option value supplied by the user */
  GK_EIO = 3,      /* file cannot be opened, read or written               */
  GK_ENOMEM = 4,   /* allocation failed                                    */
  GK_ENOCONV = 5,  /* computation did not converge / no solution found     */
  GK_EDOM = 6,     /* numerical domain error (singular, overflow, ...)     */
  GK_ELIMIT = 7,   /* a configured size limit was exceeded                 */
  GK_EINTERNAL = 8, /* a bug: an invariant did not hold                    */
  GK_ECANCELLED = 9 /* the caller's gk_progress callback asked to stop;
                       every long-running function returns this code   */
};

typedef struct gk_error {
  int code;          /* one of enum gk_status                          */
  char file[512];    /* input file the error refers to, "" if none      */
  long line;         /* 1-based line in file, 0 if not line-specific    */
  char option[64];   /* the option it refers to, named by its struct field or
                        parameter ("window", "irf.fwhm", "k1"), "" if none. The
                        library never names a command-line flag; the CLI maps
                        fields to its flags (cli_set_fieldmap). */
  char msg[512];     /* human-readable description, no trailing newline */
} gk_error;

/* Reset to "no error". Safe on a NULL pointer. */
void gk_error_clear(gk_error *e);

/* Set code and printf-style message; file may be NULL, line may be 0.
 * Returns code so that callers can write `return gk_error_set(...)`.
 * Safe on a NULL pointer (then it only returns code). */
int gk_error_set(gk_error *e, int code, const char *file, long line,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Same, for an error in an option value; `option` is the struct field
 * or parameter name ("window"), never a command-line flag. */
int gk_error_option(gk_error *e, const char *option, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Format as the CLI prints it (without the "gainkit: " prefix):
 * "FILE:LINE: msg", "FILE: msg", "--opt: msg" or "msg". */
void gk_error_format(const gk_error *e, char *buf, size_t size);

/* Short name of a status code ("input error", "did not converge", ...). */
const char *gk_strerror(int code);

GK_API_END
#ifdef __cplusplus
}
#endif
#endif
