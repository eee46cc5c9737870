/* gainkit/output.h — atomic file output, CSV tables, JSON helpers.
 *
 * Every file gainkit writes goes through gk_write_atomic: the content is
 * written to a temporary file in the same directory, flushed and renamed
 * over the target, so a failure leaves no partial file and an existing file
 * untouched.
 */
#ifndef GAINKIT_OUTPUT_H
#define GAINKIT_OUTPUT_H

#include <stddef.h>
#include <cjson/cJSON.h>
#include "gainkit/error.h"

#include "gainkit/export.h"

#ifdef __cplusplus
extern "C" {
#endif
GK_API_BEGIN

/* The one temp-file mechanism behind every output (data, JSON, plots):
 * gk_temp_beside creates an empty temporary file next to `path` with the
 * same extension ("out.png" -> "out.png.tmp.AB12CD.png", so tools keyed on
 * the extension such as PLplot still work) and the mode of an ordinary new
 * file (0666 & ~umask); *tmp is malloc'd, *fd is open for writing (pass
 * NULL to have it closed). gk_temp_commit flushes tmp to disk and renames
 * it over path; on any failure it removes tmp. */
int gk_temp_beside(const char *path, char **tmp, int *fd, gk_error *err);
int gk_temp_commit(const char *tmp, const char *path, gk_error *err);
/* Give up a temp file from gk_temp_beside: remove it (the caller frees
 * the name). */
void gk_temp_discard(const char *tmp);
/* Write the whole content of src_fd (read with pread from offset 0, its
 * size from fstat) to `path` atomically: a temp file beside path, every
 * write(2) checked (ENOSPC, EIO, EDQUOT, EROFS...), fsync, the temp file's
 * size compared with the source's, rename only when all of that
 * succeeded. Any failure: the temp file is removed, path is untouched, and
 * GK_EIO "cannot write: <reason>" naming path. For outputs produced by a
 * library that writes by itself and does not report write errors (PLplot,
 * cairo): they write into a private memory file, this commits it. */
int gk_commit_from_fd(int src_fd, const char *path, gk_error *err);

/* Write len bytes to path atomically (temp file + fsync + rename). */
int gk_write_atomic(const char *path, const void *data, size_t len, gk_error *err);

/* Atomic writer for content produced incrementally (e.g. by a library that
 * wants a FILE*): open gives a FILE* on a temp file; commit renames it into
 * place; abort removes it. */
typedef struct gk_atomic_file {
  char *path, *tmp;
  void *fp;   /* FILE* */
} gk_atomic_file;
int gk_atomic_open(gk_atomic_file *af, const char *path, gk_error *err);
int gk_atomic_commit(gk_atomic_file *af, gk_error *err);
void gk_atomic_abort(gk_atomic_file *af);
/* Remove every temp file an unfinished gk_atomic_open left (async-signal-
 * safe: only unlink(2) on static names). For a program's SIGINT/SIGTERM
 * handler, followed by _exit: an interrupted run leaves no partial file
 * and the target untouched. The library itself installs no handler. */
void gk_atomic_cleanup_signal(void);

/* Lower-case extension of path without the dot ("json"), "" if none. */
const char *gk_path_ext(const char *path, char *buf, size_t size);
/* The entries of directory dir whose names do not start with '.', sorted
 * (strcmp), into *names (count strings; gk_dir_list_free). GK_EIO naming
 * dir when it cannot be read. */
int gk_dir_list(const char *dir, char ***names, size_t *count, gk_error *err);
void gk_dir_list_free(char **names, size_t count);

/* ---- CSV tables ---------------------------------------------------------- */
typedef struct gk_csv {
  size_t ncols, nrows, cap;
  char **header;        /* ncols, with units: "L (cm)" */
  double *v;            /* nrows*ncols */
  char **comments;      /* lines written first as "# ..." */
  size_t ncomments;
} gk_csv;

int gk_csv_init(gk_csv *t, size_t ncols, const char *const *header);
int gk_csv_add_row(gk_csv *t, const double *row);           /* ncols values */
int gk_csv_add_comment(gk_csv *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Render to a malloc'd string (caller frees); non-finite values are written
 * as empty cells. */
char *gk_csv_render(const gk_csv *t);
int gk_csv_write(const gk_csv *t, const char *path, gk_error *err);
void gk_csv_free(gk_csv *t);

/* ---- JSON helpers (cJSON) ------------------------------------------------ */
/* Add a number; NaN and Inf become null (JSON has no NaN). */
cJSON *gk_json_num(cJSON *obj, const char *key, double v);
/* {"value": v, "stderr": se} (stderr omitted when se is NaN and omit_nan). */
cJSON *gk_json_value_se(cJSON *obj, const char *key, double v, double se);
/* Array of numbers (NaN/Inf -> null). */
cJSON *gk_json_array(cJSON *obj, const char *key, const double *v, size_t n);
/* Render (pretty) and write atomically. */
int gk_json_write(const cJSON *root, const char *path, gk_error *err);

GK_API_END
#ifdef __cplusplus
}
#endif
#endif
