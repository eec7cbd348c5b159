"""Data-parallel training over processes, through ``torch.distributed`` (the engine's scale-out).

Every net built on :class:`~sklot._core.training.SklotNet` trains data-parallel when it runs
inside an initialised default process group of more than one process (``torchrun``, or
:func:`run_data_parallel` below): nothing changes in the estimator's code or parameters.

What each process (*rank*) does, per optimiser step of a global minibatch of :math:`N` rows:

* all ranks draw the same minibatch (same seed, same generator) and rank :math:`r` of
  :math:`R` keeps the contiguous slice ``[N r / R, N (r + 1) / R)`` (:func:`shard_bounds`);
* after ``backward`` the gradients are combined by one ``all_reduce`` (sum) of the local
  gradients weighted by :math:`n_r / N`, which for a loss that averages over rows is exactly
  the gradient of the global batch:
  :math:`\\nabla L = \\sum_r \\frac{n_r}{N} \\nabla L_r` (what ``DistributedDataParallel``
  computes for equal shards; the weights keep it exact for a shorter last batch);
* the recorded training loss is the same weighted sum, so the history, early stopping and
  the printed table are those of one process on the same global batches;
* the parameters are broadcast from rank 0 when training begins (they are equal anyway: same
  seed).

So two processes give the model that one process gives on the same global batches, up to
floating-point summation order (tested in ``tests/core/test_distributed.py``). Validation and
prediction are not sharded: each rank evaluates its full input. Batches that are not arrays
(skorch ``Dataset``/``DataLoader`` input) are not sharded: each rank computes the full batch and
the gradients are averaged (correct, without the speed-up). Nets that replace ``train_step``
(the GAN map's two-optimiser step) are not made data-parallel.
"""

import os
import pickle
import socket

__all__ = [
    "data_parallel_world",
    "shard_bounds",
    "all_reduce_gradients",
    "all_reduce_sum",
    "broadcast_parameters",
    "run_data_parallel",
]


def data_parallel_world():
    """``(rank, world_size)`` of the default process group; ``(0, 1)`` when there is none."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def shard_bounds(n, rank, world_size):
    """Rows ``[lo, hi)`` of a batch of ``n`` rows that ``rank`` of ``world_size`` processes.

    Contiguous, in rank order, sizes differing by at most one; they cover ``range(n)``.

    Examples
    --------
    >>> from sklot._core.distributed import shard_bounds
    >>> [shard_bounds(5, r, 2) for r in range(2)]
    [(0, 2), (2, 5)]
    """
    return (n * rank) // world_size, (n * (rank + 1)) // world_size


def all_reduce_gradients(parameters, weight):
    """Replace each gradient :math:`g_r` by :math:`\\sum_r w_r g_r` over the ranks (one flat all-reduce).

    Parameters without a gradient are skipped (every rank runs the same code, so they agree).
    """
    import torch
    import torch.distributed as dist

    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return
    flat = torch.cat([g.reshape(-1) for g in grads]) * weight
    dist.all_reduce(flat, op=dist.ReduceOp.SUM)
    offset = 0
    for g in grads:
        g.copy_(flat[offset : offset + g.numel()].view_as(g))
        offset += g.numel()


def all_reduce_sum(value):
    """Sum of a scalar tensor over the ranks (a new tensor; ``value`` is left as it is)."""
    import torch.distributed as dist

    out = value.detach().clone()
    dist.all_reduce(out, op=dist.ReduceOp.SUM)
    return out


def broadcast_parameters(module, src=0):
    """Copy rank ``src``'s parameters and buffers into every rank's ``module``."""
    import torch.distributed as dist

    for t in list(module.parameters()) + list(module.buffers()):
        dist.broadcast(t.data, src=src)


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _worker(rank, world_size, backend, port, fn, args, queue):
    import torch
    import torch.distributed as dist

    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    if backend == "nccl":
        torch.cuda.set_device(rank)
    dist.init_process_group(backend, rank=rank, world_size=world_size)
    try:
        result = fn(*args)
        # plain bytes: torch's queues would share tensors through file descriptors that die with
        # this process
        queue.put((rank, "ok", pickle.dumps(result) if rank == 0 else None))
    except BaseException as exc:  # reported to the parent, which raises
        queue.put((rank, "error", f"{type(exc).__name__}: {exc}"))
        raise
    finally:
        dist.destroy_process_group()


def run_data_parallel(fn, *args, n_processes=2, backend="gloo", timeout=600):
    """Run ``fn(*args)`` in ``n_processes`` fresh processes forming one process group; return rank 0's result.

    Inside ``fn``, every sklot estimator on the training engine fits data-parallel (see the module
    docstring). ``fn`` must be importable by name (a module-level function), as for any
    ``multiprocessing`` spawn; its return value must pickle.

    Parameters
    ----------
    fn : callable
    *args
        Passed to ``fn`` in every process.
    n_processes : int, default=2
    backend : {"gloo", "nccl"}, default="gloo"
        ``"gloo"`` for CPUs; ``"nccl"`` for one GPU per process (rank ``r`` uses ``cuda:r``).
    timeout : float, default=600
        Seconds to wait for the workers.

    Returns
    -------
    object
        What ``fn`` returned on rank 0.

    Notes
    -----
    Under ``torchrun`` (several machines, or a cluster scheduler) initialise the process group
    yourself (``torch.distributed.init_process_group``) and fit as usual: the engine needs nothing
    else.
    """
    import queue as queue_mod

    import torch.multiprocessing as mp

    if int(n_processes) < 1:
        raise ValueError(f"n_processes must be at least 1; got {n_processes!r}.")
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    port = _free_port()
    procs = [
        ctx.Process(target=_worker, args=(r, n_processes, backend, port, fn, args, q), daemon=False)
        for r in range(n_processes)
    ]
    for p in procs:
        p.start()
    results, errors = {}, []
    try:
        for _ in range(n_processes):
            rank, status, value = q.get(timeout=timeout)
            if status == "ok":
                results[rank] = value
            else:
                errors.append(f"rank {rank}: {value}")
                break
    except queue_mod.Empty:
        errors.append(f"no answer from the workers within {timeout} s")
    finally:
        for p in procs:
            p.join(timeout=5 if errors else timeout)
            if p.is_alive():
                p.terminate()
                p.join()
    if errors:
        raise RuntimeError("data-parallel run failed: " + "; ".join(errors))
    return pickle.loads(results[0])
