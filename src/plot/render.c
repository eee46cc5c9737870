/* Drawing a figure with PLplot's cairo drivers, and saving it atomically.
 *
 * Why everything happens inside gk_figure_save: PLplot keeps one global
 * stream state, so a figure is drawn from start (plinit) to finish (plend)
 * in one call, under a mutex, and nothing of PLplot outlives the call.
 *
 * Why a custom legend instead of pllegend: pllegend draws dashed samples
 * with PLplot's built-in line styles, whose dash lengths are fixed in mm
 * and come out as hair-fine dots on a cairo page (72 dpi, so a 1200 px
 * figure is 42 cm wide); our dashes scale with the figure, and the legend
 * has to show the same dashes as the plot.
 *
 * PLplot reports fatal errors through plexit(), which calls exit(); the
 * exit handler longjmps back to gk_figure_save instead, and plabort()
 * messages are caught by an abort handler, so the library never exits and
 * never prints for those.
 */
#define _GNU_SOURCE /* mkstemps */
#include "plot/plot_internal.h"
#include "gainkit/output.h"

#include "plot/plplot_lazy.h"  /* <plplot.h>, loaded on first use */

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* cmap0 layout: background, foreground, the palette, the palette again
 * translucent (bands), grid grey, legend background. */
enum { C_BG = 0, C_FG = 1, C_PAL = 2, C_FILL = C_PAL + GK_NCOLOURS, C_GRID = C_FILL + GK_NCOLOURS,
       C_FRAME, C_LEGBG, NCOL0 };

/* Okabe & Ito (2008), "Color Universal Design": distinguishable under the
 * common colour-vision deficiencies and in greyscale by lightness. */
static const int palette[GK_NCOLOURS][3] = {
  {0, 114, 178},   /* blue */
  {213, 94, 0},    /* vermillion */
  {0, 158, 115},   /* bluish green */
  {230, 159, 0},   /* orange */
  {204, 121, 167}, /* reddish purple */
  {86, 180, 233},  /* sky blue */
  {0, 0, 0},       /* black */
  {128, 128, 128}, /* grey */
};

/* Marker shapes cycle per series so that series stay apart in greyscale. */
static const char *const markers[] = {"●", "■", "▲", "◆", "▼"};
/* plstring draws markers as text: their size follows the character height */
static const double MARKER_SCALE = 0.6;

#define TEXT_MAX 1024

typedef struct {
  double lo, hi; /* in plot coordinates (log10 on a log axis) */
  int log;
} axis;

typedef struct {
  const gk_figure *f;
  int ncols, nrows;  /* the grid as drawn (a narrow page stacks the panels) */
  double page_w_mm, page_h_mm;
  double chx, chy;  /* character height as a fraction of page width / height */
  double lw;        /* data line width */
  double thin;      /* grid, frames, legend box */
  double dash_um;   /* dash length for dashed lines, µm as plstyl wants */
} rctx;

typedef struct {
  double lo, hi;
  int any;
} acc;

static void acc_add(acc *a, double v)
{
  if (!isfinite(v)) return;
  if (!a->any || v < a->lo) a->lo = v;
  if (!a->any || v > a->hi) a->hi = v;
  a->any = 1;
}

/* Value in plot coordinates; 0 for points that cannot be drawn (non-finite,
 * or not positive on a log axis). */
static int to_plot(double v, int log, double *out)
{
  if (!isfinite(v) || (log && v <= 0)) return 0;
  *out = log ? log10(v) : v;
  return isfinite(*out);
}

static const char *text(const char *in, char *out)
{
  return gk_plot_text(in, out, TEXT_MAX);
}

/* ---- image grid -------------------------------------------------------- */

/* Centres of the drawable image rows/columns in plot coordinates and the
 * cell edges half-way between them. idx maps back to the input index.
 * Returns the number of drawable entries (0: nothing to draw). */
static size_t image_edges(const double *v, size_t n, int log, size_t *idx, double *c, double *e)
{
  size_t m = 0;
  for (size_t k = 0; k < n; k++)
    if (to_plot(v[k], log, &c[m])) idx[m++] = k;
  if (m == 0) return 0;
  if (m == 1) {
    double h = log ? 0.05 : (c[0] != 0 ? 0.05 * fabs(c[0]) : 0.5);
    e[0] = c[0] - h;
    e[1] = c[0] + h;
    return 1;
  }
  e[0] = c[0] - 0.5 * (c[1] - c[0]);
  for (size_t k = 1; k < m; k++) e[k] = 0.5 * (c[k - 1] + c[k]);
  e[m] = c[m - 1] + 0.5 * (c[m - 1] - c[m - 2]);
  return m;
}

typedef struct {
  size_t mx, my;
  size_t *ix, *iy;
  double *cx, *cy, *ex, *ey;
} grid;

static void grid_free(grid *g)
{
  free(g->ix);
  free(g->iy);
  free(g->cx);
  free(g->cy);
  free(g->ex);
  free(g->ey);
  memset(g, 0, sizeof *g);
}

static int grid_make(const gk_panel *p, grid *g)
{
  const gk_image *im = &p->image;
  memset(g, 0, sizeof *g);
  g->ix = malloc(im->nx * sizeof *g->ix);
  g->iy = malloc(im->ny * sizeof *g->iy);
  g->cx = malloc(im->nx * sizeof *g->cx);
  g->cy = malloc(im->ny * sizeof *g->cy);
  g->ex = malloc((im->nx + 1) * sizeof *g->ex);
  g->ey = malloc((im->ny + 1) * sizeof *g->ey);
  if (!g->ix || !g->iy || !g->cx || !g->cy || !g->ex || !g->ey) {
    grid_free(g);
    return GK_ENOMEM;
  }
  g->mx = image_edges(im->x, im->nx, p->logx, g->ix, g->cx, g->ex);
  g->my = image_edges(im->y, im->ny, p->logy, g->iy, g->cy, g->ey);
  return GK_OK;
}

/* ---- ranges -------------------------------------------------------------- */

static void finish_axis(axis *a, acc d, int fixed, double flo, double fhi, int log, int tight)
{
  a->log = log;
  if (fixed && (!log || flo > 0)) {
    a->lo = log ? log10(flo) : flo;
    a->hi = log ? log10(fhi) : fhi;
    return;
  }
  if (!d.any) { /* empty panel: a unit range (1..10 on a log axis) */
    a->lo = 0;
    a->hi = 1;
    return;
  }
  double lo = d.lo, hi = d.hi;
  if (hi - lo <= 1e-12 * fmax(fabs(lo), fabs(hi))) { /* one point, or all equal */
    double h = log ? 0.5 : (lo != 0 ? 0.1 * fabs(lo) : 1.0);
    lo -= h;
    hi += h;
  } else if (!tight && !log) {
    double m = 0.04 * (hi - lo);
    lo -= m;
    hi += m;
  }
  /* A log axis fits its data (a margin of 4 % of the span, no empty
   * decade: 4-250 shows as about 3-300, not 1-1000) but always holds a
   * labelled decade: when no decade falls inside, it is widened to the
   * nearest one. */
  if (log && !tight) {
    double m = 0.04 * (hi - lo);
    lo -= m;
    hi += m;
    if (floor(hi + 1e-9) < lo - 1e-9) {
      double dlo = lo - floor(lo), dhi = ceil(hi) - hi;
      if (dlo <= dhi) lo = floor(lo);
      else hi = ceil(hi);
    }
  }
  a->lo = lo;
  a->hi = hi;
}

