/* plot_gallery.h — one figure that uses every feature of gainkit/plot.h:
 * a colour map of spectra versus pump, log axes, error bars, fitted curves,
 * marker lines, a shaded band, annotations and legends. Shared by
 * tests/unit/test_plot.c and bench/bench_plot.c (which also wrote
 * docs/img/plot-example.png). The data are synthetic but shaped like a
 * perovskite ASE experiment; the noise comes from a fixed LCG so every run
 * draws the same picture. */
#ifndef GK_PLOT_GALLERY_H
#define GK_PLOT_GALLERY_H

#include <math.h>
#include <stdlib.h>
#include "gainkit/plot.h"

static double gallery_noise(unsigned *state)
{
  *state = *state * 1664525u + 1013904223u;
  return ((*state >> 8) / 16777216.0) - 0.5;
}

/* ASE model used for the synthetic data: spontaneous emission grows
 * linearly with pump, ASE superlinearly above threshold E_th. */
static double gallery_output(double e, double eth)
{
  return 0.05 * e + (e > eth ? 0.02 * pow(e - eth, 1.8) : 0.0) + 1e-9;
}

static gk_figure *gallery_figure(int width, int height)
{
  enum { NW = 121, NP = 24, NL = 10 };
  const double eth = 12.0;
  gk_figure *f = gk_figure_new(2, 2, width, height, "CsPbBr_{3} film: amplified spontaneous emission");
  if (!f) return NULL;
  unsigned seed = 12345u;

  /* (a) spectra versus pump fluence: narrow ASE peak grows out of the
   * broad PL band above threshold */
  double *wl = malloc(NW * sizeof *wl), *pump = malloc(NP * sizeof *pump), *z = malloc(NW * NP * sizeof *z);
  if (!wl || !pump || !z) {
    free(wl); free(pump); free(z);
    gk_figure_free(f);
    return NULL;
  }
  for (int j = 0; j < NW; j++) wl[j] = 490.0 + 0.5 * j;
  for (int i = 0; i < NP; i++) pump[i] = pow(10.0, 0.1 * i); /* 1 .. 200 uJ/cm2 */
  for (int i = 0; i < NP; i++)
    for (int j = 0; j < NW; j++) {
      double pl = 0.05 * pump[i] * exp(-0.5 * pow((wl[j] - 515.0) / 9.0, 2));
      double ase = (pump[i] > eth ? 0.02 * pow(pump[i] - eth, 1.8) : 0) * exp(-0.5 * pow((wl[j] - 532.0) / 2.2, 2));
      z[i * NW + j] = log10(pl + ase + 1e-3);
    }
  gk_panel *p = gk_figure_panel(f, 0);
  gk_panel_labels(p, "wavelength (nm)", "pump fluence (uJ/cm2)", "(a) emission spectra");
  gk_panel_log(p, 0, 1);
  gk_panel_image(p, wl, NW, pump, NP, z, "log10 intensity (a.u.)");
  gk_panel_hline(p, eth, GK_ORANGE, "threshold");

  /* (b) integrated output versus pump, log-log, with error bars and the
   * model curve */
  double e[NP], out[NP], err[NP], fx[200], fy[200];
  for (int i = 0; i < NP; i++) {
    e[i] = pump[i];
    out[i] = gallery_output(e[i], eth) * (1 + 0.08 * gallery_noise(&seed));
    err[i] = 0.1 * out[i];
  }
  for (int k = 0; k < 200; k++) {
    fx[k] = pow(10.0, 2.3 * k / 199.0);
    fy[k] = gallery_output(fx[k], eth);
  }
  p = gk_figure_panel(f, 1);
  gk_panel_labels(p, "pump fluence (uJ/cm2)", "integrated output (a.u.)", "(b) input-output curve");
  gk_panel_log(p, 1, 1);
  gk_panel_add(p, e, out, err, NP, GK_STYLE_POINTS, GK_BLUE, "measured");
  gk_panel_add(p, fx, fy, NULL, 200, GK_STYLE_LINE, GK_VERMILLION, "fit: PL + ASE");
  gk_panel_vline(p, eth, GK_BLACK, "E_{th} = 12 uJ/cm2");

  /* (c) variable stripe length: I(L) = A/g (exp(gL) - 1) */
  double len[NL], il[NL], iel[NL], lx[100], ly[100];
  const double g = 35.0, amp = 2.0;
  for (int i = 0; i < NL; i++) {
    len[i] = 0.01 + 0.01 * i;
    il[i] = amp / g * (exp(g * len[i]) - 1) * (1 + 0.05 * gallery_noise(&seed));
    iel[i] = 0.06 * il[i];
  }
  for (int k = 0; k < 100; k++) {
    lx[k] = 0.105 * k / 99.0;
    ly[k] = amp / g * (exp(g * lx[k]) - 1);
  }
  p = gk_figure_panel(f, 2);
  gk_panel_labels(p, "stripe length L (cm)", "ASE intensity (a.u.)", "(c) variable stripe length");
  gk_panel_add(p, len, il, iel, NL, GK_STYLE_POINTS, GK_GREEN, "data, 40 uJ/cm2");
  gk_panel_add(p, lx, ly, NULL, 100, GK_STYLE_DASHED, GK_BLACK, "fit (A/g)(e^{gL} - 1)");
  gk_panel_text(p, 0.05, 0.55, "g = 35 ± 2 cm^-1");

  /* (d) linewidth narrowing, with the ASE regime shaded */
  double fw[NP];
  for (int i = 0; i < NP; i++)
    fw[i] = 4.4 + 17.0 / (1 + pow(pump[i] / eth, 4)) + 0.3 * gallery_noise(&seed);
  p = gk_figure_panel(f, 3);
  gk_panel_labels(p, "pump fluence (uJ/cm2)", "FWHM (nm)", "(d) linewidth");
  gk_panel_log(p, 1, 0);
  gk_panel_band(p, eth, 1000, GK_ORANGE, "ASE regime");
  gk_panel_add(p, pump, fw, NULL, NP, GK_STYLE_LINEPOINTS, GK_PURPLE, NULL);
  gk_panel_hline(p, 4.4, GK_GREY, "ASE linewidth");
  gk_panel_yrange(p, 0, 25);
  free(wl);
  free(pump);
  free(z);
  return f;
}

#endif
