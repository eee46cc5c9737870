/* gainkit/plot.h — figures through PLplot's cairo driver.
 *
 * Build a figure in memory (panels holding series), then save it; the
 * output format follows the extension: .svg (svgcairo), .png (pngcairo),
 * .pdf (pdfcairo). Saving is atomic (temp file + rename). PLplot keeps
 * global state, so a figure is rendered in one go inside gk_figure_save and
 * nothing else touches PLplot; concurrent saves from several threads are
 * serialised by a mutex. Building figures is plain memory work.
 *
 * Panels lay out themselves: margins follow the tick labels, tick steps
 * are chosen so labels do not collide, a log axis spans whole decades
 * (unless a range is fixed), a panel with an image gets a colour bar on
 * its right. Unused panel slots (nothing added, no labels) stay blank.
 */
#ifndef GAINKIT_PLOT_H
#define GAINKIT_PLOT_H

#include <stddef.h>
#include "gainkit/error.h"
#include "gainkit/data.h" /* gk_meta */

#include "gainkit/export.h"

#ifdef __cplusplus
extern "C" {
#endif
GK_API_BEGIN

typedef struct gk_figure gk_figure;
typedef struct gk_panel gk_panel;

typedef enum {
  GK_STYLE_LINE = 0,    /* solid line */
  GK_STYLE_DASHED,
  GK_STYLE_DOTTED,
  GK_STYLE_POINTS,      /* markers only */
  GK_STYLE_LINEPOINTS
} gk_style;

/* Colours: the Okabe–Ito colour-blind-safe palette. A series with colour
 * GK_AUTO (-1) takes the next colour of its panel's cycle (blue, vermillion,
 * green, orange, purple, sky blue, black, grey, then around again). */
enum {
  GK_AUTO = -1,
  GK_BLUE = 0, GK_VERMILLION, GK_GREEN, GK_ORANGE, GK_PURPLE, GK_SKYBLUE,
  GK_BLACK, GK_GREY,
  GK_NCOLOURS
};

/* Where a panel's legend goes. AUTO picks the inside corner that covers the
 * fewest data points. */
typedef enum {
  GK_LEGEND_AUTO = 0,
  GK_LEGEND_TOP_RIGHT, GK_LEGEND_TOP_LEFT, GK_LEGEND_BOTTOM_RIGHT, GK_LEGEND_BOTTOM_LEFT,
  GK_LEGEND_OUTSIDE_RIGHT, /* right of the axes (the panel keeps room for it) */
  GK_LEGEND_NONE
} gk_legend_pos;

/* A figure of ncols x nrows panels; width/height in pixels (PNG) or the
 * same proportions for vector output. title may be NULL. */
gk_figure *gk_figure_new(int ncols, int nrows, int width, int height, const char *title);
void gk_figure_free(gk_figure *f);
/* Panel by index, row-major from the top left. */
gk_panel *gk_figure_panel(gk_figure *f, int index);

/* Labels with units, e.g. "stripe length L (cm)". All text (labels, titles,
 * legend entries, annotations) is plain UTF-8 and goes through
 * gk_plot_text, so "cm^-1", "cm-1", "uJ/cm2" and "E_{th}" come out as
 * cm⁻¹, µJ/cm², E with subscript th. */
void gk_panel_labels(gk_panel *p, const char *xlabel, const char *ylabel, const char *title);
void gk_panel_log(gk_panel *p, int logx, int logy);
/* Fix the axis range (otherwise from the data, with a margin). */
void gk_panel_xrange(gk_panel *p, double lo, double hi);
void gk_panel_yrange(gk_panel *p, double lo, double hi);

/* Colour-bar range of the panel's image (otherwise the data range). */
void gk_panel_zrange(gk_panel *p, double lo, double hi);
void gk_panel_legend(gk_panel *p, gk_legend_pos pos);
/* Text annotation at (fx, fy) in axes fractions (0,0 bottom left, 1,1 top
 * right), left-aligned, e.g. a fit result or a panel letter "(a)". */
int gk_panel_text(gk_panel *p, double fx, double fy, const char *text);

/* Add a series (data are copied). yerr may be NULL. label may be NULL (not
 * in the legend). Non-finite points and, on log axes, points <= 0 are
 * skipped. */
int gk_panel_add(gk_panel *p, const double *x, const double *y, const double *yerr,
                 size_t n, gk_style style, int colour, const char *label);
/* Vertical / horizontal marker line (dashed) with an optional label drawn
 * beside it; GK_AUTO means black for lines and bands. */
int gk_panel_vline(gk_panel *p, double x, int colour, const char *label);
int gk_panel_hline(gk_panel *p, double y, int colour, const char *label);
/* Colour map (viridis): z[i*nx + j] at (x[j], y[i]); zlabel for the colour
 * bar. x and y must be finite and strictly monotonic (GK_EUSAGE otherwise);
 * cells reach half-way to their neighbours; NaN cells stay blank; on a log
 * axis rows/columns at coordinates <= 0 are left out. One image per panel
 * (a second call replaces the first). */
int gk_panel_image(gk_panel *p, const double *x, size_t nx, const double *y, size_t ny,
                   const double *z, const char *zlabel);
/* Shaded band between x0 and x1 (e.g. a layer in a stack). */
int gk_panel_band(gk_panel *p, double x0, double x1, int colour, const char *label);

/* Colour of a series from the colour map (viridis) at t in [0, 1]: pass
 * GK_CMAP(t) as the colour of gk_panel_add (a waterfall coloured by pump). */
#define GK_CMAP_BASE 1000
#define GK_CMAP(t) (GK_CMAP_BASE + (int)((t) < 0 ? 0 : (t) > 1 ? 1000 : 1000 * (t) + 0.5))

/* Line width of the last series added to the panel, relative to the normal
 * data line (2: bold, e.g. the recommended model; 0.6: thin). */
void gk_panel_series_width(gk_panel *p, double factor);
/* Log colour scale for the panel's image: the colour bar spans `decades`
 * decades below the largest value (cells below are drawn in the lowest
 * colour, cells <= 0 too); 0 turns it off. */
void gk_panel_zlog(gk_panel *p, double decades);
/* A colour bar without an image, for series coloured with GK_CMAP: from lo
 * (t = 0) to hi (t = 1), log10 spaced when log is set. */
int gk_panel_colorbar(gk_panel *p, double lo, double hi, int log, const char *label);

/* The ASE waterfall: n spectra (spec[i*nwl + j] at wavelength wl[j], pump
 * pump[i], any order), each scaled to its own maximum and offset upwards
 * in order of pump, coloured by pump (viridis; log-spaced when the pumps
 * span more than a decade) with a colour bar labelled pump_label; the
 * spectrum nearest to threshold (if finite and > 0) is drawn black and
 * bold, with thr_label in the legend (NULL: no legend entry, the title
 * says "black: at threshold"). Sets the panel's labels (x
 * "wavelength (nm)"). GK_EUSAGE for no spectra or non-positive pumps with
 * a log span. */
int gk_panel_waterfall(gk_panel *p, const double *wl, size_t nwl, const double *pump, size_t n,
                       const double *spec, double threshold, const char *pump_label, const char *thr_label);

/* Figure style, process-wide (like gk_plot_set_metadata): the printed size,
 * text size and resolution, axis overrides, and a CSV of the plotted data,
 * applied by every later gk_figure_save.
 *
 * Size: with width_cm > 0 the page is width_cm wide at print size (height
 * height_cm, or from the figure's proportions when 0); text is font_pt at
 * that size; a PNG has dpi pixels per inch. With width_cm == 0, SVG and PDF
 * are 17.8 cm wide (a double journal column) with 8.5 pt text, and PNG keeps
 * the figure's pixel size (screen use).
 *
 * Axes: xlim/ylim (in the units the axis shows after the automatic choice
 * of ps/ns/µs etc.) and logx/logy (-1 keep, 0 linear, 1 log) apply to the
 * first panel and every panel sharing its axis label; full_range turns off
 * the zoom of time axes to where the signal is (gk_plot_signal_window). */
typedef struct gk_plot_style {
  double width_cm, height_cm, font_pt, dpi;
  int xlim_set, ylim_set;
  double xlim[2], ylim[2];
  int logx, logy;
  int full_range;
  const char *data_path; /* also write every plotted series as CSV here */
} gk_plot_style;
/* The defaults: nothing set (logx = logy = -1). */
void gk_plot_style_init(gk_plot_style *s);
/* Set the preset "single" (8.5 cm), "double" (17.8 cm) or "slide" (25 cm)
 * into s (width, font size, dpi); GK_EUSAGE for another name. */
int gk_plot_style_preset(gk_plot_style *s, const char *name);
/* Make s the process-wide style (copied; NULL: back to defaults). */
int gk_plot_set_style(const gk_plot_style *s);
/* The process-wide style (data_path points into the library's copy). */
void gk_plot_get_style(gk_plot_style *s);

/* Where a time-resolved signal is: the smallest [t0, t1] (over t, in the
 * order given) outside of which y stays below frac of its largest |y|,
 * widened by 20 % of its length on each side and clipped to t's range.
 * Returns 0 (and leaves t0, t1 alone) when the style asks for the full
 * range or there is nothing to zoom to. */
int gk_plot_signal_window(const double *t, const double *y, size_t n, double frac, double *t0, double *t1);

/* Write the data behind a figure as CSV (atomic): one row per point,
 * columns panel, panel title, series, x, y, yerr, with the axis labels in
 * comment lines; images as rows panel, "image", x, y, z. */
int gk_figure_save_data(const gk_figure *f, const char *path, gk_error *err);

/* Render and write; format from the extension (.svg .png .pdf), else
 * GK_EUSAGE naming the extension. GK_EIO when the file cannot be created
 * or renamed into place, GK_EUSAGE when the page is too small for the
 * panel grid; on any error no file appears and an existing one is left
 * untouched. Never prints and never exits (PLplot's exit and abort hooks
 * are caught). */
int gk_figure_save(gk_figure *f, const char *path, gk_error *err);

/* Provenance in figure files: key/value text pairs written as PNG tEXt
 * chunks (iTXt when the value is not ASCII) after IHDR, an SVG
 * <metadata id="gainkit-provenance"> element holding
 * <gainkit:entry key="K">V</gainkit:entry> items, and PDF Info entries
 * (key reduced to letters, digits and '-') appended as an incremental
 * update that keeps cairo's Producer. gk_plot_embed_metadata rewrites the
 * finished figure file `path` in place (format from its extension).
 * gk_plot_set_metadata sets the pairs that every later gk_figure_save
 * embeds (process-wide, copied; NULL or empty clears them); GK_ENOMEM on
 * failure. */
int gk_plot_embed_metadata(const char *path, const gk_meta *m, gk_error *err);
int gk_plot_set_metadata(const gk_meta *m);
/* A function called (outside any lock) just before the process-wide pairs
 * are used (a figure or a figure's data file is written), so that a caller
 * whose pairs change often (one input file after another in a batch) can
 * set them once, when they are needed, instead of at every change. NULL
 * removes it. */
void gk_plot_set_metadata_sync(void (*fn)(void));

/* 1 if path has a supported plot extension. */
int gk_plot_ext_ok(const char *path);

/* Turn a plain label into PLplot text: '#' is escaped; "^x", "^-1",
 * "^{...}" become superscripts and "_{...}" subscripts; unit powers written
 * without a caret ("cm2", "cm-3", "s-1", "m^2") become superscripts; a 'u'
 * prefix before a unit ("um", "uJ", "us", "uW") becomes µ. Writes at most
 * size bytes including the NUL (truncated at a character boundary);
 * returns out. */
char *gk_plot_text(const char *in, char *out, size_t size);

GK_API_END
#ifdef __cplusplus
}
#endif
#endif
