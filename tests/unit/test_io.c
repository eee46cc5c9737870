/* gainkit/io.h: the checks on spectra (clipping, offsets), matrix
 * orientation, vendor detection, and many files into one pump series
 * (pumps from names, exposure normalisation, duplicates, dark). Values are
 * built here so every expectation is computed independently of the code. */
#include "gk_test.h"
#include "gainkit/gainkit.h"
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

static char dir[256];

static const char *put(const char *name, const char *content)
{
  static char path[8][512];
  static int k;
  k = (k + 1) % 8;
  snprintf(path[k], sizeof path[k], "%s/%s", dir, name);
  FILE *f = fopen(path[k], "wb");
  if (!f) { perror(path[k]); exit(1); }
  fwrite(content, 1, strlen(content), f);
  fclose(f);
  return path[k];
}

static void test_clipped(void)
{
  double y[20], lev;
  size_t cnt;
  for (int i = 0; i < 20; i++) y[i] = 1000 + 100 * i;
  CHECK_INT(gk_io_clipped(y, 20, &lev, &cnt), 0);
  y[9] = y[10] = 65535;
  CHECK_INT(gk_io_clipped(y, 20, &lev, &cnt), 1);  /* 2^16 - 1 twice */
  CHECK_CLOSE(lev, 65535, 0);
  CHECK_INT((int)cnt, 2);
  y[9] = 4000;
  CHECK_INT(gk_io_clipped(y, 20, &lev, &cnt), 0);  /* reached once: a peak */
  for (int i = 0; i < 20; i++) y[i] = i < 5 ? i : 5000;  /* flat top, any level */
  CHECK_INT(gk_io_clipped(y, 20, &lev, &cnt), 1);
  y[10] = 4095; y[11] = 4095;
  for (int i = 12; i < 20; i++) y[i] = 10;
  for (int i = 5; i < 10; i++) y[i] = 100;
  CHECK_INT(gk_io_clipped(y, 20, &lev, &cnt), 1);  /* 12-bit ceiling */
}

static void test_offset(void)
{
  enum { N = 201 };
  double wl[N], y[N], lev, noise;
  int sig;
  for (int i = 0; i < N; i++) {
    wl[i] = 480 + 0.5 * i;
    /* Gaussian of height 1000, sigma 8 nm at 530, plus 50 and a +-1 ripple */
    y[i] = 1000 * exp(-0.5 * pow((wl[i] - 530) / 8, 2)) + 50 + ((i % 2) ? 1 : -1);
  }
  gk_io_offset(wl, y, N, &lev, &noise, &sig);
  CHECK_ABS(lev, 50, 0.2);
  CHECK_INT(sig, 1);  /* 50 x 100 nm vs 20053: 25% of the integral */
  for (int i = 0; i < N; i++) y[i] -= 50;
  gk_io_offset(wl, y, N, &lev, &noise, &sig);
  CHECK_INT(sig, 0);
  /* a one-sided wing is not a background */
  for (int i = 0; i < N; i++) y[i] = 1000 * exp(-0.5 * pow((wl[i] - 500) / 20, 2));
  gk_io_offset(wl, y, N, &lev, &noise, &sig);
  CHECK_INT(sig, 0);
  /* series: edge level = 30 + 2 P (a wing growing with P, on a dark of 30) */
  double z[N * 4], pump[4] = {1, 2, 4, 8};
  for (int i = 0; i < N; i++)
    for (int j = 0; j < 4; j++)
      z[i * 4 + j] = pump[j] * (100 * exp(-0.5 * pow((wl[i] - 530) / 8, 2)) + 2) + 30;
  gk_io_offset_series(wl, z, N, 4, pump, &lev, &sig);
  CHECK_ABS(lev, 30, 0.3);
  CHECK_INT(sig, 1);
  for (int k = 0; k < N * 4; k++) z[k] -= 30;
  gk_io_offset_series(wl, z, N, 4, pump, &lev, &sig);
  CHECK_ABS(lev, 0, 0.3);
  CHECK_INT(sig, 0);
  /* VSL: I = 10 (L + L^2) + 7 at L = 0.1..0.6: the line through the first
   * four points meets L = 0 at 7 - 10 * 0.1 * 0.2 ... computed: */
  double L[6], I[6];
  for (int i = 0; i < 6; i++) { L[i] = 0.1 * (i + 1); I[i] = 10 * L[i] + 7; }
  gk_io_offset_vsl(L, I, 6, &lev, &sig);
  CHECK_ABS(lev, 7, 1e-9);  /* exact on a straight line */
  CHECK_INT(sig, 1);
}

