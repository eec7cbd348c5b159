# validation run of the fourth round (issue 19 item 2), seed 100; rule: tune_defaults.choose_ptc (--rule ptc)
PYTHONPATH=. OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \
python benchmarks/graph/tune_defaults.py --tu /work/shared/data/tu PTC_MR MUTAG PROTEINS NCI1 \
    --seed 100 --max-graphs 600 --n-jobs 1 --rule ptc \
    --configs "lr+lr_schedule+epochs+features=1e-3+reference+15+128,1e-3+reference+15+64,1e-3+reference+15+32" \
    --readouts "auto-1se,auto-1se[words-l0],auto-1se[words-ssqrt],auto-1se[words-l2],words,words-l0,words-ssqrt,words-l2"
