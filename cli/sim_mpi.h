/* cli/sim_mpi.h — Open MPI distribution of `gainkit simulate` sweeps.
 *
 * Kept out of libgainkit on purpose: the physics library knows nothing about
 * processes; this layer only splits a sweep's points over ranks and gathers
 * the results on rank 0, which writes the output. Without GAINKIT_HAVE_MPI
 * (or when not started by mpirun) every call degrades to the serial path. */
#ifndef GAINKIT_CLI_SIM_MPI_H
#define GAINKIT_CLI_SIM_MPI_H

#include "gainkit/simulate.h"

typedef struct sim_mpi {
  int active;       /* MPI_Init was called (launched by mpirun with >= 1 rank) */
  int rank, size;
  double init_s;    /* wall seconds in MPI_Init (with loading Open MPI) */
  int tuned;        /* one node: pml ob1 was chosen for Open MPI (cli/sim_mpi.c) */
} sim_mpi;

/* Initialise MPI only when the process was started by an MPI launcher, so
 * that a plain `gainkit simulate` (and every other command) pays nothing.
 * Ranks other than 0 get stdout and stderr redirected to /dev/null: they
 * print nothing. */
void sim_mpi_init(sim_mpi *m);
/* gk_sim_sweep with the points spread over the ranks (blocks of one point
 * per rank, dealt forwards and backwards in turn: see owner_of). On rank 0
 * results[0..n) are filled exactly as gk_sim_sweep fills them; on the other
 * ranks results are left zeroed. The status (and error) is the same on every
 * rank: that of the first failing point in sweep order. */
int sim_mpi_sweep(const sim_mpi *m, const gk_sim_config *c, gk_sim_sweep_kind kind, const double *values,
                  size_t n, gk_sim_result *results, const gk_progress *prog, gk_error *err);
/* Agree on rank 0's exit code, finalise MPI; returns that code. */
int sim_mpi_finish(const sim_mpi *m, int rc);
/* A fit under mpirun: rank 0 runs the fit and sends every sweep it needs
 * to all ranks (sim_mpi_request: the config, kind and values, then
 * sim_mpi_sweep on every rank); the other ranks serve those sweeps
 * (sim_mpi_serve, with their own copy of the config read from the same file,
 * whose spectral tables they use) until rank 0 calls sim_mpi_stop. Without
 * MPI (or one rank) sim_mpi_request is gk_sim_sweep and the others do
 * nothing. */
int sim_mpi_request(void *m, const gk_sim_config *c, gk_sim_sweep_kind kind, const double *values, size_t n,
                    gk_sim_result *results, const gk_progress *prog, gk_error *err);
void sim_mpi_stop(const sim_mpi *m);
int sim_mpi_serve(const sim_mpi *m, const gk_sim_config *base);

#endif
