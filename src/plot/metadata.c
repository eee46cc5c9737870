/* Metadata in figure files (see gainkit/plot.h): PNG tEXt/iTXt chunks after
 * IHDR, an SVG <metadata> element after the opening <svg> tag, and a PDF
 * Info dictionary appended as an incremental update (PDF 32000-1:2008,
 * 7.5.6), so the bytes cairo wrote stay as they are. Works on a finished
 * file (gk_figure_save applies it to its temp file before the rename). */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gainkit/output.h"
#include "gainkit/plot.h"

/* ---- growable byte buffer -------------------------------------------------- */
typedef struct bbuf { unsigned char *p; size_t n, cap; int oom; } bbuf;

static void bput(bbuf *b, const void *d, size_t n)
{
  if (b->oom) return;
  /* sizes near SIZE_MAX would wrap the doubling below (and gcc -O3 warns
   * that memcpy could be asked for SIZE_MAX bytes): refuse them as out of memory */
  if (n > SIZE_MAX / 4 || b->n > SIZE_MAX / 4) { b->oom = 1; return; }
  if (b->n + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->n + n + 1) cap *= 2;
    unsigned char *p = realloc(b->p, cap);
    if (!p) { b->oom = 1; return; }
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->n, d, n);
  b->n += n;
  b->p[b->n] = 0;
}
static void bputs(bbuf *b, const char *s) { bput(b, s, strlen(s)); }

static int slurp(const char *path, bbuf *b, gk_error *err)
{
  FILE *f = fopen(path, "rb");
  if (!f) return gk_error_set(err, GK_EIO, path, 0, "cannot open: %s", strerror(errno));
  unsigned char chunk[65536];
  size_t got;
  while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) bput(b, chunk, got);
  int bad = ferror(f);
  fclose(f);
  if (bad) return gk_error_set(err, GK_EIO, path, 0, "cannot read the figure back");
  if (b->oom) return gk_error_set(err, GK_ENOMEM, path, 0, "out of memory");
  return GK_OK;
}

static int spill(const char *path, const bbuf *b, gk_error *err)
{
  if (b->oom) return gk_error_set(err, GK_ENOMEM, path, 0, "out of memory");
  FILE *f = fopen(path, "wb");
  if (!f) return gk_error_set(err, GK_EIO, path, 0, "cannot write: %s", strerror(errno));
  int bad = fwrite(b->p, 1, b->n, f) != b->n;
  if (fclose(f) != 0) bad = 1;
  if (bad) return gk_error_set(err, GK_EIO, path, 0, "cannot write the figure metadata");
  return GK_OK;
}

static int is_ascii(const char *s)
{
  for (; *s; s++)
    if ((unsigned char)*s >= 0x80) return 0;
  return 1;
}

/* ---- PNG ------------------------------------------------------------------ */
static uint32_t crc32_png(const unsigned char *p, size_t n)
{
  static uint32_t table[256];
  static int ready;
  if (!ready) {
    for (uint32_t i = 0; i < 256; i++) {
      uint32_t c = i;
      for (int k = 0; k < 8; k++) c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
      table[i] = c;
    }
    ready = 1;
  }
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < n; i++) c = table[(c ^ p[i]) & 0xff] ^ (c >> 8);
  return c ^ 0xffffffffu;
}

static void put_be32(bbuf *b, uint32_t v)
{
  unsigned char q[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16), (unsigned char)(v >> 8),
                        (unsigned char)v};
  bput(b, q, 4);
}

/* One tEXt chunk (Latin-1 text: used when the value is ASCII) or iTXt
 * (UTF-8) chunk. Keywords are 1-79 printable Latin-1 characters. */
static void png_text_chunk(bbuf *out, const char *key, const char *value)
{
  bbuf d = {0};
  char kw[80];
  size_t k = 0;
  for (const char *s = key; *s && k < 79; s++)
    if ((unsigned char)*s >= 32 && (unsigned char)*s < 127) kw[k++] = *s;
  if (!k) kw[k++] = '?';
  kw[k] = 0;
  int itxt = !is_ascii(value);
  bput(&d, itxt ? "iTXt" : "tEXt", 4);
  bput(&d, kw, k + 1);
  if (itxt) bput(&d, "\0\0\0\0", 4); /* uncompressed, method 0, no language, no translation */
  bputs(&d, value);
  if (d.oom) { out->oom = 1; free(d.p); return; }
  put_be32(out, (uint32_t)(d.n - 4));
  bput(out, d.p, d.n);
  put_be32(out, crc32_png(d.p, d.n));
  free(d.p);
}

