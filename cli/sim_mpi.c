/* Sweep points over Open MPI ranks (cli/sim_mpi.h). Each rank runs its
 * points with gk_sim_sweep (OpenMP inside a rank as usual); the results are
 * bit-identical to the serial run because every point is an independent
 * gk_sim_run and gk_sim_run does not depend on the thread layout. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef GAINKIT_HAVE_MPI
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#endif

#include "sim_mpi.h"

#ifdef GAINKIT_HAVE_MPI
#include <mpi.h>

#ifdef GK_MPI_SONAME
/* Open MPI loaded on demand (CMakeLists.txt GAINKIT_LAZY_MPI): every MPI
 * entry point and predefined handle used below comes from dlopen/dlsym in
 * mpi_load(), called only when an MPI launcher started the process. Open
 * MPI's handles are the addresses of its global objects
 * (OMPI_PREDEFINED_GLOBAL), so they are looked up by those names. */
#include <dlfcn.h>
#define GK_MPI_FUNCS(X)                                                                           \
  X(MPI_Initialized) X(MPI_Init) X(MPI_Comm_rank) X(MPI_Comm_size) X(MPI_Allreduce) X(MPI_Bcast) \
  X(MPI_Recv) X(MPI_Send) X(MPI_Abort) X(MPI_Finalize) X(MPI_Gather) X(MPI_Ibcast) X(MPI_Iallreduce)    \
  X(MPI_Irecv) X(MPI_Isend) X(MPI_Test) X(MPI_Init_thread)
static struct {
#define GK_MPI_MEMBER(f) __typeof__(f) *p_##f;
  GK_MPI_FUNCS(GK_MPI_MEMBER)
#undef GK_MPI_MEMBER
  void *comm_world, *t_int, *t_byte, *t_double, *op_min;
} mpi_;

static char mpi_why[240] = "a symbol is missing";

static int mpi_load(void)
{
  /* RTLD_GLOBAL: Open MPI's own plugins resolve their symbols in libmpi */
  void *h = dlopen(GK_MPI_SONAME, RTLD_NOW | RTLD_GLOBAL);
  if (!h) {
    const char *e = dlerror();
    snprintf(mpi_why, sizeof mpi_why, "%s", e ? e : "dlopen failed");
    return -1;
  }
#define GK_MPI_LOAD(f) if (!(*(void **)&mpi_.p_##f = dlsym(h, #f))) return -1;
  GK_MPI_FUNCS(GK_MPI_LOAD)
#undef GK_MPI_LOAD
  mpi_.comm_world = dlsym(h, "ompi_mpi_comm_world");
  mpi_.t_int = dlsym(h, "ompi_mpi_int");
  mpi_.t_byte = dlsym(h, "ompi_mpi_byte");
  mpi_.t_double = dlsym(h, "ompi_mpi_double");
  mpi_.op_min = dlsym(h, "ompi_mpi_op_min");
  return mpi_.comm_world && mpi_.t_int && mpi_.t_byte && mpi_.t_double && mpi_.op_min ? 0 : -1;
}
#define MPI_Initialized mpi_.p_MPI_Initialized
#define MPI_Init mpi_.p_MPI_Init
#define MPI_Comm_rank mpi_.p_MPI_Comm_rank
#define MPI_Comm_size mpi_.p_MPI_Comm_size
#define MPI_Allreduce mpi_.p_MPI_Allreduce
#define MPI_Bcast mpi_.p_MPI_Bcast
#define MPI_Recv mpi_.p_MPI_Recv
#define MPI_Send mpi_.p_MPI_Send
#define MPI_Abort mpi_.p_MPI_Abort
#define MPI_Finalize mpi_.p_MPI_Finalize
#define MPI_Gather mpi_.p_MPI_Gather
#define MPI_Ibcast mpi_.p_MPI_Ibcast
#define MPI_Iallreduce mpi_.p_MPI_Iallreduce
#define MPI_Irecv mpi_.p_MPI_Irecv
#define MPI_Isend mpi_.p_MPI_Isend
#define MPI_Test mpi_.p_MPI_Test
#define MPI_Init_thread mpi_.p_MPI_Init_thread
#undef MPI_COMM_WORLD
#undef MPI_INT
#undef MPI_BYTE
#undef MPI_DOUBLE
#undef MPI_MIN
#define MPI_COMM_WORLD ((MPI_Comm)mpi_.comm_world)
#define MPI_INT ((MPI_Datatype)mpi_.t_int)
#define MPI_BYTE ((MPI_Datatype)mpi_.t_byte)
#define MPI_DOUBLE ((MPI_Datatype)mpi_.t_double)
#define MPI_MIN ((MPI_Op)mpi_.op_min)
#else
static const char mpi_why[] = "";
static int mpi_load(void) { return 0; }
#endif

