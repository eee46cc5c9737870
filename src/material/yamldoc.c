/* libyaml document helpers (see yamldoc.h). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include "io/io_internal.h" /* gk_io_max_bytes: one input limit for every file */
#include "material/yamldoc.h"
#include "gainkit/provenance.h"

/* libyaml reads through this so that a YAML input obeys the same size limit
 * as every data file (GAINKIT_MAX_INPUT_BYTES), pipes included. */
typedef struct capped { FILE *fp; long left; int over; gk_sha256_ctx sha; size_t bytes; } capped;
static int capped_read(void *data, unsigned char *buf, size_t size, size_t *size_read)
{
  capped *c = data;
  size_t n = fread(buf, 1, size, c->fp);
  *size_read = 0;
  if ((long)n > c->left) { c->over = 1; return 0; }
  c->left -= (long)n;
  *size_read = n;
  gk_sha256_update(&c->sha, buf, n); /* provenance: hash of the bytes read */
  c->bytes += n;
  return !ferror(c->fp);
}

int gk_ydoc_load(gk_ydoc *d, const char *path, gk_error *err)
{
  memset(d, 0, sizeof *d);
  snprintf(d->file, sizeof d->file, "%s", path);
  FILE *fp = fopen(path, "rb");
  if (!fp) return gk_error_set(err, GK_EIO, path, 0, "cannot open: %s", strerror(errno));
  long limit = gk_io_max_bytes(NULL);
  struct stat st;
  if (fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > limit) {
    fclose(fp);
    return gk_error_set(err, GK_ELIMIT, path, 0,
                        "file is %lld bytes, more than the input limit of %ld bytes "
                        "(GAINKIT_MAX_INPUT_BYTES)",
                        (long long)st.st_size, limit);
  }
  yaml_parser_t p;
  if (!yaml_parser_initialize(&p)) {
    fclose(fp);
    return gk_error_set(err, GK_ENOMEM, path, 0, "cannot initialise the YAML parser");
  }
  capped cap = {fp, limit, 0, {{0}, 0, {0}, 0}, 0};
  gk_sha256_init(&cap.sha);
  yaml_parser_set_input(&p, capped_read, &cap);
  int ok = yaml_parser_load(&p, &d->doc);
  int rc = GK_OK;
  if (!ok && cap.over) {
    rc = gk_error_set(err, GK_ELIMIT, path, 0,
                      "file is more than the input limit of %ld bytes (GAINKIT_MAX_INPUT_BYTES)", limit);
  } else if (!ok) {
    /* libyaml marks are 0-based; the problem mark points at the offending
     * token, which is where a user should look. */
    long line = (long)p.problem_mark.line + 1;
    if (p.error == YAML_READER_ERROR) line = 0;
    rc = gk_error_set(err, GK_EINPUT, path, line, "invalid YAML: %s%s%s",
                      p.problem ? p.problem : "syntax error",
                      p.context ? " " : "", p.context ? p.context : "");
  } else {
    d->loaded = 1;
    if (!yaml_document_get_root_node(&d->doc)) {
      rc = gk_error_set(err, GK_EINPUT, path, 0, "empty YAML document");
    } else if (gk_read_hook_active()) {
      unsigned char dg[32];
      char hex[65];
      gk_sha256_final(&cap.sha, dg);
      for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", dg[i]);
      gk_notify_read_sha(path, hex, cap.bytes, NULL);
    }
  }
  yaml_parser_delete(&p);
  fclose(fp);
  if (rc != GK_OK) gk_ydoc_free(d);
  return rc;
}

void gk_ydoc_free(gk_ydoc *d)
{
  if (d && d->loaded) yaml_document_delete(&d->doc);
  if (d) d->loaded = 0;
}

yaml_node_t *gk_ydoc_root(gk_ydoc *d) { return yaml_document_get_root_node(&d->doc); }

yaml_node_t *gk_ymap_get(gk_ydoc *d, yaml_node_t *map, const char *key)
{
  if (!map || map->type != YAML_MAPPING_NODE) return NULL;
  for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top; pr++) {
    yaml_node_t *k = yaml_document_get_node(&d->doc, pr->key);
    const char *ks = gk_yscalar(k);
    if (ks && strcmp(ks, key) == 0) return yaml_document_get_node(&d->doc, pr->value);
  }
  return NULL;
}

const char *gk_yscalar(const yaml_node_t *n)
{
  return (n && n->type == YAML_SCALAR_NODE) ? (const char *)n->data.scalar.value : NULL;
}

long gk_yline(const yaml_node_t *n) { return n ? (long)n->start_mark.line + 1 : 0; }

int gk_yerr(gk_ydoc *d, const yaml_node_t *n, gk_error *err, const char *fmt, ...)
{
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return gk_error_set(err, GK_EINPUT, d->file, gk_yline(n), "%s", msg);
}

int gk_ynumber(gk_ydoc *d, const yaml_node_t *n, const char *what, double *out, gk_error *err)
{
  const char *s = gk_yscalar(n);
  if (!s) return gk_yerr(d, n, err, "%s must be a number", what);
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  while (*end == ' ' || *end == '\t') end++;
  if (end == s || *end || errno == ERANGE || !isfinite(v))
    return gk_yerr(d, n, err, "%s: '%s' is not a number", what, s);
  *out = v;
  return GK_OK;
}
