/* Delimited text tables: see include/gainkit/data.h and docs/input-formats.md.
 *
 * The whole file is read into one buffer (bounded by the size limit) and
 * cut into lines in place; cells point into that buffer until they are
 * converted. Reading everything first is what lets every error carry the
 * line number without a second pass, and keeps the code free of partial
 * line handling.
 */
#include "io_internal.h"
#include "gainkit/provenance.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

long gk_io_max_bytes(const gk_read_options *opt)
{
  if (opt && opt->max_bytes > 0) return opt->max_bytes;
  const char *env = getenv("GAINKIT_MAX_INPUT_BYTES");
  if (env && *env) {
    char *end;
    errno = 0;
    long v = strtol(env, &end, 10);
    if (!errno && *end == '\0' && v > 0) return v;
  }
  return GK_DATA_DEFAULT_MAX_BYTES;
}

/* Read the file into a NUL-terminated buffer of at most `limit` bytes. */
static int slurp(const char *path, long limit, char **buf, size_t *len, gk_error *err)
{
  *buf = NULL;
  *len = 0;
  FILE *f = fopen(path, "rb");
  if (!f) return gk_error_set(err, GK_EIO, path, 0, "cannot open: %s", strerror(errno));
  struct stat st;
  if (fstat(fileno(f), &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      fclose(f);
      return gk_error_set(err, GK_EIO, path, 0, "cannot read: %s", strerror(EISDIR));
    }
    if (S_ISREG(st.st_mode) && st.st_size > limit) {
      fclose(f);
      return gk_error_set(err, GK_ELIMIT, path, 0,
                          "file is %lld bytes, more than the input limit of %ld bytes "
                          "(GAINKIT_MAX_INPUT_BYTES)",
                          (long long)st.st_size, limit);
    }
  }
  size_t cap = 65536, n = 0;
  char *b = malloc(cap + 1);
  if (!b) { fclose(f); return gk_error_set(err, GK_ENOMEM, path, 0, "out of memory"); }
  for (;;) {
    if (n == cap) {
      /* pipes and special files have no size up front: check as we go */
      if (cap > (size_t)limit) break;
      size_t ncap = cap * 2;
      char *nb = realloc(b, ncap + 1);
      if (!nb) { free(b); fclose(f); return gk_error_set(err, GK_ENOMEM, path, 0, "out of memory"); }
      b = nb;
      cap = ncap;
    }
    size_t got = fread(b + n, 1, cap - n, f);
    n += got;
    if (got == 0) break;
  }
  int rerr = ferror(f);
  int saved = errno;
  fclose(f);
  if (rerr) {
    free(b);
    return gk_error_set(err, GK_EIO, path, 0, "cannot read: %s", strerror(saved));
  }
  if (n > (size_t)limit) {
    free(b);
    return gk_error_set(err, GK_ELIMIT, path, 0,
                        "file is more than the input limit of %ld bytes (GAINKIT_MAX_INPUT_BYTES)",
                        limit);
  }
  b[n] = '\0';
  *buf = b;
  *len = n;
  return GK_OK;
}

void gk_io_quote(const char *s, char *buf, size_t size)
{
  size_t j = 0, i = 0;
  for (; s[i] && j + 5 < size && i < 40; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c < 0x20 || c == 0x7f) j += (size_t)snprintf(buf + j, size - j, "\\x%02x", c);
    else buf[j++] = (char)c;
  }
  if (s[i] && j + 4 < size) { memcpy(buf + j, "...", 3); j += 3; }
  buf[j] = '\0';
}

/* ---- growable arrays ------------------------------------------------------ */

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
  if (need <= *cap) return 0;
  size_t c = *cap ? *cap : 16;
  while (c < need) c *= 2;
  void *np = realloc(*p, c * elem);
  if (!np) return -1;
  *p = np;
  *cap = c;
  return 0;
}

typedef struct line_ref { char *text; long line; } line_ref;

