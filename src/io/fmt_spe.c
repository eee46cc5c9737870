/* Princeton Instruments / Teledyne LightField .spe, version 3.x (binary):
 *
 *   bytes 0..4099   header (little-endian): xdim uint16 at 42, datatype
 *                   int16 at 108 (0 float32, 1 int32, 2 int16, 3 uint16,
 *                   8 uint32), ydim uint16 at 656, XML footer offset uint64
 *                   at 678, NumFrames int32 at 1446, file_header_ver
 *                   float32 at 1992 (>= 3.0 here)
 *   4100..          frames of xdim x ydim pixels, one region of interest
 *   footer          XML: the wavelength of every pixel
 *                   (<Wavelength ...>500.1,500.2,...</Wavelength> in
 *                   <Calibrations><WavelengthMapping>), the exposure time
 *                   (<ExposureTime ...>ms</ExposureTime>), the date
 *                   (<Origin ... created="...">).
 *
 * One spectrum per frame (and per row when ydim > 1). Read: version 3 with
 * a single region of interest and a wavelength mapping. Not read: version 2
 * files (calibration polynomial in the header, no XML), several regions of
 * interest, per-frame metadata blocks. Errors name the byte offset as the
 * "line" 0 and say what is wrong. */
#include "vendor.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SPE_HDR 4100

