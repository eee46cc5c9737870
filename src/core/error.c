/* Error reports: see include/gainkit/error.h. */
#include "gainkit/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void gk_error_clear(gk_error *e)
{
  if (!e) return;
  memset(e, 0, sizeof *e);
}

int gk_error_set(gk_error *e, int code, const char *file, long line, const char *fmt, ...)
{
  if (!e) return code;
  e->code = code;
  e->line = line;
  e->option[0] = '\0';
  snprintf(e->file, sizeof e->file, "%s", file ? file : "");
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->msg, sizeof e->msg, fmt, ap);
  va_end(ap);
  return code;
}

int gk_error_option(gk_error *e, const char *option, const char *fmt, ...)
{
  if (!e) return GK_EUSAGE;
  e->code = GK_EUSAGE;
  e->file[0] = '\0';
  e->line = 0;
  snprintf(e->option, sizeof e->option, "%s", option ? option : "");
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->msg, sizeof e->msg, fmt, ap);
  va_end(ap);
  return GK_EUSAGE;
}

void gk_error_format(const gk_error *e, char *buf, size_t size)
{
  if (!buf || size == 0) return;
  if (!e) { snprintf(buf, size, "unknown error"); return; }
  const char *msg = e->msg[0] ? e->msg : gk_strerror(e->code);
  if (e->file[0] && e->line > 0)
    snprintf(buf, size, "%s:%ld: %s", e->file, e->line, msg);
  else if (e->file[0])
    snprintf(buf, size, "%s: %s", e->file, msg);
  else if (e->option[0])
    snprintf(buf, size, "%s: %s", e->option, msg);
  else
    snprintf(buf, size, "%s", msg);
}

const char *gk_strerror(int code)
{
  switch (code) {
  case GK_OK: return "success";
  case GK_EINPUT: return "invalid input data";
  case GK_EUSAGE: return "invalid usage";
  case GK_EIO: return "input/output error";
  case GK_ENOMEM: return "out of memory";
  case GK_ENOCONV: return "did not converge";
  case GK_EDOM: return "numerical domain error";
  case GK_ELIMIT: return "size limit exceeded";
  case GK_EINTERNAL: return "internal error";
  case GK_ECANCELLED: return "cancelled";
  default: return "unknown error";
  }
}
