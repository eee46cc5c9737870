/* Plots (gainkit/plot.h): the three formats, atomic saving, error paths,
 * degenerate data, label text conversion, and that PLplot stays silent. */
#include "gk_test.h"
#include "gainkit/gainkit.h"
#include "plot_gallery.h"

#include <dirent.h>
#include <math.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define OUTDIR "test_plot_out"

static long file_size(const char *path)
{
  struct stat st;
  return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* First n bytes of a file (n <= 63), NUL-terminated; "" if unreadable. */
static size_t file_head(const char *path, unsigned char *buf, size_t n)
{
  FILE *f = fopen(path, "rb");
  buf[0] = 0;
  if (!f) return 0;
  size_t got = fread(buf, 1, n, f);
  fclose(f);
  buf[got] = 0;
  return got;
}

/* Whole file as a string (caller frees), NULL if unreadable. */
static char *file_text(const char *path)
{
  long n = file_size(path);
  FILE *f = fopen(path, "rb");
  if (n < 0 || !f) {
    if (f) fclose(f);
    return NULL;
  }
  char *s = malloc((size_t)n + 1);
  size_t got = s ? fread(s, 1, (size_t)n, f) : 0;
  fclose(f);
  if (s) s[got] = 0;
  return s;
}

/* Number of leftover temp files (".tmp.") in OUTDIR. */
static int temp_files(void)
{
  DIR *d = opendir(OUTDIR);
  int n = 0;
  if (!d) return -1;
  for (struct dirent *e; (e = readdir(d));)
    if (strstr(e->d_name, ".tmp.")) n++;
  closedir(d);
  return n;
}

static void clean_outdir(void)
{
  DIR *d = opendir(OUTDIR);
  if (d) {
    char path[512];
    for (struct dirent *e; (e = readdir(d));) {
      if (e->d_name[0] == '.') continue;
      snprintf(path, sizeof path, OUTDIR "/%s", e->d_name);
      unlink(path);
    }
    closedir(d);
  }
  mkdir(OUTDIR, 0777);
}

/* cairo numbers SVG ids ("image5", "surface12") from process-wide
 * counters; drop digits that follow a letter so two renderings in one
 * process can be compared. Coordinates follow spaces, commas or quotes and
 * are kept. */
static void strip_ids(char *s)
{
  char *out = s;
  int dropping = 0;
  char prev = 0;
  for (; *s; s++) {
    int digit = *s >= '0' && *s <= '9';
    int letter = (prev >= 'a' && prev <= 'z') || (prev >= 'A' && prev <= 'Z');
    dropping = digit && (letter || dropping);
    prev = *s;
    if (!dropping) *out++ = *s;
  }
  *out = 0;
}

static unsigned be32(const unsigned char *p)
{
  return (unsigned)p[0] << 24 | (unsigned)p[1] << 16 | (unsigned)p[2] << 8 | p[3];
}

static void test_text(void)
{
  char b[256];
  CHECK_STR(gk_plot_text("g (cm^-1)", b, sizeof b), "g (cm\u207B\u00B9)");
  CHECK_STR(gk_plot_text("g (cm-1)", b, sizeof b), "g (cm\u207B\u00B9)");
  CHECK_STR(gk_plot_text("fluence (uJ/cm2)", b, sizeof b), "fluence (\u00B5J/cm\u00B2)");
  CHECK_STR(gk_plot_text("n (cm-3)", b, sizeof b), "n (cm\u207B\u00B3)");
  CHECK_STR(gk_plot_text("rate (s-1)", b, sizeof b), "rate (s\u207B\u00B9)");
  CHECK_STR(gk_plot_text("L (um)", b, sizeof b), "L (\u00B5m)");
  CHECK_STR(gk_plot_text("t (us)", b, sizeof b), "t (\u00B5s)");
  CHECK_STR(gk_plot_text("area (\u00B5m2)", b, sizeof b), "area (\u00B5m\u00B2)");
  CHECK_STR(gk_plot_text("x (m^2)", b, sizeof b), "x (m\u00B2)");
  CHECK_STR(gk_plot_text("E_{th}", b, sizeof b), "E#dth#u");
  CHECK_STR(gk_plot_text("e^{gL}", b, sizeof b), "e#ugL#d");
  CHECK_STR(gk_plot_text("sample #3", b, sizeof b), "sample ##3");
  /* left alone: formulas, words, plain units, lone carets and underscores */
  CHECK_STR(gk_plot_text("CsPbBr3 and MAPbI3", b, sizeof b), "CsPbBr3 and MAPbI3");
  CHECK_STR(gk_plot_text("used mass m", b, sizeof b), "used mass m");
  CHECK_STR(gk_plot_text("wavelength (nm)", b, sizeof b), "wavelength (nm)");
  CHECK_STR(gk_plot_text("data_file.csv x^", b, sizeof b), "data_file.csv x^");
  CHECK_STR(gk_plot_text("x-axis (mJ)", b, sizeof b), "x-axis (mJ)");
  CHECK_STR(gk_plot_text(NULL, b, sizeof b), "");
  /* truncation keeps whole characters and whole escapes */
  CHECK_STR(gk_plot_text("abcdefg", b, 5), "abcd");
  CHECK_STR(gk_plot_text("a\u00B5m", b, 3), "a");
  CHECK_STR(gk_plot_text("a#b", b, 3), "a");
}

static void test_ext(void)
{
  CHECK(gk_plot_ext_ok("fig.png"));
  CHECK(gk_plot_ext_ok("dir/fig.SVG"));
  CHECK(gk_plot_ext_ok("a.b.pdf"));
  CHECK(!gk_plot_ext_ok("fig.jpg"));
  CHECK(!gk_plot_ext_ok("fig"));
  CHECK(!gk_plot_ext_ok("dir.png/fig"));
  CHECK(!gk_plot_ext_ok(NULL));
}

static void test_formats(void)
{
  gk_error err;
  gk_error_clear(&err);
  gk_figure *f = gallery_figure(1200, 800);
  CHECK(f != NULL);
  if (!f) return;
  unsigned char h[64];

  CHECK_INT(gk_figure_save(f, OUTDIR "/fig.png", &err), GK_OK);
  CHECK(file_size(OUTDIR "/fig.png") > 10000);
  CHECK(file_head(OUTDIR "/fig.png", h, 24) == 24 && memcmp(h, "\x89PNG\r\n\x1a\n", 8) == 0);
  /* the IHDR chunk carries the pixel size asked for */
  CHECK(memcmp(h + 12, "IHDR", 4) == 0);
  CHECK_INT(be32(h + 16), 1200);
  CHECK_INT(be32(h + 20), 800);
  /* an ordinary file: the umask decides the mode, not mkstemps' 0600 */
  mode_t mask = umask(0);
  umask(mask);
  struct stat st;
  CHECK(stat(OUTDIR "/fig.png", &st) == 0 && (st.st_mode & 0777) == (0666 & ~mask));

  CHECK_INT(gk_figure_save(f, OUTDIR "/fig.pdf", &err), GK_OK);
  CHECK(file_size(OUTDIR "/fig.pdf") > 1000);
  CHECK(file_head(OUTDIR "/fig.pdf", h, 5) == 5 && memcmp(h, "%PDF-", 5) == 0);

  CHECK_INT(gk_figure_save(f, OUTDIR "/fig.svg", &err), GK_OK);
  char *svg = file_text(OUTDIR "/fig.svg");
  CHECK(svg != NULL);
  if (svg) {
    CHECK(strstr(svg, "<svg") != NULL);
    CHECK(strstr(svg, "</svg>") != NULL);
    /* PLplot's svg driver: text is text (editable in Inkscape), not glyph
     * outlines; 8.5 pt at the default 17.8 cm width (the driver writes
     * whole points: 8) */
    CHECK(strstr(svg, "<text") != NULL);
    CHECK(strstr(svg, "<symbol") == NULL);
    CHECK(strstr(svg, "font-size=\"8\"") != NULL);
    CHECK(strstr(svg, "width=\"505pt\"") != NULL);
  }
  /* Rendering the same figure again gives the same drawing (up to cairo's
   * id numbers): no PLplot state carries over from one save to the next. */
  CHECK_INT(gk_figure_save(f, OUTDIR "/fig2.svg", &err), GK_OK);
  char *svg2 = file_text(OUTDIR "/fig2.svg");
  if (svg && svg2) {
    strip_ids(svg);
    strip_ids(svg2);
  }
  CHECK(svg && svg2 && strcmp(svg, svg2) == 0);
  free(svg);
  free(svg2);
  CHECK_INT(temp_files(), 0);
  gk_figure_free(f);
}

static void test_errors(void)
{
  gk_error err;
  gk_error_clear(&err);
  gk_figure *f = gallery_figure(800, 600);
  if (!f) {
    CHECK(f != NULL);
    return;
  }
  /* unsupported extension: usage error naming it, nothing written */
  CHECK_INT(gk_figure_save(f, OUTDIR "/fig.jpg", &err), GK_EUSAGE);
  CHECK(strstr(err.msg, ".jpg") != NULL);
  CHECK(file_size(OUTDIR "/fig.jpg") < 0);
  CHECK_INT(gk_figure_save(f, OUTDIR "/fig", &err), GK_EUSAGE);
  CHECK_INT(gk_figure_save(f, "", &err), GK_EUSAGE);

  /* a directory that does not exist: I/O error, no file */
  CHECK_INT(gk_figure_save(f, OUTDIR "/missing/fig.png", &err), GK_EIO);
  CHECK(file_size(OUTDIR "/missing/fig.png") < 0);
  CHECK_STR(err.file, OUTDIR "/missing/fig.png");

  /* an unwritable directory (permissions do not bind root, so only then) */
  if (geteuid() != 0) {
    mkdir(OUTDIR "/ro", 0555);
    chmod(OUTDIR "/ro", 0555);
    CHECK_INT(gk_figure_save(f, OUTDIR "/ro/fig.png", &err), GK_EIO);
    CHECK(file_size(OUTDIR "/ro/fig.png") < 0);
    chmod(OUTDIR "/ro", 0755);
    rmdir(OUTDIR "/ro");
  }

  /* The target exists and saving fails after the temp file was made (the
   * page is too small for 12x12 panels): the old file stays byte-identical
   * and no temp file remains. */
  FILE *old = fopen(OUTDIR "/keep.png", "wb");
  if (old) {
    fputs("old content", old);
    fclose(old);
  }
  gk_figure *tiny = gk_figure_new(12, 12, 120, 100, NULL);
  CHECK(tiny != NULL);
  if (tiny) {
    double x[2] = {1, 2}, y[2] = {3, 4};
    for (int k = 0; k < 144; k++) gk_panel_add(gk_figure_panel(tiny, k), x, y, NULL, 2, GK_STYLE_LINE, GK_AUTO, NULL);
    CHECK_INT(gk_figure_save(tiny, OUTDIR "/keep.png", &err), GK_EUSAGE);
    gk_figure_free(tiny);
  }
  char *s = file_text(OUTDIR "/keep.png");
  CHECK(s && strcmp(s, "old content") == 0);
  free(s);
  /* a target that is a directory: the rename fails, the temp file goes */
  mkdir(OUTDIR "/adir.png", 0777);
  CHECK_INT(gk_figure_save(f, OUTDIR "/adir.png", &err), GK_EIO);
  rmdir(OUTDIR "/adir.png");
  CHECK_INT(temp_files(), 0);
  gk_figure_free(f);
}

static void test_api_errors(void)
{
  CHECK(gk_figure_new(0, 1, 800, 600, NULL) == NULL);
  CHECK(gk_figure_new(1, 1, 10, 600, NULL) == NULL);
  gk_figure *f = gk_figure_new(2, 1, 800, 400, "t");
  if (!f) {
    CHECK(f != NULL);
    return;
  }
  CHECK(gk_figure_panel(f, 2) == NULL);
  CHECK(gk_figure_panel(f, -1) == NULL);
  gk_panel *p = gk_figure_panel(f, 0);
  double x[3] = {1, 3, 2}, y[3] = {1, 2, 3}, z[9] = {0};
  CHECK_INT(gk_panel_add(NULL, x, y, NULL, 3, GK_STYLE_LINE, GK_AUTO, NULL), GK_EUSAGE);
  CHECK_INT(gk_panel_add(p, NULL, y, NULL, 3, GK_STYLE_LINE, GK_AUTO, NULL), GK_EUSAGE);
  CHECK_INT(gk_panel_add(p, x, y, NULL, 3, (gk_style)99, GK_AUTO, NULL), GK_EUSAGE);
  /* image coordinates must be monotonic and finite */
  CHECK_INT(gk_panel_image(p, x, 3, y, 3, z, NULL), GK_EUSAGE);
  double xn[3] = {1, NAN, 3};
  CHECK_INT(gk_panel_image(p, y, 3, xn, 3, z, NULL), GK_EUSAGE);
  double yd[3] = {3, 2, 1}; /* decreasing is fine */
  CHECK_INT(gk_panel_image(p, y, 3, yd, 3, z, "z"), GK_OK);
  CHECK_INT(gk_panel_vline(p, NAN, GK_AUTO, NULL), GK_EUSAGE);
  CHECK_INT(gk_panel_text(p, 0.5, 0.5, NULL), GK_EUSAGE);
  gk_figure_free(f);
  gk_figure_free(NULL);
}

static void test_degenerate(void)
{
  gk_error err;
  gk_error_clear(&err);
  gk_figure *f = gk_figure_new(3, 2, 1200, 700, "degenerate data");
  if (!f) {
    CHECK(f != NULL);
    return;
  }
  double one_x = 2.0, one_y = 5.0;
  double flat_x[4] = {1, 2, 3, 4}, flat_y[4] = {7, 7, 7, 7};
  double bad_x[6] = {-1, 0, 1, 10, NAN, 100}, bad_y[6] = {1, 2, -3, 30, 5, INFINITY};
  double err_y[6] = {5, 5, 5, 50, 5, 5};
  gk_panel *p = gk_figure_panel(f, 0);
  gk_panel_labels(p, "x", "y", "empty series");
  CHECK_INT(gk_panel_add(p, NULL, NULL, NULL, 0, GK_STYLE_LINE, GK_AUTO, "nothing"), GK_OK);
  p = gk_figure_panel(f, 1);
  gk_panel_labels(p, "x", "y", "single point");
  CHECK_INT(gk_panel_add(p, &one_x, &one_y, NULL, 1, GK_STYLE_LINEPOINTS, GK_AUTO, "one"), GK_OK);
  p = gk_figure_panel(f, 2);
  gk_panel_labels(p, "x", "y", "all equal");
  CHECK_INT(gk_panel_add(p, flat_x, flat_y, NULL, 4, GK_STYLE_POINTS, GK_AUTO, "flat"), GK_OK);
  p = gk_figure_panel(f, 3);
  gk_panel_labels(p, "x", "y", "log, non-positive");
  gk_panel_log(p, 1, 1);
  CHECK_INT(gk_panel_add(p, bad_x, bad_y, err_y, 6, GK_STYLE_LINEPOINTS, GK_AUTO, "bad"), GK_OK);
  gk_panel_vline(p, -5, GK_AUTO, "off the log axis");
  gk_panel_legend(p, GK_LEGEND_OUTSIDE_RIGHT);
  p = gk_figure_panel(f, 4);
  gk_panel_labels(p, "x", "y", "all points invalid, log");
  gk_panel_log(p, 0, 1);
  double neg[3] = {-1, -2, 0};
  CHECK_INT(gk_panel_add(p, flat_x, neg, NULL, 3, GK_STYLE_LINE, GK_AUTO, "none"), GK_OK);
  p = gk_figure_panel(f, 5);
  gk_panel_labels(p, "x", "y", "NaN image");
  double ix[2] = {1, 2}, iy[1] = {3}, iz[2] = {NAN, NAN};
  CHECK_INT(gk_panel_image(p, ix, 2, iy, 1, iz, "z"), GK_OK);
  gk_panel_zrange(p, 0, 1);

  CHECK_INT(gk_figure_save(f, OUTDIR "/degenerate.svg", &err), GK_OK);
  char *svg = file_text(OUTDIR "/degenerate.svg");
  CHECK(svg && strstr(svg, "<svg"));
  CHECK(svg && strstr(svg, "</svg>"));
  free(svg);
  CHECK_INT(gk_figure_save(f, OUTDIR "/degenerate.png", &err), GK_OK);
  /* an empty figure is a blank page, not an error */
  gk_figure *blank = gk_figure_new(1, 1, 400, 300, NULL);
  CHECK(blank != NULL);
  if (blank) {
    CHECK_INT(gk_figure_save(blank, OUTDIR "/blank.png", &err), GK_OK);
    gk_figure_free(blank);
  }
  gk_figure_free(f);
}

/* Points that cannot be drawn (NaN, Inf, <= 0 on a log axis) are skipped:
 * the figure comes out the same as one built without them. */
static gk_figure *skip_figure(int with_bad)
{
  gk_figure *f = gk_figure_new(2, 1, 800, 400, NULL);
  if (!f) return NULL;
  double lx[7] = {-1, 0, 1, 10, NAN, 100, 5}, ly[7] = {1, 2, -3, 30, 5, INFINITY, 7};
  double le[7] = {1, 1, 1, 3, 1, 1, 0.5};
  double gx[2] = {10, 5}, gy[2] = {30, 7}, ge[2] = {3, 0.5};
  double mx[5] = {1, NAN, 2, 3, -INFINITY}, my[5] = {1, 2, INFINITY, 3, 0};
  double hx[2] = {1, 3}, hy[2] = {1, 3};
  gk_panel *p = gk_figure_panel(f, 0);
  gk_panel_log(p, 1, 1);
  gk_panel_labels(p, "x", "y", "log");
  if (with_bad) gk_panel_add(p, lx, ly, le, 7, GK_STYLE_POINTS, GK_AUTO, "data");
  else gk_panel_add(p, gx, gy, ge, 2, GK_STYLE_POINTS, GK_AUTO, "data");
  p = gk_figure_panel(f, 1);
  gk_panel_labels(p, "x", "y", "linear");
  if (with_bad) gk_panel_add(p, mx, my, NULL, 5, GK_STYLE_POINTS, GK_AUTO, "data");
  else gk_panel_add(p, hx, hy, NULL, 2, GK_STYLE_POINTS, GK_AUTO, "data");
  return f;
}

static void test_skipping(void)
{
  gk_error err;
  gk_figure *bad = skip_figure(1), *good = skip_figure(0);
  CHECK(bad && good);
  if (bad && good) {
    CHECK_INT(gk_figure_save(bad, OUTDIR "/skip_bad.svg", &err), GK_OK);
    CHECK_INT(gk_figure_save(good, OUTDIR "/skip_good.svg", &err), GK_OK);
    char *a = file_text(OUTDIR "/skip_bad.svg"), *b = file_text(OUTDIR "/skip_good.svg");
    if (a && b) {
      strip_ids(a);
      strip_ids(b);
    }
    CHECK(a && b && strcmp(a, b) == 0);
    free(a);
    free(b);
  }
  gk_figure_free(bad);
  gk_figure_free(good);
}

/* PLplot, cairo and fontconfig must not print: a CLI run with a plot
 * keeps stdout for the command's own output. */
static void test_quiet(void)
{
  fflush(stdout);
  fflush(stderr);
  int so = dup(1), se = dup(2);
  int fd = open(OUTDIR "/captured.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (so < 0 || se < 0 || fd < 0) {
    CHECK(!"cannot redirect");
    return;
  }
  dup2(fd, 1);
  dup2(fd, 2);
  gk_error err;
  gk_figure *f = gallery_figure(600, 400);
  int rc1 = f ? gk_figure_save(f, OUTDIR "/q.png", &err) : -1;
  int rc2 = f ? gk_figure_save(f, OUTDIR "/q.pdf", &err) : -1;
  int rc3 = f ? gk_figure_save(f, OUTDIR "/q.svg", &err) : -1;
  gk_figure_free(f);
  fflush(stdout);
  fflush(stderr);
  dup2(so, 1);
  dup2(se, 2);
  close(so);
  close(se);
  close(fd);
  CHECK_INT(rc1, GK_OK);
  CHECK_INT(rc2, GK_OK);
  CHECK_INT(rc3, GK_OK);
  CHECK_INT(file_size(OUTDIR "/captured.txt"), 0);
}


/* Size presets: the page is the printed size, PNG at the dpi asked for,
 * text at the font size asked for; the caller's figure is not changed. */
static void test_style_presets(void)
{
  gk_error err;
  gk_figure *f = gallery_figure(1200, 800);
  gk_plot_style st;
  gk_plot_style_init(&st);
  CHECK_INT(gk_plot_style_preset(&st, "nonsense"), GK_EUSAGE);
  CHECK_INT(gk_plot_style_preset(&st, "single"), GK_OK);
  CHECK(fabs(st.width_cm - 8.5) < 1e-12 && st.font_pt >= 7 && st.font_pt <= 9);
  CHECK_INT(gk_plot_style_preset(&st, "double"), GK_OK);
  CHECK(fabs(st.width_cm - 17.8) < 1e-12);
  CHECK_INT(gk_plot_style_preset(&st, "single"), GK_OK);
  CHECK_INT(gk_plot_set_style(&st), GK_OK);
  CHECK_INT(gk_figure_save(f, OUTDIR "/single.svg", &err), GK_OK);
  char *svg = file_text(OUTDIR "/single.svg");
  /* 8.5 cm = 240.9 pt */
  CHECK(svg && strstr(svg, "width=\"241pt\""));
  free(svg);
  CHECK_INT(gk_figure_save(f, OUTDIR "/single.png", &err), GK_OK);
  unsigned char h[64];
  CHECK(file_head(OUTDIR "/single.png", h, 24) == 24);
  CHECK_INT(be32(h + 16), 1004); /* 8.5 cm at 300 dpi */
  st.dpi = 600;
  st.font_pt = 9;
  CHECK_INT(gk_plot_set_style(&st), GK_OK);
  CHECK_INT(gk_figure_save(f, OUTDIR "/single600.png", &err), GK_OK);
  CHECK(file_head(OUTDIR "/single600.png", h, 24) == 24);
  CHECK_INT(be32(h + 16), 2008);
  CHECK_INT(gk_figure_save(f, OUTDIR "/single9.svg", &err), GK_OK);
  svg = file_text(OUTDIR "/single9.svg");
  CHECK(svg && strstr(svg, "font-size=\"9\""));
  free(svg);
  CHECK_INT(gk_plot_set_style(NULL), GK_OK);
  /* back to the defaults: PNG at the figure's pixel size */
  CHECK_INT(gk_figure_save(f, OUTDIR "/screen.png", &err), GK_OK);
  CHECK(file_head(OUTDIR "/screen.png", h, 24) == 24);
  CHECK_INT(be32(h + 16), 1200);
  gk_figure_free(f);
}

/* Engineering units: a time axis in s with data up to 50 ns reads ns; the
 * CSV of --plot-data keeps the caller's numbers. */
static void test_engineering_units(void)
{
  gk_error err;
  gk_figure *f = gk_figure_new(1, 1, 800, 600, NULL);
  gk_panel *p = gk_figure_panel(f, 0);
  double t[3] = {0, 25e-9, 50e-9}, y[3] = {1, 2, 3};
  gk_panel_labels(p, "time (s)", "signal (a.u.)", NULL);
  CHECK_INT(gk_panel_add(p, t, y, NULL, 3, GK_STYLE_LINE, GK_AUTO, NULL), GK_OK);
  gk_plot_style st;
  gk_plot_style_init(&st);
  st.data_path = OUTDIR "/eng.csv";
  CHECK_INT(gk_plot_set_style(&st), GK_OK);
  CHECK_INT(gk_figure_save(f, OUTDIR "/eng.svg", &err), GK_OK);
  CHECK_INT(gk_plot_set_style(NULL), GK_OK);
  char *svg = file_text(OUTDIR "/eng.svg");
  /* "ns" = &#x6e;&#x73; in the svg driver's character references */
  CHECK(svg && strstr(svg, "&#x28;&#x6e;&#x73;&#x29;"));
  /* the tick labels are 0..50, not 0..5e-8 */
  CHECK(svg && strstr(svg, ">&#x35;&#x30;</tspan>"));
  free(svg);
  char *csv = file_text(OUTDIR "/eng.csv");
  CHECK(csv && strstr(csv, "panel,item,label,kind,x,y,err_or_z"));
  CHECK(csv && strstr(csv, "1,1,\"\",series,5e-08,3,"));
  CHECK(csv && !strstr(csv, "nan"));
  free(csv);
  /* (the CSV is written after drawing: the caller's figure kept its numbers) */
  gk_figure_free(f);
}

/* A log axis fits the data: 4..250 does not become 1..1000 */
static void test_log_axis_fits(void)
{
  gk_error err;
  gk_figure *f = gk_figure_new(1, 1, 800, 600, NULL);
  gk_panel *p = gk_figure_panel(f, 0);
  double x[3] = {4, 30, 250}, y[3] = {1, 2, 3};
  gk_panel_labels(p, "pump (uJ/cm2)", "signal", NULL);
  gk_panel_log(p, 1, 0);
  CHECK_INT(gk_panel_add(p, x, y, NULL, 3, GK_STYLE_POINTS, GK_AUTO, NULL), GK_OK);
  CHECK_INT(gk_figure_save(f, OUTDIR "/logfit.svg", &err), GK_OK);
  char *svg = file_text(OUTDIR "/logfit.svg");
  /* the tick labels 10 and 10^2 but not 1 or 10^3 */
  CHECK(svg && strstr(svg, ">&#x31;&#x30;</tspan>"));
  CHECK(svg && !strstr(svg, "&#xb3;"));
  free(svg);
  gk_figure_free(f);
}

int main(void)
{
  clean_outdir(); /* the outputs stay afterwards, for a look */
  RUN(test_text);
  RUN(test_ext);
  RUN(test_formats);
  RUN(test_errors);
  RUN(test_api_errors);
  RUN(test_degenerate);
  RUN(test_skipping);
  RUN(test_quiet);
  RUN(test_style_presets);
  RUN(test_engineering_units);
  RUN(test_log_axis_fits);
  return gk_test_summary();
}