/* ---- cell splitting --------------------------------------------------------- */

/* Strip a trailing '#' comment (outside quotes) and surrounding blanks. */
static char *strip_line(char *s)
{
  int inq = 0;
  for (char *p = s; *p; p++) {
    if (*p == '"') inq = !inq;
    else if (*p == '#' && !inq) { *p = '\0'; break; }
  }
  while (*s == ' ' || *s == '\t') s++;
  size_t n = strlen(s);
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) s[--n] = '\0';
  return s;
}

/* Remove surrounding quotes in place; "" inside a quoted cell is one quote. */
static void unquote(char *s)
{
  size_t n = strlen(s);
  if (n < 2 || s[0] != '"' || s[n - 1] != '"') return;
  size_t j = 0;
  for (size_t i = 1; i + 1 < n; i++) {
    if (s[i] == '"' && s[i + 1] == '"' && i + 2 < n) i++;
    s[j++] = s[i];
  }
  s[j] = '\0';
}

/* Split s in place at delim (' ' = runs of blanks) outside quotes. */
int io_split(char *s, char delim, int drop_trailing_empty, char ***cells, size_t *cap, size_t *n)
{
  *n = 0;
  char *p = s;
  for (;;) {
    if (delim == ' ') {
      while (*p == ' ' || *p == '\t') p++;
      if (!*p) break;
    }
    char *start = p;
    int inq = 0;
    while (*p) {
      if (*p == '"') inq = !inq;
      else if (!inq && (delim == ' ' ? (*p == ' ' || *p == '\t') : *p == delim)) break;
      p++;
    }
    char *end = p;
    int more = *p != '\0';
    if (more) p++;
    *end = '\0';
    /* trim blanks around delimited cells */
    while (*start == ' ' || *start == '\t') start++;
    for (char *q = end; q > start && (q[-1] == ' ' || q[-1] == '\t');) *--q = '\0';
    unquote(start);
    if (*n >= GK_DATA_MAX_COLS) return -2;
    if (grow((void **)cells, cap, *n + 1, sizeof **cells) < 0) return -1;
    (*cells)[(*n)++] = start;
    if (!more) break;
  }
  if (drop_trailing_empty)
    while (*n > 1 && !*(*cells)[*n - 1]) (*n)--;
  return 0;
}

int io_split_fail(int rc, gk_error *err, const char *path, size_t line)
{
  if (rc == -2)
    return gk_error_set(err, GK_ELIMIT, path, line, "more than %d cells in a row", GK_DATA_MAX_COLS);
  return gk_error_set(err, GK_ENOMEM, path, line, "out of memory");
}

/* The delimiter is the first of tab, ';', ',' found on the first content
 * line and on more than half of the first five; otherwise runs of blanks.
 * The majority keeps a stray tab in a whitespace file from counting, and
 * still detects the delimiter of a file whose one ragged row lacks it. */
static char detect_delim(const line_ref *lines, size_t n)
{
  static const char cand[] = {'\t', ';', ','};
  size_t m = n < 5 ? n : 5;
  for (size_t k = 0; k < sizeof cand; k++) {
    if (!strchr(lines[0].text, cand[k])) continue;
    size_t hits = 0;
    for (size_t i = 0; i < m; i++) hits += strchr(lines[i].text, cand[k]) != NULL;
    if (2 * hits > m) return cand[k];
  }
  return ' ';
}

static int is_number(const char *s)
{
  double v;
  return gk_parse_number(s, &v, NULL) == GK_OK;
}

/* "# key: value" -> metadata. Keys are one word, so prose comments that
 * merely contain a colon ("# measured at 10:30") are not taken. */
