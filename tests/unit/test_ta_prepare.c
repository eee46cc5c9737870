/* gk_ta_prepare (reading a TA set from files) and gk_trpl_read (PL decays):
 * numbers read back exactly, <N> from a cross-section and an energy
 * fluence against the closed form, and the field-named errors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gainkit/constants.h"
#include "gainkit/ta.h"
#include "gainkit/trpl.h"
#include "gk_test.h"

static const char GROUND[] = "wavelength (nm),A\n500,0.5\n510,0.4\n520,0.3\n530,0.2\n";
static const char D4[] = "# delay: 4 ps\nwavelength (nm) \\ <N>,0.5,1,2\n505,-0.1,-0.2,-0.3\n515,-0.1,-0.2,-0.35\n525,-0.05,-0.1,-0.25\n";
static const char D8[] = "# delay: 8 ps\nwavelength (nm) \\ <N>,0.5,1,2\n505,-0.05,-0.1,-0.2\n515,-0.05,-0.1,-0.3\n525,-0.02,-0.05,-0.2\n";

static void test_two_delays(void)
{
  const char *d[2] = {gk_test_write_temp("d4.csv", D4), gk_test_write_temp("d8.csv", D8)};
  gk_ta_inputs in;
  gk_ta_inputs_default(&in);
  in.ground = gk_test_write_temp("g.csv", GROUND);
  in.delta = d;
  in.ndelta = 2;
  in.delay = 7e-12;
  gk_ta_prepared p;
  gk_error e;
  CHECK_INT(gk_ta_prepare(&in, &p, &e), GK_OK);
  CHECK_INT(p.set.nwl, 3);
  CHECK_INT(p.set.npump, 3);
  CHECK_INT(p.set.ndelay, 2);
  CHECK_CLOSE(p.delay[0], 4e-12, 1e-12);
  CHECK_CLOSE(p.delay[1], 8e-12, 1e-12);
  CHECK_INT(p.delay_index, 1);
  CHECK_CLOSE(p.alpha0[0], 0.45, 1e-12);   /* halfway 500..510 */
  CHECK_CLOSE(p.alpha0[2], 0.25, 1e-12);
  CHECK_CLOSE(p.n_mean[2], 2, 0);
  CHECK_CLOSE(p.set.dod[(1 * 3 + 1) * 3 + 2], -0.3, 0); /* delay 8 ps, 515 nm, <N> = 2 */
  CHECK_INT(p.notes.n, 0);
  gk_ta_prepared_free(&p);
}

static void test_pump_axis(void)
{
  const char *d[1] = {gk_test_write_temp("f.csv", "wavelength (nm) \\ F (uJ/cm2),1,2,4\n505,-0.1,-0.2,-0.3\n515,-0.1,-0.2,-0.3\n")};
  gk_ta_inputs in;
  gk_ta_inputs_default(&in);
  in.ground = gk_test_write_temp("g.csv", GROUND);
  in.delta = d;
  in.ndelta = 1;
  gk_ta_prepared p;
  gk_error e;
  /* an energy fluence: needs a cross-section ... */
  CHECK_INT(gk_ta_prepare(&in, &p, &e), GK_EINPUT);
  CHECK(strstr(e.msg, "`cross_section`") != NULL);
  CHECK_INT(e.line, 1);
  gk_ta_prepared_free(&p);
  /* ... and the pump wavelength */
  in.cross_section = 1e-14;
  CHECK_INT(gk_ta_prepare(&in, &p, &e), GK_EUSAGE);
  CHECK(strstr(e.msg, "`pump_wavelength`") != NULL);
  gk_ta_prepared_free(&p);
  /* <N> = sigma F/(h nu): 1e-14 cm2 * 4e-6 J/cm2 / (3.1 eV) */
  in.pump_wavelength = GK_HC_EV_NM / 3.1;
  CHECK_INT(gk_ta_prepare(&in, &p, &e), GK_OK);
  CHECK_CLOSE(p.n_mean[2], 1e-14 * 4e-6 / (3.1 * 1.602176634e-19), 1e-9);
  gk_ta_prepared_free(&p);
  /* counts: field-named usage errors */
  double nm[2] = {1, 2};
  gk_ta_inputs_default(&in);
  in.ground = gk_test_write_temp("g.csv", GROUND);
  in.delta = d;
  in.ndelta = 1;
  in.n_mean = nm;
  in.nn_mean = 2;
  CHECK_INT(gk_ta_prepare(&in, &p, &e), GK_EUSAGE);
  CHECK_STR(e.option, "n_mean");
  gk_ta_prepared_free(&p);
  in.n_mean = NULL;
  in.photon_fluence = nm;
  in.nphoton_fluence = 2;
  CHECK_INT(gk_ta_prepare(&in, &p, &e), GK_EUSAGE);
  CHECK(strstr(e.msg, "`photon_fluence` needs `cross_section`") != NULL);
  gk_ta_prepared_free(&p);
}

