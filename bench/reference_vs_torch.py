"""The reference LSTM against torch.nn.LSTM on CPU, one thread, side by side.

    .venv/bin/python bench/reference_vs_torch.py

Batch 32, inputs 8, hidden 32, 100 steps; forward alone, and forward plus the
backward pass through time; float32 and float64. Prints milliseconds and the
ratio numpy / torch (goal: at most 2). A naive loop of the readable cell is shown
for scale.
"""

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import numpy as np  # noqa: E402
import torch  # noqa: E402
from timing import median_seconds, table  # noqa: E402

import solutions as ref  # noqa: E402

B, X, H, T = 32, 8, 32, 100


def naive_forward(events, ltm, stm, params, variant):
    for event in events:
        ltm, stm = ref.lstm_cell(ltm, stm, event, params, variant)
    return ltm, stm


def main():
    torch.set_num_threads(1)
    rows = []
    for dtype, tdtype in ((np.float32, torch.float32), (np.float64, torch.float64)):
        rng = np.random.default_rng(0)
        params = ref.init_params(H, X, "standard", seed=0, dtype=dtype)
        events = rng.normal(size=(T, B, X)).astype(dtype)
        zeros = np.zeros((B, H), dtype=dtype)
        upstream = rng.normal(size=(T, B, H)).astype(dtype)

        layer = torch.nn.LSTM(X, H).to(tdtype)
        with torch.no_grad():
            for name, value in ref.lstm_to_torch(params).items():
                getattr(layer, name + "_l0").copy_(torch.from_numpy(value))
        t_events = torch.from_numpy(events)
        t_zeros = torch.zeros(1, B, H, dtype=tdtype)
        t_up = torch.from_numpy(upstream)

        def torch_forward():
            with torch.no_grad():
                layer(t_events, (t_zeros, t_zeros))

        def torch_both():
            layer.zero_grad()
            out, _ = layer(t_events.requires_grad_(), (t_zeros, t_zeros))
            (out * t_up).sum().backward()

        def ours_forward():
            ref.lstm_forward_with_cache(events, zeros, zeros, params, "standard")

        def ours_both():
            _, _, cache = ref.lstm_forward_with_cache(events, zeros, zeros, params, "standard")
            ref.lstm_backward_from_cache(np.zeros_like(upstream), upstream, cache)

        name = np.dtype(dtype).name
        tf, tb = median_seconds(torch_forward), median_seconds(torch_both)
        of, ob = median_seconds(ours_forward), median_seconds(ours_both)
        nf = median_seconds(lambda: naive_forward(events, zeros, zeros, params, "standard"), repeat=5)
        lf = median_seconds(lambda: ref.lstm_forward_with_cache(events, zeros, zeros,
                                                     ref.init_params(H, X, "lesson", 0, dtype), "lesson"))
        rows += [
            [name, "forward", f"{tf * 1e3:.2f}", f"{of * 1e3:.2f}", f"{of / tf:.2f}x"],
            [name, "forward + backward", f"{tb * 1e3:.2f}", f"{ob * 1e3:.2f}", f"{ob / tb:.2f}x"],
            [name, "forward, naive cell loop", f"{tf * 1e3:.2f}", f"{nf * 1e3:.2f}", f"{nf / tf:.2f}x"],
            [name, "forward, lesson variant", f"{tf * 1e3:.2f}", f"{lf * 1e3:.2f}", f"{lf / tf:.2f}x"],
        ]
    print(f"LSTM, batch {B}, inputs {X}, hidden {H}, {T} steps, CPU, 1 thread; median ms")
    table(rows, ["dtype", "pass", "torch ms", "numpy ms", "numpy/torch"])


if __name__ == "__main__":
    main()
