"""Time of sample(10000): the previous sample_latent procedure (MALA from 10 x step_size, adapted to
acceptance in [0.5, 0.9], max(100, 5 n_langevin_steps) steps) vs the current one, same fitted model, same run.

Run:  OMP_NUM_THREADS=1 python benchmarks/moment/bench_sampling_time.py
"""
import time, numpy as np, torch
torch.set_num_threads(1)
from sklot.moment import ConjugateMomentSampler
from sklot.moment._langevin import langevin
from sklot.datasets import make_ring_of_gaussians, make_spiral, make_two_moons
TARGETS = {"two_moons": make_two_moons, "ring": make_ring_of_gaussians, "spiral": make_spiral}
from sklot._core.random import torch_generator
X = TARGETS["two_moons"](2000, random_state=0)
m = ConjugateMomentSampler(random_state=0, max_iter=100).fit(X)
def old(n):
    gen = torch_generator(3, torch.device("cpu"))
    idx = torch.randint(len(m.particles_), (n,), generator=gen)
    z, step = m.particles_[idx], 10 * m.step_size
    for _ in range(5):
        z, acc = langevin(m.potential_, z, step_size=step, n_steps=10, generator=gen, method="mala")
        step = step / 2 if acc < 0.5 else (step * 1.5 if acc > 0.9 else step)
    z, _ = langevin(m.potential_, z, step_size=step, n_steps=max(100, 5 * m.n_langevin_steps), generator=gen, method="mala")
    return m.inverse_transform(z.numpy())
for rep in range(2):
    t0 = time.perf_counter(); old(10000); t1 = time.perf_counter(); m.sample(10000, random_state=3); t2 = time.perf_counter()
    print(f"sample(10000): previous procedure {t1 - t0:.2f} s, current {t2 - t1:.2f} s, ratio {(t2 - t1) / (t1 - t0):.2f}", flush=True)
