/* cli/emit_modes.h — output of `gainkit modes` (tables, JSON, CSV, the
 * profile file, figures), kept apart from its options and library calls
 * (cli/cmd_modes.c). Internal to the CLI. */
#ifndef GK_CLI_EMIT_MODES_H
#define GK_CLI_EMIT_MODES_H

#include "cli.h"
#include "qopt.h"
#include "gainkit/modes.h"
#include "gainkit/stack.h"

/* An error about the stack as a whole (a range limit of the mode solver)
 * names the stack file; prints it, returns the exit code. */
int modes_stack_error(gk_error *e, const gk_stack *s);
/* One wavelength: the modes m of guide g, the guiding layer core and its
 * cutoff thicknesses cut[pol][order] (NaN: none); profile: the |E|^2 file
 * (or NULL). Returns the exit status. */
int modes_emit(const cli_common *c, const gk_stack *s, const gk_guide *g, const gk_modes *m, double wl,
               const char *profile, size_t core, double cut[2][2]);
/* A sweep (gk_modes_sweep_ex's np points over nth thicknesses x nwl
 * wavelengths; layer < 0: wavelengths only). */
int modes_emit_sweep(const cli_common *c, const gk_stack *s, int layer, const gk_sweep_point *P, size_t np, size_t nth,
                     size_t nwl, double wl, double G, const gk_modes_sweep_opts *so, int conv);

#endif
