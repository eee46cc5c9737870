/* gk_test.h — a minimal test harness: one executable per test file, each
 * registered with CTest. Checks report file:line and the values involved,
 * and the run ends with "N passed, N failed" (exit 1 on any failure).
 *
 *   #include "gk_test.h"
 *   static void test_something(void) { CHECK(1 + 1 == 2); CHECK_CLOSE(x, 1.0, 1e-12); }
 *   int main(void) { RUN(test_something); return gk_test_summary(); }
 */
#ifndef GK_TEST_H
#define GK_TEST_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int gk_test_pass_ = 0, gk_test_fail_ = 0;
static const char *gk_test_current_ = "";

#define GK_FAIL_(...)                                                   \
  do {                                                                  \
    gk_test_fail_++;                                                    \
    fprintf(stderr, "FAIL %s (%s:%d): ", gk_test_current_, __FILE__, __LINE__); \
    fprintf(stderr, __VA_ARGS__);                                       \
    fputc('\n', stderr);                                                \
  } while (0)

#define CHECK(cond)                                                     \
  do {                                                                  \
    if (cond) gk_test_pass_++;                                          \
    else GK_FAIL_("%s", #cond);                                         \
  } while (0)

#define CHECK_MSG(cond, ...)                                            \
  do {                                                                  \
    if (cond) gk_test_pass_++;                                          \
    else GK_FAIL_(__VA_ARGS__);                                         \
  } while (0)

/* |a - b| <= rtol * max(|b|, tiny); NaN never passes. */
#define CHECK_CLOSE(a, b, rtol)                                         \
  do {                                                                  \
    double a_ = (a), b_ = (b), r_ = (rtol);                             \
    double d_ = fabs(a_ - b_), s_ = fabs(b_) > 1e-300 ? fabs(b_) : 1e-300; \
    if (d_ <= r_ * s_ && a_ == a_) gk_test_pass_++;                     \
    else GK_FAIL_("%s = %.15g, expected %s = %.15g (rel err %.3g > %.3g)", \
                  #a, a_, #b, b_, d_ / s_, r_);                         \
  } while (0)

/* |a - b| <= atol */
#define CHECK_ABS(a, b, atol)                                           \
  do {                                                                  \
    double a_ = (a), b_ = (b), t_ = (atol);                             \
    if (fabs(a_ - b_) <= t_ && a_ == a_) gk_test_pass_++;               \
    else GK_FAIL_("%s = %.15g, expected %s = %.15g (abs err %.3g > %.3g)", \
                  #a, a_, #b, b_, fabs(a_ - b_), t_);                   \
  } while (0)

#define CHECK_INT(a, b)                                                 \
  do {                                                                  \
    long a_ = (long)(a), b_ = (long)(b);                                \
    if (a_ == b_) gk_test_pass_++;                                      \
    else GK_FAIL_("%s = %ld, expected %ld", #a, a_, b_);                \
  } while (0)

#define CHECK_STR(a, b)                                                 \
  do {                                                                  \
    const char *a_ = (a), *b_ = (b);                                    \
    if (a_ && b_ && strcmp(a_, b_) == 0) gk_test_pass_++;               \
    else GK_FAIL_("%s = \"%s\", expected \"%s\"", #a, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
  } while (0)

#define RUN(fn)                                                         \
  do {                                                                  \
    gk_test_current_ = #fn;                                             \
    fn();                                                               \
  } while (0)

static inline int gk_test_summary(void)
{
  printf("%d passed, %d failed\n", gk_test_pass_, gk_test_fail_);
  return gk_test_fail_ ? 1 : 0;
}

/* Path of a file under the source tree (tests read examples and fixtures). */
static inline const char *gk_test_src(const char *rel, char *buf, size_t size)
{
  const char *root = getenv("GK_SOURCE_DIR");
  snprintf(buf, size, "%s/%s", root ? root : ".", rel);
  return buf;
}

/* Path under ../shared (refractiveindex subset); NULL if absent, so tests
 * can skip. */
static inline const char *gk_test_shared(const char *rel, char *buf, size_t size)
{
  const char *root = getenv("GK_SHARED_DIR");
  snprintf(buf, size, "%s/%s", root ? root : "../shared", rel);
  FILE *f = fopen(buf, "r");
  if (!f) return NULL;
  fclose(f);
  return buf;
}

/* Fixture files: gk_test_temp_dir(tag) makes a fresh directory
 * $TMPDIR/gk-test-TAG.XXXXXX (mkdtemp; /tmp without TMPDIR), returns its
 * path or NULL; gk_test_write_temp(name, text) writes text to a file of
 * that name in it and returns the path (one of 8 rotating buffers: valid
 * for the next 7 calls), NULL when it cannot; gk_test_temp_cleanup()
 * removes the directory and everything in it. */
static inline char *gk_test_dir_(void)
{
  static char d[512];
  return d;
}

static inline const char *gk_test_temp_dir(const char *tag)
{
  char *d = gk_test_dir_();
  snprintf(d, 512, "%s/gk-test-%s.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", tag);
  return mkdtemp(d);
}

static inline const char *gk_test_write_temp(const char *name, const char *text)
{
  static char path[8][1024];
  static unsigned k;
  char *p = path[k++ % 8];
  snprintf(p, sizeof path[0], "%s/%s", gk_test_dir_(), name);
  FILE *f = fopen(p, "w");
  if (!f) return NULL;
  fputs(text, f);
  fclose(f);
  return p;
}

static inline void gk_test_temp_cleanup(void)
{
  char cmd[600];
  if (!gk_test_dir_()[0]) return;
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", gk_test_dir_());
  if (system(cmd)) {}
}

#endif