/* Launchers that set these: Open MPI's mpirun/orterun/prterun (OMPI_*,
 * PMIX_RANK), and PMI-based ones (Slurm srun, MPICH hydra). Absent all of
 * them the process is a plain run and never touches MPI. */
static int launched_by_mpi(void)
{
  const char *v[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", "PMI_RANK"};
  for (size_t i = 0; i < sizeof v / sizeof *v; i++)
    if (getenv(v[i])) return 1;
  return 0;
}

static double clk(clockid_t id)
{
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Waiting without burning a core. Open MPI's blocking calls poll in a
 * loop, so a rank that had finished its points spun until the slowest rank
 * was done, and the other ranks spun while rank 0 wrote the output (rank 1
 * used 0.26 s of CPU outside its sweep, 16 % of its 1.64 s, on the 64-point
 * sweep under load; on an oversubscribed machine that CPU is taken from the
 * ranks still working). Here the wait tests the request for ~0.1 ms, then
 * every 0.2 ms sleeping in between: at most 0.2 ms later than a spin. Every
 * rank uses these at the same call sites (a non-blocking collective matches
 * only non-blocking ones). */
static void wait_quietly(MPI_Request *rq)
{
  int done = 0;
  double t0 = clk(CLOCK_MONOTONIC);
  for (;;) {
    MPI_Test(rq, &done, MPI_STATUS_IGNORE);
    if (done) return;
    if (clk(CLOCK_MONOTONIC) - t0 > 1e-4) nanosleep(&(struct timespec){0, 200000}, NULL);
  }
}

static void bcast_q(void *buf, int count, MPI_Datatype type, int root)
{
  MPI_Request rq;
  MPI_Ibcast(buf, count, type, root, MPI_COMM_WORLD, &rq);
  wait_quietly(&rq);
}

/* Open MPI with every rank on this node (mpirun sets the world and local
 * sizes in each rank's environment before the program starts): ask for the
 * shared-memory point-to-point layer (pml ob1: vader/self BTLs) unless the
 * user chose one. Left alone, MPI_Init also probes the network layers (pml
 * cm and its PSM/PSM2 MTLs here), which took 0.26-0.29 s of the 0.28-0.34 s
 * MPI_Init per rank on the project machine, 0.05-0.08 s with ob1 (most of
 * it waiting, not CPU). A run over several nodes (local size < world size),
 * a user's own OMPI_MCA_pml/btl/mtl/osc (mpirun --mca sets these too) or
 * GAINKIT_MPI_TUNE=0 leave Open MPI's choice untouched. Every rank sees the
 * same sizes, so all ranks choose alike. Returns whether it set anything. */
static int tune_one_node(void)
{
  const char *ws = getenv("OMPI_COMM_WORLD_SIZE"), *ls = getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
  const char *off = getenv("GAINKIT_MPI_TUNE");
  if (!ws || !ls || strcmp(ws, ls) != 0 || (off && strcmp(off, "0") == 0)) return 0;
  const char *own[] = {"OMPI_MCA_pml", "OMPI_MCA_btl", "OMPI_MCA_mtl", "OMPI_MCA_osc"};
  for (size_t i = 0; i < sizeof own / sizeof *own; i++)
    if (getenv(own[i])) return 0;
  return setenv("OMPI_MCA_pml", "ob1", 0) == 0;
}

static int tune_off(void)
{
  const char *off = getenv("GAINKIT_MPI_TUNE");
  return off && strcmp(off, "0") == 0;
}

/* Open MPI's PMIx client talks to the launcher's PMIx server over a TCP
 * connection to the loopback address, without TCP_NODELAY: a fence sends
 * several small messages back to back, the later ones wait (Nagle) for the
 * acknowledgement of the first, and the server delays that ack by Linux's
 * 40 ms minimum. MPI_Finalize's fence took 0.045-0.055 s on the project
 * machine (strace: the requests reach mpirun 42 ms after the rank wrote
 * them), 0.002-0.012 s with TCP_NODELAY set on that socket. So after
 * MPI_Init, TCP_NODELAY is set on every stream socket of this process whose
 * peer is a loopback address (gainkit itself opens none; Open MPI's shared-
 * memory transport uses none). Only latency changes. Returns how many.
 * GAINKIT_MPI_TUNE=0 leaves them alone. */
static int loopback_nodelay(void)
{
  int n = 0;
  for (int fd = 3; fd < 1024; fd++) {
    int type;
    socklen_t len = sizeof type;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM) continue;
    struct sockaddr_storage ss;
    len = sizeof ss;
    if (getpeername(fd, (struct sockaddr *)&ss, &len) != 0) continue;
    int lo = 0;
    if (ss.ss_family == AF_INET)
      lo = (ntohl(((const struct sockaddr_in *)&ss)->sin_addr.s_addr) >> 24) == 127;
    else if (ss.ss_family == AF_INET6)
      lo = IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)&ss)->sin6_addr);
    int one = 1;
    if (lo && setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0) n++;
  }
  return n;
}