static int embed_png(const char *path, const bbuf *in, const gk_meta *m, gk_error *err)
{
  static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (in->n < 33 || memcmp(in->p, sig, 8) || memcmp(in->p + 12, "IHDR", 4))
    return gk_error_set(err, GK_EINTERNAL, path, 0, "not a PNG file with an IHDR chunk");
  uint32_t ihdr = (uint32_t)in->p[8] << 24 | (uint32_t)in->p[9] << 16 | (uint32_t)in->p[10] << 8 | in->p[11];
  size_t after = 8 + 12 + (size_t)ihdr;
  if (after > in->n) return gk_error_set(err, GK_EINTERNAL, path, 0, "truncated PNG");
  bbuf out = {0};
  bput(&out, in->p, after);
  for (size_t i = 0; i < m->n; i++) png_text_chunk(&out, m->key[i], m->value[i]);
  bput(&out, in->p + after, in->n - after);
  int rc = spill(path, &out, err);
  free(out.p);
  return rc;
}

/* ---- SVG ------------------------------------------------------------------ */
static void xml_escape(bbuf *b, const char *s)
{
  for (; *s; s++) {
    switch (*s) {
    case '&': bputs(b, "&amp;"); break;
    case '<': bputs(b, "&lt;"); break;
    case '>': bputs(b, "&gt;"); break;
    case '"': bputs(b, "&quot;"); break;
    default:
      if ((unsigned char)*s < 32 && *s != '\n' && *s != '\t') bputs(b, " ");
      else bput(b, s, 1);
    }
  }
}

static int embed_svg(const char *path, const bbuf *in, const gk_meta *m, gk_error *err)
{
  const char *s = (const char *)in->p;
  const char *open = strstr(s, "<svg");
  const char *gt = open ? strchr(open, '>') : NULL;
  if (!gt) return gk_error_set(err, GK_EINTERNAL, path, 0, "no <svg> element in the figure");
  size_t at = (size_t)(gt - s) + 1;
  bbuf out = {0};
  bput(&out, in->p, at);
  bputs(&out, "\n<metadata id=\"gainkit-provenance\">\n<gainkit:provenance xmlns:gainkit=\"urn:gainkit:provenance\">\n");
  for (size_t i = 0; i < m->n; i++) {
    bputs(&out, "<gainkit:entry key=\"");
    xml_escape(&out, m->key[i]);
    bputs(&out, "\">");
    xml_escape(&out, m->value[i]);
    bputs(&out, "</gainkit:entry>\n");
  }
  bputs(&out, "</gainkit:provenance>\n</metadata>");
  bput(&out, in->p + at, in->n - at);
  int rc = spill(path, &out, err);
  free(out.p);
  return rc;
}

/* ---- PDF ------------------------------------------------------------------ */
/* A text string: literal "(...)" with \ ( ) escaped when ASCII, else
 * UTF-16BE with a byte-order mark in hex (PDF 32000-1, 7.9.2.2). */
static void pdf_string(bbuf *b, const char *s)
{
  if (is_ascii(s)) {
    bputs(b, "(");
    for (; *s; s++) {
      char c = *s;
      if (c == '(' || c == ')' || c == '\\') { bputs(b, "\\"); bput(b, &c, 1); }
      else if (c == '\n') bputs(b, "\\n");
      else if ((unsigned char)c < 32) bputs(b, " ");
      else bput(b, &c, 1);
    }
    bputs(b, ")");
    return;
  }
  bputs(b, "<FEFF");
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    uint32_t cp;
    int len = *p < 0x80 ? 1 : (*p >> 5) == 6 ? 2 : (*p >> 4) == 14 ? 3 : (*p >> 3) == 30 ? 4 : 0;
    if (!len) { cp = 0xfffd; len = 1; }
    else {
      cp = len == 1 ? *p : *p & (0x7f >> len);
      for (int i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80) { cp = 0xfffd; len = i; break; }
        cp = cp << 6 | (p[i] & 0x3f);
      }
    }
    p += len;
    char hx[16];
    if (cp >= 0x10000) {
      cp -= 0x10000;
      snprintf(hx, sizeof hx, "%04X%04X", 0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
    } else {
      snprintf(hx, sizeof hx, "%04X", cp);
    }
    bputs(b, hx);
  }
  bputs(b, ">");
}

