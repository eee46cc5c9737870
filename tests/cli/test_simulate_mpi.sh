# mpirun -np 2 gainkit simulate: sweep points over Open MPI ranks, output
# byte-identical to the serial run; rank 1 prints nothing; errors once.
source "$GK_SOURCE_DIR/tests/cli/lib.sh"
if ! command -v mpirun >/dev/null 2>&1; then
  echo "skip: mpirun not found (install openmpi-bin)"; exit 0
fi
if ! { ldd "$GAINKIT" 2>/dev/null | grep -q libmpi || grep -qa "libmpi\.so" "$GAINKIT"; }; then
  echo "skip: gainkit built without MPI (GAINKIT_MPI=OFF)"; exit 0
fi
# Open MPI refuses root without these; --oversubscribe lets 3 ranks share 2 cores.
MPIRUN=(mpirun --allow-run-as-root --oversubscribe)
export OMPI_MCA_btl=self,vader OMPI_MCA_plm_rsh_agent=false
# Under `make check SANITIZE=1`: keep Open MPI's components loaded and unwind
# without frame pointers, so its never-freed start-up tables carry library
# names that tests/lsan.supp can match (otherwise "<unknown module>").
export OMPI_MCA_mca_base_component_disable_dlclose=1
# (ctest does not set ASAN_OPTIONS, so detect the sanitizer build by its
# runtime; with the fast unwinder the frames inside Open MPI's components
# come out as "<unknown module>" and their start-up tables are reported)
if [ -n "${ASAN_OPTIONS:-}" ]; then export ASAN_OPTIONS="$ASAN_OPTIONS:fast_unwind_on_malloc=0"
elif ldd "$GAINKIT" 2>/dev/null | grep -q libasan; then export ASAN_OPTIONS=fast_unwind_on_malloc=0; fi
sed -e 's/bins: 128 /bins: 24 /; s/cells: 200/cells: 30/; s/time_bins: 200/time_bins: 20/' \
    -e 's/vpi_range: .*/vpi_range: "0.05 mJ\/cm2:2 mJ\/cm2:5"/' "$SRC/examples/sim-500ps.yaml" >"$T/small.yaml"
"$GAINKIT" simulate "$T/small.yaml" -o "$T/serial.csv" --format json >"$T/serial.json" 2>/dev/null
for np in 2 3; do
  "${MPIRUN[@]}" -np $np "$GAINKIT" simulate "$T/small.yaml" -o "$T/mpi$np.csv" --format json >"$T/mpi$np.json" 2>"$T/mpi$np.err"
  rc=$?
  if [ $rc -eq 0 ]; then ok; else bad "mpirun -np $np: exit $rc: $(cat "$T/mpi$np.err")"; fi
  # (without the provenance, which names the output file and the date)
  if cmp -s <(nocomments "$T/serial.csv") <(nocomments "$T/mpi$np.csv"); then ok; else bad "np $np: CSV differs from the serial run"; fi
  # stdout of all ranks together equals the serial stdout: only rank 0 speaks
  if [ "$(noprov "$(cat "$T/serial.json")")" = "$(noprov "$(cat "$T/mpi$np.json")")" ]; then ok; else bad "np $np: stdout differs from the serial run"; fi
done
# A 64-point pump sweep (the cluster path for parameter studies) on 1, 2 and
# 3 ranks: the same matrix and the same stdout every time (64 is not a
# multiple of 3: ranks get unequal shares).
sed -e 's/bins: 24 /bins: 8 /; s/cells: 30/cells: 8/; s/time_bins: 20/time_bins: 8/' \
    -e 's/vpi_range: .*/vpi_range: "0.02 mJ\/cm2:3 mJ\/cm2:64"/' "$T/small.yaml" >"$T/s64.yaml"
