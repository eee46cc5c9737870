/* plplot_lazy.h — PLplot loaded on first use (dlopen), not at process start.
 *
 * PLplot and its dependencies (cairo drivers, freetype, qhull, ...) cost
 * about 1.3 ms of dynamic loading and relocation at every start of a
 * program that links them, and only the commands that draw a figure use
 * them. render.c includes this header instead of <plplot.h>: every PLplot
 * call it makes goes through gk_pl_, filled by gk_plplot_load_() from the
 * library named at configure time (GK_PLPLOT_SONAME). Without
 * GK_PLPLOT_SONAME (GAINKIT_LAZY_PLPLOT=OFF) PLplot is linked as usual and
 * the calls are direct. */
#ifndef GK_PLOT_PLPLOT_LAZY_H
#define GK_PLOT_PLPLOT_LAZY_H

#include <stddef.h>
#include <plplot.h>

/* Load PLplot once per process (thread-safe). 0, or -1 with the reason in
 * why[0..n). */
int gk_plplot_load_(char *why, size_t n);

#ifdef GK_PLPLOT_SONAME
/* every PLplot entry point render.c uses: X(name used in the code, symbol) */
#define GK_PLPLOT_FUNCS(X)                                                                        \
  X(pladv, c_pladv) X(plbox, c_plbox) X(plcol0, c_plcol0) X(plcol1, c_plcol1) X(plcolorbar, c_plcolorbar)             \
  X(plend, c_plend) X(plerry, c_plerry) X(plfill, c_plfill) X(plgspa, c_plgspa)                   \
  X(plimagefr, c_plimagefr) X(plinit, c_plinit) X(plline, c_plline) X(pllsty, c_pllsty)           \
  X(plmtex, c_plmtex) X(plptex, c_plptex) X(plschr, c_plschr) X(plscmap0a, c_plscmap0a)           \
  X(plscmap1l, c_plscmap1l) X(plscmap1n, c_plscmap1n) X(plsdev, c_plsdev) X(plsfnam, c_plsfnam)   \
  X(plslabelfunc, c_plslabelfunc) X(plsmaj, c_plsmaj) X(plsmin, c_plsmin) X(plspage, c_plspage)   \
  X(plspause, c_plspause) X(plstring, c_plstring) X(plstyl, c_plstyl) X(plvpor, c_plvpor)         \
  X(plwidth, c_plwidth) X(plwind, c_plwind) X(plsexit, plsexit) X(plsabort, plsabort)    \
  X(plAlloc2dGrid, plAlloc2dGrid) X(plFree2dGrid, plFree2dGrid) X(pltr2, pltr2)

typedef struct gk_plplot_api {
#define GK_PL_MEMBER(name, sym) __typeof__(sym) *p_##name;
  GK_PLPLOT_FUNCS(GK_PL_MEMBER)
#undef GK_PL_MEMBER
} gk_plplot_api;

extern gk_plplot_api gk_pl_;

#undef pladv
#undef plbox
#undef plcol0
#undef plcol1
#undef plcolorbar
#undef plend
#undef plerry
#undef plfill
#undef plgspa
#undef plimagefr
#undef plinit
#undef plline
#undef pllsty
#undef plmtex
#undef plptex
#undef plschr
#undef plscmap0a
#undef plscmap1l
#undef plscmap1n
#undef plsdev
#undef plsfnam
#undef plslabelfunc
#undef plsmaj
#undef plsmin
#undef plspage
#undef plspause
#undef plstring
#undef plstyl
#undef plvpor
#undef plwidth
#undef plwind
#define pladv gk_pl_.p_pladv
#define plbox gk_pl_.p_plbox
#define plcol0 gk_pl_.p_plcol0
#define plcol1 gk_pl_.p_plcol1
#define plcolorbar gk_pl_.p_plcolorbar
#define plend gk_pl_.p_plend
#define plerry gk_pl_.p_plerry
#define plfill gk_pl_.p_plfill
#define plgspa gk_pl_.p_plgspa
#define plimagefr gk_pl_.p_plimagefr
#define plinit gk_pl_.p_plinit
#define plline gk_pl_.p_plline
#define pllsty gk_pl_.p_pllsty
#define plmtex gk_pl_.p_plmtex
#define plptex gk_pl_.p_plptex
#define plschr gk_pl_.p_plschr
#define plscmap0a gk_pl_.p_plscmap0a
#define plscmap1l gk_pl_.p_plscmap1l
#define plscmap1n gk_pl_.p_plscmap1n
#define plsdev gk_pl_.p_plsdev
#define plsfnam gk_pl_.p_plsfnam
#define plslabelfunc gk_pl_.p_plslabelfunc
#define plsmaj gk_pl_.p_plsmaj
#define plsmin gk_pl_.p_plsmin
#define plspage gk_pl_.p_plspage
#define plspause gk_pl_.p_plspause
#define plstring gk_pl_.p_plstring
#define plstyl gk_pl_.p_plstyl
#define plvpor gk_pl_.p_plvpor
#define plwidth gk_pl_.p_plwidth
#define plwind gk_pl_.p_plwind
#define plsexit gk_pl_.p_plsexit
#define plsabort gk_pl_.p_plsabort
#define plAlloc2dGrid gk_pl_.p_plAlloc2dGrid
#define plFree2dGrid gk_pl_.p_plFree2dGrid
#define pltr2 gk_pl_.p_pltr2
#endif

#endif
