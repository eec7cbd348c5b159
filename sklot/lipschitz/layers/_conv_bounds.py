r"""Certified bounds on the L2 operator norm of a 2-D convolution, tighter than the reshaped kernel.

**Gram (Schur-test) bound**, independent of the input size. For a kernel :math:`K` of shape
:math:`c_{out} \times c_{in} \times k_1 \times k_2` (cross-correlation, stride 1), the operator
:math:`M` satisfies :math:`(M^\top M)_{(i,u),(j,u+p)} = G_{ij}(p) = \sum_o \sum_s K_{o,i,s}\,
K_{o,j,s+p}` for the offsets :math:`p` with :math:`|p_1| < k_1, |p_2| < k_2` (fewer terms near a
zero-padded border), and we write :math:`A_{ij} = \sum_p |G_{ij}(p)|`, a non-negative
:math:`c_{in} \times c_{in}` matrix. By the Schur test, for any positive vector :math:`w`,

.. math::

    \|M\|_2^2 = \|M^\top M\|_2 \le \max_i \frac{(A w)_i}{w_i}.

A stride only subsamples the output (a map of norm at most 1), and circular padding only adds
wrapped terms into the same sums, so the bound holds for zero or circular padding and any stride.

**Spectral bound**, for a given input size (Sedghi, Gupta and Long 2019). With zero padding
:math:`p`, the convolution of an :math:`H \times W` input is the circular convolution on the
:math:`(H + 2p_1) \times (W + 2p_2)` torus of the zero-padded input, restricted to the outputs it
keeps: an isometric embedding, a circular convolution, a restriction. The circular convolution is
block-diagonalised by the 2-D DFT, so its norm is exactly the largest singular value of the
:math:`c_{out} \times c_{in}` matrices :math:`\hat K(\omega) = \sum_s K_{:,:,s}\,
e^{-2\pi i\langle \omega, s\rangle / N}` over the :math:`N_1 N_2` frequencies. It is typically
within a few percent of the operator's norm, where the reshaped-kernel bound is up to
:math:`\sqrt{k_1 k_2}` times too large.
"""

import math

import torch
import torch.nn.functional as F

__all__ = ["conv_gram_matrix", "conv_gram_bound", "conv_spectral_bound"]


def conv_gram_matrix(weight):
    r"""The matrix :math:`A_{ij} = \sum_p |G_{ij}(p)|` of a 2-D convolution kernel (see the module).

    Parameters
    ----------
    weight : tensor of shape (c_out, c_in, k1, k2)

    Returns
    -------
    tensor of shape (c_in, c_in)
        Symmetric, non-negative; its row sums are the AOL normalisers.
    """
    k1, k2 = weight.shape[-2:]
    kt = weight.transpose(0, 1)  # (c_in, c_out, k1, k2): c_in "images" of c_out channels
    gram = F.conv2d(kt, kt, padding=(k1 - 1, k2 - 1))  # (c_in, c_in, 2 k1 - 1, 2 k2 - 1)
    return gram.abs().sum((2, 3))


