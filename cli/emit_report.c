/* cli/emit_report.c — the HTML page of `gainkit report`: figures
 * embedded as data: URIs, every JSON with its provenance, every text output
 * in full. No analysis happens here; the page only shows what the commands
 * wrote. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "emit_report.h"

/* Files larger than this are listed, not embedded. */
#define REPORT_MAX_FILE (32u << 20)

static int read_file(const char *path, char **buf, size_t *len)
{
  *buf = NULL;
  *len = 0;
  FILE *fp = fopen(path, "rb");
  if (!fp) return -1;
  struct stat st;
  if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > REPORT_MAX_FILE) {
    fclose(fp);
    return -1;
  }
  char *b = malloc((size_t)st.st_size + 1);
  size_t n = b ? fread(b, 1, (size_t)st.st_size, fp) : 0;
  fclose(fp);
  if (!b || n != (size_t)st.st_size) {
    free(b);
    return -1;
  }
  b[n] = '\0';
  *buf = b;
  *len = n;
  return 0;
}

static void html_escape(cli_buf *b, const char *s, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    switch (s[i]) {
    case '<': cli_printf(b, "&lt;"); break;
    case '>': cli_printf(b, "&gt;"); break;
    case '&': cli_printf(b, "&amp;"); break;
    case '"': cli_printf(b, "&quot;"); break;
    case '\0': break;
    default: cli_printf(b, "%c", s[i]); break;
    }
  }
}

static void base64(cli_buf *b, const unsigned char *p, size_t n)
{
  static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  char q[5] = {0};
  for (size_t i = 0; i < n; i += 3) {
    unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
    q[0] = t[v >> 18 & 63];
    q[1] = t[v >> 12 & 63];
    q[2] = i + 1 < n ? t[v >> 6 & 63] : '=';
    q[3] = i + 2 < n ? t[v & 63] : '=';
    cli_printf(b, "%s", q);
  }
}

static const char *ext_of(const char *name)
{
  const char *d = strrchr(name, '.');
  return d ? d + 1 : "";
}

/* name without its extension == stem? */
static int has_stem(const char *name, const char *stem)
{
  size_t n = strlen(stem);
  return !strncmp(name, stem, n) && name[n] == '.';
}

static void embed_figure(cli_buf *b, const char *dir, const char *name)
{
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  char *data;
  size_t len;
  const char *e = ext_of(name);
  cli_printf(b, "<figure><figcaption>");
  html_escape(b, name, strlen(name));
  cli_printf(b, "</figcaption>");
  if (!strcmp(e, "pdf") || read_file(path, &data, &len) != 0) {
    cli_printf(b, "<p class=note>(not embedded: %s)</p></figure>\n",
               !strcmp(e, "pdf") ? "PDF, kept beside this page" : "unreadable or over 32 MiB");
    return;
  }
  cli_printf(b, "<img alt=\"");
  html_escape(b, name, strlen(name));
  cli_printf(b, "\" src=\"data:%s;base64,", !strcmp(e, "svg") ? "image/svg+xml" : "image/png");
  base64(b, (const unsigned char *)data, len);
  cli_printf(b, "\"></figure>\n");
  free(data);
}

static void embed_text(cli_buf *b, const char *dir, const char *name, const char *summary, int open)
{
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  char *data;
  size_t len;
  if (read_file(path, &data, &len) != 0) return;
  if (len == 0) {
    free(data);
    return;
  }
  cli_printf(b, "<details%s><summary>%s: ", open ? " open" : "", summary);
  html_escape(b, name, strlen(name));
  cli_printf(b, " (%zu bytes)</summary><pre>", len);
  /* JSON is shown pretty-printed */
  cJSON *j = !strcmp(ext_of(name), "json") ? cJSON_Parse(data) : NULL;
  char *pretty = j ? cJSON_Print(j) : NULL;
  if (pretty) html_escape(b, pretty, strlen(pretty));
  else html_escape(b, data, len);
  cJSON_free(pretty);
  cJSON_Delete(j);
  cli_printf(b, "</pre></details>\n");
  free(data);
}

