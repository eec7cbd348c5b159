"""The losses of AIMv2 pre-training: normalised next-patch regression and next-token cross-entropy."""

import torch
from torch.nn import functional as F

from ._patch_embed import patchify

__all__ = ["normalized_patches", "image_loss", "text_loss", "PAD_ID"]

PAD_ID = 0
PATCH_NORM_EPS = 1e-6


def normalized_patches(images, patch_size):
    r"""Per-patch normalised pixel targets (He et al. 2022, MAE; used by AIMv1 and AIMv2).

    .. math::

        \tilde x_k = \frac{x_k - \mathrm{mean}(x_k)}{\sqrt{\mathrm{var}(x_k) + 10^{-6}}}

    over the :math:`C p^2` pixels of patch :math:`k` (biased variance).

    Returns
    -------
    torch.Tensor of shape (B, I, C p p)
    """
    x = patchify(images, patch_size)
    mean = x.mean(dim=-1, keepdim=True)
    var = x.var(dim=-1, unbiased=False, keepdim=True)
    return (x - mean) / torch.sqrt(var + PATCH_NORM_EPS)


def image_loss(pred, targets, prefix_lengths):
    r"""Next-patch regression on the non-prefix patches.

    .. math::

        L_{img} = \frac1B \sum_b \frac{1}{I - M_b} \sum_{k = M_b}^{I - 1}
            \frac{1}{C p^2} \| \hat x_{b, k} - \tilde x_{b, k} \|^2

    (AIMv1 Eq. 2, AIMv2 Sec. 2): patch :math:`k` is predicted from decoder output :math:`k - 1`;
    the prefix patches :math:`k < M_b` carry no loss. Averaged per image, then over images: a
    mean over rows, so that the loss of a batch is the row-weighted mean of its shards' losses
    and data-parallel training equals single-process training.

    Parameters
    ----------
    pred : (B, I - 1, P)
        ``pred[:, k - 1]`` predicts patch ``k``.
    targets : (B, I, P)
        :func:`normalized_patches`.
    prefix_lengths : (B,) int in [1, I - 1]
    """
    n_img = targets.shape[1]
    k = torch.arange(1, n_img, device=pred.device)
    weight = (k[None, :] >= prefix_lengths.reshape(-1, 1)).to(pred.dtype)  # (B, I - 1)
    err = ((pred - targets[:, 1:]) ** 2).mean(dim=-1)
    return ((err * weight).sum(dim=1) / weight.sum(dim=1).clamp_min(1.0)).mean()


def text_loss(logits, text_ids, pad_id=PAD_ID):
    r"""Next-token cross-entropy, averaged over each caption's tokens, then over captions.

    .. math::

        L_{text} = -\frac1B \sum_b \frac{1}{T_b} \sum_{j < T_b} \log p(t_{b,j} \mid \text{image}_b, t_{b,<j})

    over the :math:`T_b` non-padding tokens of caption :math:`b` (a mean over rows, as
    :func:`image_loss`).

    Parameters
    ----------
    logits : (B, T, V)
    text_ids : (B, T) int, ``pad_id`` after the end of each caption.
    """
    ce = F.cross_entropy(logits.transpose(1, 2), text_ids, ignore_index=pad_id, reduction="none")  # (B, T)
    keep = (text_ids != pad_id).to(ce.dtype)
    return ((ce * keep).sum(dim=1) / keep.sum(dim=1).clamp_min(1.0)).mean()
