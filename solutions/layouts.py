"""Conversions between the course's params and PyTorch's packed layout.

PyTorch stores a recurrent layer as ``weight_ih`` (G·H, X), ``weight_hh`` (G·H, H),
``bias_ih`` and ``bias_hh`` (G·H,), computing ``x W_ih^T + b_ih + h W_hh^T + b_hh``
with the gates stacked in blocks of H rows: RNN (one block), LSTM ``i, f, g, o``,
GRU ``r, z, n``. The course uses one W (H + X, H) per gate acting on [h, x] and a
single bias. Arrays here are numpy; nothing imports torch. To load into torch:
``cell.weight_ih.data = torch.from_numpy(d["weight_ih"])`` and so on.

CS231n packs an LSTM as Wx (X, 4H), Wh (H, 4H), b (4H,) with gates ``i, f, o, g``.
"""

import numpy as np

__all__ = [
    "gru_from_torch",
    "gru_to_torch",
    "lstm_from_cs231n",
    "lstm_from_torch",
    "lstm_to_cs231n",
    "lstm_to_torch",
    "rnn_from_torch",
    "rnn_to_torch",
]

# Course gate letter for each block of PyTorch's LSTM (i, f, g, o).
TORCH_LSTM_ORDER = ("i", "f", "n", "v")
CS231N_LSTM_ORDER = ("i", "f", "v", "n")
TORCH_GRU_ORDER = ("r", "z", "n")


def _to_torch(Ws, bs, hidden, bias_hh=None):
    weight_hh = np.concatenate([W[:hidden].T for W in Ws])
    weight_ih = np.concatenate([W[hidden:].T for W in Ws])
    bias_ih = np.concatenate(bs)
    if bias_hh is None:
        bias_hh = np.zeros_like(bias_ih)
    return {
        "weight_ih": np.ascontiguousarray(weight_ih),
        "weight_hh": np.ascontiguousarray(weight_hh),
        "bias_ih": bias_ih,
        "bias_hh": bias_hh,
    }


def _from_torch(weight_ih, weight_hh, gates):
    """Split PyTorch's stacked weights into one (H + X, H) matrix per gate."""
    weight_ih, weight_hh = np.asarray(weight_ih), np.asarray(weight_hh)
    H = weight_hh.shape[1]
    if weight_hh.shape != (len(gates) * H, H) or weight_ih.shape[0] != len(gates) * H:
        raise ValueError(
            f"expected weight_hh ({len(gates)}H, H) and weight_ih ({len(gates)}H, X), "
            f"got {weight_hh.shape} and {weight_ih.shape}"
        )
    return H, {
        g: np.concatenate([weight_hh[k * H : (k + 1) * H].T, weight_ih[k * H : (k + 1) * H].T])
        for k, g in enumerate(gates)
    }


def rnn_to_torch(W, b):
    """RNN (W (H + X, H), b (H,)) -> dict for ``torch.nn.RNNCell`` (bias_hh zero)."""
    return _to_torch([W], [b], W.shape[1])


def rnn_from_torch(weight_ih, weight_hh, bias_ih, bias_hh):
    """``torch.nn.RNNCell``'s arrays -> (W (H + X, H), b (H,)); the biases are summed."""
    _, Ws = _from_torch(weight_ih, weight_hh, ("m",))
    return Ws["m"], np.asarray(bias_ih) + np.asarray(bias_hh)


def lstm_to_torch(params):
    """LSTM params -> dict for ``torch.nn.LSTMCell`` / ``torch.nn.LSTM`` (bias_hh zero).

    Only the eight shared arrays move: PyTorch computes the standard variant, so
    ``W_u``, ``b_u`` (if present) have no place there and are left out.
    """
    H = params["W_n"].shape[1]
    return _to_torch([params["W_" + g] for g in TORCH_LSTM_ORDER],
                     [params["b_" + g] for g in TORCH_LSTM_ORDER], H)


def lstm_from_torch(weight_ih, weight_hh, bias_ih, bias_hh):
    """PyTorch's LSTM arrays -> standard-variant params; the two biases are summed."""
    H, Ws = _from_torch(weight_ih, weight_hh, TORCH_LSTM_ORDER)
    b = np.asarray(bias_ih) + np.asarray(bias_hh)
    params = {}
    for k, g in enumerate(TORCH_LSTM_ORDER):
        params["W_" + g] = Ws[g]
        params["b_" + g] = b[k * H : (k + 1) * H]
    return {k: params[k] for k in sorted(params, key=_key_order)}


def _key_order(key):
    return ("nifvu".index(key[-1]), key[0] == "b")


def gru_to_torch(params):
    """GRU params -> dict for ``torch.nn.GRUCell``; b_hn goes to bias_hh's n block."""
    H = params["W_n"].shape[1]
    zeros = np.zeros(H, dtype=params["b_hn"].dtype)
    return _to_torch([params["W_" + g] for g in TORCH_GRU_ORDER],
                     [params["b_" + g] for g in TORCH_GRU_ORDER], H,
                     bias_hh=np.concatenate([zeros, zeros, params["b_hn"]]))


def gru_from_torch(weight_ih, weight_hh, bias_ih, bias_hh):
    """``torch.nn.GRUCell``'s arrays -> GRU params (r and z biases summed)."""
    H, Ws = _from_torch(weight_ih, weight_hh, TORCH_GRU_ORDER)
    bias_ih, bias_hh = np.asarray(bias_ih), np.asarray(bias_hh)
    block = lambda a, k: a[k * H : (k + 1) * H]  # noqa: E731
    return {
        "W_r": Ws["r"], "b_r": block(bias_ih, 0) + block(bias_hh, 0),
        "W_z": Ws["z"], "b_z": block(bias_ih, 1) + block(bias_hh, 1),
        "W_n": Ws["n"], "b_n": block(bias_ih, 2), "b_hn": block(bias_hh, 2),
    }


def lstm_to_cs231n(params):
    """LSTM params -> (Wx (X, 4H), Wh (H, 4H), b (4H,)) in CS231n's i, f, o, g order."""
    H = params["W_n"].shape[1]
    W = np.concatenate([params["W_" + g] for g in CS231N_LSTM_ORDER], axis=1)
    b = np.concatenate([params["b_" + g] for g in CS231N_LSTM_ORDER])
    return W[H:], W[:H], b


def lstm_from_cs231n(Wx, Wh, b):
    """CS231n's (Wx (X, 4H), Wh (H, 4H), b (4H,)) -> standard-variant params."""
    H = Wh.shape[0]
    W = np.concatenate([Wh, Wx])
    params = {}
    for k, g in enumerate(CS231N_LSTM_ORDER):
        params["W_" + g] = W[:, k * H : (k + 1) * H]
        params["b_" + g] = b[k * H : (k + 1) * H]
    return {k: params[k] for k in sorted(params, key=_key_order)}
