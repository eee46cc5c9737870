/* The figure model of gainkit/plot.h: panels holding copies of the data.
 * Nothing here touches PLplot; render.c draws a finished figure in one go
 * inside gk_figure_save, because PLplot keeps global state. */
#include "plot/plot_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static char *dup_or_null(const char *s)
{
  return s ? strdup(s) : NULL;
}

/* Replaces *dst with a copy of s; on allocation failure keeps the old text
 * (labels are cosmetic, so losing one is not worth an error path). */
static void set_text(char **dst, const char *s)
{
  char *c = dup_or_null(s);
  if (s && !c) return;
  free(*dst);
  *dst = c;
}

gk_figure *gk_figure_new(int ncols, int nrows, int width, int height, const char *title)
{
  if (ncols < 1 || nrows < 1 || ncols > GK_PLOT_MAX_GRID || nrows > GK_PLOT_MAX_GRID) return NULL;
  if (width < 100 || height < 100 || width > 20000 || height > 20000) return NULL;
  gk_figure *f = calloc(1, sizeof *f);
  if (!f) return NULL;
  f->ncols = ncols;
  f->nrows = nrows;
  f->width = width;
  f->height = height;
  f->panels = calloc((size_t)ncols * (size_t)nrows, sizeof *f->panels);
  f->title = dup_or_null(title);
  if (!f->panels || (title && !f->title)) {
    gk_figure_free(f);
    return NULL;
  }
  return f;
}

static void image_free(gk_image *im)
{
  free(im->x);
  free(im->y);
  free(im->z);
  free(im->zlabel);
  memset(im, 0, sizeof *im);
}

void gk_panel_free_contents(gk_panel *p)
{
  for (size_t i = 0; i < p->nitems; i++) {
    gk_item *it = &p->items[i];
    free(it->label);
    free(it->x);
    free(it->y);
    free(it->yerr);
  }
  free(p->items);
  free(p->xlabel);
  free(p->ylabel);
  free(p->title);
  free(p->cbar.label);
  image_free(&p->image);
  memset(p, 0, sizeof *p);
}

static double *copy_doubles(const double *v, size_t n);

int gk_panel_clone(const gk_panel *src, gk_panel *dst)
{
  *dst = *src;
  dst->items = NULL;
  dst->nitems = dst->cap = 0;
  dst->xlabel = dup_or_null(src->xlabel);
  dst->ylabel = dup_or_null(src->ylabel);
  dst->title = dup_or_null(src->title);
  dst->cbar.label = dup_or_null(src->cbar.label);
  memset(&dst->image, 0, sizeof dst->image);
  int bad = (src->xlabel && !dst->xlabel) || (src->ylabel && !dst->ylabel) || (src->title && !dst->title) ||
            (src->cbar.label && !dst->cbar.label);
  if (src->nitems) {
    dst->items = calloc(src->nitems, sizeof *dst->items);
    if (!dst->items) bad = 1;
    for (size_t i = 0; !bad && i < src->nitems; i++) {
      const gk_item *a = &src->items[i];
      gk_item *b = &dst->items[i];
      *b = *a;
      b->label = dup_or_null(a->label);
      b->x = a->x ? copy_doubles(a->x, a->n) : NULL;
      b->y = a->y ? copy_doubles(a->y, a->n) : NULL;
      b->yerr = a->yerr ? copy_doubles(a->yerr, a->n) : NULL;
      dst->nitems = dst->cap = i + 1;
      if ((a->label && !b->label) || (a->x && !b->x) || (a->y && !b->y) || (a->yerr && !b->yerr)) bad = 1;
    }
  }
  if (!bad && src->image.z) {
    const gk_image *im = &src->image;
    dst->image.nx = im->nx;
    dst->image.ny = im->ny;
    dst->image.x = copy_doubles(im->x, im->nx);
    dst->image.y = copy_doubles(im->y, im->ny);
    dst->image.z = copy_doubles(im->z, im->nx * im->ny);
    dst->image.zlabel = dup_or_null(im->zlabel);
    if (!dst->image.x || !dst->image.y || !dst->image.z || (im->zlabel && !dst->image.zlabel)) bad = 1;
  }
  if (bad) {
    gk_panel_free_contents(dst);
    return GK_ENOMEM;
  }
  return GK_OK;
}

void gk_figure_free(gk_figure *f)
{
  if (!f) return;
  size_t np = (size_t)f->ncols * (size_t)f->nrows;
  for (size_t k = 0; f->panels && k < np; k++) gk_panel_free_contents(&f->panels[k]);
  free(f->panels);
  free(f->title);
  free(f);
}

gk_panel *gk_figure_panel(gk_figure *f, int index)
{
  if (!f || index < 0 || index >= f->ncols * f->nrows) return NULL;
  return &f->panels[index];
}

