"""PyTorch's own numbers for an LSTM cell, stored so that no lesson needs torch.

``data/torch_lstmcell.npz`` was written once by ``autograder/make_torch_numbers.py``:
seeded inputs and weights went through ``torch.nn.LSTMCell`` in float64, step after
step, and its outputs were kept. A lesson runs the student's standard-variant cell
on the same inputs and compares. Nothing here computes an LSTM.
"""

import json
from pathlib import Path

import numpy as np

TORCH_LSTMCELL = Path(__file__).parent / "data" / "torch_lstmcell.npz"


def lstmcell_numbers(path=TORCH_LSTMCELL):
    """The stored inputs, weights and torch.nn.LSTMCell outputs, as a dict.

    events (T, B, X), ltm0 and stm0 (B, H): the inputs.
    params: the weights in the course's layout (W_n b_n W_i b_i W_f b_f W_v b_v).
    torch_weights: the same numbers as LSTMCell holds them (weight_ih (4H, X),
    weight_hh (4H, H), bias_ih and bias_hh (4H,), gate blocks i, f, g, o).
    ltms, stms (T, B, H): LSTMCell's c and h after each event, starting from
    c = ltm0 and h = stm0. about: how and with which torch they were made.
    """
    with np.load(path, allow_pickle=False) as data:
        data = dict(data)
    part = lambda prefix: {k.split("/", 1)[1]: v for k, v in data.items() if k.startswith(prefix)}  # noqa: E731
    torch_arrays = part("torch/")
    return {
        "events": data["events"], "ltm0": data["ltm0"], "stm0": data["stm0"],
        "params": part("params/"),
        "torch_weights": {k: torch_arrays[k] for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")},
        "ltms": torch_arrays["c"], "stms": torch_arrays["h"],
        "about": json.loads(str(data["meta"])),
    }
