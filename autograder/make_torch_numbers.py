"""PyTorch's LSTMCell numbers for lesson 06, stored so that the lesson needs no torch.

    .venv/bin/python -m autograder.make_torch_numbers    # needs torch; rewrites the file below

Seeded params in the course's layout (standard variant, float64) are loaded into
``torch.nn.LSTMCell`` through :func:`solutions.lstm_to_torch`, and the cell steps
through a short batch of sequences from given memories. Stored in
``lessonkit/data/torch_lstmcell.npz``: the inputs, the params in both layouts, and
torch's c (the LTM) and h (the STM) after every step; read by
:func:`lessonkit.torch_numbers.lstmcell_numbers`. ``tests/06_lstm_cell`` recomputes
them with torch and checks that the stored numbers still equal torch's.
"""

import json
import sys

import numpy as np

import solutions
from lessonkit.torch_numbers import TORCH_LSTMCELL

SEED = 6
B, X, H, T = 3, 4, 5, 6  # batch, inputs, hidden, steps: all different, to catch a mixed-up axis


def compute(torch, seed=SEED):
    """The arrays to store, {name: array}, computed with the ``torch`` module given."""
    rng = np.random.default_rng(seed)
    params = solutions.init_params(H, X, variant="standard", seed=seed)
    events = rng.normal(size=(T, B, X))
    ltm0, stm0 = rng.normal(size=(B, H)), rng.normal(size=(B, H))
    weights = solutions.lstm_to_torch(params)
    cell = torch.nn.LSTMCell(X, H, dtype=torch.float64)
    cs, hs = [], []
    with torch.no_grad():
        for name, value in weights.items():
            getattr(cell, name).copy_(torch.from_numpy(np.ascontiguousarray(value)))
        h, c = torch.from_numpy(stm0.copy()), torch.from_numpy(ltm0.copy())
        for event in events:
            h, c = cell(torch.from_numpy(event.copy()), (h, c))
            cs.append(c.numpy().copy())
            hs.append(h.numpy().copy())
    arrays = {"events": events, "ltm0": ltm0, "stm0": stm0}
    arrays.update({f"params/{k}": v for k, v in params.items()})
    arrays.update({f"torch/{k}": v for k, v in weights.items()})
    arrays["torch/c"], arrays["torch/h"] = np.stack(cs), np.stack(hs)
    return arrays


def write(torch, path=TORCH_LSTMCELL):
    """Compute the arrays with ``torch`` and store them at ``path``."""
    arrays = compute(torch)
    meta = {"made_by": "autograder/make_torch_numbers.py", "torch": torch.__version__, "seed": SEED,
            "dtype": "float64", "sizes": {"B": B, "X": X, "H": H, "T": T},
            "layout": "course params -> solutions.lstm_to_torch -> torch.nn.LSTMCell; "
                      "torch/c and torch/h are LSTMCell's (c, h) after each event"}
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, meta=np.array(json.dumps(meta)), **arrays)
    return path


def main():
    try:
        import torch
    except ImportError:
        print("This generator needs PyTorch: .venv/bin/pip install torch", file=sys.stderr)
        return 1
    print(f"wrote {write(torch)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