static void test_orientation(void)
{
  /* 12 wavelengths x 3 pumps, written one spectrum per row */
  char buf[4096];
  size_t n = 0;
  n += (size_t)snprintf(buf + n, sizeof buf - n, "pump (uJ/cm2) \\ wavelength (nm)");
  for (int i = 0; i < 12; i++) n += (size_t)snprintf(buf + n, sizeof buf - n, ",%d", 500 + 5 * i);
  for (int j = 1; j <= 3; j++) {
    n += (size_t)snprintf(buf + n, sizeof buf - n, "\n%d", 10 * j);
    for (int i = 0; i < 12; i++) n += (size_t)snprintf(buf + n, sizeof buf - n, ",%d", 100 * j + i);
  }
  snprintf(buf + n, sizeof buf - n, "\n");
  const char *p = put("t.csv", buf);
  gk_matrix m;
  gk_error e;
  gk_error_clear(&e);
  gk_matrix_options mo = {.orientation = GK_ORIENT_DETECT};
  CHECK_INT(gk_matrix_read(p, &mo, &m, &e), GK_OK);
  if (m.z) {
    CHECK_INT((int)m.nrow, 12);
    CHECK_INT((int)m.ncol, 3);
    CHECK_INT(m.transposed, 1);
    CHECK(strstr(m.note, "read transposed") != NULL);
    CHECK_CLOSE(m.row[11], 555, 0);
    CHECK_CLOSE(m.col[2], 30, 0);
    CHECK_CLOSE(m.z[11 * 3 + 2], 311, 0);  /* wavelength 555, pump 30 */
    CHECK_STR(m.col_unit_in, "uJ/cm2");
    gk_matrix_free(&m);
  }
  /* as written (the old reading), the corner names a fluence for the rows */
  mo.orientation = GK_ORIENT_AS_WRITTEN;
  CHECK_INT(gk_matrix_read(p, &mo, &m, &e), GK_EINPUT);
  /* forced transposed reads the same as detected */
  mo.orientation = GK_ORIENT_TRANSPOSED;
  CHECK_INT(gk_matrix_read(p, &mo, &m, &e), GK_OK);
  if (m.z) { CHECK_CLOSE(m.z[11 * 3 + 2], 311, 0); CHECK(m.note[0] == 0); gk_matrix_free(&m); }
  /* header-less: refused */
  const char *q = put("h.csv", "500,1,5,2\n510,2,6,3\n520,3,7,4\n");
  mo.orientation = GK_ORIENT_DETECT;
  CHECK_INT(gk_matrix_read(q, &mo, &m, &e), GK_EINPUT);
  CHECK(strstr(e.msg, "header row is missing") != NULL);
  CHECK_INT((int)e.line, 1);
  /* ambiguous: 4 x 4 wavelengths both ways */
  const char *a = put("a.csv", "x,500,510,520,530\n600,1,2,3,4\n610,1,2,3,4\n620,1,2,3,4\n630,1,2,3,4\n");
  CHECK_INT(gk_matrix_read(a, &mo, &m, &e), GK_EINPUT);
  CHECK(strstr(e.msg, "ambiguous") != NULL);
}

