"""The LSTM cell and its unrolled sequence, forward and backward.

Two variants share the learn, forget and remember gates and differ in the output:
- ``"lesson"``: STM_t = tanh((LTM_{t-1} ⊙ f) W_u + b_u) ⊙ V   (the course's use gate)
- ``"standard"``: STM_t = V ⊙ tanh(LTM_t)                       (Colah, PyTorch: h = o ⊙ tanh(C))

Shapes: ltm and stm (B, H), event (B, X), events (T, B, X); params as in
:mod:`solutions.params`. The cell functions are written gate by gate, as the
lessons teach them; the sequence functions pack the four gates into one matrix
product per step for speed, and the tests hold both to the same numbers.
"""

import numpy as np

from .activations import sigmoid
from .gates import forget_gate, learn_gate, remember_gate, standard_use_gate, use_gate
from .joining import join
from .params import GATES, check_variant

__all__ = [
    "lstm_backward",
    "lstm_backward_from_cache",
    "lstm_cell",
    "lstm_cell_backward",
    "lstm_forward",
    "lstm_forward_with_cache",
]


def lstm_cell(ltm, stm, event, params, variant="lesson"):
    """One step: (B, H), (B, H), (B, X) -> (new ltm (B, H), new stm (B, H))."""
    check_variant(variant)
    p = params
    kept = forget_gate(ltm, stm, event, p["W_f"], p["b_f"])
    learned = learn_gate(stm, event, p["W_n"], p["b_n"], p["W_i"], p["b_i"])
    new_ltm = remember_gate(kept, learned)
    if variant == "lesson":
        new_stm = use_gate(kept, stm, event, p["W_u"], p["b_u"], p["W_v"], p["b_v"])
    else:
        new_stm = standard_use_gate(new_ltm, stm, event, p["W_v"], p["b_v"])
    return new_ltm, new_stm


def lstm_cell_backward(d_ltm, d_stm, ltm, stm, event, params, variant="lesson"):
    """Gradients of one step, given upstream gradients on its two outputs.

    d_ltm, d_stm (B, H) are dLoss/dLTM_t and dLoss/dSTM_t; ltm, stm (B, H) and
    event (B, X) are the step's inputs. Returns
    (d_ltm_prev (B, H), d_stm_prev (B, H), d_event (B, X), grads), where grads has
    the keys and shapes of ``params`` (zeros for W_u, b_u in the standard variant,
    which does not use them).
    """
    check_variant(variant)
    p = params
    H = ltm.shape[-1]
    joined = join(stm, event)
    N = np.tanh(joined @ p["W_n"] + p["b_n"])
    i = sigmoid(joined @ p["W_i"] + p["b_i"])
    f = sigmoid(joined @ p["W_f"] + p["b_f"])
    V = sigmoid(joined @ p["W_v"] + p["b_v"])
    kept = ltm * f
    grads = {}
    if variant == "lesson":
        U = np.tanh(kept @ p["W_u"] + p["b_u"])
        dV = d_stm * U
        da_u = d_stm * V * (1.0 - U**2)
        grads["W_u"], grads["b_u"] = kept.T @ da_u, da_u.sum(axis=0)
        d_new_ltm = d_ltm
        d_kept = d_ltm + da_u @ p["W_u"].T
    else:
        tC = np.tanh(kept + N * i)
        dV = d_stm * tC
        d_new_ltm = d_ltm + d_stm * V * (1.0 - tC**2)
        d_kept = d_new_ltm
        for k in ("W_u", "b_u"):
            if k in p:
                grads[k] = np.zeros_like(p[k])
    da = {
        "n": d_new_ltm * i * (1.0 - N**2),
        "i": d_new_ltm * N * i * (1.0 - i),
        "f": d_kept * ltm * f * (1.0 - f),
        "v": dV * V * (1.0 - V),
    }
    d_joined = 0.0
    for g in GATES:
        grads["W_" + g] = joined.T @ da[g]
        grads["b_" + g] = da[g].sum(axis=0)
        d_joined = d_joined + da[g] @ p["W_" + g].T
    return d_kept * f, d_joined[:, :H], d_joined[:, H:], {k: grads[k] for k in params}


def _packed(params):
    """The four gates' W (H + X, 4H) and b (4H,), in the order of GATES."""
    W = np.concatenate([params["W_" + g] for g in GATES], axis=1)
    b = np.concatenate([params["b_" + g] for g in GATES])
    return W, b


