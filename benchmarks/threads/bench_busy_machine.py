"""Wall-clock time of sklot on an idle and on a busy machine, with and without the thread policy.

On a machine whose cores are shared with other work, torch's default of one
intra-op thread per core makes small-tensor fits 8-70x slower (issue 20).
sklot runs small problems on one thread (``sklot/_core/threads.py``); this script
measures what that buys:

* (a) ``python -m sklot demo`` (all families; skipped with ``--quick`` unless
  ``--demo`` is given);
* (b) one small fit per family: LoukasGraphEmbedder (40 graphs, 3 epochs),
  ConjugateMomentSampler (10 iterations), LipschitzClassifier (digits),
  KernelDistributionRegressor (rotated Gaussian bags), TacoTransformer (XOR
  concept embeddings);

each idle and while a second process keeps every core busy (a numpy matmul
loop, ``--busy-threads`` BLAS threads), under the thread policy
(``SKLOT_NUM_THREADS=auto``, the default) and under the old behaviour
(``SKLOT_NUM_THREADS=user``: torch's default thread count), printing the
ratio busy / idle. Every measurement runs in a fresh interpreter with
``OMP_NUM_THREADS`` and the BLAS variables unset, so torch starts with one
thread per core as a user's session would; each time is the best of
``--repeats`` runs, import time excluded.

Run it on an otherwise idle machine (the "idle" column must be idle)::

    python benchmarks/threads/bench_busy_machine.py              # full sizes, with the demo
    python benchmarks/threads/bench_busy_machine.py --quick      # smoke test, tiny sizes
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "BLIS_NUM_THREADS")


# --- one small fit per family (run inside a fresh interpreter) -------------------------------


def _task_graph(quick):
    from sklot import LoukasGraphEmbedder
    from sklot.datasets import make_structure_graphs

    graphs, _ = make_structure_graphs(n_graphs=8 if quick else 40, n_nodes=(20, 30), random_state=0)
    est = LoukasGraphEmbedder(max_epochs=1 if quick else 3, random_state=0)
    return lambda: est.fit(graphs).transform(graphs)


def _task_moment(quick):
    import numpy as np

    from sklot import ConjugateMomentSampler

    X = np.random.default_rng(0).normal(size=(200 if quick else 1000, 2)) @ np.array([[1.0, 0.5], [0.0, 0.5]])
    est = ConjugateMomentSampler(max_iter=2 if quick else 10, random_state=0)
    return lambda: est.fit(X).sample(100, random_state=0)


def _task_lipschitz(quick):
    import numpy as np
    from sklearn.datasets import load_digits

    from sklot import LipschitzClassifier

    X, y = load_digits(return_X_y=True)
    X = (X / 16).astype(np.float32)
    if quick:
        X, y = X[:300], y[:300]
    est = LipschitzClassifier(max_epochs=1 if quick else 10, random_state=0)
    return lambda: est.fit(X, y).predict(X)


def _task_distribution(quick):
    from sklot import KernelDistributionRegressor
    from sklot.datasets import make_rotated_gaussian_bags

    n_bags, n_points = (20, 50) if quick else (100, 500)
    bags, y = make_rotated_gaussian_bags(n_bags=n_bags, n_points=n_points, random_state=0)
    est = KernelDistributionRegressor(random_state=0)
    return lambda: est.fit(bags, y).predict(bags)


def _task_concepts(quick):
    from sklot import TacoTransformer
    from sklot.datasets import make_xor_concept_embeddings

    X, y, s = make_xor_concept_embeddings(n_samples=200 if quick else 2000, random_state=0)
    est = TacoTransformer(n_components=4, n_remove=1, n_sobol_designs=8 if quick else 32, random_state=0)
    return lambda: est.fit(X, y, sensitive=s).transform(X)


TASKS = {
    "graph: LoukasGraphEmbedder": _task_graph,
    "moment: ConjugateMomentSampler": _task_moment,
    "lipschitz: LipschitzClassifier": _task_lipschitz,
    "distribution: KernelDistributionRegressor": _task_distribution,
    "concepts: TacoTransformer": _task_concepts,
}


def _run_task(name, quick, repeats):
    """Inside the child interpreter: best wall-clock time of ``repeats`` runs, as JSON."""
    import torch

    run = TASKS[name](quick)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
    print(json.dumps({"seconds": min(times), "torch_threads": torch.get_num_threads()}))


# --- the parent: environments, the busy process, the table -----------------------------------


def _env(policy):
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARS}
    env["SKLOT_NUM_THREADS"] = policy
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _time_child(args, policy, timeout):
    t0 = time.perf_counter()
    out = subprocess.run(args, env=_env(policy), cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    wall = time.perf_counter() - t0
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{out.stderr[-2000:]}")
    return out.stdout, wall


def _measure(name, policy, quick, repeats, timeout):
    if name == "demo":
        args = [sys.executable, "-m", "sklot", "demo", "--output", tempfile.mkdtemp(prefix="sklot-demo-")]
        if quick:
            args += ["--only", "lipschitz"]
        _, wall = _time_child(args, policy, timeout)
        return wall  # includes the interpreter start and imports: what a user waits for
    args = [sys.executable, os.path.abspath(__file__), "--task", name, "--repeats", str(repeats)]
    if quick:
        args.append("--quick")
    stdout, _ = _time_child(args, policy, timeout)
    return json.loads(stdout.strip().splitlines()[-1])["seconds"]


_BUSY_LOOP = """
import numpy as np
a = np.random.default_rng(0).normal(size=(600, 600))
while True:
    a = np.tanh(a @ a / 600.0)