static void panel_ranges(const gk_panel *p, const grid *g, axis *ax, axis *ay)
{
  acc x = {0}, y = {0};
  for (size_t k = 0; k < p->nitems; k++) {
    const gk_item *it = &p->items[k];
    double u, v;
    switch (it->kind) {
    case GK_ITEM_SERIES:
      for (size_t i = 0; i < it->n; i++) {
        if (!to_plot(it->x[i], p->logx, &u) || !to_plot(it->y[i], p->logy, &v)) continue;
        acc_add(&x, u);
        acc_add(&y, v);
        double e = it->yerr ? fabs(it->yerr[i]) : NAN;
        if (isfinite(e)) {
          if (to_plot(it->y[i] + e, p->logy, &v)) acc_add(&y, v);
          if (to_plot(it->y[i] - e, p->logy, &v)) acc_add(&y, v);
        }
      }
      break;
    case GK_ITEM_VLINE:
      if (to_plot(it->a, p->logx, &u)) acc_add(&x, u);
      break;
    case GK_ITEM_HLINE:
      if (to_plot(it->a, p->logy, &v)) acc_add(&y, v);
      break;
    case GK_ITEM_BAND:
      if (to_plot(it->a, p->logx, &u)) acc_add(&x, u);
      if (to_plot(it->b, p->logx, &u)) acc_add(&x, u);
      break;
    case GK_ITEM_TEXT:
      break;
    }
  }
  int tight = g->mx && g->my;
  if (tight) {
    acc_add(&x, g->ex[0]);
    acc_add(&x, g->ex[g->mx]);
    acc_add(&y, g->ey[0]);
    acc_add(&y, g->ey[g->my]);
  }
  finish_axis(ax, x, p->fix[0], p->lo[0], p->hi[0], p->logx, tight);
  finish_axis(ay, y, p->fix[1], p->lo[1], p->hi[1], p->logy, tight);
}

/* ---- drawing helpers ---------------------------------------------------- */

static void set_line(const rctx *r, gk_style style, double width)
{
  plwidth(width);
  PLINT mark, space;
  switch (style) {
  case GK_STYLE_DASHED:
    mark = (PLINT)r->dash_um;
    space = (PLINT)(0.6 * r->dash_um);
    plstyl(1, &mark, &space);
    break;
  case GK_STYLE_DOTTED:
    mark = (PLINT)(0.25 * r->dash_um);
    space = (PLINT)(0.45 * r->dash_um);
    plstyl(1, &mark, &space);
    break;
  default:
    pllsty(1);
    break;
  }
}

/* A palette colour, or a colour-map colour (GK_CMAP). */
static void set_colour(int colour)
{
  if (colour >= GK_CMAP_BASE) plcol1((colour - GK_CMAP_BASE) / 1000.0);
  else plcol0(C_PAL + colour);
}

static int has_line(gk_style s)
{
  return s != GK_STYLE_POINTS;
}

static int has_marker(gk_style s)
{
  return s == GK_STYLE_POINTS || s == GK_STYLE_LINEPOINTS;
}

/* Draws the drawable points as line runs broken where points are missing,
 * so a curve with a gap (NaN) is not bridged by a straight segment. */
static void draw_runs(const PLFLT *px, const PLFLT *py, const int *ok, size_t n)
{
  size_t i = 0;
  while (i < n) {
    while (i < n && !ok[i]) i++;
    size_t j = i;
    while (j < n && ok[j]) j++;
    if (j - i >= 2) plline((PLINT)(j - i), px + i, py + i);
    i = j;
  }
}

static int draw_series(const rctx *r, const gk_panel *p, const gk_item *it, const axis *ay)
{
  size_t n = it->n;
  if (n == 0) return GK_OK;
  PLFLT *px = malloc(n * sizeof *px), *py = malloc(n * sizeof *py);
  PLFLT *lo = malloc(n * sizeof *lo), *hi = malloc(n * sizeof *hi), *ex = malloc(n * sizeof *ex);
  int *ok = malloc(n * sizeof *ok);
  if (!px || !py || !lo || !hi || !ex || !ok) {
    free(px); free(py); free(lo); free(hi); free(ex); free(ok);
    return GK_ENOMEM;
  }
  size_t m = 0, ne = 0;
  for (size_t i = 0; i < n; i++) {
    ok[i] = to_plot(it->x[i], p->logx, &px[i]) && to_plot(it->y[i], p->logy, &py[i]);
    if (!ok[i]) continue;
    m++;
    double e = it->yerr ? fabs(it->yerr[i]) : NAN;
    if (!isfinite(e) || e == 0) continue;
    double a, b;
    /* on a log axis an error bar reaching below zero runs off the bottom */
    if (!to_plot(it->y[i] - e, p->logy, &a)) a = ay->lo;
    if (!to_plot(it->y[i] + e, p->logy, &b)) continue;
    ex[ne] = px[i];
    lo[ne] = a;
    hi[ne] = b;
    ne++;
  }
  set_colour(it->colour);
  if (ne) {
    set_line(r, GK_STYLE_LINE, 0.6 * r->lw);
    plerry((PLINT)ne, ex, lo, hi);
  }
  if (has_line(it->style)) {
    set_line(r, it->style, it->width * r->lw);
    draw_runs(px, py, ok, n);
    pllsty(1);
  }
  if (has_marker(it->style) && m) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
      if (ok[i]) {
        px[k] = px[i];
        py[k] = py[i];
        k++;
      }
    plschr(0, MARKER_SCALE);
    plstring((PLINT)k, px, py, markers[it->marker % 5]);
    plschr(0, 1.0);
  }
  free(px); free(py); free(lo); free(hi); free(ex); free(ok);
  return GK_OK;
}

static void fill_rect(double x0, double x1, double y0, double y1)
{
  PLFLT bx[4] = {x0, x1, x1, x0}, by[4] = {y0, y0, y1, y1};
  plfill(4, bx, by);
}

/* What a box in plot coordinates would hide of the panel's series, in
 * hundredths of a data point: a marker counts 100, a point of a line-only
 * series (a fitted curve, hundreds of points) counts 2000/n, so a whole
 * curve weighs as much as 20 markers spread over its length but hiding a
 * stretch of it is cheaper than hiding measured points. */
static size_t series_points_in(const gk_panel *p, double x0, double x1, double y0, double y1)
{
  size_t count = 0;
  for (size_t k = 0; k < p->nitems; k++) {
    const gk_item *it = &p->items[k];
    if (it->kind != GK_ITEM_SERIES || it->n == 0) continue;
    size_t w = it->style == GK_STYLE_POINTS || it->style == GK_STYLE_LINEPOINTS ? 100 : 2000 / it->n + 1;
    for (size_t i = 0; i < it->n; i++) {
      double u, v;
      if (to_plot(it->x[i], p->logx, &u) && to_plot(it->y[i], p->logy, &v) && u >= x0 && u <= x1 &&
          v >= y0 && v <= y1)
        count += w;
    }
  }
  return count;
}

/* Advance of a character in DejaVu Sans (the sans font of the svg and
 * cairo drivers here), in em: capitals and m/w are wide, i/l/t narrow;
 * anything else outside ASCII (µ, ±, ², ×, Greek) about a capital's. */
static double char_em(const char *s)
{
  unsigned char c = (unsigned char)*s;
  if (c >= 0x80) {
    if (c == 0xE2 && (unsigned char)s[1] == 0x81) return 0.42; /* superscript digits and signs */
    if (c == 0xC2 && ((unsigned char)s[1] == 0xB2 || (unsigned char)s[1] == 0xB3 || (unsigned char)s[1] == 0xB9))
      return 0.42;
    return 0.72;
  }
  if (c == ' ') return 0.32;
  if (strchr("iljtf.,:;'|!", c)) return 0.32;
  if (strchr("r()[]{}-/\\", c)) return 0.40;
  if (strchr("mwMW", c)) return 0.92;
  if (c >= 'A' && c <= 'Z') return 0.72;
  if (c >= '0' && c <= '9') return 0.64;
  return 0.58;
}

