/* Atomic output under interruption: a signal arriving while a temp file is
 * being written must leave no partial file and the target untouched, when
 * the handler calls gk_atomic_cleanup_signal (as the CLI's does). The
 * child process writes and interrupts itself, so nothing depends on
 * timing. */
#define _GNU_SOURCE
#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gainkit/output.h"
#include "gk_test.h"

static char dir[64];

static void on_signal(int sig)
{
  gk_atomic_cleanup_signal();
  _exit(100 + sig);
}

static int count_tmp(void)
{
  DIR *d = opendir(dir);
  int n = 0;
  struct dirent *e;
  while (d && (e = readdir(d)))
    if (strstr(e->d_name, ".tmp.")) n++;
  if (d) closedir(d);
  return n;
}

static void put(const char *path, const char *text)
{
  FILE *f = fopen(path, "w");
  fputs(text, f);
  fclose(f);
}

static int same(const char *path, const char *text)
{
  char buf[64] = {0};
  FILE *f = fopen(path, "r");
  if (!f) return 0;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  return n == strlen(text) && memcmp(buf, text, n) == 0;
}

/* mode 0: interrupted while writing one file; 1: one file committed, a
 * second one open; 2: no file open at all */
static int child(const char *a, const char *b, int mode)
{
  signal(SIGINT, on_signal);
  gk_error e;
  gk_atomic_file fa, fb;
  if (mode == 2) raise(SIGINT);
  if (gk_atomic_open(&fa, a, &e) != GK_OK) _exit(1);
  for (int i = 0; i < 10000; i++) fputs("partial output line\n", fa.fp);
  fflush(fa.fp);
  if (mode == 1) {
    if (gk_atomic_commit(&fa, &e) != GK_OK) _exit(1);
    if (gk_atomic_open(&fb, b, &e) != GK_OK) _exit(1);
    fputs("half", fb.fp);
    fflush(fb.fp);
  }
  if (count_tmp() != 1) _exit(2);  /* the temp file exists before the signal */
  raise(SIGINT);
  _exit(3);  /* not reached */
}

static int run_child(const char *a, const char *b, int mode)
{
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) child(a, b, mode);
  int st = 0;
  waitpid(pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_interrupt(void)
{
  char a[128], b[128];
  snprintf(a, sizeof a, "%s/a.json", dir);
  snprintf(b, sizeof b, "%s/b.csv", dir);

  put(a, "precious\n");
  CHECK_INT(run_child(a, b, 0), 100 + SIGINT);
  CHECK(same(a, "precious\n"));
  CHECK_INT(count_tmp(), 0);

  unlink(a);
  CHECK_INT(run_child(a, b, 0), 100 + SIGINT);
  CHECK(access(a, F_OK) != 0);  /* no file at all, not a partial one */
  CHECK_INT(count_tmp(), 0);

  put(b, "old\n");
  CHECK_INT(run_child(a, b, 1), 100 + SIGINT);
  CHECK(access(a, F_OK) == 0);  /* committed before the signal: complete */
  CHECK(same(b, "old\n"));
  CHECK_INT(count_tmp(), 0);

  CHECK_INT(run_child(a, b, 2), 100 + SIGINT);
  CHECK_INT(count_tmp(), 0);
}

/* Slots are released by commit and abort: many files one after another. */
static void test_slots_released(void)
{
  char p[128];
  snprintf(p, sizeof p, "%s/many.json", dir);
  gk_error e;
  for (int i = 0; i < 50; i++) {
    gk_atomic_file f;
    CHECK_INT(gk_atomic_open(&f, p, &e), GK_OK);
    fputs("x", f.fp);
    if (i % 2) gk_atomic_abort(&f);
    else CHECK_INT(gk_atomic_commit(&f, &e), GK_OK);
  }
  CHECK_INT(gk_write_atomic(p, "done\n", 5, &e), GK_OK);
  CHECK(same(p, "done\n"));
  CHECK_INT(count_tmp(), 0);
  /* cleanup with nothing open removes nothing */
  gk_atomic_cleanup_signal();
  CHECK(same(p, "done\n"));
}

int main(void)
{
  snprintf(dir, sizeof dir, "/tmp/gk-output.XXXXXX");
  if (!mkdtemp(dir)) return 1;
  RUN(test_interrupt);
  RUN(test_slots_released);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) return 1;
  return gk_test_summary();
}
