"""PyTorch counterparts of the reference, built from the same numbers.

Standard cells come from torch.nn with the reference's params loaded through
:mod:`solutions.layouts`; the lesson's variant, which PyTorch lacks, is
written here in torch operations so that autograd can differentiate it.
"""

import numpy as np

import solutions as ref


def t(torch, a, grad=False):
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


def load(torch, module, arrays, suffix=""):
    with torch.no_grad():
        for name, value in arrays.items():
            getattr(module, name + suffix).copy_(torch.from_numpy(np.ascontiguousarray(value)))
    return module


def lesson_cell(torch, ltm, stm, event, p):
    """The lesson's LSTM step in torch ops; p maps keys to torch tensors."""
    z = torch.cat([stm, event], dim=-1)
    N = torch.tanh(z @ p["W_n"] + p["b_n"])
    i = torch.sigmoid(z @ p["W_i"] + p["b_i"])
    f = torch.sigmoid(z @ p["W_f"] + p["b_f"])
    V = torch.sigmoid(z @ p["W_v"] + p["b_v"])
    forgotten = ltm * f
    return forgotten + N * i, torch.tanh(forgotten @ p["W_u"] + p["b_u"]) * V


def standard_cell(torch, ltm, stm, event, p):
    """The standard LSTM step in torch ops (the reference equals LSTMCell, tested apart)."""
    z = torch.cat([stm, event], dim=-1)
    C = ltm * torch.sigmoid(z @ p["W_f"] + p["b_f"]) + (
        torch.tanh(z @ p["W_n"] + p["b_n"]) * torch.sigmoid(z @ p["W_i"] + p["b_i"]))
    return C, torch.sigmoid(z @ p["W_v"] + p["b_v"]) * torch.tanh(C)


CELLS = {"lesson": lesson_cell, "standard": standard_cell}


def random_lstm_case(B, X, H, T, variant, seed):
    rng = np.random.default_rng(seed)
    params = ref.init_params(H, X, variant=variant, seed=seed)
    events = rng.normal(size=(T, B, X))
    ltm0, stm0 = rng.normal(size=(B, H)), rng.normal(size=(B, H))
    return params, events, ltm0, stm0
