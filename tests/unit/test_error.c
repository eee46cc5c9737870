/* Error reports and atomic output: the conventions every command relies on. */
#include "gk_test.h"
#include "gainkit/gainkit.h"
#include <sys/stat.h>
#include <unistd.h>

static void test_error_format(void)
{
  gk_error e;
  char buf[256];
  gk_error_clear(&e);
  gk_error_set(&e, GK_EINPUT, "data.csv", 12, "non-numeric cell '%s' in column %d", "abc", 2);
  gk_error_format(&e, buf, sizeof buf);
  CHECK_STR(buf, "data.csv:12: non-numeric cell 'abc' in column 2");
  CHECK_INT(e.code, GK_EINPUT);
  gk_error_set(&e, GK_EIO, "x.csv", 0, "cannot open");
  gk_error_format(&e, buf, sizeof buf);
  CHECK_STR(buf, "x.csv: cannot open");
  gk_error_option(&e, "--length", "must be positive");
  gk_error_format(&e, buf, sizeof buf);
  CHECK_STR(buf, "--length: must be positive");
  CHECK_INT(gk_error_set(NULL, GK_EDOM, NULL, 0, "x"), GK_EDOM);
}

static int file_equals(const char *path, const char *content)
{
  FILE *f = fopen(path, "rb");
  if (!f) return 0;
  char buf[256];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  return strcmp(buf, content) == 0;
}

static void test_atomic_write(void)
{
  gk_error e;
  gk_error_clear(&e);
  const char *path = "test_error_atomic.txt";
  unlink(path);
  CHECK_INT(gk_write_atomic(path, "hello\n", 6, &e), GK_OK);
  CHECK(file_equals(path, "hello\n"));
  /* an output file gets the mode of any new file (mkstemp alone gives 0600) */
  struct stat st;
  mode_t mask = umask(022);
  CHECK_INT(gk_write_atomic(path, "hello\n", 6, &e), GK_OK);
  CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644);
  umask(mask);
  /* an aborted write leaves the existing file byte-identical */
  gk_atomic_file af;
  CHECK_INT(gk_atomic_open(&af, path, &e), GK_OK);
  fputs("partial", (FILE *)af.fp);
  gk_atomic_abort(&af);
  CHECK(file_equals(path, "hello\n"));
  /* a directory that does not exist: error, nothing created */
  CHECK_INT(gk_write_atomic("no-such-dir/x.json", "{}", 2, &e), GK_EIO);
  CHECK_STR(e.file, "no-such-dir/x.json");
  unlink(path);
}

static void test_csv_render(void)
{
  gk_csv t;
  const char *h[] = {"L (cm)", "I (counts)"};
  CHECK_INT(gk_csv_init(&t, 2, h), GK_OK);
  gk_csv_add_comment(&t, "stripe_length_cm: %g", 0.2);
  double r1[] = {0.1, 2.5}, r2[] = {0.2, NAN};
  gk_csv_add_row(&t, r1);
  gk_csv_add_row(&t, r2);
  char *s = gk_csv_render(&t);
  CHECK_STR(s, "# stripe_length_cm: 0.2\nL (cm),I (counts)\n0.1,2.5\n0.2,\n");
  free(s);
  gk_csv_free(&t);
}

static void test_json_nan_is_null(void)
{
  cJSON *o = cJSON_CreateObject();
  gk_json_num(o, "a", NAN);
  gk_json_num(o, "b", 1.5);
  double v[] = {1, INFINITY};
  gk_json_array(o, "c", v, 2);
  char *s = cJSON_PrintUnformatted(o);
  CHECK_STR(s, "{\"a\":null,\"b\":1.5,\"c\":[1,null]}");
  free(s);
  cJSON_Delete(o);
}

int main(void)
{
  RUN(test_error_format);
  RUN(test_atomic_write);
  RUN(test_csv_render);
  RUN(test_json_nan_is_null);
  return gk_test_summary();
}
