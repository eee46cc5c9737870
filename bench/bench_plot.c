/* bench_plot: time to render the gallery figure (tests/plot_gallery.h) to
 * each format, and the file sizes. With an argument, also writes that file
 * (any supported extension) — docs/img/plot-example.png was made with
 *   build/bench/bench_plot docs/img/plot-example.png 900 600
 * Run by `make bench`, never by ctest (it measures wall-clock time). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "gainkit/gainkit.h"
#include "plot_gallery.h"

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

int main(int argc, char **argv)
{
  gk_error err;
  if (argc > 1) {
    int w = argc > 2 ? atoi(argv[2]) : 1200, h = argc > 3 ? atoi(argv[3]) : 800;
    gk_figure *f = gallery_figure(w, h);
    if (!f || gk_figure_save(f, argv[1], &err)) {
      fprintf(stderr, "bench_plot: %s\n", f ? err.msg : "cannot build figure");
      gk_figure_free(f);
      return 1;
    }
    gk_figure_free(f);
    return 0;
  }
  const char *exts[] = {"png", "svg", "pdf"};
  const int reps = 5;
  printf("%-6s %12s %12s\n", "format", "ms/figure", "bytes");
  for (int k = 0; k < 3; k++) {
    char path[64];
    snprintf(path, sizeof path, "bench_plot_out.%s", exts[k]);
    double t0 = now();
    for (int r = 0; r < reps; r++) {
      gk_figure *f = gallery_figure(1200, 800);
      if (!f || gk_figure_save(f, path, &err)) {
        fprintf(stderr, "bench_plot: %s\n", f ? err.msg : "cannot build figure");
        gk_figure_free(f);
        return 1;
      }
      gk_figure_free(f);
    }
    double ms = 1e3 * (now() - t0) / reps;
    struct stat st;
    long size = stat(path, &st) == 0 ? (long)st.st_size : -1;
    printf("%-6s %12.1f %12ld\n", exts[k], ms, size);
    unlink(path);
  }
  return 0;
}
