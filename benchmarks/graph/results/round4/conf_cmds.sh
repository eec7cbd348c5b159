# confirmation runs of the fourth round (issue 19 item 2): new defaults (n_features=64, readout="auto"
# with candidates max-mean-sum, max-mean-sum+words, words-level0, one-SE rule), seeds 0-1, all graphs
export PYTHONPATH=. OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
R=benchmarks/graph/results/round4
for S in 0 1; do
  python benchmarks/graph/bench_classification.py MUTAG PTC_MR --methods hg2v,wl --seed $S \
      --readout max-mean-sum --auto --auto-rules best,one-se > $R/conf_small_s$S.out 2>&1
done
for S in 0 1; do
  python benchmarks/graph/bench_classification.py --tu /work/shared/data/tu PROTEINS --methods hg2v,wl \
      --max-graphs 100000 --seed $S --readout max-mean-sum --auto --auto-rules best,one-se > $R/conf_proteins_s$S.out 2>&1
done
for S in 0 1; do
  python benchmarks/graph/bench_classification.py --tu /work/shared/data/tu NCI1 --methods hg2v,wl \
      --max-graphs 100000 --seed $S --readout max-mean-sum --auto --auto-rules best,one-se > $R/conf_nci1_s$S.out 2>&1
done