static int add_meta(gk_meta *m, size_t *cap, char *s)
{
  while (*s == '#' || *s == ' ' || *s == '\t') s++;
  char *k = s;
  while (isalnum((unsigned char)*s) || *s == '_' || *s == '-' || *s == '.') s++;
  if (s == k || *s != ':') return 0;
  size_t klen = (size_t)(s - k);
  s++;
  while (*s == ' ' || *s == '\t') s++;
  size_t vlen = strlen(s);
  while (vlen && (s[vlen - 1] == ' ' || s[vlen - 1] == '\t')) vlen--;
  size_t c1 = *cap, c2 = *cap;
  if (grow((void **)&m->key, &c1, m->n + 1, sizeof *m->key) < 0) return -1;
  if (grow((void **)&m->value, &c2, m->n + 1, sizeof *m->value) < 0) return -1;
  *cap = c1 < c2 ? c1 : c2;
  char *key = strndup(k, klen), *val = strndup(s, vlen);
  if (!key || !val) { free(key); free(val); return -1; }
  m->key[m->n] = key;
  m->value[m->n] = val;
  m->n++;
  return 0;
}

void gk_io_meta_free(gk_meta *m)
{
  for (size_t i = 0; i < m->n; i++) { free(m->key[i]); free(m->value[i]); }
  free(m->key);
  free(m->value);
  memset(m, 0, sizeof *m);
}

const char *gk_meta_get(const gk_meta *m, const char *key)
{
  if (!m || !key) return NULL;
  /* the last occurrence wins, like a later assignment */
  for (size_t i = m->n; i-- > 0;)
    if (strcmp(m->key[i], key) == 0) return m->value[i];
  return NULL;
}

void gk_io_meta_move(gk_meta *dst, gk_meta *src)
{
  *dst = *src;
  memset(src, 0, sizeof *src);
}

void gk_table_free(gk_table *t)
{
  if (!t) return;
  for (size_t c = 0; c < t->ncols; c++) {
    if (t->name) free(t->name[c]);
    if (t->unit) free(t->unit[c]);
    if (t->raw) free(t->raw[c]);
  }
  free(t->name);
  free(t->unit);
  free(t->raw);
  free(t->v);
  free(t->line);
  free(t->path);
  gk_io_meta_free(&t->meta);
  memset(t, 0, sizeof *t);
}

/* Join cells [a, b) with single spaces into a new string. */
static char *join(char **cells, size_t a, size_t b)
{
  size_t len = 1;
  for (size_t i = a; i < b; i++) len += strlen(cells[i]) + 1;
  char *s = malloc(len), *p = s;
  if (!s) return NULL;
  for (size_t i = a; i < b; i++) {
    if (i > a) *p++ = ' ';
    size_t l = strlen(cells[i]);
    memcpy(p, cells[i], l);
    p += l;
  }
  *p = '\0';
  return s;
}

/* Header cells for whitespace-separated files: "L (mm)" arrives as two
 * tokens, so a token opening with a bracket joins the one before it. A
 * matrix keeps every extra leading token in its corner label. */
static int header_cells(char **tok, size_t ntok, size_t ncols, char delim, int matrix,
                        char **out, size_t *nout)
{
  *nout = 0;
  if (delim == ' ' && matrix && ntok > ncols) {
    size_t extra = ntok - ncols;
    if (!(out[0] = join(tok, 0, extra + 1))) return -1;
    *nout = 1;
    for (size_t i = extra + 1; i < ntok; i++)
      if (!(out[(*nout)++] = strdup(tok[i]))) return -1;
    return 0;
  }
  for (size_t i = 0; i < ntok;) {
    size_t j = i + 1;
    if (delim == ' ')
      while (j < ntok && (tok[j][0] == '(' || tok[j][0] == '[')) j++;
    if (*nout >= ntok) return -1;
    if (!(out[(*nout)++] = join(tok, i, j))) return -1;
    i = j;
  }
  return 0;
}