/* MPI start-up state of this process (one per process): MPI_Init deferred
 * (see sim_mpi_init) and not yet called; wall seconds of loading Open MPI
 * and MPI_Init; loopback sockets given TCP_NODELAY. */
static struct {
  int pending;
  double init_s;
  int nodelay;
} start_;

/* Loads Open MPI and calls MPI_Init on the calling thread; rank and size
 * out. 0: MPI is up; -1: MPI_Init failed. A missing Open MPI ends the
 * process (every rank would write the whole output: refuse rather than
 * race). */
static int mpi_start(int *rank, int *size)
{
  double t0 = clk(CLOCK_MONOTONIC);
  if (mpi_load() != 0) {
    fprintf(stderr, "gainkit: started by an MPI launcher, but Open MPI cannot be loaded: %s\n", mpi_why);
    exit(2);
  }
  int init = 0;
  MPI_Initialized(&init);
  /* FUNNELED: the sweep's threads (OpenMP, sweep_beside_init) make no MPI
   * calls; every MPI call is on this thread */
  int provided;
  if (!init && MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) return -1;
  start_.init_s = clk(CLOCK_MONOTONIC) - t0;
  if (!tune_off()) start_.nodelay = loopback_nodelay();
  MPI_Comm_rank(MPI_COMM_WORLD, rank);
  MPI_Comm_size(MPI_COMM_WORLD, size);
  return 0;
}

/* A deferred MPI_Init, now (no-op if done). The rank and size the process
 * worked with (from the launcher's environment) must be MPI's; anything
 * else ends the process, as a failed MPI_Init does: its points were chosen
 * for that rank. */
static void mpi_ready(const sim_mpi *m)
{
  if (!start_.pending) return;
  start_.pending = 0;
  int rank = -1, size = -1;
  if (mpi_start(&rank, &size) != 0) {
    fprintf(stderr, "gainkit: MPI_Init failed under an MPI launcher\n");
    exit(2);
  }
  if (rank != m->rank || size != m->size) {
    fprintf(stderr, "gainkit: MPI rank %d of %d differs from the launcher's environment (rank %d of %d)\n", rank,
            size, m->rank, m->size);
    MPI_Abort(MPI_COMM_WORLD, 2);
  }
}