void report_html(cli_buf *b, const char *dir, char *const *names, size_t n)
{
  int *used = calloc(n ? n : 1, sizeof *used);
  char date[64];
  time_t now = time(NULL);
  struct tm tmv;
  strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S UTC", gmtime_r(&now, &tmv));
  cli_printf(b, "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8><title>gainkit report: ");
  html_escape(b, dir, strlen(dir));
  cli_printf(b, "</title>\n<style>body{font-family:sans-serif;max-width:60em;margin:auto;padding:1em}"
                 "pre{background:#f6f6f6;padding:.5em;overflow-x:auto;font-size:85%%}"
                 "img{max-width:100%%;border:1px solid #ddd}figure{margin:1em 0}"
                 "figcaption,.note{color:#555;font-size:90%%}h2{border-top:1px solid #ccc;padding-top:.5em}"
                 "code{background:#f0f0f0}</style></head><body>\n<h1>gainkit report</h1>\n"
                 "<p>Directory <code>");
  html_escape(b, dir, strlen(dir));
  cli_printf(b, "</code>, gathered by gainkit %s on %s. Every figure is embedded; every JSON keeps its "
                 "provenance (command line, inputs with SHA-256, options, date).</p>\n",
             gk_version(), date);
  /* one section per JSON result: its command, text output, log, figures */
  cli_printf(b, "<h2>Contents</h2><ul>\n");
  for (size_t i = 0; i < n && used; i++)
    if (!strcmp(ext_of(names[i]), "json") && strcmp(names[i], "report.json") != 0) {
      cli_printf(b, "<li><a href=\"#");
      html_escape(b, names[i], strlen(names[i]));
      cli_printf(b, "\">");
      html_escape(b, names[i], strlen(names[i]) - 5);
      cli_printf(b, "</a></li>\n");
    }
  cli_printf(b, "</ul>\n");
  for (size_t i = 0; i < n && used; i++) {
    if (strcmp(ext_of(names[i]), "json") != 0 || !strcmp(names[i], "report.json")) continue;
    char stem[1024];
    snprintf(stem, sizeof stem, "%.*s", (int)(strlen(names[i]) - 5), names[i]);
    used[i] = 1;
    cli_printf(b, "<h2 id=\"");
    html_escape(b, names[i], strlen(names[i]));
    cli_printf(b, "\">");
    html_escape(b, stem, strlen(stem));
    cli_printf(b, "</h2>\n");
    char path[4096], *data;
    size_t len;
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    cJSON *j = read_file(path, &data, &len) == 0 ? cJSON_Parse(data) : NULL;
    if (data) free(data);
    const cJSON *prov = j ? cJSON_GetObjectItemCaseSensitive(j, "provenance") : NULL;
    const cJSON *cl = prov ? cJSON_GetObjectItemCaseSensitive(prov, "command_line") : NULL;
    if (cJSON_IsString(cl)) {
      cli_printf(b, "<pre>");
      html_escape(b, cl->valuestring, strlen(cl->valuestring));
      cli_printf(b, "</pre>\n");
    }
    /* the figures this command wrote (--plot in its provenance) */
    const cJSON *opts = prov ? cJSON_GetObjectItemCaseSensitive(prov, "options") : NULL;
    const cJSON *pl = opts ? cJSON_GetObjectItemCaseSensitive(opts, "--plot") : NULL;
    if (cJSON_IsString(pl)) {
      const char *base = strrchr(pl->valuestring, '/');
      base = base ? base + 1 : pl->valuestring;
      for (size_t k = 0; k < n; k++)
        if (!strcmp(names[k], base)) {
          embed_figure(b, dir, names[k]);
          used[k] = 1;
        }
    }
    cJSON_Delete(j);
    for (size_t k = 0; k < n; k++)
      if (has_stem(names[k], stem) && !strcmp(ext_of(names[k]), "txt")) {
        embed_text(b, dir, names[k], "text output", 1);
        used[k] = 1;
      }
    for (size_t k = 0; k < n; k++)
      if (has_stem(names[k], stem) && !strcmp(ext_of(names[k]), "log")) {
        embed_text(b, dir, names[k], "messages (stderr)", 0);
        used[k] = 1;
      }
    embed_text(b, dir, names[i], "JSON", 0);
  }
  /* everything else: figures, then tables and text */
  int other = 0;
  for (size_t k = 0; k < n && used; k++) {
    const char *e = ext_of(names[k]);
    if (used[k] || !strcmp(names[k], "report.html") || !strcmp(names[k], "report.json")) continue;
    if (strcmp(e, "png") && strcmp(e, "svg") && strcmp(e, "pdf") && strcmp(e, "csv") && strcmp(e, "txt") &&
        strcmp(e, "md"))
      continue;
    if (!other++) cli_printf(b, "<h2 id=other>Other files</h2>\n");
    if (!strcmp(e, "png") || !strcmp(e, "svg") || !strcmp(e, "pdf")) embed_figure(b, dir, names[k]);
    else embed_text(b, dir, names[k], !strcmp(e, "csv") ? "table" : "text", 0);
  }
  cli_printf(b, "</body></html>\n");
  free(used);
}