static void test_bad_files(void)
{
  gk_ta_inputs in;
  gk_ta_inputs_default(&in);
  gk_ta_prepared p;
  gk_error e;
  in.ground = gk_test_write_temp("g.csv", GROUND);
  /* no delta and no long table */
  CHECK_INT(gk_ta_prepare(&in, &p, &e), GK_EUSAGE);
  CHECK_STR(e.option, "delta");
  gk_ta_prepared_free(&p);
  /* grids that differ */
  const char *d[2] = {gk_test_write_temp("d4.csv", D4), gk_test_write_temp("s.csv", "# delay: 8 ps\nwavelength (nm) \\ <N>,0.5,1,3\n505,-0.1,-0.2,-0.3\n515,-0.1,-0.2,-0.3\n")};
  in.delta = d;
  in.ndelta = 2;
  CHECK_INT(gk_ta_prepare(&in, &p, &e), GK_EINPUT);
  CHECK(strstr(e.file, "s.csv") != NULL);
  gk_ta_prepared_free(&p);
  /* a bare delay needs delay_unit; with it, it is read in that unit */
  d[1] = gk_test_write_temp("b.csv", "# delay: 8\nwavelength (nm) \\ <N>,0.5,1,2\n505,-0.1,-0.2,-0.3\n515,-0.1,-0.2,-0.3\n525,0,0,0\n");
  CHECK_INT(gk_ta_prepare(&in, &p, &e), GK_EINPUT);
  CHECK(strstr(e.msg, "`delay_unit`") != NULL);
  gk_ta_prepared_free(&p);
  in.delay_unit = "ps";
  CHECK_INT(gk_ta_prepare(&in, &p, &e), GK_OK);
  CHECK_CLOSE(p.delay[1], 8e-12, 1e-12);
  gk_ta_prepared_free(&p);
  /* a delay asked of one file without one */
  d[0] = gk_test_write_temp("n.csv", "wavelength (nm) \\ <N>,0.5,1,2\n505,-0.1,-0.2,-0.3\n515,-0.1,-0.2,-0.3\n");
  in.ndelta = 1;
  in.delay = 1e-12;
  CHECK_INT(gk_ta_prepare(&in, &p, &e), GK_EUSAGE);
  CHECK_STR(e.option, "delay");
  gk_ta_prepared_free(&p);
  /* wavelengths outside the ground spectrum */
  d[0] = gk_test_write_temp("o.csv", "wavelength (nm) \\ <N>,0.5,1,2\n505,-0.1,-0.2,-0.3\n545,-0.1,-0.2,-0.3\n");
  in.delay = NAN;
  CHECK_INT(gk_ta_prepare(&in, &p, &e), GK_EINPUT);
  CHECK(strstr(e.file, "o.csv") != NULL);
  gk_ta_prepared_free(&p);
}

static void test_trpl_read(void)
{
  gk_trpl_read_options o = {.ndecay = 2, .what = "densities"};
  gk_trpl_table t;
  gk_error e;
  const char *ok = gk_test_write_temp("p.csv", "t (ns),a,b\n0,1,2\n1,0.5,1\n2,0.25,0.5\n3,0.1,0.2\n");
  CHECK_INT(gk_trpl_read(ok, &o, &t, &e), GK_OK);
  CHECK_INT(t.n, 4);
  CHECK_CLOSE(t.t[3], 3e-9, 1e-12);
  CHECK_CLOSE(t.pl[1 * 4 + 1], 1, 0);
  CHECK_INT(t.unit_from_option, 0);
  gk_trpl_table_free(&t);
  /* column count, missing time unit, negative times without an IRF */
  o.ndecay = 3;
  CHECK_INT(gk_trpl_read(ok, &o, &t, &e), GK_EINPUT);
  CHECK(strstr(e.msg, "2 PL columns but 3 densities") != NULL);
  gk_trpl_table_free(&t);
  o.ndecay = 2;
  const char *bare = gk_test_write_temp("q.csv", "t,a,b\n-1,1,2\n1,0.5,1\n2,0.25,0.5\n3,0.1,0.2\n");
  CHECK_INT(gk_trpl_read(bare, &o, &t, &e), GK_EINPUT);
  CHECK(strstr(e.msg, "`time_unit`") != NULL);
  gk_trpl_table_free(&t);
  o.time_unit = "ns";
  CHECK_INT(gk_trpl_read(bare, &o, &t, &e), GK_EINPUT);
  CHECK_INT(e.line, 2);
  CHECK(strstr(e.msg, "`irf_fwhm`") != NULL);
  gk_trpl_table_free(&t);
  o.allow_negative_time = 1;
  CHECK_INT(gk_trpl_read(bare, &o, &t, &e), GK_OK);
  CHECK_INT(t.unit_from_option, 1);
  gk_trpl_table_free(&t);
  /* a time axis in the wrong unit is noted, not refused */
  o.time_unit = "s";
  CHECK_INT(gk_trpl_read(bare, &o, &t, &e), GK_OK);
  CHECK_INT(t.notes.n, 1);
  gk_trpl_table_free(&t);
  /* the charging file: exactly three columns */
  gk_trpl_read_options oc = {.time_unit = "ns"};
  CHECK_INT(gk_trpl_read(gk_test_write_temp("c.csv", "t,a\n0,1\n1,2\n2,3\n3,4\n"), &oc, &t, &e), GK_EINPUT);
  CHECK(strstr(e.msg, "`charging` reads three") != NULL);
  gk_trpl_table_free(&t);
  CHECK_INT(gk_trpl_read(ok, &oc, &t, &e), GK_OK);
  CHECK_INT(t.ndecay, 2);
  gk_trpl_table_free(&t);
}

int main(void)
{
  if (!gk_test_temp_dir("taprep")) return 1;
  RUN(test_two_delays);
  RUN(test_pump_axis);
  RUN(test_bad_files);
  RUN(test_trpl_read);
  gk_test_temp_cleanup();
  return gk_test_summary();
}
