/* Atomic file output, CSV tables and JSON helpers (include/gainkit/output.h).
 *
 * Why temp + rename: rename(2) within one directory is atomic on POSIX file
 * systems, so readers see either the old file or the complete new one, and
 * an error at any point (disk full, bad value, Ctrl-C) leaves the target
 * untouched. The temp file lives beside the target for that reason.
 */
#define _DEFAULT_SOURCE /* mkstemps */
#include "gainkit/output.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

const char *gk_path_ext(const char *path, char *buf, size_t size)
{
  if (!buf || size == 0) return "";
  buf[0] = '\0';
  if (!path) return buf;
  const char *slash = strrchr(path, '/');
  const char *base = slash ? slash + 1 : path;
  const char *dot = strrchr(base, '.');
  if (!dot || dot == base) return buf;
  size_t i = 0;
  for (const char *s = dot + 1; *s && i + 1 < size; s++) buf[i++] = (char)tolower((unsigned char)*s);
  buf[i] = '\0';
  return buf;
}

/* Temp files being written, for gk_atomic_cleanup_signal. A signal
 * handler may only use async-signal-safe calls, so the names live in
 * static buffers (no malloc, no stdio) and a slot is claimed before
 * mkstemps fills in the name in place: whenever the file exists, its name
 * is registered. A slot is released only after rename or unlink, so the
 * handler at worst unlinks a name that is already gone. */
enum { TMP_SLOTS = 8 };
static char tmp_name[TMP_SLOTS][PATH_MAX];
static volatile sig_atomic_t tmp_used[TMP_SLOTS];
/* outputs may be written from several threads; the handler reads without
 * it (a lock is not async-signal-safe) */
static pthread_mutex_t tmp_lock = PTHREAD_MUTEX_INITIALIZER;

static int tmp_claim(const char *template_)
{
  size_t n = strlen(template_);
  if (n >= PATH_MAX) return -1;
  int slot = -1;
  pthread_mutex_lock(&tmp_lock);
  for (int i = 0; i < TMP_SLOTS && slot < 0; i++)
    if (!tmp_used[i]) {
      memcpy(tmp_name[i], template_, n + 1);
      tmp_used[i] = 1;
      slot = i;
    }
  pthread_mutex_unlock(&tmp_lock);
  return slot;
}

static void tmp_release(const char *name)
{
  pthread_mutex_lock(&tmp_lock);
  for (int i = 0; i < TMP_SLOTS; i++)
    if (tmp_used[i] && strcmp(tmp_name[i], name) == 0) { tmp_used[i] = 0; break; }
  pthread_mutex_unlock(&tmp_lock);
}

void gk_atomic_cleanup_signal(void)
{
  for (int i = 0; i < TMP_SLOTS; i++)
    if (tmp_used[i]) unlink(tmp_name[i]);
}

void gk_temp_discard(const char *tmp)
{
  if (!tmp) return;
  unlink(tmp);
  tmp_release(tmp);
}

int gk_temp_beside(const char *path, char **tmp, int *fd_out, gk_error *err)
{
  *tmp = NULL;
  if (fd_out) *fd_out = -1;
  if (!path || !*path) return gk_error_set(err, GK_EUSAGE, NULL, 0, "empty output file name");
  char ext[16];
  gk_path_ext(path, ext, sizeof ext);
  size_t n = strlen(path) + strlen(ext) + 16;
  char *t = malloc(n);
  if (!t) return gk_error_set(err, GK_ENOMEM, path, 0, "out of memory");
  int suffix = 0;
  if (*ext) {
    snprintf(t, n, "%s.tmp.XXXXXX.%s", path, ext);
    suffix = (int)strlen(ext) + 1;
  } else {
    snprintf(t, n, "%s.tmp.XXXXXX", path);
  }
  int slot = tmp_claim(t);
  if (slot < 0) {
    free(t);
    return gk_error_set(err, GK_EIO, path, 0, "cannot create output file: name too long");
  }
  int fd = mkstemps(tmp_name[slot], suffix);
  memcpy(t, tmp_name[slot], strlen(tmp_name[slot]) + 1);  /* same length */
  if (fd < 0) {
    int e = errno;
    tmp_used[slot] = 0;
    free(t);
    return gk_error_set(err, GK_EIO, path, 0, "cannot create output file: %s", strerror(e));
  }
  /* mkstemps makes the file 0600; an output file is an ordinary file */
  mode_t mask = umask(0);
  umask(mask);
  if (fchmod(fd, 0666 & ~mask) != 0) { /* harmless: the file stays private */ }
  if (fd_out) *fd_out = fd;
  else close(fd);
  *tmp = t;
  return GK_OK;
}