def lstm_forward(events, ltm0, stm0, params, variant="lesson"):
    """Unroll the cell over a sequence.

    events (T, B, X), ltm0 and stm0 (B, H) -> (ltms, stms), each (T, B, H), where
    index t holds the memories after seeing events[t]. Written over :func:`lstm_cell`,
    as the lesson's is, so the grader can judge a student's loop with the right cell
    (lessonkit.replay); :func:`lstm_forward_with_cache` is the fast one for training.
    """
    check_variant(variant)
    ltm, stm, ltms, stms = ltm0, stm0, [], []
    for event in events:
        ltm, stm = lstm_cell(ltm, stm, event, params, variant)
        ltms.append(ltm)
        stms.append(stm)
    return np.stack(ltms), np.stack(stms)


def lstm_forward_with_cache(events, ltm0, stm0, params, variant="lesson"):
    """:func:`lstm_forward`, plus a third item: the cache :func:`lstm_backward_from_cache` needs."""
    check_variant(variant)
    events = np.asarray(events)
    T, B, X = events.shape
    H = ltm0.shape[-1]
    W, b = _packed(params)
    # Every gate is computed as a logistic: i, f and V are σ already, and
    # N = tanh(a) = 2σ(2a) - 1. Negating the packed weights (doubling N's) once lets
    # each step do exp, +1, 1/x over all four gates: numpy's exp is vectorised
    # here and its tanh is not, which makes this about twice as fast.
    scale = np.full(4 * H, -1.0, dtype=W.dtype)
    scale[:H] = -2.0
    W_h, W_x = W[:H] * scale, W[H:] * scale
    pre = (events.reshape(T * B, X) @ W_x + b * scale).reshape(T, B, 4 * H)

    dtype = pre.dtype
    gates = np.empty((T, B, 4 * H), dtype=dtype)
    ltms = np.empty((T, B, H), dtype=dtype)
    stms = np.empty((T, B, H), dtype=dtype)
    outs = np.empty((T, B, H), dtype=dtype)  # U (lesson) or tanh(LTM_t) (standard)
    lesson = variant == "lesson"
    if lesson:
        forgottens = np.empty((T, B, H), dtype=dtype)
        W_u, b_u = params["W_u"], params["b_u"]
    ltm, stm = ltm0, stm0
    with np.errstate(over="ignore"):  # exp(a) = inf gives σ = 1 / inf = 0 exactly
        for t in range(T):
            g = gates[t]
            np.matmul(stm, W_h, out=g)
            g += pre[t]
            np.exp(g, out=g)
            g += 1.0
            np.reciprocal(g, out=g)
            N, i, f, V = g[:, :H], g[:, H : 2 * H], g[:, 2 * H : 3 * H], g[:, 3 * H :]
            N *= 2.0
            N -= 1.0
            if lesson:
                forgotten = np.multiply(ltm, f, out=forgottens[t])
                ltm = np.add(forgotten, N * i, out=ltms[t])
                U = np.tanh(forgotten @ W_u + b_u, out=outs[t])
            else:
                ltm = np.add(ltm * f, N * i, out=ltms[t])
                U = np.tanh(ltm, out=outs[t])
            stm = np.multiply(U, V, out=stms[t])
    cache = {
        "events": events, "ltm0": ltm0, "stm0": stm0, "params": params,
        "variant": variant, "gates": gates, "ltms": ltms, "stms": stms, "outs": outs,
    }
    if lesson:
        cache["forgottens"] = forgottens
    return ltms, stms, cache


def lstm_backward(d_ltms, d_stms, events, ltm0, stm0, params, variant="lesson"):
    """Backpropagation through time, one :func:`lstm_cell_backward` per step, last step first.

    d_ltms, d_stms (T, B, H) are the upstream gradients dLoss/dLTM_t and dLoss/dSTM_t on
    every step's outputs (zeros where a step's output is unused); events (T, B, X), ltm0
    and stm0 (B, H) and params are the forward pass's inputs, which it runs again.
    Returns (d_ltm0 (B, H), d_stm0 (B, H), d_events (T, B, X), grads), like the cell's
    (d_ltm_prev, d_stm_prev, d_event, grads), with grads summed over the steps.

    The lesson's graded loop (lesson 07): it calls the cell through this module's name
    ``lstm_cell_backward``, so the grader can record the calls a right loop makes
    (:mod:`lessonkit.replay`). :func:`lstm_backward_from_cache` is the fast packed form.
    """
    check_variant(variant)
    events = np.asarray(events)
    ltms, stms = lstm_forward(events, ltm0, stm0, params, variant)
    ltm_before = [ltm0, *ltms[:-1]]                 # the inputs of step t: the memories after t - 1
    stm_before = [stm0, *stms[:-1]]
    d_ltm, d_stm = np.zeros_like(ltms[0]), np.zeros_like(stms[0])
    d_events = np.zeros(events.shape, dtype=ltms.dtype)
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    for t in range(len(events) - 1, -1, -1):
        d_ltm, d_stm, d_events[t], step = lstm_cell_backward(
            d_ltms[t] + d_ltm, d_stms[t] + d_stm, ltm_before[t], stm_before[t], events[t], params, variant)
        for k in grads:
            grads[k] = grads[k] + step[k]
    return d_ltm, d_stm, d_events, grads


