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

void gk_figure_free(gk_figure *f)
{
  if (!f) return;
  size_t np = (size_t)f->ncols * (size_t)f->nrows;
  for (size_t k = 0; f->panels && k < np; k++) {
    gk_panel *p = &f->panels[k];
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
    image_free(&p->image);
  }
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
  it->colour = colour % GK_NCOLOURS;
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