/* Approximate width of PLplot text: PLplot 5.15 does not export plstrl, so
 * add up per-character advances (char_em; the drivers' font size is
 * FONT_PER_CHAR = 1.34 character heights), superscripts and subscripts
 * smaller, plus 4 % so that an estimate errs on the wide side. Sizes the
 * legend box, tick spacing and label placement, where a slight
 * overestimate is harmless. (The old flat 0.72 character heights per
 * character cut "FWHM/100 nm" off at the legend's edge.) */
static double text_width_mm(const char *s, double ch_mm)
{
  double w = 0, scale = 1;
  int level = 0;
  while (*s) {
    if (s[0] == '#' && (s[1] == 'u' || s[1] == 'd')) {
      level += s[1] == 'u' ? 1 : -1;
      scale = level ? 0.75 : 1;
      s += 2;
      continue;
    }
    if (s[0] == '#' && s[1] == '#') s++;
    if (((unsigned char)*s & 0xC0) != 0x80) w += 1.34 * 1.04 * char_em(s) * scale;
    s++;
  }
  return w * ch_mm;
}

static int overlaps(double a0, double a1, double b0, double b1)
{
  return a0 < b1 && b0 < a1;
}

/* Horizontal extent of a vertical marker line's label: right of the line,
 * or left of it when it would run past the right edge. */
static int vline_label_span(const gk_panel *p, const gk_item *it, const axis *ax, double cwx, double len,
                            double *x0, double *x1, double *just)
{
  double u;
  if (!to_plot(it->a, p->logx, &u)) return 0;
  *just = 0;
  *x0 = u + 0.5 * cwx;
  *x1 = *x0 + len * cwx;
  if (*x1 > ax->hi) {
    *x1 = u - 0.5 * cwx;
    *x0 = *x1 - len * cwx;
    *just = 1;
    if (*x0 < ax->lo) { /* fits on neither side: start inside the left edge */
      *x0 = ax->lo + 0.5 * cwx;
      *x1 = *x0 + len * cwx;
      *just = 0;
    }
  }
  return 1;
}

/* Where the label of a marker line, band or annotation goes (plptex
 * arguments); also used by the legend placement to keep clear of them.
 * cwx, cwy: one character height in plot units. */
static int label_anchor(const gk_panel *p, const gk_item *it, const axis *ax, const axis *ay, double cwx,
                        double cwy, double *x, double *y, double *dx, double *dy, double *just)
{
  char buf[TEXT_MAX];
  double u0, u1, len = it->label ? text_width_mm(text(it->label, buf), 1.0) : 0; /* in character heights */
  *dx = 1;
  *dy = 0;
  *just = 0;
  switch (it->kind) {
  case GK_ITEM_VLINE: { /* near the top, right of the line (left of it when
                         * the text would run past the right edge), one row
                         * lower for each earlier marker-line label it would
                         * collide with */
    double x0, x1;
    if (!vline_label_span(p, it, ax, cwx, len, &x0, &x1, just)) return 0;
    int row = 0;
    for (const gk_item *e = p->items; e < it; e++) {
      double e0, e1, ej, elen;
      if (e->kind != GK_ITEM_VLINE || !e->label || !*e->label) continue;
      elen = text_width_mm(text(e->label, buf), 1.0);
      /* one character of clearance: the width is an estimate, and labels
       * that touch ("kink 16.1lines 67") read as one */
      if (vline_label_span(p, e, ax, cwx, elen, &e0, &e1, &ej) && overlaps(x0 - cwx, x1 + cwx, e0, e1)) row++;
    }
    *x = *just ? x1 : x0;
    *y = ay->hi - (1.0 + 1.4 * row) * cwy;
    return 1;
  }
  case GK_ITEM_HLINE: /* above the line at the right end, or at the left
                       * end when that hides fewer data points */
    if (!to_plot(it->a, p->logy, &u0)) return 0;
    *y = u0 + 0.75 * cwy;
    *x = ax->hi - 0.5 * cwx;
    *just = 1;
    if (series_points_in(p, ax->lo, ax->lo + (len + 0.5) * cwx, u0, u0 + 1.5 * cwy) <
        series_points_in(p, ax->hi - (len + 0.5) * cwx, ax->hi, u0, u0 + 1.5 * cwy)) {
      *x = ax->lo + 0.5 * cwx;
      *just = 0;
    }
    return 1;
  case GK_ITEM_BAND: /* centred at the top of the band */
    if (!to_plot(it->b, p->logx, &u1)) return 0;
    if (!to_plot(it->a, p->logx, &u0)) u0 = ax->lo;
    *x = 0.5 * (fmax(u0, ax->lo) + fmin(u1, ax->hi));
    *y = ay->hi - 1.0 * cwy;
    *just = 0.5;
    return 1;
  case GK_ITEM_TEXT:
    *x = ax->lo + it->a * (ax->hi - ax->lo);
    *y = ay->lo + it->b * (ay->hi - ay->lo);
    return 1;
  default:
    return 0;
  }
}

/* ---- legend ------------------------------------------------------------- */

typedef struct {
  int n;
  double w_mm, h_mm;     /* legend box size */
  double row_mm, pad_mm, sample_mm, text_mm;
  int below, ncol;       /* below the axes, in ncol columns (see draw_panel) */
} legend_geom;

static const double LEGEND_TEXT_SCALE = 0.85;

static void legend_measure(const rctx *r, const gk_panel *p, legend_geom *lg)
{
  memset(lg, 0, sizeof *lg);
  if (p->legend == GK_LEGEND_NONE) return;
  double ch_mm = r->chy * r->page_h_mm;
  char buf[TEXT_MAX];
  for (size_t k = 0; k < p->nitems; k++) {
    const gk_item *it = &p->items[k];
    if (it->kind != GK_ITEM_SERIES || !it->label || !*it->label) continue;
    double w = text_width_mm(text(it->label, buf), LEGEND_TEXT_SCALE * ch_mm);
    if (w > lg->text_mm) lg->text_mm = w;
    lg->n++;
  }
  lg->row_mm = 1.55 * ch_mm;
  lg->pad_mm = 0.6 * ch_mm;
  lg->sample_mm = 2.6 * ch_mm;
  lg->w_mm = lg->pad_mm * 3 + lg->sample_mm + lg->text_mm;
  lg->h_mm = lg->n * lg->row_mm + lg->pad_mm;
}

/* How much a legend box (plot coordinates) would hide: data points count
 * one each, a label of a marker line, band or annotation counts more than
 * any number of points because hiding text is worse. */
static size_t points_inside(const gk_panel *p, double x0, double x1, double y0, double y1, const axis *ax,
                            const axis *ay, double cwx, double cwy)
{
  size_t count = 0;
  char buf[TEXT_MAX];
  for (size_t k = 0; k < p->nitems; k++) {
    const gk_item *it = &p->items[k];
    double lx, ly, dx, dy, just;
    if (it->kind == GK_ITEM_SERIES || !it->label || !*it->label) continue;
    if (!label_anchor(p, it, ax, ay, cwx, cwy, &lx, &ly, &dx, &dy, &just)) continue;
    double len = text_width_mm(text(it->label, buf), 1.0); /* in character heights */
    double ex0, ex1, ey0, ey1;
    if (dy != 0) { /* vertical text */
      ex0 = lx - 0.5 * cwx;
      ex1 = lx + 0.5 * cwx;
      ey0 = ly - just * len * cwy;
      ey1 = ly + (1 - just) * len * cwy;
    } else {
      ex0 = lx - just * len * cwx;
      ex1 = lx + (1 - just) * len * cwx;
      ey0 = ly - 0.5 * cwy;
      ey1 = ly + 0.5 * cwy;
    }
    /* half a character of clearance: the width is only an estimate */
    if (overlaps(x0 - 0.5 * cwx, x1 + 0.5 * cwx, ex0, ex1) && overlaps(y0 - 0.5 * cwy, y1 + 0.5 * cwy, ey0, ey1))
      count += 1000000;
  }
  count += series_points_in(p, x0, x1, y0, y1);
  return count;
}