def lstm_backward_from_cache(d_ltms, d_stms, cache):
    """Backpropagation through time for :func:`lstm_forward`.

    d_ltms, d_stms (T, B, H) are the upstream gradients on every step's outputs
    (zeros where unused); cache comes from :func:`lstm_forward_with_cache`.
    Returns (d_events (T, B, X), d_ltm0 (B, H), d_stm0 (B, H), grads), grads with
    the keys and shapes of params.
    """
    events, params, gates = cache["events"], cache["params"], cache["gates"]
    ltm0, stm0, ltms, stms, outs = (cache[k] for k in ("ltm0", "stm0", "ltms", "stms", "outs"))
    lesson = cache["variant"] == "lesson"
    T, B, X = events.shape
    H = ltm0.shape[-1]
    W, _ = _packed(params)
    W_h_T, W_x_T = W[:H].T.copy(), W[H:].T
    N, i, f, V = (gates[..., k * H : (k + 1) * H] for k in range(4))
    ltm_prev = np.concatenate([ltm0[None], ltms[:-1]])

    # Every factor that does not depend on the upstream gradient, for all steps at once:
    # d(gate pre-activation) = upstream * P, and the output's own factor K.
    P = np.empty_like(gates)
    P[..., :H] = i * (1.0 - N**2)
    P[..., H : 2 * H] = N * i * (1.0 - i)
    P[..., 2 * H : 3 * H] = ltm_prev * f * (1.0 - f)
    P[..., 3 * H :] = outs * V * (1.0 - V)
    K = V * (1.0 - outs**2)

    dA = np.empty_like(gates)
    if lesson:
        W_u_T = params["W_u"].T
        d_u = np.empty_like(ltms)
    d_ltm = np.zeros_like(ltm0)
    d_stm = np.zeros_like(stm0)
    for t in range(T - 1, -1, -1):
        dh = d_stms[t] + d_stm
        dC = d_ltms[t] + d_ltm
        if lesson:
            du = np.multiply(dh, K[t], out=d_u[t])
            dF = dC + du @ W_u_T
        else:
            dC += dh * K[t]
            dF = dC
        a, p = dA[t], P[t]
        np.multiply(dC, p[:, :H], out=a[:, :H])
        np.multiply(dC, p[:, H : 2 * H], out=a[:, H : 2 * H])
        np.multiply(dF, p[:, 2 * H : 3 * H], out=a[:, 2 * H : 3 * H])
        np.multiply(dh, p[:, 3 * H :], out=a[:, 3 * H :])
        d_ltm = dF * f[t]
        d_stm = a @ W_h_T

    dA2 = dA.reshape(T * B, 4 * H)
    stm_prev = np.concatenate([stm0[None], stms[:-1]]).reshape(T * B, H)
    dW = np.concatenate([stm_prev.T @ dA2, events.reshape(T * B, X).T @ dA2])
    db = dA2.sum(axis=0)
    grads = {}
    for k, g in enumerate(GATES):
        grads["W_" + g] = dW[:, k * H : (k + 1) * H]
        grads["b_" + g] = db[k * H : (k + 1) * H]
    if lesson:
        du2 = d_u.reshape(T * B, H)
        grads["W_u"] = cache["forgottens"].reshape(T * B, H).T @ du2
        grads["b_u"] = du2.sum(axis=0)
    for k in ("W_u", "b_u"):
        if k in params and k not in grads:   # the standard cell does not use them
            grads[k] = np.zeros_like(params[k])
    d_events = (dA2 @ W_x_T).reshape(T, B, X)
    return d_events, d_ltm, d_stm, {k: grads[k] for k in params}
