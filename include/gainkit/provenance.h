/* gainkit/provenance.h — what an output was made from.
 *
 * SHA-256 (FIPS 180-4) identifies the bytes of every input file, and a
 * read hook lets a program learn about every file the library reads (its
 * name, hash, size and the "# key: value" metadata of its header) without
 * each reader's caller passing that on: the gainkit command line uses it to
 * put a provenance block in every JSON, CSV and figure it writes.
 */
#ifndef GAINKIT_PROVENANCE_H
#define GAINKIT_PROVENANCE_H

#include <stddef.h>
#include <stdint.h>
#include "gainkit/data.h"

#include "gainkit/export.h"

#ifdef __cplusplus
extern "C" {
#endif
GK_API_BEGIN

/* ---- SHA-256 ------------------------------------------------------------- */
typedef struct gk_sha256_ctx {
  uint32_t h[8];
  uint64_t nbytes;
  unsigned char buf[64];
  size_t nbuf;
} gk_sha256_ctx;
void gk_sha256_init(gk_sha256_ctx *c);
void gk_sha256_update(gk_sha256_ctx *c, const void *data, size_t len);
void gk_sha256_final(gk_sha256_ctx *c, unsigned char out[32]);
/* Hash of data as 64 lower-case hex digits plus NUL; returns out. */
char *gk_sha256_hex(const void *data, size_t len, char out[65]);

/* ---- read hook ------------------------------------------------------------ */
/* Called once for every input file a reader of the library has read
 * successfully: path as given, SHA-256 of its bytes (hex), its size, and
 * the metadata read from it (NULL or empty when it has none; valid only
 * during the call). The table readers (gk_table_read, gk_columns_read,
 * gk_matrix_read, gk_long_read) and the material reader call it; a new
 * reader calls gk_notify_read with the bytes it parsed. One hook per
 * process: set it before reading starts (not thread-safe against readers
 * running at the time); NULL removes it. */
typedef void (*gk_read_hook)(void *ctx, const char *path, const char *sha256_hex, size_t bytes,
                             const gk_meta *meta);
void gk_set_read_hook(gk_read_hook fn, void *ctx);
/* Report a file read: hashes data and calls the hook (no-op without one). */
void gk_notify_read(const char *path, const void *data, size_t len, const gk_meta *meta);
/* The same with the hash already computed (a reader that parses its
 * buffer in place hashes it first, when gk_read_hook_active()). */
void gk_notify_read_sha(const char *path, const char *sha256_hex, size_t len, const gk_meta *meta);
int gk_read_hook_active(void);

GK_API_END
#ifdef __cplusplus
}
#endif
#endif
