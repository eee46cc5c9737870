/* Many files, one pump series: gk_io_assemble (see gainkit/io.h). */
#define _GNU_SOURCE
#include "vendor.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *base_name(const char *p)
{
  const char *s = strrchr(p, '/');
  return s ? s + 1 : p;
}

static int cmp_str(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct plist { char **p; size_t n, cap; } plist;

static int plist_add(plist *l, const char *s)
{
  if (l->n == l->cap) {
    size_t nc = l->cap ? 2 * l->cap : 32;
    char **np = realloc(l->p, nc * sizeof *np);
    if (!np) return -1;
    l->p = np;
    l->cap = nc;
  }
  if (!(l->p[l->n] = strdup(s))) return -1;
  l->n++;
  return 0;
}

static void plist_free(plist *l)
{
  for (size_t i = 0; i < l->n; i++) free(l->p[i]);
  free(l->p);
  memset(l, 0, sizeof *l);
}

/* Paths, with every directory replaced by its regular files (sorted by
 * name; hidden files, the pumps file and the dark file left out). */
static int expand(const char *const *paths, size_t n, const gk_assemble_options *o, plist *out,
                  gk_notes *notes, gk_error *err)
{
  for (size_t i = 0; i < n; i++) {
    struct stat st;
    if (stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode)) {
      DIR *d = opendir(paths[i]);
      if (!d) return gk_error_set(err, GK_EIO, paths[i], 0, "cannot open directory: %s", strerror(errno));
      plist dl = {0};
      struct dirent *e;
      while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char *full;
        if (asprintf(&full, "%s/%s", paths[i], e->d_name) < 0) { closedir(d); plist_free(&dl); return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory"); }
        struct stat fs;
        int keep = stat(full, &fs) == 0 && S_ISREG(fs.st_mode);
        if (keep && o->pumps_file && !strcmp(base_name(o->pumps_file), e->d_name)) keep = 0;
        if (keep && o->dark && !strcmp(base_name(o->dark), e->d_name)) keep = 0;
        if (keep && plist_add(&dl, full) < 0) { free(full); closedir(d); plist_free(&dl); return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory"); }
        free(full);
      }
      closedir(d);
      if (!dl.n) { plist_free(&dl); return gk_error_set(err, GK_EINPUT, paths[i], 0, "directory holds no data files"); }
      qsort(dl.p, dl.n, sizeof *dl.p, cmp_str);
      gk_notes_add(notes, "%s: %zu files", paths[i], dl.n);
      for (size_t k = 0; k < dl.n; k++)
        if (plist_add(out, dl.p[k]) < 0) { plist_free(&dl); return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory"); }
      plist_free(&dl);
    } else if (plist_add(out, paths[i]) < 0)
      return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  }
  return GK_OK;
}

/* The pump in a file name: the last number in the name (extension left
 * out), with the letters right after it as its unit: "film1_40uJ.txt" ->
 * 40 "uJ"; "12p5uJ" reads 12.5 ("p" as the decimal point). */
static int pump_from_name(const char *path, double *v, char *unit, size_t usize)
{
  char b[256];
  snprintf(b, sizeof b, "%s", base_name(path));
  char *dot = strrchr(b, '.');
  if (dot && dot != b) *dot = '\0';
  char *last = NULL;
  for (char *p = b; *p; p++)
    if (isdigit((unsigned char)*p) && (p == b || !isdigit((unsigned char)p[-1])) &&
        (p == b || p[-1] != '.' || p - 1 == b || !isdigit((unsigned char)p[-2])) &&
        (p == b || p[-1] != 'p' || p - 1 == b || !isdigit((unsigned char)p[-2])))
      last = p;
  if (!last) return -1;
  char num[64];
  size_t k = 0;
  char *p = last;
  while (k + 1 < sizeof num && (isdigit((unsigned char)*p) ||
                                ((*p == '.' || *p == 'p') && isdigit((unsigned char)p[1]) && !strchr(num, '.')))) {
    num[k++] = *p == 'p' ? '.' : *p;
    num[k] = '\0';
    p++;
  }
  num[k] = '\0';
  if (gk_parse_number(num, v, NULL) != GK_OK) return -1;
  size_t u = 0;
  while (*p && *p != '_' && *p != '-' && *p != ' ' && u + 1 < usize) unit[u++] = *p++;
  unit[u] = '\0';
  return 0;
}

/* Sidecar: "file, pump (unit)" header, then one row per file. */
static int read_pumps_file(const char *path, const gk_read_options *ro, plist *names, double **pv,
                           char *unit, size_t usize, long **lines, gk_error *err)
{
  io_text t;
  int rc = io_text_load(path, ro, &t, err);
  if (rc) { io_text_free(&t); return rc; }
  char **cells = NULL;
  size_t cap = 0, nc = 0, n = 0, vcap = 0;
  int header = 0;
  for (size_t i = 0; i < t.n && rc == GK_OK; i++) {
    char *s = t.l[i].s;
    if (!*s || *s == '#') continue;
    char d = io_delim(s);
    int sc = io_split(s, d, 1, &cells, &cap, &nc);
    if (sc < 0) { rc = io_split_fail(sc, err, path, t.l[i].no); break; }
    if (nc != 2) { rc = gk_error_set(err, GK_EINPUT, path, t.l[i].no, "%zu cells; expected 2 (file name, pump)", nc); break; }
    double v;
    gk_error e;
    if (gk_parse_number(cells[1], &v, &e) != GK_OK) {
      if (!header && !names->n) {
        char nm[64];
        gk_header_split(cells[1], nm, sizeof nm, unit, usize);
        header = 1;
        continue;
      }
      rc = gk_error_set(err, GK_EINPUT, path, t.l[i].no, "column 2: %s", e.msg);
      break;
    }
    if (!(v > 0)) { rc = gk_error_set(err, GK_EINPUT, path, t.l[i].no, "pump %g is not positive", v); break; }
    if (n == vcap) {
      vcap = vcap ? 2 * vcap : 32;
      double *nv = realloc(*pv, vcap * sizeof *nv);
      long *nl = nv ? realloc(*lines, vcap * sizeof *nl) : NULL;
      if (nv) *pv = nv;
      if (!nv || !nl) { rc = gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory"); break; }
      *lines = nl;
    }
    (*pv)[n] = v;
    (*lines)[n] = t.l[i].no;
    n++;
    if (plist_add(names, cells[0]) < 0) rc = gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  }
  if (rc == GK_OK && !n) rc = gk_error_set(err, GK_EINPUT, path, t.n ? t.l[t.n - 1].no : 1, "no pumps in the file");
  free(cells);
  io_text_free(&t);
  return rc;
}

typedef struct entry {
  size_t file, spec;     /* index of the file and of the spectrum in it */
  double pump;
  double scale;          /* exposure normalisation */
} entry;

static int cmp_entry(const void *a, const void *b)
{
  const entry *p = a, *q = b;
  if (p->pump != q->pump) return p->pump < q->pump ? -1 : 1;
  return p->file < q->file ? -1 : p->file > q->file;
}

static double exposure(const gk_meta *m)
{
  const char *t = gk_meta_get(m, "integration_time_s");
  if (!t) return NAN;
  double v = atof(t);
  const char *a = gk_meta_get(m, "accumulations"), *s = gk_meta_get(m, "accumulations_summed");
  if (a && s && !strcmp(s, "1")) v *= atof(a);
  return v > 0 ? v : NAN;
}

static int same_axis(const gk_specset *a, const gk_specset *b, gk_error *err)
{
  if (a->nwl != b->nwl)
    return gk_error_set(err, GK_EINPUT, b->path, b->data_line,
                        "%zu wavelengths, but %s has %zu: the files must share one wavelength axis",
                        b->nwl, a->path, a->nwl);
  for (size_t i = 0; i < a->nwl; i++)
    if (fabs(a->wl[i] - b->wl[i]) > 1e-6 * a->wl[i])
      return gk_error_set(err, GK_EINPUT, b->path, b->line[i],
                          "wavelength %.10g nm differs from %.10g nm in %s (line %ld): the files "
                          "must share one wavelength axis",
                          b->wl[i], a->wl[i], a->path, a->line[i]);
  return GK_OK;
}

static void clip_notes(const char *path, const double *y, size_t nwl, double pump, const char *unit,
                       gk_notes *notes)
{
  double lev;
  size_t cnt;
  if (gk_io_clipped(y, nwl, &lev, &cnt))
    gk_notes_add(notes,
                 "%s (pump %g %s): clipped: %zu samples at the maximum %g counts, the detector "
                 "saturated; its peak and integral are too low",
                 base_name(path), pump, unit, cnt, lev);
}

static int matrix_path(const char *path, const gk_assemble_options *o, gk_matrix *m,
                       gk_notes *notes, gk_error *err)
{
  gk_matrix_options mo = {.read = o->io.read, .col_kind = GK_XKIND_PLAIN,
                          .require_increasing_rows = 1, .min_rows = 3,
                          .orientation = o->transpose ? GK_ORIENT_TRANSPOSED : GK_ORIENT_DETECT};
  int rc = gk_matrix_read(path, &mo, m, err);
  if (rc) return rc;
  if (m->note[0]) gk_notes_add(notes, "%s: %s", base_name(path), m->note);
  double *y = malloc(m->nrow * sizeof *y);
  if (!y) return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  for (size_t j = 0; j < m->ncol; j++) {
    for (size_t i = 0; i < m->nrow; i++) y[i] = m->z[i * m->ncol + j];
    clip_notes(path, y, m->nrow, m->col[j], m->col_unit_in, notes);
  }
  free(y);
  if (o->dark) {
    gk_specset d;
    if ((rc = gk_io_read(o->dark, &o->io, &d, err))) return rc;
    int bad = d.nspec != 1 || d.nwl != m->nrow;
    int rev = m->nrow > 1 && m->row[1] < m->row[0];
    for (size_t i = 0; !bad && i < m->nrow; i++) {
      size_t k = rev ? m->nrow - 1 - i : i;
      bad = fabs(d.wl[i] - m->row[k]) > 1e-6 * m->row[k];
    }
    if (bad) {
      rc = gk_error_set(err, GK_EINPUT, o->dark, d.data_line,
                        "the dark spectrum (%zu spectra of %zu wavelengths) does not match the "
                        "%zu wavelengths of %s",
                        d.nspec, d.nwl, m->nrow, path);
      gk_specset_free(&d);
      return rc;
    }
    for (size_t i = 0; i < m->nrow; i++) {
      size_t k = rev ? m->nrow - 1 - i : i;
      for (size_t j = 0; j < m->ncol; j++) m->z[k * m->ncol + j] -= d.y[i];
    }
    gk_notes_add(notes, "dark spectrum %s subtracted", base_name(o->dark));
    gk_specset_free(&d);
  }
  return GK_OK;
}

/* Fluence pumps (columns) outside what a lab measures: a note naming the
 * value and the likely unit. */
static void plausible_matrix(const gk_matrix *m, gk_notes *notes)
{
  double f = 1;
  double *v = malloc((m->ncol ? m->ncol : 1) * sizeof *v);
  if (!v) return;
  /* (the wavelength axis: the readers note one outside 200-3000 nm, and
   * the orientation of a matrix is only accepted with one inside) */
  const char *cu = m->col_unit_in;
  if (*cu && gk_unit_factor(cu, "J/cm2", &f, NULL) == GK_OK) {
    for (size_t j = 0; j < m->ncol; j++) v[j] = m->col[j] * f;
    gk_plausible_column(GK_PLAUS_FLUENCE, v, m->ncol, 1, cu, m->path, 0, "pump", notes);
  }
  free(v);
}

int gk_io_assemble(const char *const *paths, size_t n, const gk_assemble_options *o, gk_matrix *m,
                   gk_notes *notes, gk_error *err)
{
  memset(m, 0, sizeof *m);
  if (!n) return gk_error_set(err, GK_EUSAGE, NULL, 0, "no input files");
  int have_pumps = o->npumps || o->pumps_file || o->pump_from_name;
  plist files = {0}, pnames = {0};
  gk_specset *set = NULL, dark = {0};
  entry *en = NULL;
  double *pfv = NULL;
  long *pfl = NULL;
  int rc = expand(paths, n, o, &files, notes, err);
  if (rc) goto out;
  if (files.n == 1 && !have_pumps) {
    char fmt[16];
    if ((rc = gk_io_detect(files.p[0], &o->io.read, fmt, sizeof fmt, err))) goto out;
    if ((!o->io.format || !strcmp(o->io.format, "auto") || !strcmp(o->io.format, "csv")) &&
        !strcmp(fmt, "csv")) {
      rc = matrix_path(files.p[0], o, m, notes, err);
      goto out;
    }
  }
  if (!(set = calloc(files.n, sizeof *set))) { rc = gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory"); goto out; }
  size_t total = 0;
  for (size_t f = 0; f < files.n; f++) {
    if ((rc = gk_io_read(files.p[f], &o->io, &set[f], err))) goto out;
    for (size_t k = 0; k < set[f].notes.n; k++)
      if (files.n == 1 || strncmp(set[f].notes.msg[k], "read as ", 8))
        gk_notes_add(notes, "%s: %s", base_name(files.p[f]), set[f].notes.msg[k]);
    if (f && (rc = same_axis(&set[0], &set[f], err))) goto out;
    total += set[f].nspec;
  }
  if (files.n > 1) {
    size_t same = 1;
    for (size_t f = 1; f < files.n; f++) same += !strcmp(set[f].format, set[0].format);
    if (same == files.n) gk_notes_add(notes, "%zu files read as %s exports", files.n, set[0].format);
    else gk_notes_add(notes, "%zu files in more than one format (first: %s)", files.n, set[0].format);
  }
  if (!have_pumps) {
    rc = gk_error_set(err, GK_EUSAGE, NULL, 0,
                      "%zu spectra in %zu file(s) but no pumps: give one pump per spectrum (a "
                      "list, a sidecar file, or the pump in each file name)",
                      total, files.n);
    goto out;
  }
  if (!(en = calloc(total, sizeof *en))) { rc = gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory"); goto out; }
  char unit[32] = "";
  snprintf(unit, sizeof unit, "%s", o->pump_unit ? o->pump_unit : "");
  size_t k = 0;
  for (size_t f = 0; f < files.n; f++)
    for (size_t s = 0; s < set[f].nspec; s++) en[k++] = (entry){f, s, NAN, 1};
  if (o->npumps) {
    if (o->npumps != total) {
      rc = gk_error_set(err, GK_EUSAGE, NULL, 0, "pumps: %zu values for %zu spectra (in %zu files)",
                        o->npumps, total, files.n);
      goto out;
    }
    for (size_t i = 0; i < total; i++) en[i].pump = o->pumps[i];
  } else {
    for (size_t f = 0; f < files.n; f++)
      if (set[f].nspec != 1) {
        rc = gk_error_set(err, GK_EINPUT, files.p[f], set[f].data_line,
                          "%zu spectra in one file: pumps by file name or sidecar need one "
                          "spectrum per file (give a list of pumps instead)",
                          set[f].nspec);
        goto out;
      }
    if (o->pumps_file) {
      size_t np;
      if ((rc = read_pumps_file(o->pumps_file, &o->io.read, &pnames, &pfv, unit, sizeof unit, &pfl, err))) goto out;
      np = pnames.n;
      for (size_t f = 0; f < files.n; f++) {
        const char *b = base_name(files.p[f]);
        for (size_t j = 0; j < np; j++)
          if (!strcmp(pnames.p[j], b) || !strcmp(pnames.p[j], files.p[f])) en[f].pump = pfv[j];
        if (isnan(en[f].pump)) {
          rc = gk_error_set(err, GK_EINPUT, o->pumps_file, 0, "no pump for %s (no row names it)", b);
          goto out;
        }
      }
    } else {
      char first_unit[32] = "";
      for (size_t f = 0; f < files.n; f++) {
        char u[32];
        double v;
        if (pump_from_name(files.p[f], &v, u, sizeof u) < 0) {
          rc = gk_error_set(err, GK_EINPUT, files.p[f], 0, "no number in the file name to read the pump from%s", io_stristr(base_name(files.p[f]), "dark") || io_stristr(base_name(files.p[f]), "background") ? " (a dark spectrum? give it as the dark file, which is then left out)" : "");
          goto out;
        }
        if (*u && !gk_unit_valid(u)) *u = '\0';
        double fac = 1;
        if (*u && o->pump_unit && *o->pump_unit) {
          if (gk_unit_factor(u, o->pump_unit, &fac, err) != GK_OK) {
            char why[sizeof err->msg];
            snprintf(why, sizeof why, "%s", err->msg); /* (err->msg is overwritten) */
            rc = gk_error_set(err, GK_EINPUT, files.p[f], 0, "pump unit '%s' in the file name: %s", u, why);
            goto out;
          }
        } else if (*u) {
          if (!*first_unit) snprintf(first_unit, sizeof first_unit, "%s", u);
          if (gk_unit_factor(u, first_unit, &fac, err) != GK_OK) {
            char why[sizeof err->msg];
            snprintf(why, sizeof why, "%s", err->msg); /* (err->msg is overwritten) */
            rc = gk_error_set(err, GK_EINPUT, files.p[f], 0, "pump unit '%s' in the file name: %s", u, why);
            goto out;
          }
        } else if (!(o->pump_unit && *o->pump_unit) && f == files.n - 1 && !*first_unit) {
          /* no unit anywhere: left empty (a.u.) */
        }
        en[f].pump = v * fac;
      }
      if (!*unit) snprintf(unit, sizeof unit, "%s", first_unit);
    }
  }
  for (size_t i = 0; i < total; i++)
    if (!(en[i].pump > 0)) {
      rc = gk_error_set(err, GK_EINPUT, files.p[en[i].file], 0, "pump %g is not positive", en[i].pump);
      goto out;
    }
  /* clipping, on the spectra as recorded */
  for (size_t i = 0; i < total; i++)
    clip_notes(files.p[en[i].file], set[en[i].file].y + en[i].spec * set[0].nwl, set[0].nwl,
               en[i].pump, unit, notes);
  /* dark */
  size_t nwl = set[0].nwl;
  if (o->dark) {
    if ((rc = gk_io_read(o->dark, &o->io, &dark, err))) goto out;
    if (dark.nspec != 1) {
      rc = gk_error_set(err, GK_EINPUT, o->dark, dark.data_line, "%zu spectra; a dark file holds one", dark.nspec);
      goto out;
    }
    if ((rc = same_axis(&set[0], &dark, err))) goto out;
    /* A dark recorded with another exposure (integration time x summed
     * accumulations) is scaled to each file's exposure before it is
     * subtracted: dark counts grow with the exposure. (A pure read-out
     * bias does not; the note says what was done so a user can record the
     * dark at the sample's exposure instead.) no_normalise: as read. */
    double de = exposure(&dark.meta);
    size_t nscaled = 0;
    double smin = INFINITY, smax = -INFINITY;
    for (size_t f = 0; f < files.n; f++) {
      double fe = exposure(&set[f].meta), sc = 1;
      if (isfinite(de) && de > 0 && isfinite(fe) && fe > 0 && fabs(fe - de) > 1e-9 * de) {
        if (o->no_normalise) {
          gk_notes_add(notes, "%s: exposure %g s but the dark's is %g s: dark subtracted as read",
                       base_name(files.p[f]), fe, de);
        } else {
          sc = fe / de;
          nscaled++;
          smin = fmin(smin, sc);
          smax = fmax(smax, sc);
        }
      }
      for (size_t s = 0; s < set[f].nspec; s++)
        for (size_t i = 0; i < nwl; i++) set[f].y[s * nwl + i] -= sc * dark.y[i];
    }
    if (nscaled)
      gk_notes_add(notes,
                   "the dark's exposure (%g s) differs from that of %zu of %zu files: the dark was scaled "
                   "to each file's exposure before subtraction (factors %g to %g)",
                   de, nscaled, files.n, smin, smax);
    double mean = 0;
    for (size_t i = 0; i < nwl; i++) mean += dark.y[i] / (double)nwl;
    gk_notes_add(notes, "dark spectrum %s subtracted (mean %g)", base_name(o->dark), mean);
  }
  /* exposure normalisation */
  {
    double e0 = exposure(&set[0].meta);
    int known = 0, differ = 0;
    for (size_t f = 0; f < files.n; f++) {
      double e = exposure(&set[f].meta);
      known += isfinite(e);
      if (isfinite(e) && isfinite(e0) && fabs(e - e0) > 1e-9 * e0) differ = 1;
    }
    if (differ && known == (int)files.n) {
      if (o->no_normalise)
        gk_notes_add(notes, "exposures differ between files and were not normalised");
      else {
        for (size_t i = 0; i < total; i++) en[i].scale = e0 / exposure(&set[en[i].file].meta);
        gk_notes_add(notes,
                     "exposures (integration time x summed accumulations) differ between files: "
                     "every spectrum scaled to the exposure of %s (%g s)",
                     base_name(files.p[0]), e0);
      }
    } else if (known && known < (int)files.n)
      gk_notes_add(notes, "exposure known for %d of %zu files only: spectra not normalised", known, files.n);
  }
  /* sort, duplicates */
  qsort(en, total, sizeof *en, cmp_entry);
  size_t ncol = 0;
  for (size_t i = 0; i < total; i++)
    if (!i || en[i].pump != en[i - 1].pump) ncol++;
  if (ncol < total) {
    if (o->duplicates == GK_DUP_REFUSE) {
      for (size_t i = 1; i < total; i++)
        if (en[i].pump == en[i - 1].pump) {
          rc = gk_error_set(err, GK_EINPUT, files.p[en[i].file], 0,
                            "pump %g %s also belongs to %s: duplicate pumps are refused", en[i].pump,
                            unit, files.p[en[i - 1].file]);
          goto out;
        }
    }
    gk_notes_add(notes, "%zu spectra share a pump with another: spectra at the same pump averaged (%zu pumps)",
                 total - ncol, ncol);
  }
  m->path = strdup(files.p[0]);
  m->nrow = nwl;
  m->ncol = ncol;
  m->row = malloc(nwl * sizeof *m->row);
  m->col = malloc(ncol * sizeof *m->col);
  m->z = calloc(nwl * ncol, sizeof *m->z);
  m->line = malloc(nwl * sizeof *m->line);
  if (!m->path || !m->row || !m->col || !m->z || !m->line) { rc = gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory"); goto out; }
  memcpy(m->row, set[0].wl, nwl * sizeof *m->row);
  memcpy(m->line, set[0].line, nwl * sizeof *m->line);
  for (size_t i = 0, j = 0; i < total; j++) {
    size_t e = i;
    while (e < total && en[e].pump == en[i].pump) e++;
    m->col[j] = en[i].pump;
    for (size_t q = i; q < e; q++) {
      const double *y = set[en[q].file].y + en[q].spec * nwl;
      for (size_t w = 0; w < nwl; w++) m->z[w * ncol + j] += en[q].scale * y[w] / (double)(e - i);
    }
    i = e;
  }
  snprintf(m->corner, sizeof m->corner, "wavelength (nm) \\ pump%s%s%s", *unit ? " (" : "", unit, *unit ? ")" : "");
  snprintf(m->row_name, sizeof m->row_name, "wavelength");
  snprintf(m->col_name, sizeof m->col_name, "pump");
  snprintf(m->row_unit_in, sizeof m->row_unit_in, "nm");
  snprintf(m->col_unit_in, sizeof m->col_unit_in, "%s", unit);
  snprintf(m->col_unit, sizeof m->col_unit, "%s", unit);
  m->row_factor = m->col_factor = 1;
  m->delim = ',';
  {
    size_t mcap = 0;
    for (size_t f = 0; f < files.n; f++) {
      char key[160];
      snprintf(key, sizeof key, "file%zu.name", f + 1);
      io_meta_add(&m->meta, &mcap, key, files.p[f]);
      snprintf(key, sizeof key, "file%zu.format", f + 1);
      io_meta_add(&m->meta, &mcap, key, set[f].format);
      for (size_t q = 0; q < set[f].meta.n; q++) {
        snprintf(key, sizeof key, "file%zu.%.120s", f + 1, set[f].meta.key[q]);
        io_meta_add(&m->meta, &mcap, key, set[f].meta.value[q]);
      }
    }
  }
  rc = GK_OK;
out:
  if (rc == GK_OK) plausible_matrix(m, notes);
  if (rc == GK_OK) {
    /* what was done to the data travels with it (provenance) */
    size_t mcap = m->meta.n;
    for (size_t q = 0; q < notes->n; q++) {
      char key[32];
      snprintf(key, sizeof key, "input_note.%zu", q + 1);
      io_meta_add(&m->meta, &mcap, key, notes->msg[q]);
    }
  }
  if (set)
    for (size_t f = 0; f < files.n; f++) gk_specset_free(&set[f]);
  free(set);
  gk_specset_free(&dark);
  free(en);
  free(pfv);
  free(pfl);
  plist_free(&files);
  plist_free(&pnames);
  if (rc) gk_matrix_free(m);
  return rc;
}

int gk_io_looks_like_spectra(const char *path, const gk_read_options *ro)
{
  io_text t;
  gk_error e;
  if (io_text_load(path, ro, &t, &e) != GK_OK) { io_text_free(&t); return 0; }
  int r = 0;
  for (size_t i = 0; i < 7; i++) {
    const io_format *f = i == 0 ? &io_fmt_ocean : i == 1 ? &io_fmt_avantes : i == 2 ? &io_fmt_andor
                         : i == 3 ? &io_fmt_lightfield : i == 4 ? &io_fmt_labspec : i == 5 ? &io_fmt_origin : NULL;
    if (f && f->detect(&t) >= 70) r = 1;
  }
  io_text_free(&t);
  if (r) return 1;
  gk_table tb;
  if (gk_table_read(path, ro, &tb, &e) == GK_OK) {
    if (tb.ncols > 3) r = 1;
    else if (tb.nrows >= 20) {
      int mono = 1;
      for (size_t i = 0; i < tb.nrows; i++) {
        double x = tb.v[i * tb.ncols];
        if (!(x >= 200 && x <= 3000) || (i && !(x > tb.v[(i - 1) * tb.ncols]))) mono = 0;
      }
      r = mono;
    }
    gk_table_free(&tb);
  } else {
    gk_matrix mm;
    gk_matrix_options mo = {0};
    if (ro) mo.read = *ro;
    if (gk_matrix_read(path, &mo, &mm, &e) == GK_OK) {
      r = mm.ncol > 2;
      gk_matrix_free(&mm);
    }
  }
  return r;
}
