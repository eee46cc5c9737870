/* Table-driven quantity options: see qopt.h. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "qopt.h"

int cli_qopt_fail(const char *name, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "gainkit: --%s: ", name);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return -1;
}

static int check_value(const cli_qopt *q, const char *arg)
{
  double v = q->val[0];
  switch (q->check) {
  case QO_POS:
    if (!(v > 0)) return cli_qopt_fail(q->name, "must be positive (got '%s')", arg);
    break;
  case QO_NONNEG:
    if (!(v >= 0)) return cli_qopt_fail(q->name, "must not be negative (got '%s')", arg);
    break;
  case QO_FRACTION:
    if (!(v > 0 && v <= 1)) return cli_qopt_fail(q->name, "must lie in (0, 1] (got '%s')", arg);
    break;
  default:
    break;
  }
  return 0;
}

static int set_value(cli_qopt *q, const char *arg)
{
  char opt[80];
  snprintf(opt, sizeof opt, "--%s", q->name);
  q->seen = 1;
  switch (q->check) {
  case QO_FLAG:
    return 0;
  case QO_STRING:
    *q->str = arg;
    return 0;
  case QO_RANGE:
    return cli_range(opt, arg, q->unit ? q->unit : "", &q->val[0], &q->val[1]);
  default:
    break;
  }
  if (q->unit) {
    if (cli_quantity(opt, arg, q->unit, q->val) < 0) return -1;
  } else {
    gk_error e;
    gk_error_clear(&e);
    if (gk_parse_number(arg, q->val, &e) != GK_OK) return cli_qopt_fail(q->name, "%s", e.msg);
  }
  return check_value(q, arg);
}

int cli_qopt_parse(cli_common *c, int argc, char **argv, cli_qopt *q, size_t nq, int *first_arg)
{
  static const struct option common[] = {CLI_COMMON_LONGOPTS};
  size_t ncommon = sizeof common / sizeof common[0];
  struct option *lo = calloc(nq + ncommon + 1, sizeof *lo);
  if (!lo) return -1;
  for (size_t i = 0; i < nq; i++) {
    lo[i].name = q[i].name;
    lo[i].has_arg = q[i].check == QO_FLAG ? no_argument : required_argument;
    lo[i].val = CLI_OPT_FIRST_FREE + (int)i;
  }
  memcpy(lo + nq, common, sizeof common);
  int rc = 0, opt;
  optind = 1;
  while (rc == 0 && (opt = cli_getopt(argc, argv, CLI_COMMON_SHORTOPTS, lo, c->cmd)) != -1) {
    if (opt == '?') { rc = -1; break; }
    if (opt >= CLI_OPT_FIRST_FREE && opt < CLI_OPT_FIRST_FREE + (int)nq) {
      rc = set_value(&q[opt - CLI_OPT_FIRST_FREE], optarg);
      continue;
    }
    int h = cli_common_option(c, opt, optarg);
    if (h < 0) rc = -1;
    else if (h == 0) rc = (cli_usage(c->cmd, "unexpected option"), -1);
  }
  free(lo);
  /* provenance: the effective value of every option of the table */
  for (size_t i = 0; rc == 0 && i < nq; i++) {
    char name[80], val[128] = "";
    snprintf(name, sizeof name, "--%s", q[i].name);
    if (q[i].check == QO_FLAG) snprintf(val, sizeof val, "%s", q[i].seen ? "on" : "off");
    else if (q[i].check == QO_STRING) { if (q[i].str && *q[i].str) snprintf(val, sizeof val, "%s", *q[i].str); }
    else if (q[i].val && isfinite(q[i].val[0]) &&
             !(!q[i].seen && (q[i].check == QO_POS || q[i].check == QO_FRACTION) && !(q[i].val[0] > 0))) {
      /* (an invalid default, such as 0 for a positive quantity, means "not set") */
      if (q[i].check == QO_RANGE)
        snprintf(val, sizeof val, "%.6g:%.6g%s%s", q[i].val[0], q[i].val[1], q[i].unit ? " " : "", q[i].unit ? q[i].unit : "");
      else
        snprintf(val, sizeof val, "%.6g%s%s", q[i].val[0], q[i].unit ? " " : "", q[i].unit ? q[i].unit : "");
    }
    if (q[i].seen) {
      char key[96];
      snprintf(key, sizeof key, "%s (effective)", name);
      if (*val && q[i].check != QO_STRING && q[i].check != QO_FLAG) cli_prov_option(key, val);
    } else {
      cli_prov_default(name, *val ? val : NULL);
    }
  }
  if (rc == 0 && cli_common_check(c) < 0) rc = -1;
  *first_arg = optind;
  return rc;
}

cli_qopt *cli_qopt_find(cli_qopt *q, size_t nq, const char *name)
{
  for (size_t i = 0; i < nq; i++)
    if (strcmp(q[i].name, name) == 0) return &q[i];
  return NULL;
}

int cli_qopt_require(const cli_common *c, cli_qopt *q, size_t nq, const char *name)
{
  cli_qopt *o = cli_qopt_find(q, nq, name);
  if (o && o->seen) return 0;
  cli_usage(c->cmd, "--%s is required", name);
  return -1;
}

void cli_result_init(cli_result *r, const char *command)
{
  memset(r, 0, sizeof *r);
  r->j = cJSON_CreateObject();
  cJSON_AddStringToObject(r->j, "command", command);
}

void cli_result_free(cli_result *r)
{
  cJSON_Delete(r->j);
  cli_buf_free(&r->b);
  if (r->has_csv) gk_csv_free(&r->csv);
  r->j = NULL;
  r->has_csv = 0;
}

int cli_result_finish(const cli_common *c, cli_result *r, int status)
{
  int rc = cli_emit(c, r->j, r->b.s, r->has_csv ? &r->csv : NULL, status);
  cli_result_free(r);
  return rc;
}

int cli_no_plot(const cli_common *c, const char *which)
{
  if (!c->plot) return 0;
  cli_usage(c->cmd, "--plot: this subcommand has no figure (%s)", which);
  return -1;
}

int cli_save_figure(const cli_common *c, gk_figure *f)
{
  gk_error e;
  gk_error_clear(&e);
  int rc = 0;
  if (!f) rc = cli_usage(c->cmd, "--plot: out of memory");
  else if (gk_figure_save(f, c->plot, &e) != GK_OK) rc = cli_error(&e);
  gk_figure_free(f);
  return rc;
}
