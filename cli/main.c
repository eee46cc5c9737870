/* gainkit — entry point and dispatch. Each subcommand lives in
 * cli/cmd_<name>.c; the table in build/generated/commands.c lists them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <signal.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>

#include "cli.h"

static const struct cli_command *find_command(const char *name)
{
  for (size_t i = 0; i < cli_ncommands; i++)
    if (strcmp(cli_commands[i]->name, name) == 0) return cli_commands[i];
  return NULL;
}

static void print_main_help(FILE *fp)
{
  fprintf(fp,
          "gainkit %s — measure, model and design optical gain in thin-film gain media\n\n"
          "Usage: gainkit COMMAND [options] FILE...\n"
          "       gainkit COMMAND --help     help for one command\n"
          "       gainkit --version\n\n"
          "Commands:\n",
          gk_version());
  /* list in the commands' own order */
  const struct cli_command *sorted[128];
  size_t n = cli_ncommands < 128 ? cli_ncommands : 128;
  for (size_t i = 0; i < n; i++) sorted[i] = cli_commands[i];
  for (size_t i = 1; i < n; i++)
    for (size_t j = i; j > 0 && sorted[j]->order < sorted[j - 1]->order; j--) {
      const struct cli_command *t = sorted[j];
      sorted[j] = sorted[j - 1];
      sorted[j - 1] = t;
    }
  for (size_t i = 0; i < n; i++) fprintf(fp, "  %-12s %s\n", sorted[i]->name, sorted[i]->summary);
  fprintf(fp,
          "\nCommon options (every command):\n"
          "  --format text|json  -o FILE (.json/.csv)  --plot FILE (.svg/.png/.pdf)\n"
          "Numbers accept unit suffixes: 20ns, 65 ps, 2.5nm, 3eV, 1.3mJ/cm2, 4.5mm.\n\n"
          "Exit status: 0 success; 1 computation did not succeed (result still printed,\n"
          "\"converged\": false); 2 usage or input error (message on stderr, nothing on stdout).\n"
          "Documentation: docs/ in the source tree, man gainkit.\n");
}

/* Ctrl-C (and SIGTERM): remove the temp file of an output being written,
 * say so, exit 130. Only async-signal-safe calls; the output module keeps
 * the temp names in static buffers for this. Nothing half-written is ever
 * renamed over a target, so an interrupted run leaves the old file (or no
 * file) and no partial one. */
static void interrupt_now(int sig)
{
  gk_atomic_cleanup_signal();
  static const char msg[] = "\ngainkit: interrupted\n";
  /* skip the leading newline unless a progress bar left its line open */
  const char *m = cli_bar_open ? msg : msg + 1;
  ssize_t w = write(STDERR_FILENO, m, strlen(m));
  (void)w;
  _exit(sig == SIGINT ? 130 : 128 + sig);
}

/* During a computation under cli_progress, the first signal only asks the
 * library to stop (cli.h); the alarm is the fallback for a computation
 * that does not get back to its progress callback in time. */
static void on_interrupt(int sig)
{
  if (cli_cooperative && !cli_interrupt_signal) {
    cli_interrupt_signal = sig;
    alarm(CLI_INTERRUPT_GRACE);
    return;
  }
  interrupt_now(cli_interrupt_signal ? cli_interrupt_signal : sig);
}

static void on_alarm(int sig)
{
  interrupt_now(cli_interrupt_signal ? cli_interrupt_signal : sig);
}

static void install_interrupt_handler(void)
{
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sa.sa_handler = on_alarm;
  sigaction(SIGALRM, &sa, NULL);
}

int main(int argc, char **argv)
{
  install_interrupt_handler();
  /* GSL's default error handler calls abort(). The library checks every
   * GSL status itself, so a GSL error must come back as a return code and
   * become a gainkit message, never a crash. Set once, before any thread
   * starts (the handler is process-global). */
  gsl_set_error_handler_off();
  if (argc < 2) {
    print_main_help(stderr);
    return CLI_USAGE;
  }
  const char *a = argv[1];
  if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0 || strcmp(a, "help") == 0) {
    if (strcmp(a, "help") == 0 && argc > 2) {
      const struct cli_command *c = find_command(argv[2]);
      if (!c) return cli_usage(NULL, "unknown command '%s' (see 'gainkit --help')", argv[2]);
      /* (a typo here gets its suggestion when the command is run) */
      cli_print_help_for(c, argc - 2, argv + 2, stdout);
      return CLI_OK;
    }
    print_main_help(stdout);
    return CLI_OK;
  }
  if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
    printf("gainkit %s\n", gk_version());
    return CLI_OK;
  }
  if (a[0] == '-') return cli_usage(NULL, "unknown option '%s' (see 'gainkit --help')", a);
  const struct cli_command *c = find_command(a);
  if (!c) {
    const char *cand[128];
    size_t n = 0;
    for (size_t i = 0; i < cli_ncommands && n < 128; i++) cand[n++] = cli_commands[i]->name;
    const char *sug = cli_suggest(a, cand, n);
    if (sug) return cli_usage(NULL, "unknown command '%s' (did you mean %s?)", a, sug);
    return cli_usage(NULL, "unknown command '%s' (see 'gainkit --help')", a);
  }
  for (int i = 2; i < argc; i++) {
    if (strcmp(argv[i], "--") == 0) break;
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      /* `gainkit nc threshold --help`: the subcommand's own help */
      cli_print_help_for(c, argc - 1, argv + 1, stdout);
      return CLI_OK;
    }
  }
  cli_prov_start(argc, argv);
  char *help = NULL;
  {
    char name[64];
    int sub = c->subs && argc > 2 && argv[2][0] != '-';
    snprintf(name, sizeof name, "%s%s%s", c->name, sub ? " " : "", sub ? argv[2] : "");
    cli_set_command(name);
    /* the help whose option list gives the defaults: the subcommand's own */
    /* (kept for the whole run: provenance reads it when emitting) */
    help = cli_help_text(c, sub ? argv[2] : NULL);
    cli_prov_help(help);
  }
  int rc = c->run(argc - 1, argv + 1);
  cli_prov_help(NULL);
  free(help);
  if (cli_interrupt_signal) {
    /* the command stopped cooperatively and wrote nothing */
    alarm(0);
    fputs("gainkit: interrupted\n", stderr);
    return cli_interrupt_signal == SIGINT ? 130 : 128 + cli_interrupt_signal;
  }
  return rc;
}