grep -q '0.02 mJ/cm2:3 mJ/cm2:64' "$T/s64.yaml" || bad "64-point config not made"
"$GAINKIT" simulate "$T/s64.yaml" -o "$T/s64.csv" --format json >"$T/s64.json" 2>/dev/null
n=$(nocomments "$T/s64.csv" | head -1 | tr ',' '\n' | wc -l)
if [ "$n" -eq 65 ]; then ok; else bad "64-point sweep has $((n - 1)) columns"; fi
for np in 1 2 3; do
  "${MPIRUN[@]}" -np $np "$GAINKIT" simulate "$T/s64.yaml" -o "$T/s64-$np.csv" --format json >"$T/s64-$np.json" 2>/dev/null
  if cmp -s <(nocomments "$T/s64.csv") <(nocomments "$T/s64-$np.csv"); then ok; else bad "64 points, np $np: CSV differs"; fi
  if [ "$(noprov "$(cat "$T/s64.json")")" = "$(noprov "$(cat "$T/s64-$np.json")")" ]; then ok; else bad "64 points, np $np: stdout differs"; fi
done
# Work balance of that sweep (time steps per rank, deterministic whatever
# the load): the snake order from the dear end gives max/mean 1.0029 on 2
# ranks and 1.0044 on 3; plain round robin gave 1.032 and 1.078 (point costs
# rise from 148 to 1670 steps with fluence). GAINKIT_MPI_TIMING prints it.
for np in 2 3; do
  GAINKIT_MPI_TIMING=1 "${MPIRUN[@]}" -np $np "$GAINKIT" simulate "$T/s64.yaml" -o "$T/bal.csv" >/dev/null 2>"$T/bal.err"
  b=$(sed -n 's/.*balance max\/mean: steps \([0-9.]*\),.*/\1/p' "$T/bal.err")
  if [ -n "$b" ] && awk -v b="$b" 'BEGIN{exit !(b <= 1.01)}'; then ok; else bad "np $np: step balance '$b' (want <= 1.01): $(cat "$T/bal.err")"; fi
  if [ "$(grep -c 'mpi timing:   rank' "$T/bal.err")" -eq "$np" ]; then ok; else bad "np $np: timing lines"; fi
done
# All ranks on one node and no pml/btl/mtl/osc of the user's: gainkit asks
# Open MPI for pml ob1 (shared memory), skipping the network probes that
# took most of MPI_Init (cli/sim_mpi.c). The same output either way; the
# user's own OMPI_MCA_btl (set above for the other runs) or
# GAINKIT_MPI_TUNE=0 leave Open MPI's choice alone.
GAINKIT_MPI_TIMING=1 env -u OMPI_MCA_btl "${MPIRUN[@]}" -np 2 "$GAINKIT" simulate "$T/s64.yaml" -o "$T/tuned.csv" \
  >/dev/null 2>"$T/tuned.err"
if grep -q "2 ranks, one node: pml ob1" "$T/tuned.err"; then ok; else bad "one node: pml ob1 not chosen: $(cat "$T/tuned.err")"; fi
if cmp -s <(nocomments "$T/s64.csv") <(nocomments "$T/tuned.csv"); then ok; else bad "pml ob1 run: CSV differs"; fi
GAINKIT_MPI_TIMING=1 GAINKIT_MPI_TUNE=0 env -u OMPI_MCA_btl "${MPIRUN[@]}" -np 2 "$GAINKIT" simulate "$T/s64.yaml" \
  -o "$T/untuned.csv" >/dev/null 2>"$T/untuned.err"
if grep -q "mpi timing: 2 ranks (" "$T/untuned.err"; then ok; else bad "GAINKIT_MPI_TUNE=0 still tuned: $(cat "$T/untuned.err")"; fi
# Under Open MPI's launcher MPI_Init runs beside the rank's points (the rank
# and size come from the launcher's environment), and the PMIx client's
# loopback socket gets TCP_NODELAY (its fences waited 40 ms for delayed
# acks: MPI_Finalize 0.045 s -> 0.003 s); GAINKIT_MPI_TUNE=0: neither.
if grep -q "MPI_Init beside the sweep; TCP_NODELAY on [1-9][0-9]* loopback" "$T/tuned.err"; then ok
else bad "MPI_Init not beside the sweep or no TCP_NODELAY: $(cat "$T/tuned.err")"; fi
if grep -q "MPI_Init before the sweep; TCP_NODELAY on 0 loopback" "$T/untuned.err"; then ok
else bad "GAINKIT_MPI_TUNE=0: start-up still changed: $(cat "$T/untuned.err")"; fi
if grep -q "mpi timing: 3 ranks (" "$T/bal.err"; then ok; else bad "the user's OMPI_MCA_btl was overridden"; fi
if cmp -s <(nocomments "$T/s64.csv") <(nocomments "$T/untuned.csv"); then ok; else bad "untuned run: CSV differs"; fi
# --fit-to under mpirun: rank 0 runs the fit and every sweep it needs is
# spread over the ranks; the result equals the serial fit (stdout without
# provenance, and the best-fit matrix).
"$GAINKIT" simulate "$T/small.yaml" -o "$T/fitdata.csv" >/dev/null 2>&1
awk -F, 'BEGIN{srand(5); OFS=","} /^#/ {print; next} $1 ~ /wavelength/ {print; next}
  { for (i=2;i<=NF;i++) $i=$i*(1+0.02*(rand()-0.5)); print }' "$T/fitdata.csv" >"$T/fitnoisy.csv"
