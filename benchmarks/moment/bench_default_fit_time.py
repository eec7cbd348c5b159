"""Fit time of the default ConjugateMomentSampler vs the previous defaults (max_iter=300,
learning_rate=1e-2) on two moons (2,000 points), same run, then sample(10000).

Run:  OMP_NUM_THREADS=1 python benchmarks/moment/bench_default_fit_time.py
"""
import time, numpy as np, torch
from sklot.moment import ConjugateMomentSampler
from sklot.datasets import make_ring_of_gaussians, make_spiral, make_two_moons
TARGETS = {"two_moons": make_two_moons, "ring": make_ring_of_gaussians, "spiral": make_spiral}
X = TARGETS["two_moons"](2000, random_state=0)
for name, p in [("old default (max_iter=300, learning_rate=1e-2)", dict(max_iter=300, learning_rate=1e-2)), ("new default", {})]:
    t0 = time.perf_counter(); m = ConjugateMomentSampler(random_state=0, **p).fit(X); ft = time.perf_counter() - t0
    t0 = time.perf_counter(); m.sample(10000); st = time.perf_counter() - t0
    print(f"{name}: fit {ft:.1f} s, sample(10000) {st:.2f} s", flush=True)
