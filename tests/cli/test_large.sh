#!/usr/bin/env bash
# 10^5-point inputs for every command that reads data: each must finish
# (lib.sh's watchdog fails a run still going after GK_RUN_TIMEOUT) with a
# result. No wall-clock assertion (the suite runs on shared machines and
# under sanitizers); the times measured when this was written are in
# docs/reliability.md. The inputs are made here with awk (deterministic).
# `threshold --method lines` is run on its own: it was O(n^2) (40 000 points
# took 40 s) until its running-sum rewrite, so a regression to a quadratic
# scan shows here as a watchdog failure.
source "$GK_SOURCE_DIR/tests/cli/lib.sh"
cd "$T" || exit 1
N=100000
awk -v n=$N 'BEGIN{print "pump (uJ/cm2),intensity,fwhm (nm)";
  for(i=0;i<n;i++){p=exp(log(1000)*i/(n-1)); y=(p<40?p/40:(p/40)^3.5)*100*(1+0.01*sin(i*12.9898));
    f=(p<40?25:5)+0.01*sin(i*78.233); printf "%.8g,%.8g,%.8g\n",p,y,f}}' >thr.csv
awk -v n=$N 'BEGIN{print "t (ps),trace"; for(i=0;i<n;i++){t=-20+2020*i/(n-1);
  printf "%.8g,%.8g\n",t,(t>0?exp(-t/100):0)+0.001*sin(i*12.9898)}}' >kin.csv
awk -v n=$N 'BEGIN{print "L (mm),I (counts)"; for(i=0;i<n;i++){L=0.01+4.99*i/(n-1);
  printf "%.8g,%.8g\n",L,80*(exp(2.5*L)-1)*(1+0.01*sin(i*12.9898))}}' >vsl.csv
awk -v n=$N 'BEGIN{print "t_p (us),DT/P (K/W)"; for(i=0;i<n;i++){tp=0.01*exp(log(1e4)*i/(n-1));
  printf "%.8g,%.8g\n",tp,208.3*(1-exp(-tp/3.96))*(1+0.01*sin(i*12.9898))}}' >heat.csv
awk 'BEGIN{print "wavelength (nm),OD"; for(k=0;k<5000;k++){l=500+k*0.01; printf "%.3f,%.6f\n", l, 0.45*exp(-((l-520)/20)^2)+0.05}}' >ground.csv
awk 'BEGIN{printf "wavelength (nm) \\ <N>"; for(j=1;j<=20;j++) printf ",%g", j*0.1; printf "\n";
  for(k=0;k<5000;k++){l=500+k*0.01; printf "%.3f", l; for(j=1;j<=20;j++){n=j*0.1;
    printf ",%.6f", -(0.45*exp(-((l-520)/20)^2)+0.05)*(1-exp(-n))*1.2*exp(-((l-522)/6)^2)}; printf "\n"}}' >delta.csv
# one spectrum, one lasing line, one TA map of 10^5 points/cells
awk -v n=$N 'BEGIN{print "wavelength (nm),counts"; for(i=0;i<n;i++){l=450+150*i/(n-1);
  printf "%.6f,%.6g\n", l, 1000*exp(-((l-520)/8.5)^2)+10+sin(i*12.9898)}}' >spec.csv
awk -v n=$N 'BEGIN{print "wavelength (nm),counts"; for(i=0;i<n;i++){l=535+10*i/(n-1);
  printf "%.6f,%.6g\n", l, 1000/(1+((l-540)/0.15)^2)+5+sin(i*12.9898)}}' >line.csv
# TA map: 600 wavelengths x 170 delays (102,000 cells) from the bundled map
awk -F, '/^#/{next} !h {print; h=1; next} {rows[n++]=$0} END{for(k=0;k<600;k++){split(rows[k%n],a,",");
  printf "%.4f", 450+k*0.25; for(i=2;i<=NF;i++) printf ",%s", a[i]*(1+0.001*((k*7+i)%5)); printf "\n"}}' \
  "$SRC/examples/tamap/map_low.csv" >map.csv
# VPI: 3334 wavelengths x 30 pumps (100,020 cells) from the bundled series.
# Instrumented builds (GK_INSTRUMENTED: ASan + UBSan, TSan; CMakeLists.txt)
# use 334 wavelengths (10,020 cells). The fit with its profile intervals
# takes 26 s of CPU at 1e5 cells in the release build; under ASan + UBSan
# it ran past the CI's 1800 s watchdog at -O0, and here still had not
# finished after 24 min of CPU at -O0 and 9 min at -O1 (at 1e4 cells: 52 s
# and 32 s). The instrumentation checks the same code paths at either
# size; the size itself is the release build's test.
NW=3334; DW=0.018
if [ -n "${GK_INSTRUMENTED:-}" ]; then NW=334; DW=0.18; fi
awk -F, -v nw=$NW -v dw=$DW '/^#/{print; next} !h {print; h=1; next} {rows[n++]=$0}
  END{for(k=0;k<nw;k++){split(rows[k%n],a,","); printf "%.3f", 500+k*dw;
    for(i=2;i<=31;i++) printf ",%s", a[i]*(1+0.001*((k*7+i)%5)); printf "\n"}}' "$SRC/examples/vpi-ddab.csv" >vpi.csv

check() {
  local desc=$1; shift
  run "$@" --format json
  if [ "$RC" -eq 0 ] || [ "$RC" -eq 1 ]; then ok; else bad "$desc: exit $RC: $ERR"; fi
  printf '%s' "$OUT" | grep -q '"command"' && ok || bad "$desc: no JSON result"
}
check "inspect 1e5 rows" inspect thr.csv
check "threshold kink+fwhm 1e5 points" threshold thr.csv --method kink
check "threshold lines 1e5 points" threshold thr.csv --method lines
check "kinetics 1e5 points" kinetics kin.csv
check "vsl vsl1 1e5 lengths" vsl vsl.csv --model vsl1
check "heat --fit 1e5 pulse lengths" heat --fit heat.csv
check "ta 5000 x 20 (1e5 cells)" ta --ground ground.csv --delta delta.csv --gain-fit
# vpi1 at 1e5 cells computes profile-likelihood intervals with grid restarts
# (~50 s CPU alone); on a loaded 2-core machine that passed 300 s of wall
# time, so this one run gets a 1200 s watchdog (it only turns a hang into a
# failure; a quadratic regression of the fit itself would still exceed it).
# --profile-boot 0: the criterion's bootstrap calibration (40 more fits of
# the whole set) is tested in unit test_vpi_profile; here the size is.
GK_RUN_TIMEOUT=$(( ${GK_RUN_TIMEOUT:-300} > 1200 ? ${GK_RUN_TIMEOUT:-300} : 1200 )) \
  check "vpi1 $NW x 30" vpi vpi.csv --model vpi1 --profile-boot 0
check "spectrum 1e5 points" spectrum spec.csv
check "cavity --spectrum line fit 1e5 points" cavity --spectrum line.csv
check "tamap fit 600 x 170 (1e5 cells)" tamap fit map.csv --signal-unit mOD --background -0.5ps --exclude 0.1ps \
  --das 3 --tau 0.5ps,40ps,3ns --t0 0.2ps
finish