/* Where the legend goes inside (or right of) the axes: its top left corner
 * in plot coordinates; returns what it hides (points_inside). */
static size_t legend_place(const rctx *r, const gk_panel *p, const legend_geom *lg, const double vp[4],
                           const axis *ax, const axis *ay, double *x0_out, double *y1_out)
{
  /* mm -> plot coordinates */
  double sx = (ax->hi - ax->lo) / ((vp[1] - vp[0]) * r->page_w_mm);
  double sy = (ay->hi - ay->lo) / ((vp[3] - vp[2]) * r->page_h_mm);
  double w = lg->w_mm * sx, h = lg->h_mm * sy;
  double cwx = r->chx * r->page_w_mm * sx, cwy = r->chy * r->page_h_mm * sy;
  double inset_x = 0.02 * (ax->hi - ax->lo), inset_y = 0.03 * (ay->hi - ay->lo);
  double x0 = ax->lo, y1 = ay->hi;
  if (p->legend == GK_LEGEND_OUTSIDE_RIGHT) {
    x0 = ax->hi + 1.0 * r->chx * r->page_w_mm * sx;
    y1 = ay->hi;
  } else {
    gk_legend_pos pos = p->legend;
    /* the corners, then the top corners again lowered below two rows of
     * marker-line labels */
    static const gk_legend_pos order[] = {GK_LEGEND_TOP_RIGHT,    GK_LEGEND_TOP_LEFT, GK_LEGEND_BOTTOM_RIGHT,
                                          GK_LEGEND_BOTTOM_LEFT, GK_LEGEND_TOP_RIGHT, GK_LEGEND_TOP_LEFT};
    size_t best = (size_t)-1;
    for (int k = 0; k < 6; k++) {
      gk_legend_pos c = pos == GK_LEGEND_AUTO ? order[k] : pos;
      int right = c == GK_LEGEND_TOP_RIGHT || c == GK_LEGEND_BOTTOM_RIGHT;
      int top = c == GK_LEGEND_TOP_RIGHT || c == GK_LEGEND_TOP_LEFT;
      double cx0 = right ? ax->hi - inset_x - w : ax->lo + inset_x;
      double cy1 = top ? ay->hi - inset_y - (k >= 4 ? 2.8 * cwy : 0) : ay->lo + inset_y + h;
      size_t cnt = points_inside(p, cx0, cx0 + w, cy1 - h, cy1, ax, ay, cwx, cwy);
      if (cnt < best) {
        best = cnt;
        x0 = cx0;
        y1 = cy1;
      }
      if (pos != GK_LEGEND_AUTO || cnt == 0) break;
    }
    *x0_out = x0;
    *y1_out = y1;
    return best;
  }
  *x0_out = x0;
  *y1_out = y1;
  return 0;
}

static void draw_legend(const rctx *r, const gk_panel *p, const legend_geom *lg, const double vp[4],
                        const axis *ax, const axis *ay)
{
  if (lg->n == 0) return;
  double px0, py1, pw = lg->w_mm / r->page_w_mm, ph = lg->h_mm / r->page_h_mm;
  if (lg->below) {
    /* under the x label, centred on the axes */
    px0 = 0.5 * (vp[0] + vp[1]) - 0.5 * pw;
    py1 = vp[2] - 4.1 * r->chy;
  } else {
    double x0, y1;
    legend_place(r, p, lg, vp, ax, ay, &x0, &y1);
    /* the legend may sit outside the axes: draw it on the whole page */
    px0 = vp[0] + (x0 - ax->lo) / (ax->hi - ax->lo) * (vp[1] - vp[0]);
    py1 = vp[2] + (y1 - ay->lo) / (ay->hi - ay->lo) * (vp[3] - vp[2]);
  }
  plvpor(0, 1, 0, 1);
  plwind(0, 1, 0, 1);
  plcol0(C_LEGBG);
  fill_rect(px0, px0 + pw, py1 - ph, py1);
  plcol0(C_FRAME);
  set_line(r, GK_STYLE_LINE, r->thin);
  PLFLT bx[5] = {px0, px0 + pw, px0 + pw, px0, px0}, by[5] = {py1 - ph, py1 - ph, py1, py1, py1 - ph};
  plline(5, bx, by);

  double padx = lg->pad_mm / r->page_w_mm, sampx = lg->sample_mm / r->page_w_mm;
  double rowy = lg->row_mm / r->page_h_mm, pady = lg->pad_mm / r->page_h_mm;
  double colw = (lg->pad_mm * 3 + lg->sample_mm + lg->text_mm) / r->page_w_mm;
  int ncol = lg->ncol > 0 ? lg->ncol : 1;
  char buf[TEXT_MAX];
  int entry = 0;
  for (size_t k = 0; k < p->nitems; k++) {
    const gk_item *it = &p->items[k];
    if (it->kind != GK_ITEM_SERIES || !it->label || !*it->label) continue;
    int row = entry / ncol, col = entry % ncol;
    entry++;
    double yc = py1 - 0.5 * pady - (row + 0.5) * rowy;
    double xs0 = px0 + padx + col * colw, xs1 = xs0 + sampx;
    set_colour(it->colour);
    if (has_line(it->style)) {
      set_line(r, it->style, it->width * r->lw);
      PLFLT lx[2] = {xs0, xs1}, ly[2] = {yc, yc};
      plline(2, lx, ly);
      pllsty(1);
    }
    if (has_marker(it->style) || it->yerr) {
      PLFLT mx = 0.5 * (xs0 + xs1), my = yc;
      if (it->yerr) {
        PLFLT elo = yc - 0.4 * rowy, ehi = yc + 0.4 * rowy;
        set_line(r, GK_STYLE_LINE, 0.6 * r->lw);
        plerry(1, &mx, &elo, &ehi);
      }
      if (has_marker(it->style)) {
        plschr(0, MARKER_SCALE);
        plstring(1, &mx, &my, markers[it->marker % 5]);
        plschr(0, 1.0);
      }
    }
    plcol0(C_FG);
    plschr(0, LEGEND_TEXT_SCALE);
    text(it->label, buf);
    plptex(xs1 + padx, yc, 1, 0, 0, buf);
    plschr(0, 1.0);
  }
}

/* ---- one panel ---------------------------------------------------------- */

/* PLplot's log-axis labels are "10^n" for decades only; between decades the
 * label function writes plain numbers. For linear axes it keeps numbers
 * short and avoids "-0". */
typedef struct {
  int log[2];
  double span[2];
  int every[2]; /* log axes: label every n-th decade (PLplot ticks each one) */
} label_info;

static void format_tick(int log, double span, double value, char *label, size_t length)
{
  if (log) {
    double e = floor(value + 0.5);
    if (fabs(value - e) < 1e-6) {
      if (e == 0) snprintf(label, length, "1");
      else if (e == 1) snprintf(label, length, "10");
      else {
        char plain[32];
        snprintf(plain, sizeof plain, "10^%d", (int)e);
        gk_plot_text(plain, label, length);
      }
    } else {
      snprintf(label, length, "%g", pow(10, value));
    }
    return;
  }
  if (fabs(value) < 1e-9 * span) value = 0; /* rounding noise at the zero tick */
  char plain[48];
  snprintf(plain, sizeof plain, "%g", value);
  char *e = strchr(plain, 'e');
  if (e) {
    /* "5e+06" reads as a typo on an axis: write "5×10^6" */
    int ex = atoi(e + 1);
    *e = '\0';
    char sci[64];
    if (strcmp(plain, "1") == 0) snprintf(sci, sizeof sci, "10^%d", ex);
    else if (strcmp(plain, "-1") == 0) snprintf(sci, sizeof sci, "-10^%d", ex);
    else snprintf(sci, sizeof sci, "%s×10^%d", plain, ex);
    gk_plot_text(sci, label, length);
    return;
  }
  snprintf(label, length, "%s", plain);
}