"""


def _start_busy(threads):
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARS}
    for k in THREAD_VARS:
        env[k] = str(threads)
    proc = subprocess.Popen([sys.executable, "-c", _BUSY_LOOP], env=env)
    time.sleep(1.0)  # let it load numpy and spin up its threads
    return proc


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one repeat, no demo (a smoke test)")
    parser.add_argument("--demo", action="store_true", help="time `python -m sklot demo` also with --quick")
    parser.add_argument("--repeats", type=int, default=None, help="runs per measurement (best kept; 3)")
    parser.add_argument("--busy-threads", type=int, default=os.cpu_count(), help="threads of the busy process")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds allowed per measurement")
    parser.add_argument("--only", nargs="*", help="task names (substrings) to run")
    parser.add_argument("--task", help=argparse.SUPPRESS)  # internal: run one task in this process
    args = parser.parse_args(argv)
    repeats = args.repeats or (1 if args.quick else 3)
    if args.task:
        _run_task(args.task, args.quick, repeats)
        return 0

    names = list(TASKS)
    if args.only:
        names = [n for n in names if any(o in n for o in args.only)]
    if args.demo or not args.quick:
        names = ["demo"] + names
    policies = ["auto", "user"]  # sklot's thread policy, then torch's defaults (the old behaviour)
    results = {}
    for busy in (False, True):
        proc = _start_busy(args.busy_threads) if busy else None
        try:
            for name in names:
                for policy in policies:
                    results[name, policy, busy] = _measure(name, policy, args.quick, repeats, args.timeout)
                    state = "busy" if busy else "idle"
                    seconds = results[name, policy, busy]
                    print(f"  {name:45s} {policy:5s} {state}: {seconds:8.2f} s", flush=True)
        finally:
            if proc is not None:
                proc.kill()
                proc.wait()

    print(f"\ncpu_count={os.cpu_count()}, busy process: {args.busy_threads} BLAS threads, quick={args.quick}")
    print("ratio = busy / idle (1 is the ideal; lower is better)")
    header = f"{'task':45s} {'policy':>7s} {'idle s':>8s} {'busy s':>8s} {'ratio':>7s}"
    print(header)
    print("-" * len(header))
    for name in names:
        for policy in policies:
            idle, busy = results[name, policy, False], results[name, policy, True]
            label = "sklot" if policy == "auto" else "torch"
            print(f"{name:45s} {label:>7s} {idle:8.2f} {busy:8.2f} {busy / idle:7.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
