"""Node features of the HG2V input: attributes ``x``, one-hot node labels, or one-hot degrees."""

import torch

__all__ = ["NodeFeaturizer"]

MAX_DEGREE_FEATURE = 64


def _degrees(g):
    deg = torch.zeros(int(g.num_nodes), dtype=torch.long)
    if g.edge_index.numel():
        ei = torch.unique(g.edge_index[:, g.edge_index[0] != g.edge_index[1]], dim=1)
        deg.index_add_(0, ei[0], torch.ones(ei.shape[1], dtype=torch.long))
    return deg


def _present_in_all_or_none(graphs, key):
    missing = [i for i, g in enumerate(graphs) if getattr(g, key, None) is None]
    if missing and len(missing) < len(graphs):
        shown = ", ".join(map(str, missing[:5])) + (", ..." if len(missing) > 5 else "")
        raise ValueError(
            f"{len(graphs) - len(missing)} of the {len(graphs)} training graphs have node features "
            f"{key!r} and {len(missing)} do not (graphs {shown}): give {key!r} to every graph or to "
            "none (node features are used only when every training graph has them)."
        )
    return not missing


class NodeFeaturizer:
    """Fitted map graph -> node feature matrix, chosen by what the training graphs carry.

    * graphs with node labels (``node_label``, int): one-hot labels (``n_labels``
      fixed at fit; a label unseen at fit is encoded as all zeros);
    * graphs with attributes ``x``: attributes standardised with the training
      mean and standard deviation (appended to the one-hot labels when both exist);
    * neither: one-hot degree, capped at the largest training degree
      (at most :data:`MAX_DEGREE_FEATURE`), as in Béthune et al. (2020, Sec. 5).

    Node labels and attributes must be given for every training graph or for
    none: a training set where only some graphs carry ``x`` (or ``node_label``)
    raises a ValueError naming them, rather than dropping the features of all
    graphs.
    """

    def fit(self, graphs):
        self.use_labels = _present_in_all_or_none(graphs, "node_label")
        self.use_x = _present_in_all_or_none(graphs, "x")
        if self.use_labels:
            self.n_labels = int(max(int(g.node_label.max()) if g.num_nodes else 0 for g in graphs)) + 1
        if self.use_x:
            dims = {g.x.reshape(g.num_nodes, -1).shape[1] for g in graphs}
            if len(dims) > 1:
                raise ValueError(
                    f"node features x must have the same width in every graph; got widths {sorted(dims)}."
                )
            X = torch.cat([g.x.reshape(g.num_nodes, -1).double() for g in graphs])
            self.mean = X.mean(0)
            std = X.std(0, unbiased=False)
            self.std = torch.where(std > 0, std, torch.ones_like(std))
        if not (self.use_labels or self.use_x):
            self.max_degree = int(
                min(max(int(_degrees(g).max()) if g.num_nodes else 0 for g in graphs), MAX_DEGREE_FEATURE)
            )
        self.n_features = (self.n_labels if self.use_labels else 0) + (
            int(self.mean.numel()) if self.use_x else 0
        )
        if not (self.use_labels or self.use_x):
            self.n_features = self.max_degree + 1
        return self

    def transform_one(self, g, index):
        parts = []
        if self.use_labels:
            lab = getattr(g, "node_label", None)
            if lab is None:
                raise ValueError(
                    f"graph {index} has no node_label but the embedder was fitted on labelled graphs."
                )
            lab = lab.long().view(-1)
            onehot = torch.zeros(int(g.num_nodes), self.n_labels)
            known = (lab >= 0) & (lab < self.n_labels)
            onehot[torch.nonzero(known).view(-1), lab[known]] = 1.0
            parts.append(onehot)
        if self.use_x:
            x = getattr(g, "x", None)
            if x is None:
                raise ValueError(f"graph {index} has no node features x but the embedder was fitted with x.")
            x = x.reshape(int(g.num_nodes), -1).double()
            if x.shape[1] != self.mean.numel():
                raise ValueError(
                    f"graph {index}: x has {x.shape[1]} columns; "
                    f"the embedder was fitted with {self.mean.numel()}."
                )
            parts.append(((x - self.mean) / self.std).float())
        if not parts:
            deg = _degrees(g).clamp(max=self.max_degree)
            parts.append(torch.nn.functional.one_hot(deg, self.max_degree + 1).float())
        return torch.cat(parts, dim=1)
