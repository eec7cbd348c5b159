# lead, 2026-12-02 (issue 14, dynamic target): the digits comparison at stronger classifier-free guidance.
# The paper's diversity claim is about models whose guidance collapses the batch (text-to-image CFG 4-7);
# at the benchmark's CFG 2 the vanilla digits are already spread (recall 0.71). Validation sampling seed 0
# only (the strengths and the guidance scale are chosen here; report seeds are run afterwards), the
# benchmark's training seed-0 model (one model serves every scale), the full sweep. One thread, core 0.
export PYTHONPATH=. OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
R=benchmarks/diffusion/results
for G in 2 4 7; do
${PYTHON:-python} benchmarks/diffusion/bench_spell.py --only digits --seeds 1 --guidance-scale $G \
    --cache /tmp/spell_cache --json $R/guidance_explore_g$G.json > $R/guidance_explore_g$G.txt 2>&1
done