sed -e 's/background_loss: 1 cm^-1/background_loss: 1.6 cm^-1/; s/lifetime: 6 ns/lifetime: 7 ns/' "$T/small.yaml" >"$T/fitstart.yaml"
grep -q 'lifetime: 7 ns' "$T/fitstart.yaml" || bad "fit start config not made"
"$GAINKIT" simulate "$T/fitstart.yaml" --fit-to "$T/fitnoisy.csv" --fit lifetime,scale --format json \
  -o "$T/fit1.csv" >"$T/fit1.json" 2>/dev/null
rc=$?
if [ $rc -eq 0 ] && grep -q '"lifetime"' "$T/fit1.json"; then ok; else bad "serial --fit-to: exit $rc"; fi
for np in 2 3; do
  "${MPIRUN[@]}" -np $np "$GAINKIT" simulate "$T/fitstart.yaml" --fit-to "$T/fitnoisy.csv" --fit lifetime,scale \
    --format json -o "$T/fit$np.csv" >"$T/fit$np.json" 2>"$T/fit$np.err"
  rc=$?
  if [ $rc -eq 0 ]; then ok; else bad "--fit-to under mpirun -np $np: exit $rc: $(cat "$T/fit$np.err")"; fi
  if [ "$(noprov "$(cat "$T/fit1.json")")" = "$(noprov "$(cat "$T/fit$np.json")")" ]; then ok
  else bad "--fit-to np $np: stdout differs from the serial fit"; fi
  if cmp -s <(nocomments "$T/fit1.csv") <(nocomments "$T/fit$np.csv"); then ok; else bad "--fit-to np $np: best-fit CSV differs"; fi
done
# an error before the fit (unknown parameter) under mpirun: exit 2 once, no hang
"${MPIRUN[@]}" -np 2 "$GAINKIT" simulate "$T/fitstart.yaml" --fit-to "$T/fitnoisy.csv" --fit nonsense >/dev/null 2>"$T/fitbad.err"
rc=$?
if [ $rc -eq 2 ] && [ "$(grep -c nonsense "$T/fitbad.err")" -eq 1 ]; then ok; else bad "bad --fit under mpirun: exit $rc"; fi
# VSL sweep with more ranks than points (rank 2 idle)
"$GAINKIT" simulate "$T/small.yaml" --vsl 0.1,0.2 -o "$T/vsl.csv" >/dev/null 2>&1
"${MPIRUN[@]}" -np 3 "$GAINKIT" simulate "$T/small.yaml" --vsl 0.1,0.2 -o "$T/vsl3.csv" >/dev/null 2>&1
if cmp -s <(nocomments "$T/vsl.csv") <(nocomments "$T/vsl3.csv"); then ok; else bad "vsl with idle rank differs"; fi
# An input error is reported once, exit 2, no output file.
printf 'film:\n  colour: red\n' >"$T/bad.yaml"
"${MPIRUN[@]}" -np 2 "$GAINKIT" simulate "$T/bad.yaml" -o "$T/bad.csv" >"$T/bad.out" 2>"$T/bad.err"
rc=$?
if [ $rc -eq 2 ]; then ok; else bad "bad config under mpirun: exit $rc, expected 2"; fi
n=$(grep -c "bad.yaml:2" "$T/bad.err")
if [ "$n" -eq 1 ]; then ok; else bad "error printed $n times: $(cat "$T/bad.err")"; fi
if [ ! -e "$T/bad.csv" ] && [ ! -s "$T/bad.out" ]; then ok; else bad "output written on input error"; fi
finish
