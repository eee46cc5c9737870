/* cli/emit_nc.h — output of `gainkit nc` subcommands (text, JSON, CSV, the
 * gain-curve figure), kept apart from their options and library calls
 * (cli/cmd_nc.c). Internal to the CLI. Each returns the exit status. */
#ifndef GK_CLI_EMIT_NC_H
#define GK_CLI_EMIT_NC_H

#include "cli.h"
#include "qopt.h"
#include "gainkit/nc.h"

int nc_emit_threshold(cli_common *c, const gk_nc_gain_model *m, double n_th);
int nc_emit_gain_curve(cli_common *c, const gk_nc_gain_model *m, const double *x, const double *gu, const double *gp,
                       size_t n, double tu, double tp);
/* have_size: radius or volume given (r_cm NaN for a volume); has_xx: tau_A
 * from a measured tau_XX; chi_given: --chi (else the material's source). */
typedef struct nc_auger_view {
  const gk_nc_auger_in *in;
  const gk_nc_auger_out *out;
  const gk_nc_material *mat;
  double r_cm;
  int have_size, has_xx, chi_given;
} nc_auger_view;
int nc_emit_auger(cli_common *c, const nc_auger_view *a);
int nc_emit_pump(cli_common *c, const gk_nc_pump *p, double sigma, double ev, double nth);
int nc_emit_current(cli_common *c, const gk_nc_current *cur, double radius, double fill);
int nc_emit_confinement(cli_common *c, const gk_nc_confinement *k, double radius, double me, double mh);
/* has_n: from --excitons nx; else from --ratio (rc: gk_nc_excitons_from_ratio's, n and f its results). */
int nc_emit_emission(cli_common *c, int has_n, double nx, double ratio, int rc, double n, double f);

#endif