/* The last occurrence of needle in the first n bytes of hay. */
static const char *last_of(const char *hay, size_t n, const char *needle)
{
  size_t k = strlen(needle);
  for (size_t i = n >= k ? n - k + 1 : 0; i-- > 0;)
    if (!memcmp(hay + i, needle, k)) return hay + i;
  return NULL;
}

static int embed_pdf(const char *path, const bbuf *in, const gk_meta *m, gk_error *err)
{
  const char *s = (const char *)in->p;
  const char *sx = last_of(s, in->n, "startxref");
  const char *root = last_of(s, in->n, "/Root");
  long prev = -1, size = -1, rootnum = -1, rootgen = 0, infonum = -1;
  if (sx) sscanf(sx + 9, " %ld", &prev);
  if (root) sscanf(root + 5, " %ld %ld R", &rootnum, &rootgen);
  /* /Size and /Info of the same (last) trailer dictionary */
  const char *dict = root ? last_of(s, (size_t)(root - s), "<<") : NULL;
  if (dict) {
    const char *end = strstr(dict, ">>");
    size_t dn = end ? (size_t)(end - dict) : 0;
    const char *sz = dn ? last_of(dict, dn, "/Size") : NULL;
    const char *inf = dn ? last_of(dict, dn, "/Info") : NULL;
    if (sz) sscanf(sz + 5, " %ld", &size);
    if (inf) sscanf(inf + 5, " %ld", &infonum);
  }
  if (prev < 0 || size <= 0 || rootnum < 0)
    return gk_error_set(err, GK_EINTERNAL, path, 0, "cannot find the PDF trailer to add the metadata");
  /* keep the entries of the old Info dictionary (cairo's Producer and
   * CreationDate): its text between << and >> (no nested dictionaries) */
  const char *old = NULL;
  size_t oldn = 0;
  if (infonum >= 0) {
    char obj[48];
    snprintf(obj, sizeof obj, "\n%ld 0 obj", infonum);
    const char *o = last_of(s, in->n, obj);
    const char *oe = o ? strstr(o, "endobj") : NULL;
    const char *lt = o ? strstr(o, "<<") : NULL;
    const char *gt = lt ? strstr(lt + 2, ">>") : NULL;
    if (oe && lt && gt && gt < oe && !memmem(lt + 2, (size_t)(gt - lt - 2), "<<", 2)) {
      old = lt + 2;
      oldn = (size_t)(gt - old);
    }
  }
  bbuf out = {0};
  bput(&out, in->p, in->n);
  if (in->n && in->p[in->n - 1] != '\n') bputs(&out, "\n");
  long obj = size;
  size_t objoff = out.n;
  char line[128];
  snprintf(line, sizeof line, "%ld 0 obj\n<<", obj);
  bputs(&out, line);
  if (old) { bput(&out, old, oldn); bputs(&out, "\n"); }
  for (size_t i = 0; i < m->n; i++) {
    /* a PDF name: letters, digits and '-' (others dropped) */
    char name[80];
    size_t k = 0;
    for (const char *p = m->key[i]; *p && k < sizeof name - 1; p++)
      if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-')
        name[k++] = *p;
    name[k] = 0;
    if (!k) continue;
    bputs(&out, " /");
    bputs(&out, name);
    bputs(&out, " ");
    pdf_string(&out, m->value[i]);
    bputs(&out, "\n");
  }
  bputs(&out, ">>\nendobj\n");
  size_t xref = out.n;
  snprintf(line, sizeof line, "xref\n%ld 1\n%010zu 00000 n \n", obj, objoff);
  bputs(&out, line);
  snprintf(line, sizeof line, "trailer\n<< /Size %ld\n   /Root %ld %ld R\n   /Info %ld 0 R\n   /Prev %ld\n>>\n",
           obj + 1, rootnum, rootgen, obj, prev);
  bputs(&out, line);
  snprintf(line, sizeof line, "startxref\n%zu\n%%%%EOF\n", xref);
  bputs(&out, line);
  int rc = spill(path, &out, err);
  free(out.p);
  return rc;
}