void gk_panel_labels(gk_panel *p, const char *xlabel, const char *ylabel, const char *title)
{
  if (!p) return;
  set_text(&p->xlabel, xlabel);
  set_text(&p->ylabel, ylabel);
  set_text(&p->title, title);
}

void gk_panel_log(gk_panel *p, int logx, int logy)
{
  if (!p) return;
  p->logx = logx != 0;
  p->logy = logy != 0;
}

/* A fixed range must be finite and non-empty; otherwise it is ignored and
 * the range comes from the data (an unusable range is not worth failing a
 * whole figure for). */
static void set_range(int *fixed, double *lo_out, double *hi_out, double lo, double hi)
{
  if (!isfinite(lo) || !isfinite(hi) || lo == hi) {
    *fixed = 0;
    return;
  }
  *fixed = 1;
  *lo_out = lo < hi ? lo : hi;
  *hi_out = lo < hi ? hi : lo;
}

void gk_panel_xrange(gk_panel *p, double lo, double hi)
{
  if (p) set_range(&p->fix[0], &p->lo[0], &p->hi[0], lo, hi);
}

void gk_panel_yrange(gk_panel *p, double lo, double hi)
{
  if (p) set_range(&p->fix[1], &p->lo[1], &p->hi[1], lo, hi);
}

void gk_panel_zrange(gk_panel *p, double lo, double hi)
{
  if (p) set_range(&p->fix[2], &p->lo[2], &p->hi[2], lo, hi);
}

void gk_panel_legend(gk_panel *p, gk_legend_pos pos)
{
  if (p && pos >= GK_LEGEND_AUTO && pos <= GK_LEGEND_NONE) p->legend = pos;
}

static gk_item *new_item(gk_panel *p, gk_item_kind kind, int colour, const char *label)
{
  if (p->nitems == p->cap) {
    size_t cap = p->cap ? 2 * p->cap : 8;
    gk_item *items = realloc(p->items, cap * sizeof *items);
    if (!items) return NULL;
    p->items = items;
    p->cap = cap;
  }
  gk_item *it = &p->items[p->nitems];
  memset(it, 0, sizeof *it);
  it->label = dup_or_null(label);
  if (label && !it->label) return NULL;
  it->kind = kind;
  if (colour < 0) colour = kind == GK_ITEM_SERIES ? p->next_colour++ : GK_BLACK;
  if (colour >= GK_CMAP_BASE) it->colour = colour > GK_CMAP_BASE + 1000 ? GK_CMAP_BASE + 1000 : colour;
  else it->colour = colour % GK_NCOLOURS;
  it->width = 1.0;
  p->nitems++;
  return it;
}

static double *copy_doubles(const double *v, size_t n)
{
  double *c = malloc((n ? n : 1) * sizeof *c);
  if (c && n) memcpy(c, v, n * sizeof *c);
  return c;
}

int gk_panel_add(gk_panel *p, const double *x, const double *y, const double *yerr,
                 size_t n, gk_style style, int colour, const char *label)
{
  if (!p || (n && (!x || !y)) || style < GK_STYLE_LINE || style > GK_STYLE_LINEPOINTS) return GK_EUSAGE;
  double *cx = copy_doubles(x, n), *cy = copy_doubles(y, n);
  double *ce = yerr ? copy_doubles(yerr, n) : NULL;
  gk_item *it = (cx && cy && (!yerr || ce)) ? new_item(p, GK_ITEM_SERIES, colour, label) : NULL;
  if (!it) {
    free(cx);
    free(cy);
    free(ce);
    return GK_ENOMEM;
  }
  it->x = cx;
  it->y = cy;
  it->yerr = ce;
  it->n = n;
  it->style = style;
  it->marker = p->nseries++;
  return GK_OK;
}

static int add_simple(gk_panel *p, gk_item_kind kind, double a, double b, int colour, const char *label)
{
  if (!p || !isfinite(a) || !isfinite(b)) return GK_EUSAGE;
  gk_item *it = new_item(p, kind, colour, label);
  if (!it) return GK_ENOMEM;
  it->a = a;
  it->b = b;
  return GK_OK;
}

int gk_panel_vline(gk_panel *p, double x, int colour, const char *label)
{
  return add_simple(p, GK_ITEM_VLINE, x, x, colour, label);
}

int gk_panel_hline(gk_panel *p, double y, int colour, const char *label)
{
  return add_simple(p, GK_ITEM_HLINE, y, y, colour, label);
}

int gk_panel_band(gk_panel *p, double x0, double x1, int colour, const char *label)
{
  return add_simple(p, GK_ITEM_BAND, x0 < x1 ? x0 : x1, x0 < x1 ? x1 : x0, colour, label);
}

