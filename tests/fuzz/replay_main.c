/* replay_main.c — runs every file named on the command line (or found in a
 * named directory) through a harness's LLVMFuzzerTestOneInput, without
 * libFuzzer: this is how `make check` replays tests/fuzz/corpus/<parser>/ and
 * tests/fuzz/crashes/<parser>-* with gcc. Fails when nothing was replayed,
 * so an emptied corpus does not pass silently. */
#define _DEFAULT_SOURCE /* realpath */
#include <dirent.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static long replayed;
/* the harnesses may silence stdout and stderr; the report goes to a copy */
static FILE *report;

static int replay_file(const char *path)
{
  FILE *f = fopen(path, "rb");
  if (!f) { fprintf(report, "replay: cannot open %s\n", path); return -1; }
  size_t cap = 4096, n = 0;
  uint8_t *buf = malloc(cap);
  size_t got;
  while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap) {
      uint8_t *b = realloc(buf, cap *= 2);
      if (!b) { free(buf); buf = NULL; }
      else buf = b;
    }
  }
  fclose(f);
  if (!buf) return -1;
  LLVMFuzzerTestOneInput(buf, n);
  free(buf);
  replayed++;
  return 0;
}

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* prefix: only files whose name starts with it (crash files are named
 * <parser>-<kind>-<hash>); NULL for all */
static int replay_dir(const char *dir, const char *prefix)
{
  DIR *d = opendir(dir);
  if (!d) return 0;  /* a parser with no crashes has no files there */
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    if (prefix && strncmp(e->d_name, prefix, strlen(prefix)) != 0) continue;
    if (n == cap) {
      cap = cap ? 2 * cap : 64;
      char **t = realloc(names, cap * sizeof *t);
      if (!t) abort();
      names = t;
    }
    names[n++] = strdup(e->d_name);
  }
  closedir(d);
  if (n) qsort(names, n, sizeof *names, cmp);  /* reproducible order */
  int rc = 0;
  char path[PATH_MAX + 512];
  for (size_t i = 0; i < n; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    struct stat st;
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && replay_file(path) < 0) rc = -1;
    free(names[i]);
  }
  free(names);
  return rc;
}

/* usage: replay_<parser> [--prefix P] PATH...  (PATH: file or directory) */
int main(int argc, char **argv)
{
  const char *prefix = NULL;
  int rc = 0;
  int fd = dup(STDOUT_FILENO);
  report = fd >= 0 ? fdopen(fd, "w") : NULL;
  if (!report) report = stdout;
  /* resolve every path before the first input runs: a harness may change
   * directory (fuzz_cli works in a private one) */
  char **abs = calloc((size_t)argc, sizeof *abs);
  if (!abs) return 1;
  for (int i = 1; i < argc; i++) abs[i] = realpath(argv[i], NULL);
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--prefix") == 0 && i + 1 < argc) { prefix = argv[++i]; continue; }
    const char *path = abs[i] ? abs[i] : argv[i];
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
      if (replay_dir(path, prefix) < 0) rc = 1;
      prefix = NULL;
    } else if (replay_file(path) < 0) rc = 1;
  }
  for (int i = 1; i < argc; i++) free(abs[i]);
  free(abs);
  fprintf(report, "replayed %ld inputs\n", replayed);
  fclose(report);
  return (rc || replayed == 0) ? 1 : 0;
}
