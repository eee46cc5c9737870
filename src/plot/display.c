/* What a panel shows, as opposed to what the caller put in: engineering
 * units chosen from the data, and the axis overrides of the process-wide
 * style (gk_plot_set_style). render.c draws a rescaled copy made here, so
 * the caller's figure is never changed and can be saved again.
 *
 * Why automatic units: commands label axes with the unit they compute in
 * ("time (s)", "delay (ps)", "pump (uJ/cm2)"), and data from 1 ns to 50 ns
 * then read "5×10⁻⁹" or "100000 ps". A label whose last parenthesis holds
 * an SI-prefixable unit of time or fluence is rewritten with the prefix
 * that puts the largest |value| on the axis between 1 and 1000 (ps, ns,
 * µs; µJ/cm², mJ/cm²), and the data are scaled to match. Other labels and
 * units (nm, cm⁻¹, a.u.) are left alone: wavelengths in nm and gains in
 * cm⁻¹ are what the field reads, whatever their size. */
#include "plot/plot_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const struct { const char *p; double f; } prefixes[] = {
  {"f", 1e-15}, {"p", 1e-12}, {"n", 1e-9}, {"u", 1e-6}, {"\xC2\xB5", 1e-6}, {"m", 1e-3}, {"", 1}};
static const char *const bases[] = {"s", "J/cm2", "J/cm^2", "J cm-2"};

/* The unit at the end of a label: "(PREFIX BASE)" as the last thing.
 * Returns 1 with the offset of '(' , the prefix factor and base index. */
static int label_unit(const char *label, size_t *open, double *factor, int *base)
{
  if (!label) return 0;
  size_t n = strlen(label);
  while (n && label[n - 1] == ' ') n--;
  if (n < 3 || label[n - 1] != ')') return 0;
  const char *o = NULL;
  for (const char *c = label; c < label + n; c++)
    if (*c == '(') o = c;
  if (!o) return 0;
  size_t ulen = (size_t)(label + n - 1 - (o + 1));
  const char *u = o + 1;
  for (size_t k = 0; k < sizeof prefixes / sizeof *prefixes; k++) {
    size_t pl = strlen(prefixes[k].p);
    if (ulen <= pl || strncmp(u, prefixes[k].p, pl) != 0) continue;
    for (size_t b = 0; b < sizeof bases / sizeof *bases; b++)
      if (ulen - pl == strlen(bases[b]) && !strncmp(u + pl, bases[b], ulen - pl)) {
        *open = (size_t)(o - label);
        *factor = prefixes[k].f;
        *base = (int)b;
        return 1;
      }
  }
  return 0;
}

static double maxabs(const double *v, size_t n, double m)
{
  for (size_t i = 0; v && i < n; i++)
    if (isfinite(v[i]) && fabs(v[i]) > m) m = fabs(v[i]);
  return m;
}

/* Rescale one axis (0: x, 1: y) of the copy q when its label allows. */
static void rescale_axis(gk_panel *q, int axis)
{
  char **lab = axis ? &q->ylabel : &q->xlabel;
  size_t open;
  double f0;
  int base;
  if (!label_unit(*lab, &open, &f0, &base)) return;
  double m = 0;
  for (size_t k = 0; k < q->nitems; k++) {
    gk_item *it = &q->items[k];
    if (it->kind == GK_ITEM_SERIES) m = maxabs(axis ? it->y : it->x, it->n, m);
    else if ((it->kind == GK_ITEM_VLINE || it->kind == GK_ITEM_BAND) && !axis) m = fmax(m, fmax(fabs(it->a), fabs(it->b)));
    else if (it->kind == GK_ITEM_HLINE && axis) m = fmax(m, fabs(it->a));
  }
  if (q->image.z) m = maxabs(axis ? q->image.y : q->image.x, axis ? q->image.ny : q->image.nx, m);
  if (q->fix[axis]) m = fmax(fabs(q->lo[axis]), fabs(q->hi[axis]));
  if (!(m > 0) || !isfinite(m)) return;
  double inbase = m * f0;
  double e3 = 3 * floor(log10(inbase) / 3 + 1e-9);
  double f1 = pow(10, e3);
  if (f1 > 1) f1 = 1;
  if (f1 < 1e-15) f1 = 1e-15;
  const char *pre = NULL;
  for (size_t k = 0; k < sizeof prefixes / sizeof *prefixes; k++)
    if (fabs(prefixes[k].f / f1 - 1) < 1e-6 && strcmp(prefixes[k].p, "\xC2\xB5") != 0) pre = prefixes[k].p;
  if (!pre || fabs(f1 / f0 - 1) < 1e-9) return;
  double s = f0 / f1; /* old display value * s = new display value */
  size_t need = open + 1 + strlen(pre) + strlen(bases[base]) + 2;
  char *nl = malloc(need);
  if (!nl) return;
  memcpy(nl, *lab, open);
  snprintf(nl + open, need - open, "(%s%s)", pre, bases[base]);
  free(*lab);
  *lab = nl;
  for (size_t k = 0; k < q->nitems; k++) {
    gk_item *it = &q->items[k];
    if (it->kind == GK_ITEM_SERIES) {
      double *v = axis ? it->y : it->x;
      for (size_t i = 0; v && i < it->n; i++) v[i] *= s;
      if (axis && it->yerr)
        for (size_t i = 0; i < it->n; i++) it->yerr[i] *= s;
    } else if ((it->kind == GK_ITEM_VLINE || it->kind == GK_ITEM_BAND) && !axis) {
      it->a *= s;
      it->b *= s;
    } else if (it->kind == GK_ITEM_HLINE && axis) {
      it->a *= s;
      it->b *= s;
    }
  }
  if (q->image.z) {
    double *v = axis ? q->image.y : q->image.x;
    size_t n = axis ? q->image.ny : q->image.nx;
    for (size_t i = 0; i < n; i++) v[i] *= s;
  }
  if (q->fix[axis]) {
    q->lo[axis] *= s;
    q->hi[axis] *= s;
  }
}

static int same_label(const char *a, const char *b)
{
  return a && b && !strcmp(a, b);
}

int gk_plot_display_panel(const gk_figure *f, int index, gk_panel *out)
{
  const gk_panel *src = &f->panels[index], *first = NULL;
  int rc = gk_panel_clone(src, out);
  if (rc) return rc;
  /* the first panel that is drawn carries the style's axis overrides */
  for (int k = 0; k < f->ncols * f->nrows && !first; k++) {
    const gk_panel *p = &f->panels[k];
    if (p->nitems || p->image.z) first = p;
  }
  const gk_plot_style *st = gk_plot_style_current();
  int onx = first && (first == src || same_label(first->xlabel, src->xlabel));
  int ony = first && (first == src || same_label(first->ylabel, src->ylabel));
  if (onx && st->logx >= 0 && !src->image.z) out->logx = st->logx;
  if (ony && st->logy >= 0 && !src->image.z) out->logy = st->logy;
  rescale_axis(out, 0);
  rescale_axis(out, 1);
  if (onx && st->xlim_set) {
    out->fix[0] = 1;
    out->lo[0] = st->xlim[0];
    out->hi[0] = st->xlim[1];
  }
  if (ony && st->ylim_set) {
    out->fix[1] = 1;
    out->lo[1] = st->ylim[0];
    out->hi[1] = st->ylim[1];
  }
  return GK_OK;
}
