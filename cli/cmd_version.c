/* gainkit version — print version and build information. */
#include "cli.h"
#include "qopt.h"

/* no options of its own: an empty table (the common options only) */
static cli_qopt opts[1];

static int run(int argc, char **argv)
{
  cli_common c = {.cmd = "version"};
  int first;
  if (cli_qopt_parse(&c, argc, argv, opts, 0, &first) < 0) return CLI_USAGE;
  if (first < argc) return cli_usage(c.cmd, "unexpected argument '%s'", argv[first]);
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
  .opts = opts,
  .nopts = 0,
  .usage = "[--format text|json] [-o FILE.json]",
  .about = "Print the gainkit version.",
  .run = run,
};