int gk_plot_embed_metadata(const char *path, const gk_meta *m, gk_error *err)
{
  if (!m || m->n == 0) return GK_OK;
  char ext[16];
  gk_path_ext(path, ext, sizeof ext);
  bbuf in = {0};
  int rc = slurp(path, &in, err);
  if (rc == GK_OK) {
    if (!strcmp(ext, "png")) rc = embed_png(path, &in, m, err);
    else if (!strcmp(ext, "svg")) rc = embed_svg(path, &in, m, err);
    else if (!strcmp(ext, "pdf")) rc = embed_pdf(path, &in, m, err);
    else rc = gk_error_set(err, GK_EUSAGE, path, 0, "no metadata support for '.%s' figures", ext);
  }
  free(in.p);
  return rc;
}

/* ---- the process-wide metadata of gk_figure_save --------------------------- */
static pthread_mutex_t meta_lock = PTHREAD_MUTEX_INITIALIZER;
static gk_meta meta_default;

static void meta_clear(gk_meta *m)
{
  for (size_t i = 0; i < m->n; i++) { free(m->key[i]); free(m->value[i]); }
  free(m->key);
  free(m->value);
  memset(m, 0, sizeof *m);
}

static int meta_copy(gk_meta *dst, const gk_meta *src)
{
  memset(dst, 0, sizeof *dst);
  if (!src || !src->n) return GK_OK;
  dst->key = calloc(src->n, sizeof *dst->key);
  dst->value = calloc(src->n, sizeof *dst->value);
  if (!dst->key || !dst->value) { meta_clear(dst); return GK_ENOMEM; }
  for (size_t i = 0; i < src->n; i++) {
    dst->key[i] = strdup(src->key[i] ? src->key[i] : "");
    dst->value[i] = strdup(src->value[i] ? src->value[i] : "");
    dst->n = i + 1;
    if (!dst->key[i] || !dst->value[i]) { meta_clear(dst); return GK_ENOMEM; }
  }
  return GK_OK;
}

int gk_plot_set_metadata(const gk_meta *m)
{
  gk_meta copy;
  if (meta_copy(&copy, m) != GK_OK) return GK_ENOMEM;
  pthread_mutex_lock(&meta_lock);
  meta_clear(&meta_default);
  meta_default = copy;
  pthread_mutex_unlock(&meta_lock);
  return GK_OK;
}

static void (*meta_sync)(void);

void gk_plot_set_metadata_sync(void (*fn)(void))
{
  pthread_mutex_lock(&meta_lock);
  meta_sync = fn;
  pthread_mutex_unlock(&meta_lock);
}

static void meta_sync_now(void)
{
  pthread_mutex_lock(&meta_lock);
  void (*fn)(void) = meta_sync;
  pthread_mutex_unlock(&meta_lock);
  if (fn) fn();
}

int gk_plot_embed_default_metadata(const char *path, gk_error *err)
{
  gk_meta m;
  meta_sync_now();
  pthread_mutex_lock(&meta_lock);
  int rc = meta_copy(&m, &meta_default);
  pthread_mutex_unlock(&meta_lock);
  if (rc != GK_OK) return gk_error_set(err, GK_ENOMEM, path, 0, "out of memory");
  rc = gk_plot_embed_metadata(path, &m, err);
  meta_clear(&m);
  return rc;
}

void gk_plot_meta_comments(FILE *fp)
{
  meta_sync_now();
  pthread_mutex_lock(&meta_lock);
  for (size_t k = 0; k < meta_default.n; k++) {
    const char *v = meta_default.value[k] ? meta_default.value[k] : "";
    fprintf(fp, "# %s: ", meta_default.key[k] ? meta_default.key[k] : "");
    for (const char *c = v; *c; c++) fputc(*c == '\n' || *c == '\r' ? ' ' : *c, fp);
    fputc('\n', fp);
  }
  pthread_mutex_unlock(&meta_lock);
}
