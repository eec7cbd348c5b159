# lead, 2026-12-02 (issue 19 item 2, NCI1). Two questions, both answered from one training per seed:
# (1) does any readout of the default training reach 0.95 of WL on NCI1? Every readout is scored as a
#     fixed column ("HG2V[readout]", --extra-readouts: no extra training), an upper bound (picked on the
#     test folds) for any readout rule over them;
# (2) the paired comparison of the default (auto, one-SE, candidates max-mean-sum, max-mean-sum+words,
#     words-level0) with the fifth round's candidate list (+ words: --auto-plus words), same probe folds.
# Confirmation seeds 0-2 (seed 0 was first run without --auto-plus, output kept as oracle_nci1_s0a.out).
# One thread on core 0 while core 1 ran the validation (val_cmds.sh).
export PYTHONPATH=. OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
R=benchmarks/graph/results/round5
for S in 0 1 2; do
${PYTHON:-python} benchmarks/graph/bench_classification.py --tu ../shared/data/tu NCI1 --methods hg2v,wl \
    --max-graphs 100000 --seed $S --readout max-mean-sum --auto --auto-rules one-se --auto-plus words \
    --extra-readouts "max-mean-sum+words,words-level0,words,max-mean" > $R/oracle_nci1_s$S.out 2>&1
done