static uint16_t u16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t u32(const unsigned char *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t u64(const unsigned char *p) { return (uint64_t)u32(p) | (uint64_t)u32(p + 4) << 32; }
static float f32(const unsigned char *p)
{
  uint32_t v = u32(p);
  float f;
  memcpy(&f, &v, sizeof f);
  return f;
}

int io_spe_sniff(const unsigned char *b, size_t n)
{
  if (n < SPE_HDR + 2) return 0;
  float ver = f32(b + 1992);
  uint64_t xml = u64(b + 678);
  return ver >= 3.0f && ver < 4.0f && xml >= SPE_HDR && xml < n && !memcmp(b + xml, "<?xml", 5);
}

/* The text between <tag ...> and </tag> after `from`, or NULL. */
static const char *xml_elem(const char *x, const char *tag, const char **end)
{
  char open[64], close[64];
  snprintf(open, sizeof open, "<%s", tag);
  snprintf(close, sizeof close, "</%s>", tag);
  const char *p = x;
  while ((p = strstr(p, open))) {
    char c = p[strlen(open)];
    if (c == '>' || c == ' ') break;
    p++;
  }
  if (!p) return NULL;
  const char *gt = strchr(p, '>');
  if (!gt) return NULL;
  const char *e = strstr(gt, close);
  if (!e) return NULL;
  *end = e;
  return gt + 1;
}

int io_spe_read(const char *path, const unsigned char *b, size_t n, const gk_io_options *opt,
                gk_specset *s, gk_error *err)
{
  io_grid g;
  io_grid_init(&g);
  char *xml = NULL;
  double *row = NULL;
  int rc;
  if (n < SPE_HDR) {
    rc = gk_error_set(err, GK_EINPUT, path, 0, "%zu bytes: shorter than the 4100-byte .spe header", n);
    goto out;
  }
  float ver = f32(b + 1992);
  if (!(ver >= 3.0f && ver < 4.0f)) {
    rc = gk_error_set(err, GK_EINPUT, path, 0,
                      ".spe version %.1f: only version 3 (LightField) is read; export as CSV", ver);
    goto out;
  }
  size_t xdim = u16(b + 42), ydim = u16(b + 656);
  int dt = (int16_t)u16(b + 108);
  int32_t nf = (int32_t)u32(b + 1446);
  uint64_t xoff = u64(b + 678);
  size_t bpp = dt == 0 || dt == 1 || dt == 8 ? 4 : dt == 2 || dt == 3 ? 2 : 0;
  if (!bpp) { rc = gk_error_set(err, GK_EINPUT, path, 0, "data type %d is not one of float32, int32, int16, uint16, uint32", dt); goto out; }
  if (!xdim || !ydim || nf < 1) { rc = gk_error_set(err, GK_EINPUT, path, 0, "frame size %zu x %zu, %d frames: no data", xdim, ydim, (int)nf); goto out; }
  if (xdim < 3) { rc = gk_error_set(err, GK_EINPUT, path, 0, "%zu pixels per row: a spectrum needs at least 3", xdim); goto out; }
  double need = (double)SPE_HDR + (double)xdim * (double)ydim * (double)nf * (double)bpp;
  if (xoff < SPE_HDR || xoff > n || need > (double)xoff) {
    rc = gk_error_set(err, GK_EINPUT, path, 0,
                      "the data (%zu x %zu pixels x %d frames) do not fit before the XML footer at byte %llu of %zu",
                      xdim, ydim, (int)nf, (unsigned long long)xoff, n);
    goto out;
  }
  size_t nspec = ydim * (size_t)nf;
  if (nspec > 100000) { rc = gk_error_set(err, GK_ELIMIT, path, 0, "%zu spectra: more than 100000", nspec); goto out; }
  if (!(xml = malloc(n - xoff + 1))) { rc = gk_error_set(err, GK_ENOMEM, path, 0, "out of memory"); goto out; }
  memcpy(xml, b + xoff, n - xoff);
  xml[n - xoff] = '\0';
  const char *end, *map = xml_elem(xml, "WavelengthMapping", &end);
  const char *wl = map ? xml_elem(map, "Wavelength", &end) : NULL;
  if (!wl) { rc = gk_error_set(err, GK_EINPUT, path, 0, "no <WavelengthMapping><Wavelength> calibration in the XML footer"); goto out; }
  g.ncols = 1 + nspec;
  if ((rc = io_grid_columns(&g, NULL, g.ncols, err))) goto out;
  snprintf(g.name[0], 64, "wavelength");
  snprintf(g.unit[0], 32, "nm");
  for (size_t k = 0; k < nspec; k++) {
    if (ydim > 1) snprintf(g.name[1 + k], 64, "frame %zu row %zu", k / ydim + 1, k % ydim + 1);
    else snprintf(g.name[1 + k], 64, "frame %zu", k + 1);
  }
  snprintf(g.y_unit, sizeof g.y_unit, "counts");
  if (!(row = malloc(g.ncols * sizeof *row))) { rc = gk_error_set(err, GK_ENOMEM, path, 0, "out of memory"); goto out; }
  const char *p = wl;
  for (size_t i = 0; i < xdim; i++) {
    char *e2;
    errno = 0;
    double w = strtod(p, &e2);
    if (e2 == p || e2 > end || errno || !isfinite(w)) {
      rc = gk_error_set(err, GK_EINPUT, path, 0, "the wavelength mapping has %zu values for %zu pixels", i, xdim);
      goto out;
    }
    p = e2;
    while (*p == ',' || *p == ' ' || *p == '\n' || *p == '\r' || *p == '\t') p++;
    row[0] = w;
    for (size_t k = 0; k < nspec; k++) {
      size_t f = k / ydim, r = k % ydim;
      const unsigned char *q = b + SPE_HDR + ((f * ydim + r) * xdim + i) * bpp;
      double v;
      switch (dt) {
      case 0: v = f32(q); break;
      case 1: v = (double)(int32_t)u32(q); break;
      case 2: v = (double)(int16_t)u16(q); break;
      case 3: v = (double)u16(q); break;
      default: v = (double)u32(q); break;
      }
      if (!isfinite(v)) { rc = gk_error_set(err, GK_EINPUT, path, 0, "frame %zu pixel %zu: not a finite number", f + 1, i + 1); goto out; }
      row[1 + k] = v;
    }
    if ((rc = io_grid_add_row(&g, row, 0, err))) goto out;
  }
  {
    const char *et = xml_elem(xml, "ExposureTime", &end);
    if (et) {
      char v[64];
      size_t l = (size_t)(end - et) < sizeof v - 1 ? (size_t)(end - et) : sizeof v - 1;
      memcpy(v, et, l);
      v[l] = '\0';
      io_meta_add(&g.meta, &g.meta_cap, "ExposureTime (ms)", v);
      io_meta_time(&g, v, 1e-3);
    }
    const char *cr = strstr(xml, "created=\"");
    if (cr) {
      char v[64];
      cr += 9;
      size_t l = strcspn(cr, "\"");
      if (l >= sizeof v) l = sizeof v - 1;
      memcpy(v, cr, l);
      v[l] = '\0';
      io_meta_add(&g.meta, &g.meta_cap, "date", v);
    }
    char v[32];
    snprintf(v, sizeof v, "%.1f", ver);
    io_meta_add(&g.meta, &g.meta_cap, "spe_version", v);
  }
  {
    io_text t = {.path = path};
    rc = io_finish(&g, &t, "spe", opt, s, err);
  }
out:
  free(row);
  free(xml);
  io_grid_free(&g);
  return rc;
}