int gk_panel_text(gk_panel *p, double fx, double fy, const char *text)
{
  if (!text) return GK_EUSAGE;
  return add_simple(p, GK_ITEM_TEXT, fx, fy, GK_BLACK, text);
}

/* Image coordinates must be finite and strictly monotonic: cell edges are
 * placed half-way between neighbours. */
static int monotonic(const double *v, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (!isfinite(v[i])) return 0;
  if (n < 2) return 1;
  int up = v[1] > v[0];
  for (size_t i = 1; i < n; i++)
    if (up ? !(v[i] > v[i - 1]) : !(v[i] < v[i - 1])) return 0;
  return 1;
}

int gk_panel_image(gk_panel *p, const double *x, size_t nx, const double *y, size_t ny,
                   const double *z, const char *zlabel)
{
  if (!p || !x || !y || !z || nx == 0 || ny == 0 || nx > ((size_t)1 << 24) / ny) return GK_EUSAGE;
  if (!monotonic(x, nx) || !monotonic(y, ny)) return GK_EUSAGE;
  gk_image im = {0};
  im.nx = nx;
  im.ny = ny;
  im.x = copy_doubles(x, nx);
  im.y = copy_doubles(y, ny);
  im.z = copy_doubles(z, nx * ny);
  im.zlabel = dup_or_null(zlabel);
  if (!im.x || !im.y || !im.z || (zlabel && !im.zlabel)) {
    image_free(&im);
    return GK_ENOMEM;
  }
  image_free(&p->image);
  p->image = im;
  return GK_OK;
}

void gk_panel_series_width(gk_panel *p, double factor)
{
  if (!p || !isfinite(factor) || factor <= 0 || factor > 10) return;
  for (size_t k = p->nitems; k-- > 0;)
    if (p->items[k].kind == GK_ITEM_SERIES) {
      p->items[k].width = factor;
      return;
    }
}

void gk_panel_zlog(gk_panel *p, double decades)
{
  if (p && isfinite(decades) && decades >= 0 && decades <= 30) p->zlog = decades;
}

int gk_panel_colorbar(gk_panel *p, double lo, double hi, int log, const char *label)
{
  if (!p || !isfinite(lo) || !isfinite(hi) || lo == hi || (log && (lo <= 0 || hi <= 0))) return GK_EUSAGE;
  char *l = dup_or_null(label);
  if (label && !l) return GK_ENOMEM;
  free(p->cbar.label);
  p->cbar.label = l;
  p->cbar.on = 1;
  p->cbar.log = log != 0;
  p->cbar.lo = lo;
  p->cbar.hi = hi;
  return GK_OK;
}

/* ---- process-wide style ------------------------------------------------ */

static gk_plot_style style_now = {0, 0, 0, 0, 0, 0, {0, 0}, {0, 0}, -1, -1, 0, NULL};
static char *style_data_path;

void gk_plot_style_init(gk_plot_style *s)
{
  if (!s) return;
  memset(s, 0, sizeof *s);
  s->logx = s->logy = -1;
}

int gk_plot_style_preset(gk_plot_style *s, const char *name)
{
  /* Widths of the common journal formats (single column 8.5 cm, double
   * column 17.8 cm, e.g. ACS, Wiley, Nature) and a 16:9 slide. Text of
   * 8.5 pt puts every piece of text inside the 7-9 pt that journals ask
   * for: labels and ticks 8.5 (8 in SVG, whose driver writes whole
   * points), legends 7.2, titles 8.9. */
  static const struct { const char *name; double w, pt, dpi; } presets[] = {
    {"single", 8.5, 8.5, 300}, {"double", 17.8, 8.5, 300}, {"slide", 25.0, 9, 150}};
  if (!s || !name) return GK_EUSAGE;
  for (size_t k = 0; k < sizeof presets / sizeof *presets; k++)
    if (!strcmp(name, presets[k].name)) {
      s->width_cm = presets[k].w;
      s->font_pt = presets[k].pt;
      s->dpi = presets[k].dpi;
      return GK_OK;
    }
  return GK_EUSAGE;
}

int gk_plot_set_style(const gk_plot_style *s)
{
  char *dp = s && s->data_path ? strdup(s->data_path) : NULL;
  if (s && s->data_path && !dp) return GK_ENOMEM;
  free(style_data_path);
  style_data_path = dp;
  if (s) style_now = *s;
  else gk_plot_style_init(&style_now);
  style_now.data_path = style_data_path;
  return GK_OK;
}

void gk_plot_get_style(gk_plot_style *s)
{
  if (s) *s = style_now;
}

const gk_plot_style *gk_plot_style_current(void)
{
  return &style_now;
}

