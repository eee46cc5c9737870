/* gainkit version — print version and build information. */
#include "cli.h"

static int run(int argc, char **argv)
{
  cli_common c = {.cmd = "version"};
  static const struct option longopts[] = {CLI_COMMON_LONGOPTS, {0, 0, 0, 0}};
  int opt;
  optind = 1;
  while ((opt = cli_getopt(argc, argv, CLI_COMMON_SHORTOPTS, longopts, c.cmd)) != -1) {
    if (opt == '?') return CLI_USAGE;
    int h = cli_common_option(&c, opt, optarg);
    if (h < 0) return CLI_USAGE;
    if (h == 0) return cli_usage(c.cmd, "unexpected option");
  }
  if (optind < argc) return cli_usage(c.cmd, "unexpected argument '%s'", argv[optind]);
  if (cli_common_check(&c) < 0) return CLI_USAGE;
  cJSON *j = cJSON_CreateObject();
  cJSON_AddStringToObject(j, "command", "version");
  cJSON_AddStringToObject(j, "version", gk_version());
  cli_buf b = {0};
  cli_printf(&b, "gainkit %s\n", gk_version());
  int rc = cli_emit(&c, j, b.s, NULL, CLI_OK);
  cli_buf_free(&b);
  cJSON_Delete(j);
  return rc;
}

const struct cli_command cli_cmd_version = {
  .name = "version",
  .summary = "print the version (also: gainkit --version)",
  .order = 999,
  .help = "Usage: gainkit version [--format text|json] [-o FILE.json]\n\n"
          "Print the gainkit version.\n\n" CLI_COMMON_HELP,
  .run = run,
};
