# lead, 2026-12-02 after the merge of round 4: a third confirmation seed for the large sets (seed 2; MUTAG
# and PTC_MR had seeds 0-2 already) and a fresh seed 3 for MUTAG / PTC_MR (attempt 2 was prompted by a
# confirmation seed: seed 3 was never looked at before). One thread on core 1; core 0 ran another engineer's
# single-thread benchmark. Same commands as conf2b_cmds.sh.
export PYTHONPATH=. OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
R=benchmarks/graph/results/round4
${PYTHON:-python} benchmarks/graph/bench_classification.py --tu ../shared/data/tu NCI1 --methods hg2v,wl \
    --max-graphs 100000 --seed 2 --readout max-mean-sum --auto --auto-rules best,one-se > $R/conf3_nci1_s2.out 2>&1
${PYTHON:-python} benchmarks/graph/bench_classification.py --tu ../shared/data/tu PROTEINS --methods hg2v,wl \
    --max-graphs 100000 --seed 2 --readout max-mean-sum --auto --auto-rules best,one-se > $R/conf3_proteins_s2.out 2>&1
${PYTHON:-python} benchmarks/graph/bench_classification.py MUTAG PTC_MR --methods hg2v,wl \
    --seed 3 --readout max-mean-sum --auto --auto-rules best,one-se > $R/conf3_small_s3.out 2>&1