int gk_plot_signal_window(const double *t, const double *y, size_t n, double frac, double *t0, double *t1)
{
  if (!t || !y || n < 2 || !t0 || !t1 || style_now.full_range || !(frac > 0)) return 0;
  double m = 0, tlo = INFINITY, thi = -INFINITY;
  for (size_t i = 0; i < n; i++)
    if (isfinite(y[i]) && isfinite(t[i]) && fabs(y[i]) > m) m = fabs(y[i]);
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(t[i])) continue;
    if (t[i] < tlo) tlo = t[i];
    if (t[i] > thi) thi = t[i];
  }
  if (!(m > 0) || !(thi > tlo)) return 0;
  double a = INFINITY, b = -INFINITY;
  for (size_t i = 0; i < n; i++)
    if (isfinite(y[i]) && isfinite(t[i]) && fabs(y[i]) >= frac * m) {
      if (t[i] < a) a = t[i];
      if (t[i] > b) b = t[i];
    }
  if (!(b > a)) return 0;
  double pad = 0.2 * (b - a);
  a = fmax(tlo, a - pad);
  b = fmin(thi, b + pad);
  if (b - a > 0.8 * (thi - tlo)) return 0; /* hardly a zoom: keep the full range */
  *t0 = a;
  *t1 = b;
  return 1;
}

/* ---- waterfall ----------------------------------------------------------- */

typedef struct {
  double pump;
  size_t i;
} pump_index;

static int by_pump(const void *a, const void *b)
{
  const pump_index *x = a, *y = b;
  if (x->pump != y->pump) return (x->pump > y->pump) - (x->pump < y->pump);
  return (x->i > y->i) - (x->i < y->i);
}

int gk_panel_waterfall(gk_panel *p, const double *wl, size_t nwl, const double *pump, size_t n,
                       const double *spec, double threshold, const char *pump_label, const char *thr_label)
{
  if (!p || !wl || !pump || !spec || n == 0 || nwl < 2) return GK_EUSAGE;
  double plo = INFINITY, phi = -INFINITY;
  for (size_t i = 0; i < n; i++)
    if (isfinite(pump[i])) {
      plo = fmin(plo, pump[i]);
      phi = fmax(phi, pump[i]);
    }
  if (!(phi >= plo)) return GK_EUSAGE;
  int logc = plo > 0 && phi / plo > 10;
  pump_index *ord = malloc(n * sizeof *ord);
  double *y = malloc(nwl * sizeof *y);
  if (!ord || !y) {
    free(ord);
    free(y);
    return GK_ENOMEM;
  }
  for (size_t i = 0; i < n; i++) {
    ord[i].pump = isfinite(pump[i]) ? pump[i] : -INFINITY;
    ord[i].i = i;
  }
  qsort(ord, n, sizeof *ord, by_pump);
  /* the spectrum nearest to threshold (in log pump when colours are log) */
  size_t ith = n;
  if (isfinite(threshold) && threshold > 0) {
    double best = INFINITY;
    for (size_t i = 0; i < n; i++) {
      double d = logc && pump[i] > 0 ? fabs(log(pump[i] / threshold)) : fabs(pump[i] - threshold);
      if (isfinite(d) && d < best) {
        best = d;
        ith = i;
      }
    }
  }
  /* offset per spectrum: the stack stays about four spectra high */
  double dy = n > 1 ? fmin(0.5, fmax(0.12, 3.0 / (double)n)) : 0;
  int rc = GK_OK;
  for (size_t k = 0; k < n && rc == GK_OK; k++) {
    size_t i = ord[k].i;
    double m = 0;
    if (!isfinite(pump[i])) continue;
    for (size_t j = 0; j < nwl; j++)
      if (isfinite(spec[i * nwl + j]) && spec[i * nwl + j] > m) m = spec[i * nwl + j];
    for (size_t j = 0; j < nwl; j++) y[j] = m > 0 ? spec[i * nwl + j] / m + (double)k * dy : NAN;
    double t = phi > plo ? (logc ? log(pump[i] / plo) / log(phi / plo) : (pump[i] - plo) / (phi - plo)) : 0.5;
    if (i == ith) {
      rc = gk_panel_add(p, wl, y, NULL, nwl, GK_STYLE_LINE, GK_BLACK, thr_label);
      gk_panel_series_width(p, 1.8);
    } else {
      rc = gk_panel_add(p, wl, y, NULL, nwl, GK_STYLE_LINE, GK_CMAP(t), NULL);
      gk_panel_series_width(p, 0.7);
    }
  }
  free(ord);
  free(y);
  if (rc) return rc;
  gk_panel_labels(p, "wavelength (nm)", "I/I_{max} + offset",
                  ith < n && !thr_label ? "spectra (black: at threshold)" : "spectra by pump");
  if (phi > plo) rc = gk_panel_colorbar(p, plo, phi, logc, pump_label);
  return rc;
}