static void label_func(PLINT axis_id, PLFLT value, char *label, PLINT length, PLPointer data)
{
  const label_info *li = data;
  int a = axis_id == PL_Y_AXIS ? 1 : 0;
  long d = lround(value);
  if (li->log[a] && li->every[a] > 1 && fabs(value - (double)d) < 1e-6 && d % li->every[a] != 0) {
    label[0] = '\0';
    return;
  }
  format_tick(li->log[a], li->span[a], value, label, (size_t)length);
}

/* Widest tick label (in character heights) for a tick step. */
static double tick_label_width(const axis *a, double step)
{
  double span = a->hi - a->lo, w = 0;
  char buf[64];
  double k0 = ceil(a->lo / step - 1e-9), k1 = floor(a->hi / step + 1e-9);
  for (double k = k0; k <= k1 && k - k0 < 100; k++) {
    format_tick(a->log, span, k * step, buf, sizeof buf);
    w = fmax(w, text_width_mm(buf, 1.0));
  }
  return w;
}

static double nice_step(double raw)
{
  double m = pow(10, floor(log10(raw))), f = raw / m;
  return (f <= 1.0001 ? 1 : f <= 2.0001 ? 2 : f <= 5.0001 ? 5 : 10) * m;
}

/* Tick step so that labels do not collide: along x each label needs its
 * width plus 1.5 character heights, along y (labels horizontal) 2.
 * len_ch: axis length in character heights. Log axes step in whole
 * decades. *label_w returns the widest label. */
static double choose_step(const axis *a, double len_ch, int vertical, double *label_w)
{
  double span = a->hi - a->lo;
  double step = a->log ? 1 : nice_step(span / 6);
  for (int iter = 0; iter < 12; iter++) {
    double w = tick_label_width(a, step);
    double need = vertical ? 2.0 : w + 1.5;
    *label_w = w;
    if ((floor(span / step + 1e-9) + 1) * need <= len_ch) break;
    step = a->log ? step + 1 : nice_step(step * 1.5);
  }
  return step;
}

static int draw_image(const gk_panel *p, const grid *g, double *zlo, double *zhi)
{
  const gk_image *im = &p->image;
  acc za = {0};
  int zlog = p->zlog > 0;
  for (size_t i = 0; i < g->my; i++)
    for (size_t j = 0; j < g->mx; j++) {
      double v = im->z[g->iy[i] * im->nx + g->ix[j]];
      if (!zlog || v > 0) acc_add(&za, zlog ? log10(v) : v);
    }
  double z0 = za.any ? za.lo : 0, z1 = za.any ? za.hi : 1;
  if (zlog) z0 = fmax(z0, z1 - p->zlog); /* the decades asked for, below the largest value */
  if (p->fix[2] && (!zlog || (p->lo[2] > 0 && p->hi[2] > 0))) {
    z0 = zlog ? log10(p->lo[2]) : p->lo[2];
    z1 = zlog ? log10(p->hi[2]) : p->hi[2];
  }
  if (z1 <= z0) {
    z0 -= 0.5;
    z1 += 0.5;
  }
  *zlo = z0;
  *zhi = z1;
  PLFLT **idata = NULL;
  PLcGrid2 cg = {0};
  plAlloc2dGrid(&idata, (PLINT)g->mx, (PLINT)g->my);
  plAlloc2dGrid(&cg.xg, (PLINT)g->mx + 1, (PLINT)g->my + 1);
  plAlloc2dGrid(&cg.yg, (PLINT)g->mx + 1, (PLINT)g->my + 1);
  if (!idata || !cg.xg || !cg.yg) {
    if (idata) plFree2dGrid(idata, (PLINT)g->mx, (PLINT)g->my);
    if (cg.xg) plFree2dGrid(cg.xg, (PLINT)g->mx + 1, (PLINT)g->my + 1);
    if (cg.yg) plFree2dGrid(cg.yg, (PLINT)g->mx + 1, (PLINT)g->my + 1);
    return GK_ENOMEM;
  }
  cg.nx = (PLINT)g->mx + 1;
  cg.ny = (PLINT)g->my + 1;
  /* Missing values are pushed below the plotted z range, which plimagefr
   * leaves blank; values beyond a fixed range take the end colours. */
  double blank = z0 - (z1 - z0);
  for (size_t j = 0; j < g->mx; j++)
    for (size_t i = 0; i < g->my; i++) {
      double v = im->z[g->iy[i] * im->nx + g->ix[j]];
      if (zlog && isfinite(v)) v = v > 0 ? log10(v) : z0;
      idata[j][i] = !isfinite(v) ? blank : v < z0 ? z0 : v > z1 ? z1 : v;
    }
  for (size_t j = 0; j <= g->mx; j++)
    for (size_t i = 0; i <= g->my; i++) {
      cg.xg[j][i] = g->ex[j];
      cg.yg[j][i] = g->ey[i];
    }
  plimagefr((PLFLT_MATRIX)idata, (PLINT)g->mx, (PLINT)g->my, g->ex[0], g->ex[g->mx], g->ey[0], g->ey[g->my],
            z0, z1, z0, z1, pltr2, &cg);
  plFree2dGrid(idata, (PLINT)g->mx, (PLINT)g->my);
  plFree2dGrid(cg.xg, (PLINT)g->mx + 1, (PLINT)g->my + 1);
  plFree2dGrid(cg.yg, (PLINT)g->mx + 1, (PLINT)g->my + 1);
  return GK_OK;
}

static void draw_colorbar(const rctx *r, const char *zlabel, int zlog, const double vp[4], double z0, double z1)
{
  char buf[TEXT_MAX];
  text(zlabel ? zlabel : "", buf);
  PLFLT w, h;
  PLINT label_opts[1] = {PL_COLORBAR_LABEL_RIGHT};
  const char *labels[1] = {buf};
  const char *axis_opts[1] = {zlog ? "bcvtml" : "bcvtm"};
  PLFLT ticks[1] = {0};
  PLINT sub_ticks[1] = {0};
  PLINT n_values[1] = {2};
  PLFLT vals[2] = {z0, z1};
  const PLFLT *values[1] = {vals};
  plcol0(C_FG);
  plcolorbar(&w, &h, PL_COLORBAR_IMAGE, PL_POSITION_RIGHT | PL_POSITION_OUTSIDE | PL_POSITION_VIEWPORT,
             0.6 * r->chx / (vp[1] - vp[0]), 0.0, 1.1 * r->chx / (vp[1] - vp[0]), 1.0, C_BG, C_FG, 1, 0, 0, 0, 0, 1, label_opts, labels, 1, axis_opts, ticks,
             sub_ticks, n_values, (PLFLT_MATRIX)values);
}