@torch.no_grad()
def conv_gram_bound(weight, n_iter=100):
    r"""Certified upper bound on the L2 operator norm of a 2-D convolution (Schur test on its Gram).

    .. math::

        \|\mathrm{conv}_K\|_2 \le \sqrt{\max_i (A w)_i / w_i}

    with :math:`A` from :func:`conv_gram_matrix` and :math:`w` positive, taken from ``n_iter``
    power iterations on :math:`A` (any positive :math:`w` gives a valid bound; the Perron vector
    gives the smallest, the Perron root of :math:`A`). The bound is also never above
    :math:`\sqrt{\max_i \sum_j A_{ij}}` (:math:`w = 1`). For an AOL-rescaled kernel it is at most
    1 (Prach and Lampert 2022, Theorem 1), where the reshaped-kernel bound
    (:func:`~sklot.lipschitz.layers.conv_lipschitz_factor`) can be up to
    :math:`\sqrt{k_1 k_2}` times the true norm. Zero or circular padding, any stride, no groups
    or dilation. Computed in float64.

    Parameters
    ----------
    weight : tensor of shape (c_out, c_in, k1, k2)
    n_iter : int, default=100

    Returns
    -------
    float

    Examples
    --------
    >>> import torch
    >>> from sklot.lipschitz.layers import conv_gram_bound
    >>> k = torch.zeros(1, 1, 3, 3)
    >>> k[0, 0, 1, 1] = 2.0  # 2 x identity
    >>> conv_gram_bound(k)
    2.0
    """
    a = conv_gram_matrix(weight.detach().double())
    ones = torch.ones(a.shape[0], dtype=a.dtype, device=a.device)

    def schur(w):
        aw = a @ w
        return float((aw / w).max())

    best = schur(ones)
    w = ones
    for _ in range(int(n_iter)):
        aw = a @ w
        top = float(aw.max())
        if top <= 0:
            return 0.0  # zero kernel
        # keep every entry positive (a zero row, e.g. a dead channel, would make w_i = 0)
        w = aw / top + 1e-12
        best = min(best, schur(w))
    return math.sqrt(max(best, 0.0))


@torch.no_grad()
def conv_spectral_bound(weight, input_size, padding=(0, 0), padding_mode="zeros"):
    r"""Certified bound on the L2 operator norm of a 2-D convolution on inputs of ``input_size``.

    .. math::

        \|\mathrm{conv}_K\|_2 \le \max_{\omega \in \mathbb{Z}_{N_1} \times \mathbb{Z}_{N_2}}
        \sigma_{\max}\big(\hat K(\omega)\big), \qquad N = (H + 2 p_1, W + 2 p_2)

    (zero padding; circular padding with :math:`2p \le k - 1`: :math:`N = (H, W)`), exact for the
    circular convolution on that torus (Sedghi, Gupta and Long 2019, Theorem 6); see the module.
    Any stride (it subsamples the stride-1 output). Computed in float64.

    Parameters
    ----------
    weight : tensor of shape (c_out, c_in, k1, k2)
    input_size : (int, int)
        (H, W) of the layer's input.
    padding : (int, int), default=(0, 0)
    padding_mode : {"zeros", "circular"}, default="zeros"

    Returns
    -------
    float or None
        None when the bound does not apply (circular padding wider than the kernel's half).

    Examples
    --------
    >>> import torch
    >>> from sklot.lipschitz.layers import conv_spectral_bound
    >>> box = torch.ones(1, 1, 3, 3)  # circular 3x3 box filter: the constant image gains 9
    >>> round(conv_spectral_bound(box, (8, 8), padding=(1, 1), padding_mode="circular"), 6)
    9.0
    """
    k1, k2 = weight.shape[-2:]
    (h, w), (p1, p2) = input_size, padding
    if padding_mode == "zeros":
        n1, n2 = h + 2 * p1, w + 2 * p2
    elif padding_mode == "circular" and 2 * p1 <= k1 - 1 and 2 * p2 <= k2 - 1:
        n1, n2 = h, w
    else:
        return None
    if n1 < k1 or n2 < k2:
        # a kernel larger than the torus wraps onto itself: fold it (sum of the aliased taps)
        kernel = weight.detach().double()
        folded = torch.zeros(*kernel.shape[:2], n1, n2, dtype=kernel.dtype, device=kernel.device)
        for a in range(k1):
            for b in range(k2):
                folded[:, :, a % n1, b % n2] += kernel[:, :, a, b]
        spectrum = torch.fft.fft2(folded)
    else:
        spectrum = torch.fft.fft2(weight.detach().double(), s=(n1, n2))  # (c_out, c_in, n1, n2)
    mats = spectrum.permute(2, 3, 0, 1).reshape(n1 * n2, *weight.shape[:2])
    return float(torch.linalg.matrix_norm(mats, ord=2).max())
