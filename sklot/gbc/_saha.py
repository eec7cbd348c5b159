r"""Structure-aware hierarchical attention (SAHA), the text encoder of GBC graphs.

Hsieh et al. (2024, "Graph-Based Captioning", Sec. 4 and App. D): every caption of a graph is its
own token sequence, and a block is

.. math::

    x \leftarrow x + \mathrm{SA}(\mathrm{LN}_1 x), \qquad
    x \leftarrow x + \mathrm{SACA}(\mathrm{LN}_c x), \qquad
    x \leftarrow x + \mathrm{FFN}(\mathrm{LN}_2 x),

where SA is self-attention within each caption and SACA, the structure-aware cross-attention, lets
only the tokens of a parent caption that spell an edge label attend to the tokens of that edge's
child caption; a token that spells the labels of several children averages their outputs, every
other token gets zero. Without edges a block is a pre-norm transformer layer (the parameter names
are those of :class:`torch.nn.TransformerEncoderLayer`, whose outputs it then equals).

Captions travel *packed*: the tokens of all captions of a batch in one sequence (no padding in the
linear layers), with padded views only inside the attention products.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["PackedCaptions", "SahaBlock", "SahaTextEncoder", "drop_edges", "graph_captions", "pack_captions"]


@dataclass
class PackedCaptions:
    """The captions of a batch, packed, with the structure SACA needs.

    Attributes
    ----------
    tokens, caption, position : LongTensor of shape (T,)
        Token ids, the caption each token belongs to, and its position there.
    lengths : LongTensor of shape (N,)
        Tokens per caption (at least one).
    pad_index : LongTensor of shape (N, L)
        Index in ``[0, T]`` of position ``j`` of caption ``i`` (``T``: padding).
    pair_token, pair_child : LongTensor of shape (P,)
        SACA pairs: token ``pair_token[p]`` (of a parent caption, spelling an edge label) attends
        to caption ``pair_child[p]``; one pair per (token, child), so averaging is per token.
    pair_count : Tensor of shape (T,)
        Children per token (0 for the tokens that spell no edge label).
    output : LongTensor of shape (B,)
        The caption whose pooled embedding is each output row.
    groups : list of (LongTensor, int)
        Captions of similar lengths (lengths in ``(2^(k-1), 2^k]``) and their longest length:
        self-attention pads each group to its own length, not every caption to the longest.
    """

    tokens: torch.Tensor
    caption: torch.Tensor
    position: torch.Tensor
    lengths: torch.Tensor
    pad_index: torch.Tensor
    pair_token: torch.Tensor
    pair_child: torch.Tensor
    pair_count: torch.Tensor
    output: torch.Tensor
    groups: list

    @property
    def n_pairs(self):
        return int(self.pair_token.numel())


def pack_captions(captions, output=None, edges=(), device="cpu"):
    """Pack token sequences (and the edges between them) into :class:`PackedCaptions`.

    Parameters
    ----------
    captions : list of int arrays
        Token ids per caption (non-empty).
    output : sequence of int, default=None
        Captions whose embeddings are returned (default: all, in order).
    edges : iterable of (parent, child, positions)
        Caption indices of an edge and the positions of the parent's tokens that spell its label.
    device : torch.device or str

    Returns
    -------
    PackedCaptions
    """
    lengths = np.fromiter((len(c) for c in captions), dtype=np.int64, count=len(captions))
    if (lengths < 1).any():
        raise ValueError("every caption needs at least one token")
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    n_tokens = int(offsets[-1])
    tokens = np.concatenate(captions).astype(np.int64) if captions else np.zeros(0, np.int64)
    caption = np.repeat(np.arange(len(captions)), lengths)
    position = np.arange(n_tokens) - offsets[caption]
    pad_index = np.full((len(captions), int(lengths.max(initial=1))), n_tokens, dtype=np.int64)
    pad_index[caption, position] = np.arange(n_tokens)
    pairs = set()
    for parent, child, positions in edges:
        for j in positions:
            pairs.add((int(offsets[parent] + j), int(child)))
    pairs = np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)
    count = np.bincount(pairs[:, 0], minlength=n_tokens).astype(np.float32)
    out = np.arange(len(captions)) if output is None else np.asarray(output, dtype=np.int64)

    def t(a):
        return torch.as_tensor(a, device=device)

    bins = np.ceil(np.log2(np.maximum(lengths, 8))).astype(np.int64)
    groups = []
    for b in np.unique(bins):
        members = np.flatnonzero(bins == b)
        groups.append((t(members), int(lengths[members].max())))
    return PackedCaptions(t(tokens), t(caption), t(position), t(lengths), t(pad_index), t(pairs[:, 0]),
                          t(pairs[:, 1]), t(count), t(out), groups)


def _find(sequence, pattern):
    """Start positions of ``pattern`` in ``sequence`` (token id arrays)."""
    n, m = len(sequence), len(pattern)
    if m == 0 or m > n:
        return []
    windows = np.lib.stride_tricks.sliding_window_view(sequence, m)
    return np.flatnonzero((windows == pattern).all(axis=1)).tolist()


def graph_captions(graph, tokenizer):
    """A GBC graph as SAHA input: one token sequence per caption and the labelled edges between them.

    Every description of every vertex is its own sequence (a vertex without descriptions gets one
    empty caption). An edge ``u -> v`` labelled ``text`` links every caption of ``u`` in which the
    tokens of ``text`` occur (at every occurrence, in the cut sequence) to every caption of ``v``;
    a label token thus averages over all of ``v``'s captions (and over all children it names).

    Returns
    -------
    captions : list of int64 arrays
    root : int
        The caption that embeds the graph: the image vertex's ``"detail"`` description (its last
        description when it has none).
    edges : list of (parent caption, child caption, positions in the parent)
    """
    captions, of_vertex, root = [], {}, None
    for v in graph.vertices:
        descs = list(v.descs)
        texts = [d.text for d in descs] or [""]
        of_vertex[v.vertex_id] = list(range(len(captions), len(captions) + len(texts)))
        captions += [tokenizer.encode(t) for t in texts]
        if v.vertex_id == "":
            details = [k for k, d in enumerate(descs) if d.label == "detail"]
            root = of_vertex[""][details[0] if details else len(texts) - 1]
    edges = []
    for v in graph.vertices:
        for e in v.out_edges:
            label = tokenizer.encode_tokens(tokenizer.split(e.text)) if e.text.strip() else []
            for p in of_vertex[v.vertex_id]:
                starts = _find(captions[p], label)
                positions = sorted({s + k for s in starts for k in range(len(label))})
                if positions:
                    edges += [(p, c, positions) for c in of_vertex[e.target]]
    return captions, root, edges


def drop_edges(edges, p, rng):
    """Keep each edge with probability ``1 - p`` (the paper drops edges with ``p = 0.5`` in training).

    ``rng`` is a :class:`numpy.random.Generator`; ``p = 0`` keeps every edge and draws nothing.
    """
    if p <= 0 or not edges:
        return list(edges)
    keep = rng.random(len(edges)) >= p
    return [e for e, k in zip(edges, keep) if k]


class _Attention(nn.Module):
    """Multi-head attention with :class:`torch.nn.MultiheadAttention`'s parameter names."""

    def __init__(self, width, n_heads):
        super().__init__()
        if width % n_heads:
            raise ValueError(f"width={width} is not a multiple of n_heads={n_heads}")
        self.n_heads = n_heads
        self.in_proj_weight = nn.Parameter(torch.empty(3 * width, width))
        self.in_proj_bias = nn.Parameter(torch.zeros(3 * width))
        self.out_proj = nn.Linear(width, width)
        self.reset_parameters()

    def reset_parameters(self, generator=None):
        # torch.nn.MultiheadAttention's initialisation; the generator hook of sklot._core.init
        nn.init.xavier_uniform_(self.in_proj_weight, generator=generator)
        nn.init.zeros_(self.in_proj_bias)
        nn.init.zeros_(self.out_proj.bias)

    def project(self, h, part):
        d = h.shape[-1]
        rows = slice(part * d, (part + 1) * d)
        return F.linear(h, self.in_proj_weight[rows], self.in_proj_bias[rows])

    def heads(self, x):  # (..., L, d) -> (..., H, L, d / H)
        *lead, L, d = x.shape
        return x.reshape(*lead, L, self.n_heads, d // self.n_heads).transpose(-3, -2)

    def attend(self, q, k, v, key_valid):
        """``q`` (N, Lq, d), ``k``/``v`` (N, Lk, d), ``key_valid`` (N, Lk) bool -> (N, Lq, d)."""
        out = F.scaled_dot_product_attention(self.heads(q), self.heads(k), self.heads(v),
                                             attn_mask=key_valid[:, None, None, :])
        N, H, Lq, dh = out.shape
        return out.transpose(1, 2).reshape(N, Lq, H * dh)


def _padded(x, packed, length=None):
    """Packed ``(T, d)`` -> padded ``(N, L, d)`` (zeros at padding) and the valid mask ``(N, L)``."""
    index = packed.pad_index if length is None else packed.pad_index[:, :length]
    padded = torch.cat([x, x.new_zeros(1, x.shape[1])])[index]
    return padded, index < x.shape[0]


class SahaBlock(nn.Module):
    """One SAHA block: self-attention, structure-aware cross-attention (SACA), feed-forward.

    Pre-norm and residual around each; GELU feed-forward. Without SACA pairs the block is
    ``torch.nn.TransformerEncoderLayer(width, n_heads, ffn_width, dropout=0, activation="gelu",
    norm_first=True)`` with the same parameters (names ``self_attn``, ``linear1``, ``linear2``,
    ``norm1``, ``norm2``; SACA's are ``cross_attn`` and ``norm_cross``).

    Shapes: ``x`` (T, width) packed tokens -> (T, width).
    """

    def __init__(self, width=64, n_heads=4, ffn_width=128):
        super().__init__()
        self.self_attn = _Attention(width, n_heads)
        self.cross_attn = _Attention(width, n_heads)
        self.norm1 = nn.LayerNorm(width)
        self.norm_cross = nn.LayerNorm(width)
        self.norm2 = nn.LayerNorm(width)
        self.linear1 = nn.Linear(width, ffn_width)
        self.linear2 = nn.Linear(ffn_width, width)

    def self_attention(self, h, packed):
        a = self.self_attn
        qkv = F.linear(h, a.in_proj_weight, a.in_proj_bias)
        padded_qkv = torch.cat([qkv, qkv.new_zeros(1, qkv.shape[1])])
        out = h.new_zeros(h.shape[0], h.shape[1])
        for members, length in packed.groups:  # captions of similar lengths, padded together
            index = packed.pad_index[members, :length]
            valid = index < h.shape[0]
            q, k, v = padded_qkv[index].chunk(3, dim=-1)
            out = out.index_copy(0, index[valid], a.attend(q, k, v, valid)[valid])
        return a.out_proj(out)

    def saca(self, h, packed):
        r"""Structure-aware cross-attention of the packed tokens ``h`` (T, width).

        .. math::

            \mathrm{SACA}(h)_t = \frac{1}{|C_t|} \sum_{c \in C_t}
            \mathrm{Attn}(W_q h_t,\; W_k h_{c},\; W_v h_{c}),

        :math:`C_t` the child captions whose edge label token :math:`t` spells (zero when empty).
        """
        out = torch.zeros_like(h)
        if packed.n_pairs == 0:
            return out
        a = self.cross_attn
        q = a.project(h[packed.pair_token], 0)[:, None, :]  # (P, 1, d)
        child_len = int(packed.lengths[packed.pair_child].max())
        kv, valid = _padded(h, packed, child_len)  # children only: at most their longest length
        k, v = a.project(kv, 1)[packed.pair_child], a.project(kv, 2)[packed.pair_child]
        per_pair = a.out_proj(a.attend(q, k, v, valid[packed.pair_child])[:, 0])  # (P, d)
        out = out.index_add(0, packed.pair_token, per_pair)
        return out / packed.pair_count.clamp(min=1).to(h.dtype)[:, None]

    def forward(self, x, packed):
        x = x + self.self_attention(self.norm1(x), packed)
        x = x + self.saca(self.norm_cross(x), packed)
        return x + self.linear2(F.gelu(self.linear1(self.norm2(x))))


class SahaTextEncoder(nn.Module):
    """Token + position embeddings, SAHA blocks, mean pooling per caption, linear projection.

    Plain captions (no edges) go through the same blocks, whose SACA then adds nothing.

    Parameters
    ----------
    vocab_size, embed_dim : int
    width, n_layers, n_heads, ffn_width, max_len : int

    Shapes: :class:`PackedCaptions` with ``B`` outputs -> (B, embed_dim), L2-normalised.
    """

    def __init__(self, vocab_size, embed_dim=64, width=64, n_layers=2, n_heads=4, ffn_width=128,
                 max_len=96):
        super().__init__()
        self.token_embedding = nn.Embedding(vocab_size, width)
        self.position_embedding = nn.Embedding(max_len, width)
        self.blocks = nn.ModuleList(SahaBlock(width, n_heads, ffn_width) for _ in range(n_layers))
        self.norm = nn.LayerNorm(width)
        self.proj = nn.Linear(width, embed_dim, bias=False)
        self.reset_parameters()

    def reset_parameters(self, generator=None):
        # small embeddings (GPT-2's 0.02), so that the residual stream starts near the norms' scale;
        # called last by sklot._core.init (parents after children), so it has the last word
        nn.init.normal_(self.token_embedding.weight, std=0.02, generator=generator)
        nn.init.normal_(self.position_embedding.weight, std=0.01, generator=generator)

    def forward(self, packed):
        x = self.token_embedding(packed.tokens) + self.position_embedding(packed.position)
        for block in self.blocks:
            x = block(x, packed)
        x = self.norm(x)
        n = packed.lengths.shape[0]
        pooled = x.new_zeros(n, x.shape[1]).index_add(0, packed.caption, x)
        pooled = pooled / packed.lengths[:, None].to(x.dtype)
        return F.normalize(self.proj(pooled[packed.output]), dim=-1)