static int draw_panel(const rctx *r, const gk_panel *p, int row, int col, double top)
{
  grid g;
  int rc = GK_OK;
  if (p->image.z) {
    rc = grid_make(p, &g);
    if (rc) return rc;
  } else {
    memset(&g, 0, sizeof g);
  }
  int has_image = g.mx && g.my;
  axis ax, ay;
  panel_ranges(p, &g, &ax, &ay);

  legend_geom lg;
  legend_measure(r, p, &lg);

  /* Margins in character heights: the left one from the widest y tick
   * label (horizontal) plus room for the y label; the x ticks are chosen
   * once the width is known. */
  double cw = 1.0 / r->ncols, chh = top / r->nrows;
  double right = 1.2 * r->chx;
  if (has_image || p->cbar.on) right += 9.0 * r->chx;
  if (p->legend == GK_LEGEND_OUTSIDE_RIGHT && lg.n) right += lg.w_mm / r->page_w_mm + 1.5 * r->chx;
  double vp[4] = {0, (col + 1) * cw - right, top - (row + 1) * chh + 4.3 * r->chy,
                  top - row * chh - (p->title ? 2.3 : 1.0) * r->chy};
  double ylw, xlw;
  double ystep = choose_step(&ay, (vp[3] - vp[2]) / r->chy, 1, &ylw);
  double ylabel_disp = ylw + 1.9;
  vp[0] = col * cw + (ylabel_disp + (p->ylabel ? 1.0 : 0.2)) * r->chx;
  double xstep = choose_step(&ax, (vp[1] - vp[0]) / r->chx, 0, &xlw);
  /* A legend taller than 45 % of the axes goes into two columns. */
  double colw0 = lg.pad_mm * 3 + lg.sample_mm + lg.text_mm;
  if (lg.n >= 4 && p->legend != GK_LEGEND_OUTSIDE_RIGHT &&
      lg.h_mm > 0.45 * (vp[3] - vp[2]) * r->page_h_mm && 2 * colw0 < 0.9 * (vp[1] - vp[0]) * r->page_w_mm) {
    double colw = colw0;
    lg.ncol = 2;
    lg.w_mm = 2 * colw;
    lg.h_mm = ((lg.n + 1) / 2) * lg.row_mm + lg.pad_mm;
  }
  /* A legend that would hide more than two measured points inside the
   * axes (or a label) goes below the x label instead, in as many columns
   * as the panel's width allows; the axes give up the height it needs. */
  if (p->legend == GK_LEGEND_AUTO && lg.n) {
    double lx0, ly1;
    /* (a legend wider or taller than the axes cannot sit inside them) */
    if (lg.w_mm > 0.95 * (vp[1] - vp[0]) * r->page_w_mm || lg.h_mm > 0.95 * (vp[3] - vp[2]) * r->page_h_mm ||
        legend_place(r, p, &lg, vp, &ax, &ay, &lx0, &ly1) > 250) {
      double colw = lg.pad_mm * 3 + lg.sample_mm + lg.text_mm;
      double avail = (cw - 1.0 * r->chx) * r->page_w_mm;
      int ncol = (int)(avail / colw);
      if (ncol < 1) ncol = 1;
      if (ncol > lg.n) ncol = lg.n;
      int nrow = (lg.n + ncol - 1) / ncol;
      double h_mm = nrow * lg.row_mm + lg.pad_mm;
      double vp2 = vp[2] + h_mm / r->page_h_mm + 0.6 * r->chy;
      if (vp[3] - vp2 > 0.35 * (vp[3] - vp[2])) { /* keep most of the axes */
        lg.below = 1;
        lg.ncol = ncol;
        lg.w_mm = ncol * colw;
        lg.h_mm = h_mm;
        vp[2] = vp2;
        ystep = choose_step(&ay, (vp[3] - vp[2]) / r->chy, 1, &ylw);
        ylabel_disp = ylw + 1.9;
        vp[0] = col * cw + (ylabel_disp + (p->ylabel ? 1.0 : 0.2)) * r->chx;
        xstep = choose_step(&ax, (vp[1] - vp[0]) / r->chx, 0, &xlw);
      }
    }
  }
  if (vp[1] <= vp[0] + 0.02 || vp[3] <= vp[2] + 0.02) { /* figure too small for its panels */
    grid_free(&g);
    return GK_EUSAGE;
  }
  plvpor(vp[0], vp[1], vp[2], vp[3]);
  plwind(ax.lo, ax.hi, ay.lo, ay.hi);

  char xo[16], yo[16];
  snprintf(xo, sizeof xo, "bcnst%s", ax.log ? "l" : "");
  snprintf(yo, sizeof yo, "bcnstv%s", ay.log ? "l" : "");

  /* grid and bands under the data */
  if (!has_image) {
    plcol0(C_GRID);
    set_line(r, GK_STYLE_LINE, r->thin);
    plbox(ax.log ? "gl" : "g", xstep, 0, ay.log ? "gl" : "g", ystep, 0);
  }
  double zlo = 0, zhi = 1;
  if (has_image && (rc = draw_image(p, &g, &zlo, &zhi))) {
    grid_free(&g);
    return rc;
  }
  for (size_t k = 0; k < p->nitems; k++) {
    const gk_item *it = &p->items[k];
    double u0, u1;
    if (it->kind != GK_ITEM_BAND) continue;
    if (!to_plot(it->a, p->logx, &u0)) u0 = ax.lo;
    if (!to_plot(it->b, p->logx, &u1)) continue;
    plcol0(C_FILL + (it->colour < GK_NCOLOURS ? it->colour : GK_GREY));
    fill_rect(fmax(u0, ax.lo), fmin(u1, ax.hi), ay.lo, ay.hi);
  }
  /* marker lines, then the series on top */
  for (size_t k = 0; k < p->nitems; k++) {
    const gk_item *it = &p->items[k];
    double u;
    if (it->kind == GK_ITEM_VLINE && to_plot(it->a, p->logx, &u)) {
      set_colour(it->colour);
      set_line(r, GK_STYLE_DASHED, 0.7 * r->lw);
      PLFLT lx[2] = {u, u}, ly[2] = {ay.lo, ay.hi};
      plline(2, lx, ly);
    } else if (it->kind == GK_ITEM_HLINE && to_plot(it->a, p->logy, &u)) {
      set_colour(it->colour);
      set_line(r, GK_STYLE_DASHED, 0.7 * r->lw);
      PLFLT lx[2] = {ax.lo, ax.hi}, ly[2] = {u, u};
      plline(2, lx, ly);
    }
  }
  pllsty(1);
  for (size_t k = 0; k < p->nitems; k++)
    if (p->items[k].kind == GK_ITEM_SERIES && (rc = draw_series(r, p, &p->items[k], &ay))) {
      grid_free(&g);
      return rc;
    }

  /* axes and labels */
  label_info li = {{ax.log, ay.log}, {ax.hi - ax.lo, ay.hi - ay.lo}, {(int)lround(xstep), (int)lround(ystep)}};
  plslabelfunc(label_func, &li);
  plcol0(C_FG);
  set_line(r, GK_STYLE_LINE, fmax(r->thin, 0.6 * r->lw));
  char xo2[20], yo2[20];
  snprintf(xo2, sizeof xo2, "%so", xo);
  snprintf(yo2, sizeof yo2, "%so", yo);
  plbox(xo2, xstep, 0, yo2, ystep, 0);
  plslabelfunc(NULL, NULL);

  /* Axis labels and titles longer than their room are set smaller, down
   * to 0.82 of the text size (7 pt of 8.5 pt): a label that still does
   * not fit is for the layout test to find. */
  char buf[TEXT_MAX];
  double ch_mm = r->chy * r->page_h_mm;
  if (p->xlabel) {
    text(p->xlabel, buf);
    double room = (cw - 0.5 * r->chx) * r->page_w_mm, w = text_width_mm(buf, ch_mm);
    plschr(0, w > room ? fmax(0.82, room / w) : 1.0);
    plmtex("b", 2.9, 0.5, 0.5, buf);
    plschr(0, 1.0);
  }
  if (p->ylabel) {
    text(p->ylabel, buf);
    double room = (vp[3] - vp[2] + 3.0 * r->chy) * r->page_h_mm, w = text_width_mm(buf, ch_mm);
    plschr(0, w > room ? fmax(0.82, room / w) : 1.0);
    plmtex("l", ylabel_disp, 0.5, 0.5, buf);
    plschr(0, 1.0);
  }
  if (p->title) {
    text(p->title, buf);
    double room = (cw - 0.5 * r->chx) * r->page_w_mm, w = text_width_mm(buf, 1.05 * ch_mm);
    plschr(0, w > room ? fmax(0.82, 1.05 * room / w) : 1.05);
    /* centred on the axes, but kept inside the panel's cell */
    double c = 0.5 * (vp[0] + vp[1]), half = 0.5 * fmin(w, room) / r->page_w_mm;
    double lo = col * cw + 0.2 * r->chx, hi = (col + 1) * cw - 0.2 * r->chx;
    if (c - half < lo) c = lo + half;
    if (c + half > hi) c = hi - half;
    plmtex("t", 0.8, (c - vp[0]) / (vp[1] - vp[0]), 0.5, buf);
    plschr(0, 1.0);
  }

  /* labels of marker lines and bands, inside the axes, kept clear of the
   * lines by most of a character height */
  double cwx = r->chx / (vp[1] - vp[0]) * (ax.hi - ax.lo), cwy = r->chy / (vp[3] - vp[2]) * (ay.hi - ay.lo);
  for (size_t k = 0; k < p->nitems; k++) {
    const gk_item *it = &p->items[k];
    double lx, ly, ddx, ddy, just;
    if (!it->label || !*it->label || it->kind == GK_ITEM_SERIES) continue;
    if (!label_anchor(p, it, &ax, &ay, cwx, cwy, &lx, &ly, &ddx, &ddy, &just)) continue;
    if (it->kind == GK_ITEM_TEXT) plcol0(C_FG);
    else set_colour(it->colour);
    plptex(lx, ly, ddx, ddy, just, text(it->label, buf));
  }
  if (has_image) draw_colorbar(r, p->image.zlabel, p->zlog > 0, vp, zlo, zhi);
  else if (p->cbar.on)
    draw_colorbar(r, p->cbar.label, p->cbar.log, vp, p->cbar.log ? log10(p->cbar.lo) : p->cbar.lo,
                  p->cbar.log ? log10(p->cbar.hi) : p->cbar.hi);
  draw_legend(r, p, &lg, vp, &ax, &ay);
  grid_free(&g);
  return GK_OK;
}

