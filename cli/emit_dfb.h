/* cli/emit_dfb.h — output of `gainkit dfb` (text, JSON, CSV, figures), kept
 * apart from the command's options and library calls (cli/cmd_dfb.c).
 * Internal to the CLI. */
#ifndef GK_CLI_EMIT_DFB_H
#define GK_CLI_EMIT_DFB_H

#include <complex.h>

#include "cli.h"
#include "qopt.h"
#include "gainkit/dfb.h"

/* The threshold map (gk_dfb_map) of `--map-period/--map-duty`. */
typedef struct dfb_map_out {
  const char *stack, *glayer;
  double nfill, len, g_ase;
  int order, has_ase;
  gk_pol pol;
  const gk_dfb_map_cell *cells;  /* duty-major */
  size_t np, nd;
} dfb_map_out;
int dfb_emit_map(cli_common *c, const dfb_map_out *d);

/* The modes of one grating (uniform, with facets/shift, or second order
 * with radiation), with what the stack gave. */
typedef struct dfb_out {
  const char *stack, *glayer;      /* stack: NULL with --kappa */
  double duty, nfill, order, wl, neff, gam, period, len, depth;
  double kappa, kap_signed, kg;    /* |kappa|, kappa with its sign, gain coupling (cm^-1) */
  double complex zeta, r1, r2;
  double facets[2], fphase[2], shift;
  double amax, dmax;               /* the search window */
  gk_pol pol;
  int rad, gen, has_fac, has_fph, has_n, tmm;
  const gk_dfb_mode *m;            /* n modes */
  size_t n;
  const gk_dfb_mode *tm;           /* with tmm: the transfer-matrix check of each mode */
  const int *tm_ok;
  const char (*tm_msg)[512];
} dfb_out;
int dfb_emit(cli_common *c, const dfb_out *d);

#endif