static void test_detect(void)
{
  static const struct { const char *name, *text, *fmt; } c[] = {
      {"o.txt", "Date: x\r\n>>>>>Begin Spectral Data<<<<<\r\n500\t1\r\n501\t2\r\n502\t3\r\n", "ocean"},
      {"a.ttt", "Wave;Sample\n[nm];[counts]\n\n500;1\n501;2\n502;3\n", "avantes"},
      {"n.asc", "500,1\n501,2\n502,3\n\nExposure Time (secs):1\n", "andor"},
      {"l.csv", "Frame,Row,Column,Wavelength,Intensity\n1,0,0,500,1\n1,0,1,501,2\n1,0,2,502,3\n", "lightfield"},
      {"s.txt", "#Acq. time (s)=\t1\n500\t1\n501\t2\n502\t3\n", "labspec"},
      {"g.csv", "Wavelength,Intensity\nnm,a.u.\n500,1\n501,2\n502,3\n", "origin"},
      {"c.csv", "\xef\xbb\xbfwl (nm),I,,\r\n500,1,,\r\n501,2,,\r\n502,3,,\r\n", "csv"},
  };
  for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
    char fmt[16] = "";
    gk_error e;
    CHECK_INT(gk_io_detect(put(c[i].name, c[i].text), NULL, fmt, sizeof fmt, &e), GK_OK);
    CHECK_STR(fmt, c[i].fmt);
    gk_specset s;
    CHECK_INT(gk_io_read(put(c[i].name, c[i].text), NULL, &s, &e), GK_OK);
    if (s.y) {
      CHECK_INT((int)s.nwl, 3);
      CHECK_CLOSE(s.y[2], 3, 0);
      CHECK_CLOSE(s.wl[0], 500, 0);
      gk_specset_free(&s);
    }
  }
}

static const char *ocean(const char *name, double itime, double scale)
{
  char buf[2048];
  size_t n = (size_t)snprintf(buf, sizeof buf, "Integration Time (sec): %g\r\n>>>>>Begin Spectral Data<<<<<\r\n", itime);
  for (int i = 0; i < 20; i++)
    n += (size_t)snprintf(buf + n, sizeof buf - n, "%d\t%g\r\n", 500 + i, scale * (100 + i));
  return put(name, buf);
}

