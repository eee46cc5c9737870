/* Internal: the in-memory figure shared by figure.c (building) and
 * render.c (drawing with PLplot). */
#ifndef GAINKIT_PLOT_INTERNAL_H
#define GAINKIT_PLOT_INTERNAL_H

#include "gainkit/plot.h"

#define GK_PLOT_MAX_GRID 12

typedef enum { GK_ITEM_SERIES, GK_ITEM_VLINE, GK_ITEM_HLINE, GK_ITEM_BAND, GK_ITEM_TEXT } gk_item_kind;

typedef struct {
  gk_item_kind kind;
  gk_style style;
  int colour;      /* 0..GK_NCOLOURS-1, or GK_CMAP_BASE + 0..1000 (colour map) */
  double width;    /* line width relative to the data line (1) */
  int marker;      /* series number in the panel: picks the marker shape */
  char *label;     /* legend entry / line label / annotation text; may be NULL */
  size_t n;
  double *x, *y, *yerr; /* series */
  double a, b;     /* vline x, hline y, band x0..x1, text position */
} gk_item;

typedef struct {
  size_t nx, ny;
  double *x, *y, *z; /* z[i*nx + j] at (x[j], y[i]); z == NULL: no image */
  char *zlabel;
} gk_image;

struct gk_panel {
  char *xlabel, *ylabel, *title;
  int logx, logy;
  int fix[3];          /* x, y, z range fixed by the caller */
  double lo[3], hi[3];
  gk_legend_pos legend;
  int next_colour, nseries;
  gk_item *items;
  size_t nitems, cap;
  gk_image image;
  double zlog;         /* log colour scale over this many decades; 0: linear */
  struct {
    int on, log;
    double lo, hi;
    char *label;
  } cbar;              /* colour bar without an image (gk_panel_colorbar) */
};

struct gk_figure {
  int ncols, nrows, width, height;
  char *title;
  gk_panel *panels; /* ncols*nrows, row-major from the top left */
};

/* Embed the metadata of gk_plot_set_metadata into the rendered file
 * (metadata.c); GK_OK when there is none. */
int gk_plot_embed_default_metadata(const char *path, gk_error *err);

/* Deep copy of a panel (for drawing a rescaled copy) and freeing one. */
int gk_panel_clone(const gk_panel *src, gk_panel *dst);
void gk_panel_free_contents(gk_panel *p);

/* The panel as drawn (display.c): a copy with engineering units chosen from
 * the data and the style's axis overrides applied. */
int gk_plot_display_panel(const gk_figure *f, int index, gk_panel *out);

/* The process-wide style of gk_plot_set_style (figure.c). */
const gk_plot_style *gk_plot_style_current(void);
/* The metadata pairs as "# key: value" lines (metadata.c), for the CSV of
 * gk_figure_save_data. */
#include <stdio.h>
void gk_plot_meta_comments(FILE *fp);
#endif
