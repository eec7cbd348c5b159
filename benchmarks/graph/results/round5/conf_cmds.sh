# NOT RUN: written for the case the fifth-round rule adopted the candidate; both validation attempts kept the
# default (val_aggregate.out, val2_aggregate.out), so these confirmations were cancelled before any output.
# lead, 2026-12-02 (issue 19 item 2, fifth round): confirmation of the candidate list chosen on validation
# (val_aggregate.out) on the small sets and PROTEINS, paired with the round-4 default from the same
# training (--auto-plus words: the default's column HG2V-auto[one-se] and the candidate's
# HG2V-auto+words[one-se]); MUTAG / PTC_MR seeds 0-3 and PROTEINS seeds 0-2, the seeds reported for the
# round-4 default. NCI1 seeds 0-2: oracle_cmds.sh. One thread on one core.
export PYTHONPATH=. OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
R=benchmarks/graph/results/round5
if [ "${PART:-all}" != proteins ]; then
for S in 0 1 2 3; do
${PYTHON:-python} benchmarks/graph/bench_classification.py MUTAG PTC_MR --methods hg2v,wl \
    --seed $S --readout max-mean-sum --auto --auto-rules one-se --auto-plus words > $R/conf_small_s$S.out 2>&1
done
fi
if [ "${PART:-all}" != small ]; then
for S in 0 1 2; do
${PYTHON:-python} benchmarks/graph/bench_classification.py --tu ../shared/data/tu PROTEINS --methods hg2v,wl \
    --max-graphs 100000 --seed $S --readout max-mean-sum --auto --auto-rules one-se --auto-plus words \
    > $R/conf_proteins_s$S.out 2>&1
done
fi
