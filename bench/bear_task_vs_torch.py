"""Lesson 08's training on the bear task against the same model in PyTorch, side by side.

    .venv/bin/python bench/bear_task_vs_torch.py [steps]

Trains the lesson's LSTM and RNN exactly as the lesson does: its own cells (the
numpy models written with lessonkit.autodiff, the training loop, clip_gradients and
sgd_update) are taken from the master source/08_lstm_vs_rnn. Then trains the same
models with torch.nn.LSTM / torch.nn.RNN and a linear head, on CPU with one
thread: the same starting weights, the same batches, cross-entropy,
torch.nn.utils.clip_grad_norm_ and torch.optim.SGD. Prints the seconds of each
training, the ratio numpy / torch (goal: at most 2) and each model's test accuracy
at G = 50, so both are seen to learn the same thing.
"""

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import contextlib  # noqa: E402
import inspect  # noqa: E402
import io  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from timing import table  # noqa: E402

import solutions  # noqa: E402
from autograder import notebooks  # noqa: E402
from lessonkit.bear_task import accuracy, make_batch  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
MASTER = ROOT / "source" / "08_lstm_vs_rnn" / "08_lstm_vs_rnn.ipynb"


def lesson_namespace():
    """The master's cells run as under grading (no plots, a few training steps only)."""
    os.environ["NBGRADER_EXECUTION"] = "autograde"
    namespace = {"__name__": "__lesson__"}
    with contextlib.redirect_stdout(io.StringIO()):
        for _, source in notebooks.code_cells(notebooks.read(MASTER)):
            notebooks.run_source(source, namespace)
    del os.environ["NBGRADER_EXECUTION"]
    return namespace


class TorchModel(torch.nn.Module):
    """torch.nn.LSTM or torch.nn.RNN with the lesson's starting weights, and its head."""

    def __init__(self, kind, params):
        super().__init__()
        H = params["W_out"].shape[0]
        X = params["W_n" if kind == "lstm" else "W"].shape[0] - H
        self.layer = (torch.nn.LSTM if kind == "lstm" else torch.nn.RNN)(X, H).double()
        self.head = torch.nn.Linear(H, 2).double()
        arrays = solutions.lstm_to_torch(params) if kind == "lstm" else solutions.rnn_to_torch(params["W"], params["b"])
        with torch.no_grad():
            for name, value in arrays.items():
                getattr(self.layer, name + "_l0").copy_(torch.from_numpy(value))
            self.head.weight.copy_(torch.from_numpy(params["W_out"].T))
            self.head.bias.copy_(torch.from_numpy(params["b_out"]))
        # the lesson has one bias per gate: torch's second bias stays at zero, untrained
        self.layer.bias_hh_l0.requires_grad_(False)

    def forward(self, events):
        out, _ = self.layer(events)
        return self.head(out[-1])


def train_torch(kind, params, steps, learning_rate, max_norm, batch, max_gap, seed):
    """The lesson's train(), step for step, in PyTorch."""
    rng = np.random.default_rng(seed)
    model = TorchModel(kind, params)
    trained = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.SGD(trained, lr=learning_rate)
    for _ in range(steps):
        gap = int(rng.integers(1, max_gap + 1))
        events, labels = make_batch(gap, batch, rng)
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(torch.from_numpy(events)), torch.from_numpy(labels))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trained, max_norm)
        optimizer.step()
    return model


def seconds(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main(steps=400, repeat=2):
    torch.set_num_threads(1)
    lesson = lesson_namespace()
    # the lesson's own training settings (its train() defaults), for both sides
    settings = {name: p.default for name, p in inspect.signature(lesson["train"]).parameters.items()
                if name in ("learning_rate", "max_norm", "batch", "max_gap", "seed")}
    rows = []
    for kind in ("lstm", "rnn"):
        start_params = lesson["init_params"](kind, settings["seed"])
        ours_s, torch_s = [], []
        for _ in range(repeat):  # interleaved, best of each: the machine is shared
            t, history = seconds(lambda: lesson["train"](kind, steps=steps))
            ours_s.append(t)
            t, model = seconds(lambda: train_torch(kind, start_params, steps, **settings))
            torch_s.append(t)
        params = history["params"][steps]
        ours_acc = accuracy(lambda events: lesson["run"](kind, params, events)[0].value, [50])[0]
        with torch.no_grad():
            torch_acc = accuracy(lambda events: model(torch.from_numpy(events)).numpy(), [50])[0]
        ours, theirs = min(ours_s), min(torch_s)
        rows.append([kind.upper(), f"{theirs:.2f}", f"{ours:.2f}", f"{ours / theirs:.2f}x",
                     f"{torch_acc:.0%}", f"{ours_acc:.0%}"])
        print(f"{kind}: numpy {ours:.2f} s, torch {theirs:.2f} s", file=sys.stderr)
    print(f"Bear task, lesson 08's training: {steps} SGD steps, learning rate {settings['learning_rate']}, "
          f"batch {settings['batch']}, gaps 1-{settings['max_gap']}, hidden {lesson['HIDDEN']}, float64, "
          f"CPU, 1 thread; best of {repeat}")
    table(rows, ["model", "torch s", "numpy s", "numpy/torch", "torch acc G=50", "numpy acc G=50"])


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:2]))