/* ---- the whole figure ----------------------------------------------------- */

/* Viridis (van der Walt & Smith): perceptually uniform, readable in
 * greyscale and by colour-blind readers; nine stops, interpolated in RGB. */
static void set_colours(void)
{
  PLINT r[NCOL0], g[NCOL0], b[NCOL0];
  PLFLT a[NCOL0];
  r[C_BG] = g[C_BG] = b[C_BG] = 255;
  r[C_FG] = g[C_FG] = b[C_FG] = 0;
  a[C_BG] = a[C_FG] = 1.0;
  for (int k = 0; k < GK_NCOLOURS; k++) {
    r[C_PAL + k] = r[C_FILL + k] = palette[k][0];
    g[C_PAL + k] = g[C_FILL + k] = palette[k][1];
    b[C_PAL + k] = b[C_FILL + k] = palette[k][2];
    a[C_PAL + k] = 1.0;
    a[C_FILL + k] = 0.18;
  }
  r[C_GRID] = g[C_GRID] = b[C_GRID] = 222;
  a[C_GRID] = 1.0;
  r[C_FRAME] = g[C_FRAME] = b[C_FRAME] = 170;
  a[C_FRAME] = 1.0;
  r[C_LEGBG] = g[C_LEGBG] = b[C_LEGBG] = 255;
  a[C_LEGBG] = 0.85;
  plscmap0a(r, g, b, a, NCOL0);

  static const PLFLT pos[9] = {0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1};
  static const double vir[9][3] = {{68, 1, 84},    {71, 44, 122},  {59, 81, 139},   {44, 113, 142}, {33, 144, 141},
                                   {39, 173, 129}, {92, 200, 99},  {170, 220, 50},  {253, 231, 37}};
  PLFLT cr[9], cgr[9], cb[9];
  for (int k = 0; k < 9; k++) {
    cr[k] = vir[k][0] / 255.0;
    cgr[k] = vir[k][1] / 255.0;
    cb[k] = vir[k][2] / 255.0;
  }
  plscmap1n(256);
  plscmap1l(1, 9, pos, cr, cgr, cb, NULL);
}

/* PLplot's character height (plschr) is this fraction of the font size
 * that the svg and cairo drivers set (FONT_SIZE_RATIO in PLplot's svg
 * driver; the cairo drivers match it). */
static const double FONT_PER_CHAR = 1.34;

/* The page in device units (pixels for PNG, points for SVG and PDF), the
 * character height in the same units, and the line widths. See
 * gk_plot_set_style in gainkit/plot.h for the rules. */
typedef struct {
  double w, h, ch, lw, thin;
} page_size;

/* The grid as drawn: on a page of at most 9 cm (one journal column) the
 * panels of a multi-column figure are stacked in one column, in reading
 * order; three panels side by side in 8.5 cm leave no room for text. */
static void drawn_grid(const gk_figure *f, double wcm, int *ncols, int *nrows)
{
  *ncols = f->ncols;
  *nrows = f->nrows;
  if (wcm > 0 && wcm <= 9 && f->ncols > 1) {
    int used = 0;
    for (int k = 0; k < f->ncols * f->nrows; k++) {
      const gk_panel *p = &f->panels[k];
      if (p->nitems || p->image.z || p->xlabel || p->ylabel || p->title) used = k + 1;
    }
    *ncols = 1;
    *nrows = used > 0 ? used : 1;
  }
}

static void page_for(const gk_figure *f, int png, page_size *ps, int *ncols, int *nrows)
{
  const gk_plot_style *st = gk_plot_style_current();
  double wcm = st->width_cm, font = st->font_pt;
  if (wcm <= 0 && st->height_cm > 0) wcm = st->height_cm * f->width / f->height; /* height alone */
  if (wcm <= 0 && !png) wcm = 17.8; /* vector output: a double column */
  if (wcm > 0) {
    if (font <= 0) font = 8.5; /* see gk_plot_style_preset */
    double upt = png ? (st->dpi > 0 ? st->dpi : 300) / 72.0 : 1.0; /* device units per point */
    drawn_grid(f, wcm, ncols, nrows);
    ps->w = wcm / 2.54 * 72 * upt;
    /* a panel keeps the proportions it has in the figure, at most 3:4
     * (height:width) when the panels are stacked */
    double aspect = ((double)f->height / f->nrows) / ((double)f->width / f->ncols);
    if (*ncols != f->ncols && aspect > 0.75) aspect = 0.75;
    ps->h = st->height_cm > 0 ? st->height_cm / 2.54 * 72 * upt
                              : ps->w / *ncols * aspect * *nrows + (f->title ? 2.4 * font / FONT_PER_CHAR * upt : 0);
    ps->ch = font / FONT_PER_CHAR * upt;
    /* every row of panels needs room for its tick labels, axis label and
     * title plus a usable plot: at least 16 character heights */
    double hmin = *nrows * 16 * ps->ch + (f->title ? 3 * ps->ch : 0);
    if (st->height_cm <= 0 && ps->h < hmin) ps->h = hmin;
    ps->lw = 1.1 * upt; /* data lines 1.1 pt */
    ps->thin = 0.5 * upt;
    return;
  }
  /* Screen PNG: text height 1.85 % of the geometric mean of the sides: 18
   * px at 1200x800, readable when the figure is shown at half size, and not
   * shrunk to nothing by a wide, low strip of panels; clamped so tiny and
   * huge figures stay sane. A font size set alone applies here too. */
  *ncols = f->ncols;
  *nrows = f->nrows;
  ps->w = f->width;
  ps->h = f->height;
  ps->ch = font > 0 ? font / FONT_PER_CHAR : fmin(fmax(0.0185 * sqrt((double)f->width * f->height), 11.0), 40.0);
  int shorter = f->width < f->height ? f->width : f->height;
  ps->lw = fmax(2.0, 2.4 * shorter / 800.0);
  ps->thin = 1.0;
}

