# lead, 2026-12-02 (issue 14): the digits comparison at guidance scale 4, where the validation run
# (guidance_explore_g4.txt, sampling seed 0) showed dynamic SPELL raising coverage over vanilla (+0.023):
# sampling seed 0 picks the strengths again (the same rule, the same run), seeds 1-3 report, the
# benchmark's training seed-0 model, full sweep. One thread on one core.
export PYTHONPATH=. OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
R=benchmarks/diffusion/results
${PYTHON:-python} benchmarks/diffusion/bench_spell.py --only digits --seeds 4 --guidance-scale 4 \
    --cache /tmp/spell_cache --json $R/guidance4_seeds.json > $R/guidance4_seeds.txt 2>&1
# a second model (training seed 1), the same protocol (seed 0 picks, seeds 1-3 report)
${PYTHON:-python} benchmarks/diffusion/bench_spell.py --only digits --seeds 4 --guidance-scale 4 --train-seeds 1 \
    --cache /tmp/spell_cache --json $R/guidance4_model1_seeds.json > $R/guidance4_model1_seeds.txt 2>&1