static void test_assemble(void)
{
  /* pumps from names; the 20uJ file has twice the integration time and
   * twice the counts: normalised, it equals the 10uJ one scaled by 1 */
  const char *f[3];
  f[0] = ocean("s_10uJ.txt", 0.1, 1);
  f[1] = ocean("s_20uJ.txt", 0.2, 2);
  f[2] = ocean("s_5uJ.txt", 0.1, 0.5);
  gk_assemble_options o = {.pump_from_name = 1};
  gk_matrix m;
  gk_notes notes = {0};
  gk_error e;
  gk_error_clear(&e);
  CHECK_INT(gk_io_assemble(f, 3, &o, &m, &notes, &e), GK_OK);
  if (m.z) {
    CHECK_INT((int)m.ncol, 3);
    CHECK_CLOSE(m.col[0], 5, 0);
    CHECK_CLOSE(m.col[2], 20, 0);
    CHECK_STR(m.col_unit_in, "uJ");
    CHECK_CLOSE(m.z[0 * 3 + 2], 100, 1e-12);  /* 200 counts at 0.2 s -> 100 at 0.1 s */
    CHECK_CLOSE(m.z[19 * 3 + 0], 59.5, 1e-12);
    int said = 0;
    for (size_t k = 0; k < notes.n; k++) said |= strstr(notes.msg[k], "scaled") != NULL;
    CHECK(said);
    CHECK(gk_meta_get(&m.meta, "file1.integration_time_s") != NULL);
    gk_matrix_free(&m);
  }
  gk_notes_free(&notes);
  /* no normalisation */
  o.no_normalise = 1;
  CHECK_INT(gk_io_assemble(f, 3, &o, &m, &notes, &e), GK_OK);
  if (m.z) { CHECK_CLOSE(m.z[0 * 3 + 2], 200, 1e-12); gk_matrix_free(&m); }
  gk_notes_free(&notes);
  /* duplicates: averaged, or refused */
  const char *g[2] = {ocean("d_10uJ.txt", 0.1, 1), ocean("e_10uJ.txt", 0.1, 3)};
  gk_assemble_options d = {.pump_from_name = 1};
  CHECK_INT(gk_io_assemble(g, 2, &d, &m, &notes, &e), GK_OK);
  if (m.z) { CHECK_INT((int)m.ncol, 1); CHECK_CLOSE(m.z[0], 200, 1e-12); gk_matrix_free(&m); }
  gk_notes_free(&notes);
  d.duplicates = GK_DUP_REFUSE;
  CHECK_INT(gk_io_assemble(g, 2, &d, &m, &notes, &e), GK_EINPUT);
  gk_notes_free(&notes);
  /* dark, pumps from a list (file order) */
  double pumps[2] = {7, 3};
  gk_assemble_options l = {.pumps = pumps, .npumps = 2, .pump_unit = "mJ/cm2", .dark = ocean("dark.txt", 0.1, 0.5)};
  CHECK_INT(gk_io_assemble(g, 2, &l, &m, &notes, &e), GK_OK);
  if (m.z) {
    CHECK_CLOSE(m.col[0], 3, 0);
    CHECK_CLOSE(m.z[0 * 2 + 0], 300 - 50, 1e-12);  /* e_10uJ (x3) is pump 3 */
    CHECK_CLOSE(m.z[0 * 2 + 1], 100 - 50, 1e-12);
    CHECK_STR(m.col_unit_in, "mJ/cm2");
    gk_matrix_free(&m);
  }
  gk_notes_free(&notes);
  /* a dark recorded at another exposure is scaled to each file's
   * exposure: files at 0.1 s and 0.2 s, dark at 0.05 s with 20 counts ->
   * 40 counts subtracted at 0.1 s, 80 at 0.2 s; then the 0.2 s file is
   * normalised to 0.1 s. Sample counts at 500 nm: 100 (0.1 s) and 400
   * (0.2 s, scale 4 = 2 x the signal rate). */
  {
    const char *x[2] = {ocean("x_10uJ.txt", 0.1, 1), ocean("x_20uJ.txt", 0.2, 4)};
    gk_assemble_options k = {.pump_from_name = 1, .dark = ocean("xdark.txt", 0.05, 0.2)};
    CHECK_INT(gk_io_assemble(x, 2, &k, &m, &notes, &e), GK_OK);
    if (m.z) {
      CHECK_CLOSE(m.z[0 * 2 + 0], 100 - 40, 1e-12);
      CHECK_CLOSE(m.z[0 * 2 + 1], (400 - 80) / 2.0, 1e-12);
      /* at 519 nm: dark 0.2*119 = 23.8 per 0.05 s */
      CHECK_CLOSE(m.z[19 * 2 + 1], (4 * 119 - 4 * 23.8) / 2.0, 1e-12);
      int said = 0;
      for (size_t q = 0; q < notes.n; q++)
        said |= strstr(notes.msg[q], "dark was scaled to each file's exposure") != NULL &&
                strstr(notes.msg[q], "factors 2 to 4") != NULL;
      CHECK(said);
      gk_matrix_free(&m);
    }
    gk_notes_free(&notes);
    /* no_normalise: the dark as read (and said) */
    k.no_normalise = 1;
    CHECK_INT(gk_io_assemble(x, 2, &k, &m, &notes, &e), GK_OK);
    if (m.z) {
      CHECK_CLOSE(m.z[0 * 2 + 0], 100 - 20, 1e-12);
      CHECK_CLOSE(m.z[0 * 2 + 1], 400 - 20, 1e-12);
      int said = 0;
      for (size_t q = 0; q < notes.n; q++) said |= strstr(notes.msg[q], "dark subtracted as read") != NULL;
      CHECK(said);
      gk_matrix_free(&m);
    }
    gk_notes_free(&notes);
  }
  /* 12p5 in a name is 12.5 */
  const char *h[1] = {ocean("f_12p5uJ.txt", 0.1, 1)};
  CHECK_INT(gk_io_assemble(h, 1, &d, &m, &notes, &e), GK_OK);
  if (m.z) { CHECK_CLOSE(m.col[0], 12.5, 0); gk_matrix_free(&m); }
  gk_notes_free(&notes);
}