/* Rank and world size from Open MPI's launcher environment (set for every
 * rank before the program starts). 0 if absent or not numbers. */
static int env_world(int *rank, int *size)
{
  const char *r = getenv("OMPI_COMM_WORLD_RANK"), *n = getenv("OMPI_COMM_WORLD_SIZE");
  if (!r || !n) return 0;
  char *e1, *e2;
  long a = strtol(r, &e1, 10), b = strtol(n, &e2, 10);
  if (e1 == r || *e1 || e2 == n || *e2 || b < 1 || b > 1 << 20 || a < 0 || a >= b) return 0;
  *rank = (int)a;
  *size = (int)b;
  return 1;
}

static void quiet_rank(int rank)
{
  if (rank != 0) {
    /* only rank 0 reports; the others must not duplicate errors or tables */
    if (!freopen("/dev/null", "w", stdout)) { /* nothing useful to do */ }
    if (!freopen("/dev/null", "w", stderr)) { /* nothing useful to do */ }
  }
}

/* Under Open MPI's launcher the rank and world size are known from the
 * environment before MPI_Init, and MPI_Init (0.03-0.1 s of wall time per
 * rank on the project machine, ~0.012 s of it CPU: mostly waiting for the
 * launcher) is deferred to the first MPI call (mpi_ready); a sweep runs its
 * own points meanwhile (sim_mpi_sweep), so the start-up no longer delays
 * the work. GAINKIT_MPI_TUNE=0, or another launcher: MPI_Init here. */
void sim_mpi_init(sim_mpi *m)
{
  memset(m, 0, sizeof *m);
  m->size = 1;
  if (!launched_by_mpi()) return;
  m->tuned = tune_one_node();
  int rank, size;
  if (!tune_off() && env_world(&rank, &size)) {
    m->active = 1;
    m->rank = rank;
    m->size = size;
    start_.pending = 1;
    quiet_rank(rank);
    return;
  }
  if (mpi_start(&rank, &size) != 0) return;
  m->active = 1;
  m->rank = rank;
  m->size = size;
  m->init_s = start_.init_s;
  quiet_rank(rank);
}

/* gk_sim_sweep of this rank's points, with a deferred MPI_Init called on
 * this (the main) thread while a second thread runs the points; the same
 * arithmetic either way (every point is an independent gk_sim_run). That
 * thread blocks signals: Ctrl-C is taken by the main thread as before, and
 * the sweep sees it through the progress callback. Without a second thread
 * the points run first. */
typedef struct sweep_job {
  const gk_sim_config *c;
  gk_sim_sweep_kind kind;
  const double *values;
  size_t n;
  gk_sim_result *results;
  const gk_progress *prog;
  gk_error *err;
  int st;
} sweep_job;

static void *sweep_thread(void *arg)
{
  sweep_job *j = arg;
  j->st = gk_sim_sweep(j->c, j->kind, j->values, j->n, j->results, j->prog, j->err);
  return NULL;
}

static int sweep_beside_init(const sim_mpi *m, sweep_job *j)
{
  if (start_.pending && j->n) {
    pthread_t th;
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int made = pthread_create(&th, NULL, sweep_thread, j) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (made) {
      mpi_ready(m);
      pthread_join(th, NULL);
      return j->st;
    }
  }
  if (j->n) sweep_thread(j);
  mpi_ready(m);
  return j->st;
}

/* Per point: 3 sizes + steps + 9 budget terms + npol, strips, unpumped
 * length, then lambda, t, pump, spectrum, intensity, fwhm, and per mode the
 * spectrum and intensity. Sweeps are never time-resolved (the CLI refuses
 * that), so the maps are not sent. */
enum { HDR = 21 };

/* then npol x (spectrum_pol of nl, intensity_pol of nt) */
static size_t packed_len(size_t nl, size_t nt, size_t npol) { return HDR + 2 * nl + 4 * nt + npol * (nl + nt); }

