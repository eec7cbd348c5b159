"""The multi-positive contrastive loss of GBC training (Hsieh et al., 2024, Sec. 4 and App. D)."""

from __future__ import annotations

__all__ = ["multi_positive_clip_loss"]


def multi_positive_clip_loss(image_features, text_features, text_to_image, temperature):
    r"""Multi-positive CLIP loss: every caption of an image is one of its positives.

    With :math:`s_{ij} = \langle f(x_i), g(c_j) \rangle / \tau` over the :math:`B` images and the
    :math:`T` captions of the batch, and :math:`C_i` the captions of image :math:`i`,

    .. math::

        L_{i \to t} = -\frac{1}{B} \sum_{i} \frac{1}{|C_i|} \sum_{j \in C_i}
                      \log \frac{e^{s_{ij}}}{\sum_{k=1}^{T} e^{s_{ik}}}, \qquad
        L_{t \to i} = -\frac{1}{T} \sum_{j} \log \frac{e^{s_{\pi(j) j}}}{\sum_{i=1}^{B} e^{s_{ij}}},

    with :math:`\pi(j)` the image of caption :math:`j` (each caption has one image), and the loss is
    :math:`(L_{i \to t} + L_{t \to i}) / 2`. With one caption per image (``text_to_image =
    arange(B)``) it is CLIP's symmetric cross-entropy (Radford et al., 2021). Same idea as
    StableRep's multi-positive loss (Tian et al., 2023).

    Parameters
    ----------
    image_features : torch.Tensor of shape (B, d)
        Image embeddings (usually L2-normalised; the function does not normalise).
    text_features : torch.Tensor of shape (T, d)
        Caption embeddings, same dtype and device.
    text_to_image : torch.Tensor or array-like of int, shape (T,)
        Index in ``[0, B)`` of each caption's image; every image needs at least one caption.
    temperature : float or torch.Tensor (scalar)
        :math:`\tau > 0`; a tensor (e.g. ``exp(-log_scale)`` of a learnable scale) keeps its gradient.

    Returns
    -------
    loss : torch.Tensor (scalar)

    Examples
    --------
    Two images, the first with two captions:

    >>> import torch
    >>> from sklot.gbc import multi_positive_clip_loss
    >>> images = torch.eye(2)
    >>> texts = torch.eye(2)[[0, 0, 1]]
    >>> loss = multi_positive_clip_loss(images, texts, torch.tensor([0, 0, 1]), temperature=1.0)
    >>> round(loss.item(), 4)
    0.51
    """
    import torch
    import torch.nn.functional as F

    if not (torch.is_tensor(image_features) and torch.is_tensor(text_features)):
        raise TypeError("image_features and text_features must be torch tensors")
    if image_features.ndim != 2 or text_features.ndim != 2:
        raise ValueError(
            f"image_features and text_features must be 2-d, got shapes {tuple(image_features.shape)} "
            f"and {tuple(text_features.shape)}"
        )
    if image_features.shape[1] != text_features.shape[1]:
        raise ValueError(
            f"feature dimensions differ: image_features {tuple(image_features.shape)}, "
            f"text_features {tuple(text_features.shape)}"
        )
    n_images, n_texts = image_features.shape[0], text_features.shape[0]
    if n_images == 0 or n_texts == 0:
        raise ValueError("the batch needs at least one image and one caption")
    t2i = torch.as_tensor(text_to_image, device=text_features.device)
    if t2i.dtype.is_floating_point or t2i.dtype == torch.bool or t2i.is_complex():
        raise ValueError(f"text_to_image must hold integer indices, got dtype {t2i.dtype}")
    t2i = t2i.long()
    if t2i.shape != (n_texts,):
        raise ValueError(
            f"text_to_image must have shape ({n_texts},) (one image per caption), got {tuple(t2i.shape)}"
        )
    if t2i.min() < 0 or t2i.max() >= n_images:
        raise ValueError(
            f"text_to_image must lie in [0, {n_images}), got values in [{int(t2i.min())}, {int(t2i.max())}]"
        )
    counts = torch.bincount(t2i, minlength=n_images)
    if (counts == 0).any():
        missing = int(torch.nonzero(counts == 0)[0])
        raise ValueError(f"image {missing} has no caption in text_to_image (every image needs one positive)")
    if not torch.is_tensor(temperature):
        if not temperature > 0:
            raise ValueError(f"temperature must be > 0, got {temperature!r}")
    elif temperature.numel() != 1 or not bool(temperature.detach() > 0):
        raise ValueError("temperature must be a positive scalar")

    logits = image_features @ text_features.T / temperature  # (B, T)
    log_p_i2t = F.log_softmax(logits, dim=1)
    positives = log_p_i2t[t2i, torch.arange(n_texts, device=t2i.device)]  # log p(c_j | x_{pi(j)})
    per_image = torch.zeros(n_images, dtype=logits.dtype, device=logits.device).index_add(0, t2i, positives)
    loss_i2t = -(per_image / counts.to(logits.dtype)).mean()
    loss_t2i = F.cross_entropy(logits.T, t2i)
    return (loss_i2t + loss_t2i) / 2