/* plausibility of data columns: inside -> no note; outside -> one note
 * naming file:line, column, value in the unit read, and the unit that
 * brings the column into range */
static void test_plausible(void)
{
  gk_notes n = {0};
  double wl[3] = {400, 500, 600};
  CHECK_INT(gk_plausible_column(GK_PLAUS_WAVELENGTH, wl, 3, 1, "nm", "f.csv", 2, "wavelength", &n), 0);
  CHECK_INT((int)n.n, 0);
  /* micrometres read as nm: 0.4..0.6 nm */
  double um[3] = {0.4, 0.5, 0.6};
  CHECK_INT(gk_plausible_column(GK_PLAUS_WAVELENGTH, um, 3, 1, "nm", "f.csv", 2, "wavelength", &n), 1);
  CHECK((int)n.n == 1 && strstr(n.msg[0], "f.csv:2: column 'wavelength': 0.4 nm is outside") &&
        strstr(n.msg[0], "did you mean um?"));
  gk_notes_free(&n);
  /* stripe lengths 1..8 cm read in cm (really mm): 8 cm is out, mm fits */
  double L[4] = {1, 2, 4, 8};
  CHECK_INT(gk_plausible_column(GK_PLAUS_LENGTH, L, 4, 1, "cm", "v.csv", 3, "L", &n), 1);
  CHECK(n.n == 1 && strstr(n.msg[0], "8 cm is outside") && strstr(n.msg[0], "did you mean mm?"));
  gk_notes_free(&n);
  /* stride: every second value (a row-major table) */
  double tab[6] = {0.01, 99, 0.02, 99, 0.05, 99};
  CHECK_INT(gk_plausible_column(GK_PLAUS_LENGTH, tab, 3, 2, NULL, NULL, 0, NULL, &n), 0);
  /* fluence: 5..80 given in J/cm2 (really uJ/cm2); values in J/cm2 */
  double F[3] = {5, 20, 80};
  CHECK_INT(gk_plausible_column(GK_PLAUS_FLUENCE, F, 3, 1, "J/cm2", "p.csv", 0, "pump", &n), 1);
  CHECK(n.n == 1 && strstr(n.msg[0], "p.csv: column 'pump': 80 J/cm2") && strstr(n.msg[0], "did you mean uJ/cm2?"));
  gk_notes_free(&n);
  /* times: the largest |t|; -2..590 "s" (really ps or ns) */
  double t[3] = {-2, 0, 590};
  CHECK_INT(gk_plausible_column(GK_PLAUS_TIME, t, 3, 1, "s", "k.csv", 2, "t", &n), 1);
  CHECK(n.n == 1 && strstr(n.msg[0], "590 s is outside"));
  gk_notes_free(&n);
  double tp[2] = {0, 5e-10}; /* 500 ps in s: fine */
  CHECK_INT(gk_plausible_column(GK_PLAUS_TIME, tp, 2, 1, "ps", "k.csv", 2, "t", &n), 0);
  /* non-finite and non-positive values are ignored (lengths, fluences) */
  double z[3] = {0, NAN, 0.1};
  CHECK_INT(gk_plausible_column(GK_PLAUS_LENGTH, z, 3, 1, "cm", NULL, 0, NULL, &n), 0);
  CHECK_INT((int)n.n, 0);
}

int main(void)
{
  snprintf(dir, sizeof dir, "%s/gk-test-io.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
  RUN(test_clipped);
  RUN(test_offset);
  RUN(test_orientation);
  RUN(test_detect);
  RUN(test_assemble);
  RUN(test_plausible);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) { /* leftover temp dir is harmless */ }
  return gk_test_summary();
}