static int render(const gk_figure *f, const char *dev, const char *file)
{
  page_size ps;
  int gcols, grows;
  page_for(f, !strcmp(dev, "pngcairo"), &ps, &gcols, &grows);
  plsdev(dev);
  plsfnam(file);
  plspage(0, 0, (PLINT)lround(ps.w), (PLINT)lround(ps.h), 0, 0);
  plspause(0);
  set_colours();
  plinit();
  pladv(0);

  rctx r = {0};
  r.f = f;
  r.ncols = gcols;
  r.nrows = grows;
  PLFLT xmin, xmax, ymin, ymax;
  plgspa(&xmin, &xmax, &ymin, &ymax);
  r.page_w_mm = xmax - xmin;
  r.page_h_mm = ymax - ymin;
  r.chx = ps.ch / ps.w;
  r.chy = ps.ch / ps.h;
  plschr(r.chy * r.page_h_mm, 1.0);
  plsmaj(0, 0.55 * r.chy * r.page_h_mm / 3.0);
  plsmin(0, 0.55 * r.chy * r.page_h_mm / 3.0);
  r.lw = ps.lw;
  r.thin = ps.thin;
  r.dash_um = 1000.0 * 0.9 * r.chy * r.page_h_mm;

  double top = 1.0 - 0.4 * r.chy;
  if (f->title) {
    char buf[TEXT_MAX];
    top = 1.0 - 2.4 * r.chy;
    plvpor(0, 1, 0, 1);
    plwind(0, 1, 0, 1);
    plcol0(C_FG);
    plschr(0, 1.05); /* as large as a panel title: 8.9 pt at 8.5 pt text */
    plptex(0.5, 1.0 - 1.3 * r.chy, 1, 0, 0.5, text(f->title, buf));
    plschr(0, 1.0);
  }
  int rc = GK_OK;
  for (int row = 0; row < f->nrows && !rc; row++)
    for (int col = 0; col < f->ncols && !rc; col++) {
      const gk_panel *p = &f->panels[row * f->ncols + col];
      if (!p->nitems && !p->image.z && !p->xlabel && !p->ylabel && !p->title) continue; /* unused slot */
      gk_panel shown;
      int k = row * f->ncols + col;
      rc = gk_plot_display_panel(f, k, &shown);
      if (rc) break;
      rc = draw_panel(&r, &shown, k / r.ncols, k % r.ncols, top);
      gk_panel_free_contents(&shown);
    }
  plend();
  return rc;
}

/* PLplot's error hooks are process-wide, so they report into statics that
 * the mutex protects. */
static pthread_mutex_t plot_lock = PTHREAD_MUTEX_INITIALIZER;
static jmp_buf *plot_jmp;
static char plot_msg[256];
static int plot_failed;

static int on_plexit(const char *msg)
{
  if (!plot_failed) snprintf(plot_msg, sizeof plot_msg, "%s", msg ? msg : "");
  plot_failed = 1;
  if (plot_jmp) longjmp(*plot_jmp, 1);
  return 1;
}

static void on_plabort(const char *msg)
{
  if (!plot_failed) snprintf(plot_msg, sizeof plot_msg, "%s", msg ? msg : "");
  plot_failed = 1;
}

static int guarded_render(const gk_figure *f, const char *dev, const char *file)
{
  jmp_buf jb;
  volatile int rc = GK_OK;
  plot_failed = 0;
  plot_msg[0] = '\0';
  plot_jmp = &jb;
  plsexit(on_plexit);
  plsabort(on_plabort);
  if (setjmp(jb) == 0) {
    rc = render(f, dev, file);
  } else {
    /* PLplot bailed out half-way: close what is left of its stream (with
     * the jump disarmed, so a second failure cannot loop) */
    plot_jmp = NULL;
    plend();
  }
  plot_jmp = NULL;
  plsexit(NULL);
  plsabort(NULL);
  if (!rc && plot_failed) rc = GK_EINTERNAL;
  return rc;
}

int gk_plot_ext_ok(const char *path)
{
  char ext[16];
  gk_path_ext(path, ext, sizeof ext);
  return !strcmp(ext, "svg") || !strcmp(ext, "png") || !strcmp(ext, "pdf");
}

/* The one place a figure reaches the file system. PLplot (cairo) writes
 * by itself and drops write errors: on a full disk it used to leave a
 * truncated file renamed over a complete one, exit 0. So it renders into a
 * private scratch file in TMPDIR (with the figure's extension, so that the
 * provenance metadata, gk_plot_embed_default_metadata, can be added to it
 * by name), and gk_commit_from_fd copies that to a temp file beside the
 * target with every write checked, fsyncs, compares sizes and renames only
 * then: a write error of any kind leaves the target intact. */
static int commit_figure(const char *scratch, const char *path, gk_error *err)
{
  /* provenance (gk_plot_set_metadata) goes in before the commit */
  int rc = gk_plot_embed_default_metadata(scratch, err);
  if (rc != GK_OK) {
    if (err) snprintf(err->file, sizeof err->file, "%s", path);
    return rc;
  }
  int fd = open(scratch, O_RDONLY);
  if (fd < 0) return gk_error_set(err, GK_EIO, path, 0, "cannot write: %s", strerror(errno));
  rc = gk_commit_from_fd(fd, path, err);
  close(fd);
  return rc;
}

int gk_figure_save(gk_figure *f, const char *path, gk_error *err)
{
  if (!f || !path || !*path) return gk_error_set(err, GK_EUSAGE, NULL, 0, "no figure or no output file name");
  char ext[16];
  gk_path_ext(path, ext, sizeof ext);
  if (!gk_plot_ext_ok(path))
    return gk_error_set(err, GK_EUSAGE, path, 0, "unsupported plot format '%s%s' (use .svg, .png or .pdf)",
                        *ext ? "." : "", *ext ? ext : "no extension");
  /* SVG through PLplot's own svg driver: text stays <text> elements that
   * Inkscape and Illustrator can edit (svgcairo stores glyph outlines);
   * PDF through pdfcairo, which embeds (subsets of) the fonts; PNG through
   * pngcairo. */
  char dev[24];
  if (!strcmp(ext, "svg")) snprintf(dev, sizeof dev, "svg");
  else snprintf(dev, sizeof dev, "%scairo", ext);
  char scratch[PATH_MAX];
  const char *dir = getenv("TMPDIR");
  snprintf(scratch, sizeof scratch, "%s/gainkit-figure-XXXXXX.%s", dir && *dir ? dir : "/tmp", ext);
  int sfd = mkstemps(scratch, (int)strlen(ext) + 1);
  if (sfd < 0) return gk_error_set(err, GK_EIO, path, 0, "cannot write: scratch file: %s", strerror(errno));
  close(sfd);   /* PLplot opens it by name (and truncates it) */

  char msg[sizeof plot_msg];
  int rc;
  if (gk_plplot_load_(msg, sizeof msg) != 0) {
    rc = GK_EINTERNAL;
  } else {
    pthread_mutex_lock(&plot_lock);
    rc = guarded_render(f, dev, scratch);
    snprintf(msg, sizeof msg, "%s", plot_msg);
    pthread_mutex_unlock(&plot_lock);
  }

  if (rc == GK_EUSAGE) {
    gk_error_set(err, rc, path, 0, "figure of %dx%d pixels is too small for %dx%d panels", f->width, f->height,
                 f->ncols, f->nrows);
  } else if (rc == GK_ENOMEM) {
    gk_error_set(err, rc, path, 0, "out of memory");
  } else if (rc) {
    gk_error_set(err, rc, path, 0, "plotting failed: %s", *msg ? msg : "PLplot error");
  } else {
    rc = commit_figure(scratch, path, err);
  }
  unlink(scratch);
  /* the data behind the figure, when the style asks for it (--plot-data) */
  const gk_plot_style *st = gk_plot_style_current();
  if (rc == GK_OK && st->data_path && *st->data_path) rc = gk_figure_save_data(f, st->data_path, err);
  return rc;
}
