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

/* Read the whole file (YAML inputs are small) under the size limits: the
 * input limit of every data file (GAINKIT_MAX_INPUT_BYTES) and
 * GK_YAML_MAX_BYTES. Up front for regular files, as soon as it is passed for
 * pipes. */
static int slurp(const char *path, char **buf, size_t *len, gk_error *err)
{
  *buf = NULL;
  *len = 0;
  FILE *fp = fopen(path, "rb");
  if (!fp) return gk_error_set(err, GK_EIO, path, 0, "cannot open: %s", strerror(errno));
  long in_limit = gk_io_max_bytes(NULL);
  long limit = in_limit < GK_YAML_MAX_BYTES ? in_limit : GK_YAML_MAX_BYTES;
  const char *which = in_limit < GK_YAML_MAX_BYTES ? "the input limit" : "the YAML document limit";
  const char *why = in_limit < GK_YAML_MAX_BYTES ? "GAINKIT_MAX_INPUT_BYTES" : "GK_YAML_MAX_BYTES";
  struct stat st;
  if (fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > limit) {
    fclose(fp);
    return gk_error_set(err, GK_ELIMIT, path, 0, "file is %lld bytes, more than %s of %ld bytes (%s)",
                        (long long)st.st_size, which, limit, why);
  }
  size_t cap = 4096, n = 0;
  char *b = malloc(cap + 1);
  int rc = GK_OK;
  while (b) {
    if (n == cap) {
      char *nb = realloc(b, 2 * cap + 1);
      if (!nb) { free(b); b = NULL; break; }
      b = nb;
      cap *= 2;
    }
    size_t r = fread(b + n, 1, cap - n, fp);
    n += r;
    if ((long)n > limit) {
      rc = gk_error_set(err, GK_ELIMIT, path, 0, "file is more than %s of %ld bytes (%s)", which, limit, why);
      break;
    }
    if (r == 0) {
      if (ferror(fp)) rc = gk_error_set(err, GK_EIO, path, 0, "cannot read: %s", strerror(errno));
      break;
    }
  }
  fclose(fp);
  if (!b) return gk_error_set(err, GK_ENOMEM, path, 0, "out of memory");
  if (rc != GK_OK) { free(b); return rc; }
  b[n] = '\0';
  *buf = b;
  *len = n;
  return GK_OK;
}

static int yaml_syntax_error(const yaml_parser_t *p, const char *path, gk_error *err)
{
  /* libyaml marks are 0-based; the problem mark points at the offending
   * token, which is where a user should look. */
  long line = (long)p->problem_mark.line + 1;
  if (p->error == YAML_READER_ERROR) line = 0;
  return gk_error_set(err, GK_EINPUT, path, line, "invalid YAML: %s%s%s", p->problem ? p->problem : "syntax error",
                      p->context ? " " : "", p->context ? p->context : "");
}

/* Before libyaml builds a document: its event stream with a depth and a
 * node counter, stopped at the first event over a limit. libyaml's scanner
 * is quadratic in the flow nesting depth (8,000 levels of '[' took 1 s,
 * 100,000 more than a minute) and its document tree costs a few hundred
 * bytes per node; events are produced lazily, so the pre-scan stops after
 * GK_YAML_MAX_DEPTH levels having read only that prefix. */
static int prescan(const char *path, const char *buf, size_t len, gk_error *err)
{
  yaml_parser_t p;
  if (!yaml_parser_initialize(&p)) return gk_error_set(err, GK_ENOMEM, path, 0, "cannot initialise the YAML parser");
  yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
  long depth = 0, nodes = 0;
  int rc = GK_OK;
  for (;;) {
    yaml_event_t e;
    if (!yaml_parser_parse(&p, &e)) { rc = yaml_syntax_error(&p, path, err); break; }
    int end = e.type == YAML_STREAM_END_EVENT;
    long line = (long)e.start_mark.line + 1;
    if (e.type == YAML_SEQUENCE_START_EVENT || e.type == YAML_MAPPING_START_EVENT) depth++;
    else if (e.type == YAML_SEQUENCE_END_EVENT || e.type == YAML_MAPPING_END_EVENT) depth--;
    if (e.type == YAML_SEQUENCE_START_EVENT || e.type == YAML_MAPPING_START_EVENT || e.type == YAML_SCALAR_EVENT ||
        e.type == YAML_ALIAS_EVENT)
      nodes++;
    yaml_event_delete(&e);
    if (depth > GK_YAML_MAX_DEPTH) {
      rc = gk_error_set(err, GK_ELIMIT, path, line, "YAML nested more than %d levels deep", GK_YAML_MAX_DEPTH);
      break;
    }
    if (nodes > GK_YAML_MAX_NODES) {
      rc = gk_error_set(err, GK_ELIMIT, path, line, "YAML document has more than %d nodes", GK_YAML_MAX_NODES);
      break;
    }
    if (end) break;
  }
  yaml_parser_delete(&p);
  return rc;
}

/* Load under the limits; with hex non-NULL the SHA-256 of the bytes read
 * (provenance) and their count. */
static int yaml_load(const char *path, yaml_document_t *doc, char hex[65], size_t *bytes, gk_error *err)
{
  char *buf;
  size_t len;
  int rc = slurp(path, &buf, &len, err);
  if (rc != GK_OK) return rc;
  rc = prescan(path, buf, len, err);
  if (rc == GK_OK) {
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p)) {
      rc = gk_error_set(err, GK_ENOMEM, path, 0, "cannot initialise the YAML parser");
    } else {
      yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
      if (!yaml_parser_load(&p, doc)) rc = yaml_syntax_error(&p, path, err);
      yaml_parser_delete(&p);
    }
  }
  if (rc == GK_OK && hex) {
    gk_sha256_hex(buf, len, hex);
    *bytes = len;
  }
  free(buf);
  return rc;
}

int gk_yaml_load(const char *path, yaml_document_t *doc, gk_error *err)
{
  return yaml_load(path, doc, NULL, NULL, err);
}

int gk_ydoc_load(gk_ydoc *d, const char *path, gk_error *err)
{
  memset(d, 0, sizeof *d);
  snprintf(d->file, sizeof d->file, "%s", path);
  char hex[65];
  size_t bytes = 0;
  int hook = gk_read_hook_active();
  int rc = yaml_load(path, &d->doc, hook ? hex : NULL, &bytes, err);
  if (rc != GK_OK) return rc;
  d->loaded = 1;
  if (!yaml_document_get_root_node(&d->doc)) {
    rc = gk_error_set(err, GK_EINPUT, path, 0, "empty YAML document");
    gk_ydoc_free(d);
  } else if (hook) {
    gk_notify_read_sha(path, hex, bytes, NULL);   /* provenance: hash of the bytes read */
  }
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
