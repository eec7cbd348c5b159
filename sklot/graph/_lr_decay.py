"""The HG2V reference code's learning-rate decay, as a skorch callback."""

from skorch.callbacks import Callback

__all__ = ["ReferenceLRDecay"]


class ReferenceLRDecay(Callback):
    """Exponential decay ``lr_e = lr_0 * 1.1 ** (-50 e / n_epochs)`` at the start of epoch ``e``.

    This is the schedule of the HG2V reference code (Béthune et al., 2020,
    github.com/Algue-Rythme/GAT-Skip-Gram): the rate falls by a factor
    ``1.1 ** 50 ~ 117`` over ``n_epochs`` epochs. The epoch index is read from
    the net's history, so repeated ``partial_fit`` calls continue the schedule.
    The rate of each epoch is recorded in the history as ``"lr"``.

    Parameters
    ----------
    lr0 : float
    n_epochs : int
    """

    def __init__(self, lr0, n_epochs):
        self.lr0 = lr0
        self.n_epochs = n_epochs

    def on_epoch_begin(self, net, **kwargs):
        epoch = len(net.history) - 1  # skorch appends the new epoch's row before this hook
        lr = self.lr0 * 1.1 ** (-50.0 * epoch / max(self.n_epochs, 1))
        for group in net.optimizer_.param_groups:
            group["lr"] = lr
        net.history.record("lr", lr)
