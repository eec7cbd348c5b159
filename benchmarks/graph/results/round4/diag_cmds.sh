# diagnostic (not a selection: run after the confirmation): the rule's runner-up, n_features=128 with the
# new auto candidates, on the confirmation seeds, to say which half of the change does what
export PYTHONPATH=. OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
R=benchmarks/graph/results/round4  # outputs renamed afterwards: diag128_small_sS.out -> conf2_small_sS.out
for S in 0 1 2; do
  python benchmarks/graph/bench_classification.py MUTAG PTC_MR --methods hg2v,wl --seed $S --features 128 \
      --readout max-mean-sum --auto --auto-rules best,one-se > $R/diag128_small_s$S.out 2>&1
done