static void pack(const gk_sim_result *r, double *p)
{
  const gk_sim_budget *b = &r->budget;
  double h[HDR] = {(double)r->nbins, (double)r->ntimes, (double)r->ncells, (double)r->steps,
                   b->absorbed, b->decay_guided, b->decay_other, b->stimulated_net, b->out_edge,
                   b->out_far, b->loss_esa, b->loss_bg, b->left, (double)r->npol, (double)r->nchannels,
                   r->unpumped_length, b->pump_incident, b->pump_reflected, b->pump_above, b->pump_below,
                   (double)b->pump_solves};
  size_t nl = r->nbins, nt = r->ntimes;
  memcpy(p, h, sizeof h);
  p += HDR;
  memcpy(p, r->lambda, nl * sizeof *p), p += nl;
  memcpy(p, r->t, nt * sizeof *p), p += nt;
  memcpy(p, r->pump, nt * sizeof *p), p += nt;
  memcpy(p, r->spectrum, nl * sizeof *p), p += nl;
  memcpy(p, r->intensity, nt * sizeof *p), p += nt;
  memcpy(p, r->fwhm, nt * sizeof *p), p += nt;
  memcpy(p, r->spectrum_pol, r->npol * nl * sizeof *p), p += r->npol * nl;
  memcpy(p, r->intensity_pol, r->npol * nt * sizeof *p);
}

static double *take(const double **p, size_t n)
{
  double *v = malloc((n ? n : 1) * sizeof *v);
  if (v) memcpy(v, *p, n * sizeof *v);
  *p += n;
  return v;
}

static int unpack(const double *p, gk_sim_result *r)
{
  memset(r, 0, sizeof *r);
  size_t nl = (size_t)p[0], nt = (size_t)p[1];
  r->nbins = nl;
  r->ntimes = nt;
  r->ncells = (size_t)p[2];
  r->steps = (size_t)p[3];
  r->budget = (gk_sim_budget){p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12],
                              p[16], p[17], p[18], p[19], (size_t)p[20]};
  r->npol = (size_t)p[13];
  r->nchannels = (size_t)p[14];
  r->unpumped_length = p[15];
  p += HDR;
  r->lambda = take(&p, nl);
  r->t = take(&p, nt);
  r->pump = take(&p, nt);
  r->spectrum = take(&p, nl);
  r->intensity = take(&p, nt);
  r->fwhm = take(&p, nt);
  r->spectrum_pol = take(&p, r->npol * nl);
  r->intensity_pol = take(&p, r->npol * nt);
  return r->lambda && r->t && r->pump && r->spectrum && r->intensity && r->fwhm && r->spectrum_pol &&
                 r->intensity_pol ? 0 : -1;
}

/* The rank of sweep point i of n. Counted from the last point, blocks of
 * R consecutive points are dealt alternately forwards and backwards (ranks
 * 0 1 .. R-1, then R-1 .. 1 0, ...). Sweeps are usually ordered by fluence
 * and a point's cost (its time steps) grows with fluence, 7x over the
 * bundled 64-point VPI sweep: plain round robin hands the last rank the
 * dearest point of every block, the snake order cancels that trend
 * pairwise, and dealing from the dear end leaves the cheapest points to
 * the partial block. Time steps per rank, max/mean, for that sweep on 2,
 * 3, 4, 8 ranks: round robin 1.024, 1.066, 1.075, 1.185; this order 1.002,
 * 1.011, 1.015, 1.071 (docs/simulate.md). */
static size_t owner_of(size_t i, size_t n, size_t R)
{
  size_t j = n - 1 - i, b = j / R, p = j % R;
  return (b & 1) ? R - 1 - p : p;
}

