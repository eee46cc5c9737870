/* Provenance of every output (cli.h): what gainkit, which command line,
 * which input files (name, SHA-256, size, metadata read from them), every
 * option's effective value and the date. Collected while the command runs
 * (main starts it, cli_getopt records options, the library's read hook
 * reports files) and written by cli_emit into JSON and CSV and, through
 * gk_plot_set_metadata, into every figure. */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

typedef struct kv { char *k, *v; } kv;
typedef struct kvlist { kv *a; size_t n, cap; } kvlist;

typedef struct input {
  char *path, sha[65];
  size_t bytes;
  kvlist meta;
} input;

static struct {
  int started;
  char *cmdline, *cwd;
  char date[32];
  const char *help;      /* help of the (sub)command: defaults of its options */
  kvlist given;          /* options as typed: "--model" -> "vsl1" */
  kvlist defaults;       /* options not given: "--weights" -> default or NULL */
  input *in;
  size_t nin, incap;
  int inputs_dirty;   /* inputs read since the figures' pairs were last set */
} P;

static char *dup0(const char *s) { return s ? strdup(s) : NULL; }

static void kv_set(kvlist *l, const char *k, const char *v, int replace)
{
  for (size_t i = 0; i < l->n; i++)
    if (!strcmp(l->a[i].k, k)) {
      if (!replace) return;
      free(l->a[i].v);
      l->a[i].v = dup0(v);
      return;
    }
  if (l->n == l->cap) {
    size_t cap = l->cap ? 2 * l->cap : 16;
    kv *a = realloc(l->a, cap * sizeof *a);
    if (!a) return;
    l->a = a;
    l->cap = cap;
  }
  l->a[l->n].k = dup0(k);
  l->a[l->n].v = dup0(v);
  if (l->a[l->n].k) l->n++;
}

static const char *kv_get(const kvlist *l, const char *k, int *found)
{
  for (size_t i = 0; i < l->n; i++)
    if (!strcmp(l->a[i].k, k)) { if (found) *found = 1; return l->a[i].v; }
  if (found) *found = 0;
  return NULL;
}

static void kv_free(kvlist *l)
{
  for (size_t i = 0; i < l->n; i++) { free(l->a[i].k); free(l->a[i].v); }
  free(l->a);
  memset(l, 0, sizeof *l);
}

/* A word of the command line, quoted for a POSIX shell when it needs it. */
static void append_word(cli_buf *b, const char *w)
{
  int plain = *w != '\0';
  for (const char *s = w; *s; s++)
    if (!(isalnum((unsigned char)*s) || strchr("-_./:=,+@%^", *s) || (unsigned char)*s >= 0x80)) plain = 0;
  if (plain) { cli_printf(b, "%s", w); return; }
  cli_printf(b, "'");
  for (const char *s = w; *s; s++) {
    if (*s == '\'') cli_printf(b, "'\\''");
    else cli_printf(b, "%c", *s);
  }
  cli_printf(b, "'");
}

static void read_hook(void *ctx, const char *path, const char *sha, size_t bytes, const gk_meta *meta)
{
  (void)ctx;
  for (size_t i = 0; i < P.nin; i++)
    if (!strcmp(P.in[i].path, path) && !strcmp(P.in[i].sha, sha)) return; /* read twice */
  if (P.nin == P.incap) {
    size_t cap = P.incap ? 2 * P.incap : 4;
    input *a = realloc(P.in, cap * sizeof *a);
    if (!a) return;
    P.in = a;
    P.incap = cap;
  }
  input *f = &P.in[P.nin];
  memset(f, 0, sizeof *f);
  if (!(f->path = strdup(path))) return;
  snprintf(f->sha, sizeof f->sha, "%s", sha);
  f->bytes = bytes;
  for (size_t i = 0; meta && i < meta->n; i++) kv_set(&f->meta, meta->key[i], meta->value[i], 1);
  P.nin++;
  /* rebuilding the figures' provenance at every read made a batch of N
   * files cost O(N^2) (1000 files: ~1000 JSON documents of up to 1000
   * inputs); it is rebuilt when a figure is written (prov_sync_lazy) */
  P.inputs_dirty = 1;
}

static void prov_sync_lazy(void)
{
  static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
  pthread_mutex_lock(&lock);
  if (P.inputs_dirty) cli_prov_sync_plot();
  pthread_mutex_unlock(&lock);
}

static void prov_free(void)
{
  free(P.cmdline);
  free(P.cwd);
  kv_free(&P.given);
  kv_free(&P.defaults);
  for (size_t i = 0; i < P.nin; i++) { free(P.in[i].path); kv_free(&P.in[i].meta); }
  free(P.in);
  gk_set_read_hook(NULL, NULL);
  gk_plot_set_metadata_sync(NULL);
  gk_plot_set_metadata(NULL);
  memset(&P, 0, sizeof P);
}

