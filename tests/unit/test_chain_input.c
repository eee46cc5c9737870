/* The gain chain's inputs (gainkit/fluence.h): fluences from file names
 * and a sidecar, c_N without a stack against the closed form
 * A/(h nu d) (Beer-Lambert A = 1 - exp(-2 d/l_p)), and the errors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gainkit/fluence.h"
#include "gk_test.h"

static void test_names(void)
{
  CHECK_CLOSE(gk_chain_fluence_from_name("/x/vsl-F0120uJcm2.csv"), 120e-6, 1e-12);
  CHECK_CLOSE(gk_chain_fluence_from_name("scan_1.5mJ.csv"), 1.5e-3, 1e-12);
  CHECK_CLOSE(gk_chain_fluence_from_name("a2b_30nJ.csv"), 30e-9, 1e-12);
  CHECK(isnan(gk_chain_fluence_from_name("scan1.csv")));
  const char *files[2] = {"d/a_1uJ.csv", "d/b.csv"};
  double F[2];
  gk_error e;
  CHECK_INT(gk_chain_fluences_from_names(files, 2, F, &e), GK_EUSAGE);
  CHECK(strstr(e.msg, "'b.csv'") && strstr(e.msg, "`fluences` or `sidecar`"));
}

static void test_sidecar(void)
{
  const char *files[2] = {"/data/a.csv", "b.csv"};
  double F[2];
  gk_error e;
  CHECK_INT(gk_chain_sidecar_read(gk_test_write_temp("s.csv", "file,fluence (mJ/cm2)\r\n# c\na.csv,0.5\nb.csv,2\n"), files, 2, F, &e), GK_OK);
  CHECK_CLOSE(F[0], 0.5e-3, 1e-12);
  CHECK_CLOSE(F[1], 2e-3, 1e-12);
  CHECK_INT(gk_chain_sidecar_read(gk_test_write_temp("s.csv", "a.csv,5\nb.csv,7\n"), files, 2, F, &e), GK_OK);
  CHECK_CLOSE(F[1], 7e-6, 1e-12);   /* uJ/cm2 without a header */
  CHECK_INT(gk_chain_sidecar_read(gk_test_write_temp("s.csv", "a.csv,5\n"), files, 2, F, &e), GK_EINPUT);
  CHECK(strstr(e.msg, "no fluence for 'b.csv'") != NULL);
  CHECK_INT(gk_chain_sidecar_read(gk_test_write_temp("s.csv", "a.csv,5\nc.csv,1\n"), files, 2, F, &e), GK_EINPUT);
  CHECK_INT(e.line, 2);
  CHECK_INT(gk_chain_sidecar_read(gk_test_write_temp("s.csv", "a.csv,5\nb.csv,-1\n"), files, 2, F, &e), GK_EINPUT);
  CHECK(strstr(e.msg, "> 0") != NULL);
  CHECK(gk_chain_sidecar_read(gk_test_write_temp("s.csv", "file,fluence (nm)\na.csv,5\n"), files, 2, F, &e) != GK_OK);
  CHECK_INT(e.line, 1);
  CHECK_INT(gk_chain_sidecar_read("/nonexistent/s.csv", files, 2, F, &e), GK_EIO);
}

static void test_density(void)
{
  gk_chain_density_options o;
  gk_chain_density d;
  gk_error e;
  gk_chain_density_options_default(&o);
  o.gamma = 0.7;
  o.thickness = 100;
  o.absorbed = 0.5;
  const double hv = 6.62607015e-34 * 2.99792458e8 / 400e-9;
  CHECK_INT(gk_chain_density_compute(&o, &d, &e), GK_OK);
  CHECK_CLOSE(d.c_n, 0.5 / (hv * 100e-7), 1e-6);
  CHECK_CLOSE(d.gamma, 0.7, 0);
  o.absorbed = NAN;
  o.lp = 200;
  CHECK_INT(gk_chain_density_compute(&o, &d, &e), GK_OK);
  CHECK_CLOSE(d.absorbed, 1 - exp(-2 * 100 / 200.0), 1e-6);
  CHECK(strstr(d.how, "Beer-Lambert") != NULL);
  o.lp = NAN;
  o.absorbed = 0;
  CHECK_INT(gk_chain_density_compute(&o, &d, &e), GK_EINPUT);
  CHECK(strstr(e.msg, "absorbs nothing") != NULL);
  o.stack = "/nonexistent/stack.yaml";
  CHECK(gk_chain_density_compute(&o, &d, &e) != GK_OK);
  CHECK(strstr(e.file, "stack.yaml") != NULL);
}

int main(void)
{
  if (!gk_test_temp_dir("chain")) return 1;
  RUN(test_names);
  RUN(test_sidecar);
  RUN(test_density);
  gk_test_temp_cleanup();
  return gk_test_summary();
}