int sim_mpi_sweep(const sim_mpi *m, const gk_sim_config *c, gk_sim_sweep_kind kind, const double *values,
                  size_t n, gk_sim_result *results, const gk_progress *prog, gk_error *err)
{
  if (!m->active) return gk_sim_sweep(c, kind, values, n, results, prog, err);
  if (m->size < 2) {
    sweep_job j = {c, kind, values, n, results, prog, err, 0};
    return sweep_beside_init(m, &j);
  }
  int st = gk_sim_config_check(c, err);
  if (st) {
    mpi_ready(m); /* (the later calls expect it) */
    return st;    /* same config on every rank: every rank agrees */
  }
  size_t R = (size_t)m->size, me = (size_t)m->rank;
  /* loc[i]: point i's place in its rank's list (the message tag) */
  size_t mine = 0, *loc = malloc((n ? n : 1) * sizeof *loc), *cnt = calloc(R, sizeof *cnt);
  double *v = malloc((n ? n : 1) * sizeof *v);
  gk_sim_result *rs = calloc(n ? n : 1, sizeof *rs);
  gk_error e;
  gk_error_clear(&e);
  if (!v || !rs || !loc || !cnt) st = gk_error_set(&e, GK_ENOMEM, NULL, 0, "out of memory");
  for (size_t i = 0; !st && i < n; i++) {
    size_t o = owner_of(i, n, R);
    loc[i] = cnt[o]++;
    if (o == me) v[mine++] = values[i];
  }
  double w0 = clk(CLOCK_MONOTONIC), c0 = clk(CLOCK_PROCESS_CPUTIME_ID);
  {
    sweep_job j = {c, kind, v, st ? 0 : mine, rs, m->rank == 0 ? prog : NULL, &e, st};
    st = sweep_beside_init(m, &j);
  }
  double tm[5] = {(double)mine, clk(CLOCK_PROCESS_CPUTIME_ID) - c0, clk(CLOCK_MONOTONIC) - w0, start_.init_s, 0};
  for (size_t k = 0; !st && k < mine; k++) tm[4] += (double)rs[k].steps;
  /* rank 0's environment decides (a remote rank may not have it) */
  int want = m->rank == 0 && getenv("GAINKIT_MPI_TIMING") != NULL;
  bcast_q(&want, 1, MPI_INT, 0);
  if (want) {
    /* diagnostics on rank 0's stderr: per rank points, time steps, sweep
     * CPU and wall seconds, MPI start-up seconds; the balance max/mean of
     * the steps (the work, whatever the machine's load) and of the CPU */
    double *all = m->rank == 0 ? malloc(5 * R * sizeof *all) : NULL;
    MPI_Gather(tm, 5, MPI_DOUBLE, all, 5, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    if (all) {
      double mx = 0, mean = 0, sx = 0, smean = 0;
      fprintf(stderr, "gainkit: mpi timing: %zu ranks%s (rank: points, time steps, sweep CPU s, sweep wall s, MPI "
              "start wall s)\n", R, m->tuned ? ", one node: pml ob1" : "");
      fprintf(stderr, "gainkit: mpi timing: MPI_Init %s; TCP_NODELAY on %d loopback socket(s) (PMIx)\n",
              m->init_s == 0 ? "beside the sweep" : "before the sweep", start_.nodelay);
      for (size_t r = 0; r < R; r++) {
        const double *a = all + 5 * r;
        fprintf(stderr, "gainkit: mpi timing:   rank %zu: %.0f  %.0f  %.3f  %.3f  %.3f\n", r, a[0], a[4], a[1], a[2],
                a[3]);
        mx = a[1] > mx ? a[1] : mx;
        mean += a[1] / (double)R;
        sx = a[4] > sx ? a[4] : sx;
        smean += a[4] / (double)R;
      }
      fprintf(stderr, "gainkit: mpi timing: balance max/mean: steps %.4f, CPU %.3f\n", smean > 0 ? sx / smean : 1.0,
              mean > 0 ? mx / mean : 1.0);
      free(all);
    }
  }

  /* Failures here are out of memory or cancellation (the config was checked
   * above); the lowest failing rank's error is reported on every rank. */
  int first = st ? m->rank : m->size, gfirst;
  MPI_Request rq;
  MPI_Iallreduce(&first, &gfirst, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD, &rq);
  wait_quietly(&rq);
  if (gfirst < m->size) {
    int owner = gfirst;
    gk_error ge = e;
    int code = st;
    MPI_Bcast(&ge, (int)sizeof ge, MPI_BYTE, owner, MPI_COMM_WORLD);
    MPI_Bcast(&code, 1, MPI_INT, owner, MPI_COMM_WORLD);
    if (err) *err = ge;
    for (size_t k = 0; k < mine; k++) gk_sim_result_free(&rs[k]);
    free(rs);
    free(loc);
    free(cnt);
    free(v);
    return code ? code : GK_ENOMEM;
  }

  /* Every point has the same grid sizes, so one length fits all. */
  size_t len = packed_len(c->nbins, c->ntimes, c->npol == 2 ? 2 : 1);
  if (m->rank == 0) {
    double *buf = malloc(len * sizeof *buf);
    for (size_t i = 0; i < n && !st; i++) {
      size_t from = owner_of(i, n, R);
      if (!buf) { st = GK_ENOMEM; break; }
      if (from == 0) {
        results[i] = rs[loc[i]];
        memset(&rs[loc[i]], 0, sizeof rs[loc[i]]);
        continue;
      }
      MPI_Irecv(buf, (int)len, MPI_DOUBLE, (int)from, (int)loc[i], MPI_COMM_WORLD, &rq);
      wait_quietly(&rq);
      if (unpack(buf, &results[i])) st = GK_ENOMEM;
    }
    free(buf);
    if (st) {
      for (size_t i = 0; i < n; i++) gk_sim_result_free(&results[i]);
      gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory gathering the sweep");
    }
  } else {
    double *buf = malloc(len * sizeof *buf);
    for (size_t k = 0; k < mine; k++) {
      /* rank 0 is blocked in MPI_Recv: without memory the only way out is
       * to take the whole job down */
      if (!buf) MPI_Abort(MPI_COMM_WORLD, 1);
      pack(&rs[k], buf);
      MPI_Isend(buf, (int)len, MPI_DOUBLE, 0, (int)k, MPI_COMM_WORLD, &rq);
      wait_quietly(&rq);
    }
    free(buf);
  }
  for (size_t k = 0; k < mine; k++) gk_sim_result_free(&rs[k]);
  free(rs);
  free(v);
  free(loc);
  free(cnt);
  return st;
}

/* The fit's sweep server (cli/sim_mpi.h). Commands are one int, broadcast
 * from rank 0: 1 = a sweep follows (int kind and count, the config as
 * bytes, the values), 0 = stop. The config's spectral tables are pointers:
 * each rank keeps its own (the same file read on every rank). */
enum { SERVE_STOP = 0, SERVE_SWEEP = 1 };

static void keep_tables(gk_sim_config *c, const gk_sim_config *base)
{
  gk_sim_band *b[] = {&c->emission, &c->sigma_e, &c->sigma_a, &c->sigma_esa, &c->background, &c->gain_sigma,
                      &c->pump_along};
  const gk_sim_band *o[] = {&base->emission, &base->sigma_e, &base->sigma_a, &base->sigma_esa, &base->background,
                            &base->gain_sigma, &base->pump_along};
  for (size_t i = 0; i < sizeof b / sizeof *b; i++) {
    b[i]->ntab = o[i]->ntab;
    b[i]->tab_lambda = o[i]->tab_lambda;
    b[i]->tab_value = o[i]->tab_value;
  }
}

int sim_mpi_request(void *mv, const gk_sim_config *c, gk_sim_sweep_kind kind, const double *values, size_t n,
                    gk_sim_result *results, const gk_progress *prog, gk_error *err)
{
  const sim_mpi *m = mv;
  if (!m->active) return gk_sim_sweep(c, kind, values, n, results, prog, err);
  mpi_ready(m);
  if (m->size < 2) return gk_sim_sweep(c, kind, values, n, results, prog, err);
  int cmd = SERVE_SWEEP, hdr[2] = {(int)kind, (int)n};
  gk_sim_config cc = *c;
  double *v = malloc((n ? n : 1) * sizeof *v);
  if (!v) MPI_Abort(MPI_COMM_WORLD, 1);  /* the servers wait for the values */
  memcpy(v, values, n * sizeof *v);
  bcast_q(&cmd, 1, MPI_INT, 0);
  MPI_Bcast(hdr, 2, MPI_INT, 0, MPI_COMM_WORLD);
  MPI_Bcast(&cc, (int)sizeof cc, MPI_BYTE, 0, MPI_COMM_WORLD);
  MPI_Bcast(v, (int)n, MPI_DOUBLE, 0, MPI_COMM_WORLD);
  int st = sim_mpi_sweep(m, c, kind, v, n, results, prog, err);
  free(v);
  return st;
}

void sim_mpi_stop(const sim_mpi *m)
{
  if (!m->active || m->size < 2 || m->rank != 0) return;
  mpi_ready(m);
  int cmd = SERVE_STOP;
  bcast_q(&cmd, 1, MPI_INT, 0);
}

int sim_mpi_serve(const sim_mpi *m, const gk_sim_config *base)
{
  if (!m->active || m->size < 2 || m->rank == 0) return 0;
  mpi_ready(m);
  for (;;) {
    int cmd, hdr[2];
    bcast_q(&cmd, 1, MPI_INT, 0); /* waits while rank 0 fits: quietly */
    if (cmd != SERVE_SWEEP) return 0;
    MPI_Bcast(hdr, 2, MPI_INT, 0, MPI_COMM_WORLD);
    gk_sim_config c;
    MPI_Bcast(&c, (int)sizeof c, MPI_BYTE, 0, MPI_COMM_WORLD);
    keep_tables(&c, base);
    size_t n = (size_t)hdr[1];
    double *v = malloc((n ? n : 1) * sizeof *v);
    gk_sim_result *rs = calloc(n ? n : 1, sizeof *rs);
    if (!v || !rs) MPI_Abort(MPI_COMM_WORLD, 1);
    MPI_Bcast(v, (int)n, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    gk_error e;
    gk_error_clear(&e);
    /* errors are collective inside sim_mpi_sweep: rank 0 reports them */
    sim_mpi_sweep(m, &c, (gk_sim_sweep_kind)hdr[0], v, n, rs, NULL, &e);
    for (size_t i = 0; i < n; i++) gk_sim_result_free(&rs[i]);
    free(rs);
    free(v);
  }
}

int sim_mpi_finish(const sim_mpi *m, int rc)
{
  if (!m->active) return rc;
  mpi_ready(m);
  bcast_q(&rc, 1, MPI_INT, 0);
  MPI_Finalize();
  return rc;
}

#else /* no MPI: the serial path, nothing else */

void sim_mpi_init(sim_mpi *m)
{
  memset(m, 0, sizeof *m);
  m->size = 1;
}

int sim_mpi_sweep(const sim_mpi *m, const gk_sim_config *c, gk_sim_sweep_kind kind, const double *values,
                  size_t n, gk_sim_result *results, const gk_progress *prog, gk_error *err)
{
  (void)m;
  return gk_sim_sweep(c, kind, values, n, results, prog, err);
}

int sim_mpi_request(void *m, const gk_sim_config *c, gk_sim_sweep_kind kind, const double *values, size_t n,
                    gk_sim_result *results, const gk_progress *prog, gk_error *err)
{
  (void)m;
  return gk_sim_sweep(c, kind, values, n, results, prog, err);
}

void sim_mpi_stop(const sim_mpi *m) { (void)m; }

int sim_mpi_serve(const sim_mpi *m, const gk_sim_config *base)
{
  (void)m;
  (void)base;
  return 0;
}

int sim_mpi_finish(const sim_mpi *m, int rc)
{
  (void)m;
  return rc;
}
#endif
