/* fuzz_cli — command-line option parsing. The input is a newline-separated
 * argv. When the first word names a command, that command's run function
 * gets the whole argv (as main would pass it); the words "q", "r", "l" and
 * "i" drive the option helpers cli_quantity / cli_range / cli_list /
 * cli_int directly ("q BASE ARG", "i ARG").
 *
 * Words "@series", "@spectra", "@ex:PATH" and "@bad:NAME" stand for fresh
 * copies of the bundled examples (examples/PATH) and tests/bad-input/NAME, so the commands get past
 * file loading. Copies, because "-o @series" is a valid command line: the
 * first campaign overwrote examples/threshold-series.csv that way. Any
 * other word containing '/' is refused, so that every file a command
 * writes lands in the private directory the harness works in (run
 * libFuzzer with -close_fd_mask=3 to silence the commands' output). */
#define _GNU_SOURCE
#include <getopt.h>
#include <gsl/gsl_errno.h>
#include <stdio.h>
#include "cli.h"
#include "fuzz_common.h"

#ifndef GK_SOURCE_DIR
#define GK_SOURCE_DIR "."
#endif
enum { MAXARG = 24 };

static void setup(void)
{
  static char dir[] = "/tmp/gk-fuzz-cli.XXXXXX";
  fuzz_private_dir(dir);
  /* as main() does: GSL errors come back as status codes, never abort() */
  gsl_set_error_handler_off();
}

/* Copy src to a file named dst in the working directory; 0 on success. */
static int copy_in(const char *src, const char *dst)
{
  FILE *in = fopen(src, "rb");
  if (!in) return -1;
  FILE *out = fopen(dst, "wb");
  if (!out) { fclose(in); return -1; }
  char buf[8192];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, in)) > 0) fwrite(buf, 1, n, out);
  fclose(in);
  return fclose(out) == 0 ? 0 : -1;
}

static char *expand(const char *w, int k)
{
  char src[1024], dst[32];
  if (strcmp(w, "@series") == 0) snprintf(src, sizeof src, "%s/examples/threshold-series.csv", GK_SOURCE_DIR);
  else if (strcmp(w, "@spectra") == 0) snprintf(src, sizeof src, "%s/examples/threshold-spectra.csv", GK_SOURCE_DIR);
  else if (strncmp(w, "@bad:", 5) == 0 && !strchr(w, '/')) snprintf(src, sizeof src, "%s/tests/bad-input/%s", GK_SOURCE_DIR, w + 5);
  else if (strncmp(w, "@ex:", 4) == 0 && !strstr(w, "..")) snprintf(src, sizeof src, "%s/examples/%s", GK_SOURCE_DIR, w + 4);
  else if (strchr(w, '/')) return NULL;
  else return strdup(w);
  snprintf(dst, sizeof dst, "in%d.csv", k);
  if (copy_in(src, dst) != 0) return NULL;
  return strdup(dst);
}

static void helper(int argc, char **argv)
{
  double a, b, *v;
  size_t n;
  long l;
  const char *base = argc > 1 ? argv[1] : "cm";
  const char *arg = argc > 2 ? argv[2] : "";
  switch (argv[0][0]) {
  case 'q': (void)cli_quantity("--q", arg, base, &a); break;
  case 'r':
    if (cli_range("--r", arg, base, &a, &b) == 0 && !(a < b)) abort();
    break;
  case 'l':
    if (cli_list("--l", arg, base, &v, &n) == 0) {
      if (n == 0) abort();
      free(v);
    }
    break;
  case 'i': (void)cli_int("--i", base, -5, 100000, &l); break;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  setup();
  char *s = fuzz_cstr(data, size);
  char *argv[MAXARG + 1];
  int argc = 0, refused = 0;
  char *save = NULL;
  for (char *w = strtok_r(s, "\n", &save); w && argc < MAXARG; w = strtok_r(NULL, "\n", &save)) {
    argv[argc] = expand(w, argc);
    if (!argv[argc]) { refused = 1; break; }
    argc++;
  }
  argv[argc] = NULL;
  if (!refused && argc > 0) {
    const struct cli_command *cmd = NULL;
    for (size_t i = 0; i < cli_ncommands; i++)
      if (strcmp(cli_commands[i]->name, argv[0]) == 0) cmd = cli_commands[i];
    if (cmd) {
      /* getopt keeps state between calls (the position inside a cluster of
       * short options); main runs a command once per process, so start
       * each run from a fresh getopt, as a new process would. */
      char *dummy[] = {"x", NULL};
      optind = 0;
      (void)getopt(1, dummy, "");
      (void)cmd->run(argc, argv);
    } else if (strlen(argv[0]) == 1) {
      helper(argc, argv);
    }
  }
  for (int i = 0; i < argc; i++) free(argv[i]);
  free(s);
  return 0;
}
