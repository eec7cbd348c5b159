"""Pooling of patch features into one vector per image (the frozen-trunk features)."""

import math

import torch

__all__ = ["mean_pool", "attention_pool"]


def mean_pool(tokens):
    """Average of the patch features: (B, N, D) -> (B, D)."""
    return tokens.mean(dim=1)


def attention_pool(tokens):
    r"""Parameter-free attention pooling: one query, the mean token, over the patch tokens.

    .. math::

        a = \mathrm{softmax}_k\Big(\frac{\bar z^\top z_k}{\sqrt D}\Big), \qquad
        \mathrm{pool}(z) = \sum_k a_k z_k, \qquad \bar z = \frac1N \sum_k z_k .

    A learned query (AIMv2's attentive probe) needs labels; this pooling needs none and weights
    the patches that agree with the image's average feature. (B, N, D) -> (B, D).
    """
    query = tokens.mean(dim=1, keepdim=True)  # (B, 1, D)
    scores = (query @ tokens.transpose(1, 2)) / math.sqrt(tokens.shape[-1])  # (B, 1, N)
    return (torch.softmax(scores, dim=-1) @ tokens)[:, 0]
