/* cli/emit_fluence.h — output of `gainkit fluence` (text, JSON, CSV, the
 * beam-profile or N(z) figure), kept apart from its options and library
 * calls (cli/cmd_fluence.c). Internal to the CLI. */
#ifndef GK_CLI_EMIT_FLUENCE_H
#define GK_CLI_EMIT_FLUENCE_H

#include "cli.h"
#include "qopt.h"
#include "gainkit/fluence.h"

/* A measured beam profile: its file, the columns read (x in cm), the fit. */
typedef struct fluence_beam {
  const char *path;     /* NULL: none */
  gk_columns col;
  gk_beam fit;
} fluence_beam;

typedef struct fluence_view {
  const gk_fluence_in *in;
  const gk_fluence_out *o;
  const char *abs_def;          /* how the absorbed fraction was found */
  const fluence_beam *bx, *by;
  const gk_absorb *ab;          /* the stack's absorption; NULL without --stack */
  const gk_depth_profile *dp;   /* N(z); NULL without --stack/--lp */
  double alpha, lp_factor;      /* Beer-Lambert (without a stack) */
  int mode;                     /* gk_depth_mode_from_stack's found; -1: not asked */
  double gam, emis_wl;
  int tm;
} fluence_view;

/* Report, CSV and figure; returns the exit status. */
int fluence_emit(cli_common *c, const fluence_view *v);

#endif
