# the rest of conf2_cmds.sh (its chain stopped after PROTEINS seed 0: the script was edited while bash
# was reading it); same commands
export PYTHONPATH=. OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
R=benchmarks/graph/results/round4
python benchmarks/graph/bench_classification.py --tu /work/shared/data/tu PROTEINS --methods hg2v,wl \
    --max-graphs 100000 --seed 1 --readout max-mean-sum --auto --auto-rules best,one-se > $R/conf2_proteins_s1.out 2>&1
for S in 0 1; do
  python benchmarks/graph/bench_classification.py --tu /work/shared/data/tu NCI1 --methods hg2v,wl \
      --max-graphs 100000 --seed $S --readout max-mean-sum --auto --auto-rules best,one-se > $R/conf2_nci1_s$S.out 2>&1
done