int gk_temp_commit(const char *tmp, const char *path, gk_error *err)
{
  /* flush to disk before the rename, so a crash cannot leave an empty file
   * under the final name */
  int fd = open(tmp, O_RDONLY);
  int bad = fd < 0 || (fsync(fd) != 0 && errno != EINVAL);
  int e = errno;
  if (fd >= 0) close(fd);
  if (!bad && rename(tmp, path) != 0) {
    bad = 1;
    e = errno;
  }
  if (bad) {
    gk_temp_discard(tmp);
    return gk_error_set(err, GK_EIO, path, 0, "cannot write: %s", strerror(e));
  }
  tmp_release(tmp);
  return GK_OK;
}

int gk_commit_from_fd(int src_fd, const char *path, gk_error *err)
{
  struct stat ss;
  if (fstat(src_fd, &ss) != 0) return gk_error_set(err, GK_EIO, path, 0, "cannot write: %s", strerror(errno));
  if (ss.st_size <= 0) return gk_error_set(err, GK_EIO, path, 0, "cannot write: nothing was rendered");
  char *tmp;
  int fd;
  int rc = gk_temp_beside(path, &tmp, &fd, err);
  if (rc) return rc;
  char buf[65536];
  off_t off = 0, total = ss.st_size;
  int e = 0;
  while (!e && off < total) {
    ssize_t r = pread(src_fd, buf, sizeof buf, off);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) { e = r < 0 ? errno : EIO; break; }
    for (ssize_t w = 0; w < r;) {
      ssize_t k = write(fd, buf + w, (size_t)(r - w));
      if (k < 0 && errno == EINTR) continue;
      if (k <= 0) { e = k < 0 ? errno : EIO; break; }
      w += k;
    }
    off += r;
  }
  if (!e && fsync(fd) != 0 && errno != EINVAL) e = errno;
  struct stat ts;
  if (!e && (fstat(fd, &ts) != 0 || ts.st_size != total)) e = EIO;   /* size check */
  if (close(fd) != 0 && !e) e = errno;
  if (e) {
    gk_temp_discard(tmp);
    free(tmp);
    return gk_error_set(err, GK_EIO, path, 0, "cannot write: %s", strerror(e));
  }
  rc = gk_temp_commit(tmp, path, err);
  free(tmp);
  return rc;
}

int gk_atomic_open(gk_atomic_file *af, const char *path, gk_error *err)
{
  memset(af, 0, sizeof *af);
  int fd;
  int rc = gk_temp_beside(path, &af->tmp, &fd, err);
  if (rc) return rc;
  af->path = strdup(path);
  af->fp = af->path ? fdopen(fd, "wb") : NULL;
  if (!af->fp) {
    close(fd);
    gk_temp_discard(af->tmp);
    free(af->tmp);
    free(af->path);
    af->tmp = af->path = NULL;
    return gk_error_set(err, GK_ENOMEM, path, 0, "cannot open output file");
  }
  return GK_OK;
}

int gk_atomic_commit(gk_atomic_file *af, gk_error *err)
{
  FILE *fp = af->fp;
  af->fp = NULL;
  int bad = 0, e = 0;
  if (fflush(fp) != 0) { bad = 1; e = errno; }
  if (fclose(fp) != 0 && !bad) { bad = 1; e = errno; }
  int rc;
  if (bad) {
    gk_temp_discard(af->tmp);
    rc = gk_error_set(err, GK_EIO, af->path, 0, "cannot write: %s", strerror(e));
  } else {
    rc = gk_temp_commit(af->tmp, af->path, err);
  }
  free(af->tmp);
  free(af->path);
  af->tmp = af->path = NULL;
  return rc;
}

void gk_atomic_abort(gk_atomic_file *af)
{
  if (!af) return;
  if (af->fp) {
    fclose(af->fp);
    gk_temp_discard(af->tmp);
  }
  af->fp = NULL;
  free(af->tmp);
  free(af->path);
  af->tmp = af->path = NULL;
}

int gk_write_atomic(const char *path, const void *data, size_t len, gk_error *err)
{
  gk_atomic_file af;
  int rc = gk_atomic_open(&af, path, err);
  if (rc) return rc;
  if (len && fwrite(data, 1, len, af.fp) != len) {
    int e = errno;
    gk_atomic_abort(&af);
    return gk_error_set(err, GK_EIO, path, 0, "cannot write: %s", strerror(e));
  }
  return gk_atomic_commit(&af, err);
}

/* ---- CSV ------------------------------------------------------------------ */

int gk_csv_init(gk_csv *t, size_t ncols, const char *const *header)
{
  memset(t, 0, sizeof *t);
  t->ncols = ncols;
  t->header = calloc(ncols ? ncols : 1, sizeof *t->header);
  if (!t->header) return GK_ENOMEM;
  for (size_t j = 0; j < ncols; j++) {
    t->header[j] = strdup(header && header[j] ? header[j] : "");
    if (!t->header[j]) return GK_ENOMEM;
  }
  return GK_OK;
}

