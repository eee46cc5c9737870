/* The read hook of gainkit/provenance.h. */
#include "gainkit/provenance.h"

static gk_read_hook hook_fn;
static void *hook_ctx;

void gk_set_read_hook(gk_read_hook fn, void *ctx)
{
  hook_fn = fn;
  hook_ctx = ctx;
}

void gk_notify_read(const char *path, const void *data, size_t len, const gk_meta *meta)
{
  if (!hook_fn) return;
  char hex[65];
  gk_sha256_hex(data, len, hex);
  hook_fn(hook_ctx, path ? path : "", hex, len, meta);
}

void gk_notify_read_sha(const char *path, const char *sha256_hex, size_t len, const gk_meta *meta)
{
  if (hook_fn) hook_fn(hook_ctx, path ? path : "", sha256_hex ? sha256_hex : "", len, meta);
}

int gk_read_hook_active(void) { return hook_fn != NULL; }