int gk_io_table_read(const char *path, const gk_read_options *opt, int matrix, gk_table *t,
                     gk_error *err)
{
  memset(t, 0, sizeof *t);
  char *buf;
  size_t len;
  int rc = slurp(path, gk_io_max_bytes(opt), &buf, &len, err);
  if (rc != GK_OK) return rc;
  /* provenance: the hash of the bytes as read, before they are cut up */
  char sha[65] = "";
  if (gk_read_hook_active()) gk_sha256_hex(buf, len, sha);
  line_ref *lines = NULL;
  size_t nlines = 0, lcap = 0, mcap = 0, ccap = 0, ncells = 0;
  char **cells = NULL, **hdr = NULL;
  size_t nhdr = 0, vcap = 0, rcap = 0;
  long lineno = 0;
  if (!(t->path = strdup(path))) { rc = gk_error_set(err, GK_ENOMEM, path, 0, "out of memory"); goto done; }
  if (len == 0) { rc = gk_error_set(err, GK_EINPUT, path, 1, "file is empty"); goto done; }

  /* cut into lines; keep the content lines, metadata from comments */
  char *p = buf;
  if (len >= 3 && !memcmp(p, "\xef\xbb\xbf", 3)) p += 3;
  char *end = buf + len;
  while (p < end) {
    char *nl = memchr(p, '\n', (size_t)(end - p));
    char *stop = nl ? nl : end;
    lineno++;
    if (memchr(p, '\0', (size_t)(stop - p))) {
      rc = gk_error_set(err, GK_EINPUT, path, lineno, "binary data (a NUL byte): not a text file");
      goto done;
    }
    if (stop - p > GK_DATA_MAX_LINE) {
      rc = gk_error_set(err, GK_ELIMIT, path, lineno, "line is %lld bytes long, more than the limit of %ld",
                        (long long)(stop - p), GK_DATA_MAX_LINE);
      goto done;
    }
    *stop = '\0';
    if (stop > p && stop[-1] == '\r') stop[-1] = '\0';
    char *s = p;
    p = stop + 1;
    while (*s == ' ' || *s == '\t') s++;
    if (*s == '#') {
      if (add_meta(&t->meta, &mcap, s) < 0) { rc = gk_error_set(err, GK_ENOMEM, path, 0, "out of memory"); goto done; }
      continue;
    }
    s = strip_line(s);
    if (!*s) continue;
    if (grow((void **)&lines, &lcap, nlines + 1, sizeof *lines) < 0) {
      rc = gk_error_set(err, GK_ENOMEM, path, 0, "out of memory");
      goto done;
    }
    lines[nlines++] = (line_ref){s, lineno};
  }
  if (nlines == 0) {
    rc = gk_error_set(err, GK_EINPUT, path, lineno, "no data: only comments and blank lines");
    goto done;
  }
  t->delim = detect_delim(lines, nlines);

  /* header: always for a matrix, else when the first cell is not a number */
  size_t first = 0;
  int sc = io_split(lines[0].text, t->delim, 0, &cells, &ccap, &ncells);
  if (sc == -2) goto toowide0;
  if (sc < 0) goto nomem;
  if (matrix || !is_number(cells[0])) {
    t->has_header = 1;
    t->header_line = lines[0].line;
    first = 1;
    nhdr = ncells;
    if (!(hdr = calloc(nhdr, sizeof *hdr))) goto nomem;
    for (size_t i = 0; i < ncells; i++)
      if (!(hdr[i] = strdup(cells[i]))) goto nomem;
  }
  if (first >= nlines) {
    rc = gk_error_set(err, GK_EINPUT, path, lineno, "no data rows after the header (line %ld)",
                      t->header_line);
    goto done;
  }

  for (size_t i = first; i < nlines; i++) {
    /* line 0 was split in place already when it is not a header */
    if (i > 0 && (sc = io_split(lines[i].text, t->delim, 0, &cells, &ccap, &ncells)) < 0) {
      if (sc == -2) {
        rc = io_split_fail(sc, err, path, lines[i].line);
        goto done;
      }
      goto nomem;
    }
    if (i == first) {
      t->ncols = ncells;
      if (!(t->name = calloc(ncells, sizeof *t->name)) || !(t->unit = calloc(ncells, sizeof *t->unit)) ||
          !(t->raw = calloc(ncells, sizeof *t->raw)))
        goto nomem;
    } else if (ncells != t->ncols) {
      rc = gk_error_set(err, GK_EINPUT, path, lines[i].line,
                        "ragged row: %zu cells, expected %zu (as on line %ld)", ncells, t->ncols,
                        lines[first].line);
      goto done;
    }
    if (grow((void **)&t->v, &vcap, (t->nrows + 1) * t->ncols, sizeof *t->v) < 0 ||
        grow((void **)&t->line, &rcap, t->nrows + 1, sizeof *t->line) < 0)
      goto nomem;
    for (size_t c = 0; c < ncells; c++) {
      gk_error e;
      gk_error_clear(&e);
      if (!*cells[c]) {
        rc = gk_error_set(err, GK_EINPUT, path, lines[i].line, "column %zu: empty cell", c + 1);
        goto done;
      }
      if (gk_parse_number(cells[c], &t->v[t->nrows * t->ncols + c], &e) != GK_OK) {
        rc = gk_error_set(err, GK_EINPUT, path, lines[i].line, "column %zu: %s", c + 1, e.msg);
        goto done;
      }
    }
    t->line[t->nrows++] = lines[i].line;
  }

  /* header cells, now that the column count is known */
  for (size_t c = 0; c < t->ncols; c++) {
    t->name[c] = calloc(64, 1);
    t->unit[c] = calloc(32, 1);
    if (!t->name[c] || !t->unit[c]) goto nomem;
  }
  if (t->has_header) {
    char **hc = calloc(nhdr, sizeof *hc);
    size_t nh = 0;
    if (!hc) goto nomem;
    if (header_cells(hdr, nhdr, t->ncols, t->delim, matrix, hc, &nh) < 0) {
      for (size_t i = 0; i < nhdr; i++) free(hc[i]);
      free(hc);
      goto nomem;
    }
    if (nh != t->ncols) {
      for (size_t i = 0; i < nhdr; i++) free(hc[i]);
      free(hc);
      rc = gk_error_set(err, GK_EINPUT, path, t->header_line,
                        "header has %zu cells but the data rows have %zu (line %ld)%s", nh,
                        t->ncols, lines[first].line,
                        t->delim == ' ' ? "; in a whitespace-separated file, quote names with "
                                          "spaces or write them as L_mm"
                                        : "");
      goto done;
    }
    for (size_t c = 0; c < t->ncols; c++) {
      t->raw[c] = hc[c];
      gk_header_split(hc[c], t->name[c], 64, t->unit[c], 32);
    }
    free(hc);
  } else {
    for (size_t c = 0; c < t->ncols; c++)
      if (!(t->raw[c] = strdup(""))) goto nomem;
  }
  {
    size_t min_rows = opt && opt->min_rows ? opt->min_rows : 1;
    if (t->nrows < min_rows) {
      rc = gk_error_set(err, GK_EINPUT, path, lineno, "too few data rows: %zu, at least %zu needed",
                        t->nrows, min_rows);
      goto done;
    }
  }
  rc = GK_OK;
  gk_notify_read_sha(path, sha, len, &t->meta);
  goto done;
toowide0:
  rc = io_split_fail(-2, err, path, lines[0].line);
  goto done;
nomem:
  rc = gk_error_set(err, GK_ENOMEM, path, 0, "out of memory");
done:
  if (hdr)
    for (size_t i = 0; i < nhdr; i++) free(hdr[i]);
  free(hdr);
  free(cells);
  free(lines);
  free(buf);
  if (rc != GK_OK) gk_table_free(t);
  return rc;
}

int gk_table_read(const char *path, const gk_read_options *opt, gk_table *t, gk_error *err)
{
  return gk_io_table_read(path, opt, 0, t, err);
}