int gk_csv_add_row(gk_csv *t, const double *row)
{
  if (t->nrows == t->cap) {
    size_t cap = t->cap ? 2 * t->cap : 64;
    double *v = realloc(t->v, cap * (t->ncols ? t->ncols : 1) * sizeof *v);
    if (!v) return GK_ENOMEM;
    t->v = v;
    t->cap = cap;
  }
  memcpy(t->v + t->nrows * t->ncols, row, t->ncols * sizeof *row);
  t->nrows++;
  return GK_OK;
}

int gk_csv_add_comment(gk_csv *t, const char *fmt, ...)
{
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  char **c = realloc(t->comments, (t->ncomments + 1) * sizeof *c);
  if (!c) return GK_ENOMEM;
  t->comments = c;
  t->comments[t->ncomments] = strdup(buf);
  if (!t->comments[t->ncomments]) return GK_ENOMEM;
  t->ncomments++;
  return GK_OK;
}

typedef struct { char *s; size_t len, cap; int oom; } sbuf;
static void sb_put(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_put(sbuf *b, const char *fmt, ...)
{
  if (b->oom) return;
  va_list ap, ap2;
  va_start(ap, fmt);
  va_copy(ap2, ap);
  int need = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (b->len + (size_t)need + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 1024;
    while (cap < b->len + (size_t)need + 1) cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s) { b->oom = 1; va_end(ap2); return; }
    b->s = s;
    b->cap = cap;
  }
  vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap2);
  va_end(ap2);
  b->len += (size_t)need;
}

char *gk_csv_render(const gk_csv *t)
{
  sbuf b = {0};
  for (size_t k = 0; k < t->ncomments; k++) sb_put(&b, "# %s\n", t->comments[k]);
  for (size_t j = 0; j < t->ncols; j++) {
    const char *h = t->header[j];
    /* quote headers that contain the delimiter */
    if (strchr(h, ',')) sb_put(&b, "%s\"%s\"", j ? "," : "", h);
    else sb_put(&b, "%s%s", j ? "," : "", h);
  }
  sb_put(&b, "\n");
  for (size_t i = 0; i < t->nrows; i++) {
    for (size_t j = 0; j < t->ncols; j++) {
      double v = t->v[i * t->ncols + j];
      if (isfinite(v)) sb_put(&b, "%s%.10g", j ? "," : "", v);
      else sb_put(&b, "%s", j ? "," : "");
    }
    sb_put(&b, "\n");
  }
  if (b.oom) { free(b.s); return NULL; }
  if (!b.s) return strdup("");
  return b.s;
}

int gk_csv_write(const gk_csv *t, const char *path, gk_error *err)
{
  char *s = gk_csv_render(t);
  if (!s) return gk_error_set(err, GK_ENOMEM, path, 0, "out of memory");
  int rc = gk_write_atomic(path, s, strlen(s), err);
  free(s);
  return rc;
}

void gk_csv_free(gk_csv *t)
{
  if (!t) return;
  for (size_t j = 0; j < t->ncols; j++) free(t->header ? t->header[j] : NULL);
  free(t->header);
  free(t->v);
  for (size_t k = 0; k < t->ncomments; k++) free(t->comments[k]);
  free(t->comments);
  memset(t, 0, sizeof *t);
}

/* ---- JSON ----------------------------------------------------------------- */

static cJSON *num_or_null(double v)
{
  return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

cJSON *gk_json_num(cJSON *obj, const char *key, double v)
{
  cJSON *item = num_or_null(v);
  if (item) cJSON_AddItemToObject(obj, key, item);
  return item;
}

cJSON *gk_json_value_se(cJSON *obj, const char *key, double v, double se)
{
  cJSON *o = cJSON_CreateObject();
  if (!o) return NULL;
  gk_json_num(o, "value", v);
  gk_json_num(o, "stderr", se);
  cJSON_AddItemToObject(obj, key, o);
  return o;
}

cJSON *gk_json_array(cJSON *obj, const char *key, const double *v, size_t n)
{
  cJSON *a = cJSON_CreateArray();
  if (!a) return NULL;
  for (size_t i = 0; i < n; i++) cJSON_AddItemToArray(a, num_or_null(v[i]));
  cJSON_AddItemToObject(obj, key, a);
  return a;
}

int gk_json_write(const cJSON *root, const char *path, gk_error *err)
{
  char *s = cJSON_Print(root);
  if (!s) return gk_error_set(err, GK_ENOMEM, path, 0, "out of memory");
  size_t n = strlen(s);
  char *t = realloc(s, n + 2);
  if (!t) { free(s); return gk_error_set(err, GK_ENOMEM, path, 0, "out of memory"); }
  t[n] = '\n';
  t[n + 1] = '\0';
  int rc = gk_write_atomic(path, t, n + 1, err);
  free(t);
  return rc;
}
