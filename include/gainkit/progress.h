/* gainkit/progress.h — progress reporting from long computations.
 * The library never prints: long-running functions take a gk_progress whose
 * callback the CLI points at a terminal progress bar (or leaves NULL). */
#ifndef GAINKIT_PROGRESS_H
#define GAINKIT_PROGRESS_H

#include <stddef.h>

typedef struct gk_progress {
  /* done of total work units; return non-zero to request cancellation. */
  int (*update)(void *ctx, size_t done, size_t total);
  void *ctx;
} gk_progress;

/* Call the callback if any; returns its value (0 if none). */
static inline int gk_progress_update(const gk_progress *p, size_t done, size_t total)
{
  return (p && p->update) ? p->update(p->ctx, done, total) : 0;
}

#endif
