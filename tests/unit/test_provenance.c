/* Provenance: SHA-256 against the FIPS 180-4 example vectors (NIST CSRC
 * "Examples with intermediate values"), the read hook of the table
 * readers, and figure metadata embedded in PNG (chunk CRCs recomputed by
 * an independent bitwise CRC here), SVG and PDF files. */
#define _GNU_SOURCE
#include <stdint.h>
#include <unistd.h>

#include "gainkit/gainkit.h"
#include "gk_test.h"

static void check_hex(const char *msg, size_t len, const char *want)
{
  char hex[65];
  gk_sha256_hex(msg, len, hex);
  CHECK_MSG(!strcmp(hex, want), "sha256 of %zu bytes = %s, want %s", len, hex, want);
}

static void test_sha256_vectors(void)
{
  check_hex("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  check_hex("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  check_hex(m448, strlen(m448), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  const char *m896 = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
  check_hex(m896, strlen(m896), "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  /* one million 'a', fed in uneven pieces: exercises the partial-block buffer */
  gk_sha256_ctx c;
  gk_sha256_init(&c);
  char a[997];
  memset(a, 'a', sizeof a);
  size_t left = 1000000, step = 1;
  while (left) {
    size_t k = step < left ? step : left;
    if (k > sizeof a) k = sizeof a;
    gk_sha256_update(&c, a, k);
    left -= k;
    step = step * 7 % 1000 + 1;
  }
  unsigned char d[32];
  gk_sha256_final(&c, d);
  char hex[65];
  for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", d[i]);
  CHECK_MSG(!strcmp(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"), "million a: %s", hex);
  /* padding boundaries: 55, 56, 63, 64 bytes hashed whole and in pieces agree */
  for (size_t n = 50; n <= 130; n++) {
    char buf[130], h1[65], h2[65];
    for (size_t i = 0; i < n; i++) buf[i] = (char)('A' + i % 26);
    gk_sha256_hex(buf, n, h1);
    gk_sha256_init(&c);
    for (size_t i = 0; i < n; i++) gk_sha256_update(&c, buf + i, 1);
    gk_sha256_final(&c, d);
    for (int i = 0; i < 32; i++) snprintf(h2 + 2 * i, 3, "%02x", d[i]);
    CHECK_MSG(!strcmp(h1, h2), "n = %zu: whole %s vs bytewise %s", n, h1, h2);
  }
}

static char seen_path[256], seen_sha[65], seen_meta[128];
static size_t seen_bytes;
static int seen_calls;
static void hook(void *ctx, const char *path, const char *sha, size_t bytes, const gk_meta *m)
{
  (void)ctx;
  seen_calls++;
  snprintf(seen_path, sizeof seen_path, "%s", path);
  snprintf(seen_sha, sizeof seen_sha, "%s", sha);
  seen_bytes = bytes;
  snprintf(seen_meta, sizeof seen_meta, "%s", m ? (gk_meta_get(m, "stripe_length_cm") ? gk_meta_get(m, "stripe_length_cm") : "") : "");
}

static void test_read_hook(void)
{
  char path[] = "/tmp/gk-prov-XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  const char text[] = "# stripe_length_cm: 0.2\nx,y\n1,2\n3,4\n";
  CHECK(write(fd, text, sizeof text - 1) == (ssize_t)(sizeof text - 1));
  close(fd);
  char want[65];
  gk_sha256_hex(text, sizeof text - 1, want);
  gk_set_read_hook(hook, NULL);
  gk_columns col;
  gk_columns_options co = {0};
  gk_error e;
  gk_error_clear(&e);
  CHECK(gk_columns_read(path, &co, &col, &e) == GK_OK);
  gk_columns_free(&col);
  CHECK_INT(seen_calls, 1);
  CHECK(!strcmp(seen_path, path));
  CHECK(!strcmp(seen_sha, want));
  CHECK(seen_bytes == sizeof text - 1);
  CHECK(!strcmp(seen_meta, "0.2"));
  gk_set_read_hook(NULL, NULL);
  CHECK(gk_columns_read(path, &co, &col, &e) == GK_OK);
  gk_columns_free(&col);
  CHECK_INT(seen_calls, 1); /* no hook, no call */
  unlink(path);
}

/* ---- figure metadata -------------------------------------------------- */
static unsigned char *readall(const char *path, size_t *n)
{
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long sz = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *b = malloc((size_t)sz + 1);
  *n = fread(b, 1, (size_t)sz, f);
  b[*n] = 0;
  fclose(f);
  return b;
}

static uint32_t crc_bitwise(const unsigned char *p, size_t n)
{
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < n; i++) {
    c ^= p[i];
    for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
  }
  return ~c;
}

static gk_figure *small_figure(void)
{
  gk_figure *f = gk_figure_new(1, 1, 400, 300, "t");
  double x[3] = {1, 2, 3}, y[3] = {1, 4, 9};
  gk_panel_labels(gk_figure_panel(f, 0), "x", "y", NULL);
  gk_panel_add(gk_figure_panel(f, 0), x, y, NULL, 3, GK_STYLE_LINE, GK_AUTO, "y");
  return f;
}

static void test_figure_metadata(void)
{
  char *keys[] = {"Software", "Creation Time", "gainkit-command"};
  char *vals[] = {"gainkit test", "2026-01-02T03:04:05Z", "gainkit vsl <a & b> (x) \xc2\xb5J"};
  gk_meta m = {3, keys, vals};
  CHECK(gk_plot_set_metadata(&m) == GK_OK);
  char dir[] = "/tmp/gk-provfig-XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  char path[128];
  gk_error e;
  /* PNG: text chunks right after IHDR, every CRC right */
  snprintf(path, sizeof path, "%s/f.png", dir);
  gk_figure *f = small_figure();
  gk_error_clear(&e);
  CHECK(gk_figure_save(f, path, &e) == GK_OK);
  gk_figure_free(f);
  size_t n;
  unsigned char *b = readall(path, &n);
  CHECK(b && n > 33);
  size_t i = 8;
  int ntext = 0, crc_ok = 1, first_after_ihdr = -1, k = 0, found_utf8 = 0, found_sw = 0;
  while (b && i + 12 <= n) {
    uint32_t len = (uint32_t)b[i] << 24 | (uint32_t)b[i + 1] << 16 | (uint32_t)b[i + 2] << 8 | b[i + 3];
    const unsigned char *type = b + i + 4;
    uint32_t crc = (uint32_t)b[i + 8 + len] << 24 | (uint32_t)b[i + 9 + len] << 16 |
                   (uint32_t)b[i + 10 + len] << 8 | b[i + 11 + len];
    if (crc != crc_bitwise(type, len + 4)) crc_ok = 0;
    if (!memcmp(type, "tEXt", 4) || !memcmp(type, "iTXt", 4)) {
      ntext++;
      if (first_after_ihdr < 0) first_after_ihdr = k;
      if (!memcmp(type, "tEXt", 4) && !memcmp(type + 4, "Software\0gainkit test", 21)) found_sw = 1;
      if (!memcmp(type, "iTXt", 4) && memmem(type + 4, len, "\xc2\xb5J", 3)) found_utf8 = 1;
    }
    k++;
    i += 12 + len;
  }
  CHECK_INT(ntext, 3);
  CHECK_INT(first_after_ihdr, 1);
  CHECK(crc_ok);
  CHECK(found_sw);
  CHECK(found_utf8); /* non-ASCII goes into iTXt (tEXt is Latin-1) */
  free(b);
  /* SVG: a <metadata> element inside <svg>, text escaped */
  snprintf(path, sizeof path, "%s/f.svg", dir);
  f = small_figure();
  CHECK(gk_figure_save(f, path, &e) == GK_OK);
  gk_figure_free(f);
  b = readall(path, &n);
  const char *s = (const char *)b;
  const char *svg = s ? strstr(s, "<svg") : NULL, *md = s ? strstr(s, "<metadata") : NULL;
  CHECK(svg && md && md > svg);
  CHECK(s && strstr(s, "<gainkit:entry key=\"gainkit-command\">gainkit vsl &lt;a &amp; b&gt; (x) \xc2\xb5J</gainkit:entry>"));
  free(b);
  /* PDF: an incremental update whose xref points at the new Info object */
  snprintf(path, sizeof path, "%s/f.pdf", dir);
  f = small_figure();
  CHECK(gk_figure_save(f, path, &e) == GK_OK);
  gk_figure_free(f);
  b = readall(path, &n);
  s = (const char *)b;
  const char *sx = NULL;
  for (const char *p = s; p && (p = memmem(p, n - (size_t)(p - s), "startxref", 9)); p++) sx = p;
  long xref = sx ? atol(sx + 10) : -1;
  CHECK(xref > 0 && xref < (long)n && !strncmp(s + xref, "xref\n", 5));
  long obj = -1, off = -1;
  if (xref > 0) sscanf(s + xref + 5, "%ld 1\n%ld", &obj, &off);
  char head[32];
  snprintf(head, sizeof head, "%ld 0 obj", obj);
  CHECK(off > 0 && off < (long)n && !strncmp(s + off, head, strlen(head)));
  CHECK(off > 0 && strstr(s + off, "/Software (gainkit test)") != NULL);
  CHECK(off > 0 && strstr(s + off, "/gainkit-command <FEFF") != NULL); /* UTF-16 for the µ */
  CHECK(off > 0 && strstr(s + off, "/Producer (cairo") != NULL);      /* cairo's entry kept */
  const char *prev = strstr(s + xref, "/Prev ");
  long pv = prev ? atol(prev + 6) : -1;
  CHECK(pv > 0 && pv < off && !strncmp(s + pv, "xref", 4));
  free(b);
  gk_plot_set_metadata(NULL);
  char cmd[160];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  CHECK(system(cmd) == 0);
}

int main(void)
{
  RUN(test_sha256_vectors);
  RUN(test_read_hook);
  RUN(test_figure_metadata);
  return gk_test_summary();
}
