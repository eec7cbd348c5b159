"""Time of one training step: sklot's orthonormal layers vs deel-torchlip 1.0.5, same run.

Dense 784-256-128-10 MaxMin network, multiclass HKR, Adam, batch 256 of
random inputs; process CPU time per step, median of 5 rounds of 10 steps
after 30 warm-up steps (so that reprojected weights have settled). Variants:

* ``sklot`` -- as the estimators train: reprojection + 1 differentiated Björck step, tol 1e-2;
* ``sklot_no_reproject`` -- the layers in a plain loop (no reprojection), default settings;
* ``sklot_no_reproject_3grad`` -- same with 3 differentiated steps and tol 1e-3;
* ``deel`` -- deel-torchlip's SpectralLinear / GroupSort2 / HKRMulticlassLoss;
* ``plain`` -- unconstrained nn.Linear + ReLU with cross-entropy.

    python benchmarks/lipschitz/bench_step_time.py --threads 1
"""

import argparse
import statistics
import time

import torch


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    from deel import torchlip

    from sklot.lipschitz.layers import LipschitzSequential, MaxMin, OrthoLinear, reproject_
    from sklot.lipschitz.losses import HKRLoss

    torch.manual_seed(0)
    X = torch.rand(256, 784)
    y = torch.randint(0, 10, (256,))
    onehot = torch.nn.functional.one_hot(y, 10).float()

    def sklot_step(n_iter_grad, tol, reproject):
        kw = dict(n_iter_grad=n_iter_grad, tol=tol)
        net = LipschitzSequential(
            OrthoLinear(784, 256, **kw),
            MaxMin(),
            OrthoLinear(256, 128, **kw),
            MaxMin(),
            OrthoLinear(128, 10, **kw),
        )
        crit, opt = HKRLoss(0.98, 0.5), torch.optim.Adam(net.parameters(), 1e-3)

        def step():
            loss = crit(net(X), y)
            opt.zero_grad()
            loss.backward()
            if reproject:
                reproject_(net)
            opt.step()

        return step

    def deel_step():
        net = torchlip.Sequential(
            torchlip.SpectralLinear(784, 256),
            torchlip.GroupSort2(),
            torchlip.SpectralLinear(256, 128),
            torchlip.GroupSort2(),
            torchlip.SpectralLinear(128, 10),
        )
        crit, opt = (
            torchlip.HKRMulticlassLoss(alpha=0.98, min_margin=0.5),
            torch.optim.Adam(net.parameters(), 1e-3),
        )

        def step():
            loss = crit(net(X), onehot)
            opt.zero_grad()
            loss.backward()
            opt.step()

        return step

    def plain_step():
        net = torch.nn.Sequential(
            torch.nn.Linear(784, 256),
            torch.nn.ReLU(),
            torch.nn.Linear(256, 128),
            torch.nn.ReLU(),
            torch.nn.Linear(128, 10),
        )
        opt = torch.optim.Adam(net.parameters(), 1e-3)

        def step():
            loss = torch.nn.functional.cross_entropy(net(X), y)
            opt.zero_grad()
            loss.backward()
            opt.step()

        return step

    fns = {
        "deel": deel_step(),
        "sklot": sklot_step(1, 1e-2, True),
        "sklot_no_reproject": sklot_step(1, 1e-2, False),
        "sklot_no_reproject_3grad": sklot_step(3, 1e-3, False),
        "plain": plain_step(),
    }
    for f in fns.values():
        for _ in range(30):
            f()
    times = {k: [] for k in fns}
    for _ in range(5):  # interleaved rounds: load changes hit every contender alike
        for k, f in fns.items():
            c = time.process_time()
            for _ in range(10):
                f()
            times[k].append((time.process_time() - c) / 10)
    ref = statistics.median(times["deel"])
    for k, v in times.items():
        print(
            f"{k:20s} {statistics.median(v) * 1e3:7.1f} ms/step (cpu)   "
            f"ratio to deel {statistics.median(v) / ref:.2f}"
        )


if __name__ == "__main__":
    main()
