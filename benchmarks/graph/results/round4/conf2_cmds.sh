# confirmation of the second attempt (issue 19 item 2, fourth round): the defaults n_features=128,
# readout="auto" with candidates max-mean-sum, max-mean-sum+words, words-level0 (one-SE rule);
# MUTAG / PTC_MR seeds 0-2 are diag_cmds.sh's runs (conf2_small_s*.out,
# first written as diag128_small_s*.out; --features 128 = the default); this chain stopped after
# PROTEINS seed 0 (the file was edited while bash read it): the rest ran as conf2b_cmds.sh
export PYTHONPATH=. OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
R=benchmarks/graph/results/round4
for S in 0 1; do
  python benchmarks/graph/bench_classification.py --tu /work/shared/data/tu PROTEINS --methods hg2v,wl \
      --max-graphs 100000 --seed $S --readout max-mean-sum --auto --auto-rules best,one-se > $R/conf2_proteins_s$S.out 2>&1
done
for S in 0 1; do
  python benchmarks/graph/bench_classification.py --tu /work/shared/data/tu NCI1 --methods hg2v,wl \
      --max-graphs 100000 --seed $S --readout max-mean-sum --auto --auto-rules best,one-se > $R/conf2_nci1_s$S.out 2>&1
done