void cli_prov_start(int argc, char **argv)
{
  if (P.started) prov_free();
  P.started = 1;
  cli_buf b = {0};
  cli_printf(&b, "gainkit");
  for (int i = 1; i < argc; i++) {
    cli_printf(&b, " ");
    append_word(&b, argv[i]);
  }
  P.cmdline = b.s;
  char cwd[4096];
  P.cwd = dup0(getcwd(cwd, sizeof cwd) ? cwd : "");
  /* SOURCE_DATE_EPOCH (reproducible-builds.org) fixes the date for
   * byte-identical reruns */
  time_t now = time(NULL);
  const char *sde = getenv("SOURCE_DATE_EPOCH");
  if (sde && *sde) {
    char *end;
    long long t = strtoll(sde, &end, 10);
    if (*end == '\0' && t >= 0) now = (time_t)t;
  }
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(P.date, sizeof P.date, "%Y-%m-%dT%H:%M:%SZ", &tm);
  gk_set_read_hook(read_hook, NULL);
  gk_plot_set_metadata_sync(prov_sync_lazy);
  atexit(prov_free);
  cli_prov_sync_plot();
}

void cli_prov_help(const char *help)
{
  P.help = help;
  cli_prov_sync_plot();
}

void cli_prov_option(const char *name, const char *value)
{
  if (!P.started) return;
  kv_set(&P.given, name, value ? value : "", 1);
  cli_prov_sync_plot();
}

void cli_prov_default(const char *name, const char *value)
{
  if (!P.started) return;
  kv_set(&P.defaults, name, value, 1);
  cli_prov_sync_plot();
}

static int common_option(const char *name)
{
  return !strcmp(name, "--format") || !strcmp(name, "--output") || !strcmp(name, "--plot") ||
         !strcmp(name, "--help");
}

/* The options of the help text not given on the command line, with the
 * default the help names ("(default all: ...)" -> "all"), or NULL (off /
 * not set) when it names none. Options a command recorded itself
 * (cli_prov_default, e.g. the qopt tables) win. */
static void help_defaults(kvlist *out)
{
  for (size_t i = 0; i < P.defaults.n; i++) kv_set(out, P.defaults.a[i].k, P.defaults.a[i].v, 1);
  const char *h = P.help;
  while (h && *h) {
    const char *eol = strchr(h, '\n');
    size_t len = eol ? (size_t)(eol - h) : strlen(h);
    const char *s = h;
    while (s < h + len && *s == ' ') s++;
    if (s - h >= 1 && s - h <= 4 && s[0] == '-') {
      /* "  -o, --output FILE ..." or "  --model M ..." */
      const char *dd = strstr(s, "--");
      if (dd && dd < h + len && dd[2] && isalpha((unsigned char)dd[2])) {
        char name[64];
        size_t k = 0;
        for (const char *p = dd; p < h + len && k < sizeof name - 1 && (isalnum((unsigned char)*p) || *p == '-' || *p == '_'); p++)
          name[k++] = *p;
        name[k] = 0;
        /* its description: this line and the deeper-indented lines after it */
        const char *end = eol ? eol + 1 : h + len;
        while (*end == ' ') {
          const char *t = end;
          while (*t == ' ') t++;
          if (t - end <= 4 || *t == '\n' || !*t) break;
          const char *e2 = strchr(end, '\n');
          end = e2 ? e2 + 1 : end + strlen(end);
        }
        int found;
        kv_get(&P.given, name, &found);
        int known;
        kv_get(out, name, &known);
        if (!found && !known && !common_option(name)) {
          char desc[1024];
          size_t dl = (size_t)(end - h) < sizeof desc - 1 ? (size_t)(end - h) : sizeof desc - 1;
          memcpy(desc, h, dl);
          desc[dl] = 0;
          char *d = strstr(desc, "default");
          char val[256] = "";
          if (d && d[7] == ')' && d - desc >= 2 && d[-1] == '(') {
            /* "none (default)": the word before */
            char *e = d - 1;
            while (e > desc && (e[-1] == ' ' || e[-1] == '\n')) e--;
            char *b = e;
            while (b > desc && !strchr(" \n,(", b[-1])) b--;
            snprintf(val, sizeof val, "%.*s", (int)(e - b), b);
            d = NULL;
          }
          if (d) {
            d += 7;
            while (*d == ' ' || *d == ':' || *d == '\n') d++;
            if (!strncmp(d, "is ", 3)) d += 3;
            size_t v = 0;
            int sp = 0;
            for (; *d && !strchr(");,:", *d) && v < sizeof val - 1; d++) {
              if (*d == ' ' || *d == '\n') { sp = 1; continue; }
              if (sp && v) val[v++] = ' ';
              sp = 0;
              val[v++] = *d;
            }
            val[v] = 0;
          }
          kv_set(out, name, *val ? val : NULL, 0);
        }
        h = end;
        continue;
      }
    }
    h = eol ? eol + 1 : h + len;
  }
}

