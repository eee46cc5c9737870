/* gainkit report — gather a run's outputs (JSON, text, figures, CSV) into
 * one self-contained HTML page that a lab can archive: figures embedded as
 * data: URIs, every JSON with its provenance, every text output in full.
 * No analysis happens here; the page only shows what the commands wrote.
 * Options, the directory (gk_dir_list), the page (cli/emit_report.c), the
 * atomic write. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "qopt.h"
#include "emit_report.h"


/* ---- options (declarative: --help is generated from this table) ---- */
static const char *html_opt;
static cli_qopt opts[] = {
  CLI_OPT_STRING("html", "FILE.html", &html_opt, "DIR/report.html", "where to write the page"),
};

static int run(int argc, char **argv)
{
  cli_common c = {.cmd = "report"};
  CLI_RESET(html_opt);
  int first;
  if (cli_qopt_parse(&c, argc, argv, opts, CLI_NOPTS(opts), &first) < 0) return CLI_USAGE;
  const char *html = html_opt;
  if (first != argc - 1) return cli_usage(c.cmd, "give one DIR (the outputs of a run, e.g. demo-out)");
  if (c.plot) return cli_usage(c.cmd, "--plot: report draws no figure");
  const char *dir = argv[first];
  char def[4096];
  if (!html) {
    snprintf(def, sizeof def, "%s/report.html", dir);
    html = def;
  }
  char ext[16];
  gk_path_ext(html, ext, sizeof ext);
  if (strcmp(ext, "html") != 0) return cli_usage(c.cmd, "--html: '%s' must end in .html", html);
  char **names;
  size_t n;
  gk_error e;
  gk_error_clear(&e);
  if (gk_dir_list(dir, &names, &n, &e) != GK_OK)
    return e.code == GK_ENOMEM ? cli_usage(c.cmd, "out of memory") : cli_error(&e);
  cli_buf b = {0};
  report_html(&b, dir, names, n);
  gk_dir_list_free(names, n);
  int rc = b.s ? gk_write_atomic(html, b.s, strlen(b.s), &e) : gk_error_set(&e, GK_ENOMEM, html, 0, "out of memory");
  cli_buf_free(&b);
  if (rc != GK_OK) return cli_error(&e);
  cJSON *j = cJSON_CreateObject();
  cJSON_AddStringToObject(j, "command", "report");
  cJSON_AddStringToObject(j, "html", html);
  cli_buf t = {0};
  cli_printf(&t, "wrote %s\n", html);
  rc = cli_emit(&c, j, t.s, NULL, CLI_OK);
  cli_buf_free(&t);
  cJSON_Delete(j);
  return rc;
}

const struct cli_command cli_cmd_report = {
  .name = "report",
  .summary = "gather a run's JSON, text, figures and provenance into one HTML page",
  .order = 900,
  .opts = opts,
  .nopts = CLI_NOPTS(opts),
  .usage = "DIR [--html FILE.html]",
  .about = "Gather the outputs of a run in DIR (each command's JSON with its provenance, its\n"
           "text output and messages, its figure, other figures and CSV tables) into one\n"
           "self-contained HTML page: figures are embedded (PNG and SVG as data URIs; PDFs\n"
           "are listed), nothing is truncated, the page needs no other file. Written\n"
           "atomically. `make demo` writes demo-out/report.html this way.",
  .epilog = "Examples (after `make demo`: gainkit report demo-out):\n"
            "  gainkit report examples/tamap --html tamap-inputs.html",
  .run = run,
};
