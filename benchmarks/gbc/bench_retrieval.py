"""Retrieval on held-out procedural scenes: GraphCaptionCLIP trained on short / detail / captions / graph.

Every model is trained on the same ``make_shape_scenes`` training scenes with the same seed and
budget (epochs, batch size, learning rate, encoders), and evaluated on held-out scenes drawn with
another seed: text -> image (the detailed captions as queries, the images as gallery) and
image -> text (the images as queries, the detailed captions as gallery) recall at 1 and 5, and
g2i R@1: the graphs as queries, each read the way its model was trained (``encode_graphs``: the
short / detailed caption, the mean of all captions' embeddings, SAHA over the graph).
Prints one row per text input and the fit time of each, wall-clock and CPU time of the process (the
machine's load counts in the wall-clock time: rerun on an idle machine for timings; with one thread
the CPU time is close to what an idle machine's wall-clock time would be).

usage: PYTHONPATH=. python benchmarks/gbc/bench_retrieval.py [--n-train 5000] [--n-test 1000]
       [--epochs 10] [--seeds 0] [--modes short detail captions graph] [--quick]
full run:  PYTHONPATH=. python benchmarks/gbc/bench_retrieval.py --n-train 5000 --n-test 1000 --seeds 0
--quick:   1,500 training scenes, 500 held-out, 8 epochs, seed 0 (a few minutes per text input)
"""

import argparse
import time

import numpy as np

from sklot.datasets import make_shape_scenes
from sklot.gbc import GraphCaptionCLIP, recall_at_k
from sklot.gbc._clip import detail_caption


def evaluate(model, images, graphs):
    img = model.encode_images(images)
    txt = model.encode_texts([detail_caption(g) for g in graphs])
    t2i = recall_at_k(txt, img, k=[1, 5])
    i2t = recall_at_k(img, txt, k=[1, 5])
    # the graphs as queries, read the way each model was trained (encode_graphs)
    g2i = recall_at_k(model.encode_graphs(graphs), img, k=1)
    return {"t2i_R@1": t2i[0], "t2i_R@5": t2i[1], "i2t_R@1": i2t[0], "i2t_R@5": i2t[1], "g2i_R@1": g2i}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n-train", type=int, default=5000)
    p.add_argument("--n-test", type=int, default=1000)
    p.add_argument("--epochs", type=int, default=None, help="default: the estimator's max_epochs")
    p.add_argument("--seeds", type=int, nargs="+", default=[0])
    p.add_argument("--modes", nargs="+", default=["short", "detail", "captions", "graph"])
    p.add_argument("--device", default="cpu")
    p.add_argument("--quick", action="store_true")
    args = p.parse_args(argv)
    if args.quick:
        args.n_train, args.n_test, args.epochs, args.seeds = 1500, 500, 8, [0]
    params = {} if args.epochs is None else {"max_epochs": args.epochs}
    extra = f" + {params}" if params else ""
    print(f"make_shape_scenes: {args.n_train} training scenes (seed 100+s), {args.n_test} held-out "
          f"(seed 999); GraphCaptionCLIP defaults{extra}, device={args.device}")
    test_images, test_graphs = make_shape_scenes(args.n_test, random_state=999)
    rows = {m: [] for m in args.modes}
    times = {m: [] for m in args.modes}
    cpu = {m: [] for m in args.modes}
    for seed in args.seeds:
        images, graphs = make_shape_scenes(args.n_train, random_state=100 + seed)
        for mode in args.modes:
            t0, c0 = time.perf_counter(), time.process_time()
            model = GraphCaptionCLIP(text_input=mode, random_state=seed, device=args.device, **params)
            model.fit(images, graphs)
            times[mode].append(time.perf_counter() - t0)
            cpu[mode].append(time.process_time() - c0)
            res = evaluate(model, test_images, test_graphs)
            rows[mode].append(res)
            print(f"  seed {seed} {mode:9s} " + "  ".join(f"{k} {100 * v:5.1f}" for k, v in res.items())
                  + f"  fit {times[mode][-1]:6.1f} s (CPU {cpu[mode][-1]:6.1f} s)"
                  + f"  final loss {model.history_[-1, 'train_loss']:.3f}",
                  flush=True)
    keys = ["t2i_R@1", "t2i_R@5", "i2t_R@1", "i2t_R@5", "g2i_R@1"]
    print(f"\nmean over seeds {args.seeds} (%), held-out n={args.n_test}:")
    print(f"{'text_input':10s} " + " ".join(f"{k:>14s}" for k in keys) + f" {'fit time (s)':>13s}")
    for mode in args.modes:
        vals = np.array([[r[k] for k in keys] for r in rows[mode]]) * 100
        cells = [f"{m:6.1f} +- {s:4.1f}" for m, s in zip(vals.mean(0), vals.std(0))]
        print(f"{mode:10s} " + " ".join(f"{c:>14s}" for c in cells) + f" {np.mean(times[mode]):13.1f}")


if __name__ == "__main__":
    main()
