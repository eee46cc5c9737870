/* The data behind a figure as CSV (gk_figure_save_data in gainkit/plot.h),
 * so a figure can be redrawn in Origin, matplotlib or a spreadsheet. One
 * long table (panel, item, label, kind, x, y, err_or_z) instead of one
 * column pair per series: series of different lengths need no padding and
 * every tool can filter it. Non-finite values are empty cells. */
#include "plot/plot_internal.h"
#include "gainkit/output.h"

#include <math.h>
#include <stdio.h>

static void csv_str(FILE *fp, const char *s)
{
  fputc('"', fp);
  for (; s && *s; s++) {
    if (*s == '"') fputc('"', fp);
    fputc(*s == '\n' || *s == '\r' ? ' ' : *s, fp);
  }
  fputc('"', fp);
}

static void csv_num(FILE *fp, double v)
{
  if (isfinite(v)) fprintf(fp, "%.10g", v);
}

static void row(FILE *fp, int panel, size_t item, const char *label, const char *kind, double x, double y,
                double e)
{
  fprintf(fp, "%d,%zu,", panel, item);
  csv_str(fp, label);
  fprintf(fp, ",%s,", kind);
  csv_num(fp, x);
  fputc(',', fp);
  csv_num(fp, y);
  fputc(',', fp);
  csv_num(fp, e);
  fputc('\n', fp);
}

int gk_figure_save_data(const gk_figure *f, const char *path, gk_error *err)
{
  if (!f || !path || !*path) return gk_error_set(err, GK_EUSAGE, NULL, 0, "no figure or no output file name");
  gk_atomic_file af;
  int rc = gk_atomic_open(&af, path, err);
  if (rc) return rc;
  FILE *fp = af.fp;
  fprintf(fp, "# gainkit figure data: every plotted point, one row each\n");
  gk_plot_meta_comments(fp);
  if (f->title) {
    fprintf(fp, "# figure: ");
    csv_str(fp, f->title);
    fputc('\n', fp);
  }
  int np = f->ncols * f->nrows;
  for (int k = 0; k < np; k++) {
    const gk_panel *p = &f->panels[k];
    if (!p->nitems && !p->image.z) continue;
    fprintf(fp, "# panel %d: title ", k + 1);
    csv_str(fp, p->title ? p->title : "");
    fprintf(fp, ", x ");
    csv_str(fp, p->xlabel ? p->xlabel : "");
    fprintf(fp, "%s, y ", p->logx ? " (log axis)" : "");
    csv_str(fp, p->ylabel ? p->ylabel : "");
    fprintf(fp, "%s", p->logy ? " (log axis)" : "");
    if (p->image.z) {
      fprintf(fp, ", image z ");
      csv_str(fp, p->image.zlabel ? p->image.zlabel : "");
    }
    fputc('\n', fp);
  }
  fprintf(fp, "# kind: series (x, y, y error), vline (x), hline (y), band (x from, x to), text (axes "
              "fractions), image (x, y, z)\n");
  fprintf(fp, "panel,item,label,kind,x,y,err_or_z\n");
  for (int k = 0; k < np; k++) {
    const gk_panel *p = &f->panels[k];
    for (size_t i = 0; i < p->nitems; i++) {
      const gk_item *it = &p->items[i];
      switch (it->kind) {
      case GK_ITEM_SERIES:
        for (size_t j = 0; j < it->n; j++)
          row(fp, k + 1, i + 1, it->label, "series", it->x[j], it->y[j], it->yerr ? it->yerr[j] : NAN);
        break;
      case GK_ITEM_VLINE: row(fp, k + 1, i + 1, it->label, "vline", it->a, NAN, NAN); break;
      case GK_ITEM_HLINE: row(fp, k + 1, i + 1, it->label, "hline", NAN, it->a, NAN); break;
      case GK_ITEM_BAND: row(fp, k + 1, i + 1, it->label, "band", it->a, it->b, NAN); break;
      case GK_ITEM_TEXT: row(fp, k + 1, i + 1, it->label, "text", it->a, it->b, NAN); break;
      }
    }
    const gk_image *im = &p->image;
    if (im->z)
      for (size_t a = 0; a < im->ny; a++)
        for (size_t b = 0; b < im->nx; b++)
          row(fp, k + 1, p->nitems + 1, im->zlabel, "image", im->x[b], im->y[a], im->z[a * im->nx + b]);
  }
  return gk_atomic_commit(&af, err);
}