cJSON *cli_prov_json(void)
{
  cJSON *p = cJSON_CreateObject();
  if (!p) return NULL;
  char ver[64];
  snprintf(ver, sizeof ver, "%s", gk_version());
  cJSON_AddStringToObject(p, "gainkit_version", ver);
  cJSON_AddStringToObject(p, "command_line", P.cmdline ? P.cmdline : "");
  cJSON_AddStringToObject(p, "working_directory", P.cwd ? P.cwd : "");
  cJSON_AddStringToObject(p, "date", P.date);
  cJSON *in = cJSON_AddArrayToObject(p, "inputs");
  for (size_t i = 0; i < P.nin; i++) {
    cJSON *f = cJSON_CreateObject();
    cJSON_AddStringToObject(f, "path", P.in[i].path);
    cJSON_AddStringToObject(f, "sha256", P.in[i].sha);
    cJSON_AddNumberToObject(f, "bytes", (double)P.in[i].bytes);
    cJSON *m = cJSON_AddObjectToObject(f, "metadata");
    for (size_t k = 0; k < P.in[i].meta.n; k++) cJSON_AddStringToObject(m, P.in[i].meta.a[k].k, P.in[i].meta.a[k].v ? P.in[i].meta.a[k].v : "");
    cJSON_AddItemToArray(in, f);
  }
  cJSON *o = cJSON_AddObjectToObject(p, "options");
  for (size_t i = 0; i < P.given.n; i++) cJSON_AddStringToObject(o, P.given.a[i].k, P.given.a[i].v ? P.given.a[i].v : "");
  kvlist d = {0};
  help_defaults(&d);
  cJSON *dj = cJSON_AddObjectToObject(p, "defaults");
  for (size_t i = 0; i < d.n; i++) {
    if (d.a[i].v) cJSON_AddStringToObject(dj, d.a[i].k, d.a[i].v);
    else cJSON_AddNullToObject(dj, d.a[i].k);
  }
  kv_free(&d);
  return p;
}

char *cli_prov_csv_comments(void)
{
  cli_buf b = {0};
  cli_printf(&b, "# gainkit_version: %s\n", gk_version());
  cli_printf(&b, "# command_line: %s\n", P.cmdline ? P.cmdline : "");
  cli_printf(&b, "# working_directory: %s\n", P.cwd ? P.cwd : "");
  cli_printf(&b, "# date: %s\n", P.date);
  for (size_t i = 0; i < P.nin; i++) {
    cli_printf(&b, "# input: %s sha256=%s bytes=%zu\n", P.in[i].path, P.in[i].sha, P.in[i].bytes);
    for (size_t k = 0; k < P.in[i].meta.n; k++)
      cli_printf(&b, "# input_metadata: %s: %s = %s\n", cli_basename(P.in[i].path), P.in[i].meta.a[k].k,
                 P.in[i].meta.a[k].v ? P.in[i].meta.a[k].v : "");
  }
  for (size_t i = 0; i < P.given.n; i++)
    cli_printf(&b, "# option: %s = %s\n", P.given.a[i].k, P.given.a[i].v ? P.given.a[i].v : "");
  kvlist d = {0};
  help_defaults(&d);
  for (size_t i = 0; i < d.n; i++)
    cli_printf(&b, "# default: %s = %s\n", d.a[i].k, d.a[i].v ? d.a[i].v : "(not set)");
  kv_free(&d);
  if (!b.s) cli_printf(&b, "%s", "");
  return b.s;
}

void cli_prov_sync_plot(void)
{
  if (!P.started) return;
  P.inputs_dirty = 0;
  cJSON *j = cli_prov_json();
  char *js = j ? cJSON_PrintUnformatted(j) : NULL;
  cJSON_Delete(j);
  char ver[80];
  snprintf(ver, sizeof ver, "gainkit %s", gk_version());
  char *keys[] = {"Software", "Creation Time", "gainkit-command", "gainkit-provenance"};
  char *vals[] = {ver, P.date, P.cmdline ? P.cmdline : "", js ? js : ""};
  gk_meta m = {4, keys, vals};
  gk_plot_set_metadata(&m);
  free(js);
}
