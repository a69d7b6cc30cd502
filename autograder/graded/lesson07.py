"""Lesson 07, backpropagation through time: rnn_cell_backward, lstm_cell_backward,
gradient_check, lstm_backward.

The misconceptions' bodies call ``lstm_cell_parts``, the lesson's given forward pass of one
cell (defined below exactly as in the master, which tests/07_backprop holds it to), and the
graded functions of earlier cells; planted in a copy of the master they run as they do here.
"""

import numpy as np

import solutions
from lessonkit.testfunctions import squashed_product, sum_of_sines, weighted_squares

from . import case, gate_weights, graded, mistake

LESSON = "07_backprop"


def sigmoid(a):
    """σ(a) = 1 / (1 + exp(-a)), written with tanh so that it never overflows (as in the master)."""
    return 0.5 * (1.0 + np.tanh(0.5 * a))


def lstm_cell_parts(ltm, stm, event, params, variant="lesson"):
    """The master's given forward pass of one cell, with every intermediate value."""
    p = params
    joined = np.concatenate([stm, event], axis=1)
    N = np.tanh(joined @ p["W_n"] + p["b_n"])
    i = sigmoid(joined @ p["W_i"] + p["b_i"])
    f = sigmoid(joined @ p["W_f"] + p["b_f"])
    V = sigmoid(joined @ p["W_v"] + p["b_v"])
    K = ltm * f
    new_ltm = K + N * i
    U = np.tanh(K @ p["W_u"] + p["b_u"]) if variant == "lesson" else np.tanh(new_ltm)
    return dict(joined=joined, N=N, i=i, f=f, V=V, K=K, U=U, new_ltm=new_ltm, new_stm=U * V)


def _params(rng, H, X):
    """Lesson-variant LSTM parameters, a little larger than the hidden tests' draws."""
    k = 1.5 / np.sqrt(H)
    params = {}
    for g in "nifv":
        params["W_" + g] = rng.uniform(-k, k, size=(H + X, H))
        params["b_" + g] = rng.uniform(-k, k, size=H)
    params["W_u"], params["b_u"] = rng.uniform(-k, k, size=(H, H)), rng.uniform(-k, k, size=H)
    return params


# --- rnn_cell_backward -------------------------------------------------------------

graded(solutions.rnn_cell_backward, LESSON, takes=("BH", "BH", "BX", "ZH weight", "H weight"),
       outputs=("d_memory_prev", "d_event", "dW", "db"))


def _rnn_args(rng, B, H, X):
    W, b = gate_weights(rng, H, X)
    return dict(d_memory=rng.normal(size=(B, H)), memory=rng.normal(size=(B, H)),
                event=rng.normal(size=(B, X)), W=W, b=b)


@case("a batch of 3, hidden 4, inputs 2: the gradients on M_{t-1}, E_t, W and b")
def _(rng):
    return _rnn_args(rng, 3, 4, 2)


@case("a batch of one, hidden 2, inputs 5 (hidden ≠ inputs)")
def _(rng):
    return _rnn_args(rng, 1, 2, 5)


@case("hidden = inputs = 3: the split of the joined gradient still comes after the H memory columns")
def _(rng):
    return _rnn_args(rng, 2, 3, 3)


@case("a zero upstream gradient: every gradient is zero")
def _(rng):
    return {**_rnn_args(rng, 2, 3, 2), "d_memory": np.zeros((2, 3))}


@mistake("slope_from_old_memory",
         "Your slope of tanh uses the memory the step was given, M_{t-1}. The tanh is the one that "
         "makes the new memory, so its slope is 1 − M_t²: recompute new_memory = np.tanh(joined @ "
         "W + b) and use da = d_memory * (1 - new_memory**2).")
def rnn_cell_backward(d_memory, memory, event, W, b):
    H = memory.shape[1]
    joined = np.concatenate([memory, event], axis=1)
    da = d_memory * (1 - memory**2)
    d_joined = da @ W.T
    return d_joined[:, :H], d_joined[:, H:], joined.T @ da, da.sum(axis=0)


@mistake("tanh_slope_not_squared",
         "You used 1 − tanh as the slope of tanh. The derivative of tanh(a) is 1 − tanh(a)²: da = "
         "d_memory * (1 - new_memory**2).")
def rnn_cell_backward(d_memory, memory, event, W, b):
    H = memory.shape[1]
    joined = np.concatenate([memory, event], axis=1)
    new_memory = np.tanh(joined @ W + b)
    da = d_memory * (1 - new_memory)
    d_joined = da @ W.T
    return d_joined[:, :H], d_joined[:, H:], joined.T @ da, da.sum(axis=0)


@mistake("tanh_twice",
         "You took tanh of the new memory again in its slope. new_memory is tanh(a) already, so "
         "the slope is 1 − new_memory², not 1 − tanh(new_memory)²: multiply by (1 - "
         "new_memory**2).")
def rnn_cell_backward(d_memory, memory, event, W, b):
    H = memory.shape[1]
    joined = np.concatenate([memory, event], axis=1)
    new_memory = np.tanh(joined @ W + b)
    da = d_memory * (1 - np.tanh(new_memory)**2)
    d_joined = da @ W.T
    return d_joined[:, :H], d_joined[:, H:], joined.T @ da, da.sum(axis=0)


@mistake("no_tanh_slope",
         "Your gradient skips the tanh. The memory is M_t = tanh(a), so the gradient on a is da = "
         "d_memory * (1 - new_memory**2), and W, b and the inputs get theirs from da.")
def rnn_cell_backward(d_memory, memory, event, W, b):
    H = memory.shape[1]
    joined = np.concatenate([memory, event], axis=1)
    da = d_memory
    d_joined = da @ W.T
    return d_joined[:, :H], d_joined[:, H:], joined.T @ da, da.sum(axis=0)


@mistake("split_at_X",
         "You split the joined gradient at X, as if the row were [E, M]. It is [M_{t-1}, E_t]: the "
         "first H columns belong to the memory, the rest to the event: d_joined[:, :H] and "
         "d_joined[:, H:].")
def rnn_cell_backward(d_memory, memory, event, W, b):
    X = event.shape[1]
    joined = np.concatenate([memory, event], axis=1)
    new_memory = np.tanh(joined @ W + b)
    da = d_memory * (1 - new_memory**2)
    d_joined = da @ W.T
    return d_joined[:, X:], d_joined[:, :X], joined.T @ da, da.sum(axis=0)


@mistake("weight_gradient_transposed",
         "Your dW has the shape of W transposed. For a = joined W + b the gradient is dW = joinedᵀ "
         "da, shaped like W (H + X, H): joined.T @ da, not da.T @ joined.")
def rnn_cell_backward(d_memory, memory, event, W, b):
    H = memory.shape[1]
    joined = np.concatenate([memory, event], axis=1)
    new_memory = np.tanh(joined @ W + b)
    da = d_memory * (1 - new_memory**2)
    d_joined = da @ W.T
    return d_joined[:, :H], d_joined[:, H:], da.T @ joined, da.sum(axis=0)


@mistake("bias_not_summed",
         "Your db keeps one row per example. Every example in the batch uses the same b, so their "
         "gradients add up: da.sum(axis=0), shape (H,) like b.")
def rnn_cell_backward(d_memory, memory, event, W, b):
    H = memory.shape[1]
    joined = np.concatenate([memory, event], axis=1)
    new_memory = np.tanh(joined @ W + b)
    da = d_memory * (1 - new_memory**2)
    d_joined = da @ W.T
    return d_joined[:, :H], d_joined[:, H:], joined.T @ da, da


# --- lstm_cell_backward -----------------------------------------------------------

graded(solutions.lstm_cell_backward, LESSON, takes=("BH", "BH", "BH", "BH", "BX", "lstm_params"),
       outputs=("d_ltm_prev", "d_stm_prev", "d_event", "grads"), variants=({}, {"variant": "standard"}))


def _cell_args(rng, B, H, X, d_ltm=True, d_stm=True, ltm=True):
    return dict(d_ltm=rng.normal(size=(B, H)) if d_ltm else np.zeros((B, H)),
                d_stm=rng.normal(size=(B, H)) if d_stm else np.zeros((B, H)),
                ltm=rng.normal(size=(B, H)) if ltm else np.zeros((B, H)),
                stm=rng.normal(size=(B, H)), event=rng.normal(size=(B, X)), params=_params(rng, H, X))


@case("a batch of 3, hidden 4, inputs 2: the three input gradients and every weight gradient")
def _(rng):
    return _cell_args(rng, 3, 4, 2)


@case("a batch of one, hidden 2 and inputs 5 (hidden ≠ inputs)")
def _(rng):
    return _cell_args(rng, 1, 2, 5)


@case("only d_ltm flows in (d_stm = 0): the use gate gets no gradient")
def _(rng):
    return _cell_args(rng, 2, 3, 3, d_stm=False)


@case("only d_stm flows in (d_ltm = 0): every gradient passes through the use gate")
def _(rng):
    return _cell_args(rng, 2, 3, 2, d_ltm=False)


@case("a zero previous LTM: the forget gate's weights get no gradient")
def _(rng):
    return _cell_args(rng, 2, 3, 4, ltm=False)


@case('variant="standard": STM_t = V ⊙ tanh(LTM_t); W_u and b_u, unused, get zero gradients')
def _(rng):
    return {**_cell_args(rng, 3, 3, 2), "variant": "standard"}


@case('variant="standard", only d_stm flows in (d_ltm = 0): the new LTM gets the output\'s share')
def _(rng):
    return {**_cell_args(rng, 2, 4, 3, d_ltm=False), "variant": "standard"}


@mistake("ltm_prev_without_f",
         "Your d_ltm_prev skips the forget factor. LTM_{t-1} reaches the rest of the cell only as "
         "K = LTM_{t-1} ⊙ f, so d_ltm_prev = dK ⊙ f, where dK is the gradient on the kept memory "
         "K.")
def lstm_cell_backward(d_ltm, d_stm, ltm, stm, event, params, variant="lesson"):
    parts = lstm_cell_parts(ltm, stm, event, params, variant)
    joined, N, i, f, V, K, U = (parts[k] for k in ("joined", "N", "i", "f", "V", "K", "U"))
    H = ltm.shape[1]
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    dV = d_stm * U
    da_u = d_stm * V * (1 - U**2)
    if variant == "lesson":
        grads["W_u"], grads["b_u"] = K.T @ da_u, da_u.sum(axis=0)
        d_new_ltm = d_ltm
        dK = d_ltm + da_u @ params["W_u"].T
    else:
        d_new_ltm = d_ltm + da_u
        dK = d_new_ltm
    da = {"n": d_new_ltm * i * (1 - N**2),
          "i": d_new_ltm * N * i * (1 - i),
          "f": dK * ltm * f * (1 - f),
          "v": dV * V * (1 - V)}
    d_joined = 0
    for g in "nifv":
        grads["W_" + g] = joined.T @ da[g]
        grads["b_" + g] = da[g].sum(axis=0)
        d_joined = d_joined + da[g] @ params["W_" + g].T
    return dK, d_joined[:, :H], d_joined[:, H:], grads


@mistake("use_path_dropped",
         "Your gradient on the kept memory K leaves out the use gate. K feeds two gates: the "
         "remember gate (LTM_t = K + N ⊙ i) and the use gate (U = tanh(K W_u + b_u)). A value used "
         "twice gets both gradients added: dK = d_ltm + da_u @ W_u.T.")
def lstm_cell_backward(d_ltm, d_stm, ltm, stm, event, params, variant="lesson"):
    parts = lstm_cell_parts(ltm, stm, event, params, variant)
    joined, N, i, f, V, K, U = (parts[k] for k in ("joined", "N", "i", "f", "V", "K", "U"))
    H = ltm.shape[1]
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    dV = d_stm * U
    da_u = d_stm * V * (1 - U**2)
    if variant == "lesson":
        grads["W_u"], grads["b_u"] = K.T @ da_u, da_u.sum(axis=0)
        d_new_ltm = d_ltm
        dK = d_ltm
    else:
        d_new_ltm = d_ltm + da_u
        dK = d_new_ltm
    da = {"n": d_new_ltm * i * (1 - N**2),
          "i": d_new_ltm * N * i * (1 - i),
          "f": dK * ltm * f * (1 - f),
          "v": dV * V * (1 - V)}
    d_joined = 0
    for g in "nifv":
        grads["W_" + g] = joined.T @ da[g]
        grads["b_" + g] = da[g].sum(axis=0)
        d_joined = d_joined + da[g] @ params["W_" + g].T
    return dK * f, d_joined[:, :H], d_joined[:, H:], grads


@mistake("d_ltm_dropped",
         "Your gradient on the kept memory K drops d_ltm. K reaches the loss two ways, through the "
         "new LTM (LTM_t = K + N ⊙ i) and through the use gate, so dK = d_ltm + da_u @ W_u.T: add "
         "the use gate's share to d_ltm, do not replace it.")
def lstm_cell_backward(d_ltm, d_stm, ltm, stm, event, params, variant="lesson"):
    parts = lstm_cell_parts(ltm, stm, event, params, variant)
    joined, N, i, f, V, K, U = (parts[k] for k in ("joined", "N", "i", "f", "V", "K", "U"))
    H = ltm.shape[1]
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    dV = d_stm * U
    da_u = d_stm * V * (1 - U**2)
    if variant == "lesson":
        grads["W_u"], grads["b_u"] = K.T @ da_u, da_u.sum(axis=0)
        d_new_ltm = d_ltm
        dK = da_u @ params["W_u"].T
    else:
        d_new_ltm = d_ltm + da_u
        dK = d_new_ltm
    da = {"n": d_new_ltm * i * (1 - N**2),
          "i": d_new_ltm * N * i * (1 - i),
          "f": dK * ltm * f * (1 - f),
          "v": dV * V * (1 - V)}
    d_joined = 0
    for g in "nifv":
        grads["W_" + g] = joined.T @ da[g]
        grads["b_" + g] = da[g].sum(axis=0)
        d_joined = d_joined + da[g] @ params["W_" + g].T
    return dK * f, d_joined[:, :H], d_joined[:, H:], grads


@mistake("sigmoid_slope",
         "You used σ itself as the slope of σ. The derivative of σ(a) is σ(a)(1 − σ(a)): multiply "
         "by i * (1 - i), f * (1 - f) and V * (1 - V).")
def lstm_cell_backward(d_ltm, d_stm, ltm, stm, event, params, variant="lesson"):
    parts = lstm_cell_parts(ltm, stm, event, params, variant)
    joined, N, i, f, V, K, U = (parts[k] for k in ("joined", "N", "i", "f", "V", "K", "U"))
    H = ltm.shape[1]
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    dV = d_stm * U
    da_u = d_stm * V * (1 - U**2)
    if variant == "lesson":
        grads["W_u"], grads["b_u"] = K.T @ da_u, da_u.sum(axis=0)
        d_new_ltm = d_ltm
        dK = d_ltm + da_u @ params["W_u"].T
    else:
        d_new_ltm = d_ltm + da_u
        dK = d_new_ltm
    da = {"n": d_new_ltm * i * (1 - N**2),
          "i": d_new_ltm * N * i,
          "f": dK * ltm * f,
          "v": dV * V}
    d_joined = 0
    for g in "nifv":
        grads["W_" + g] = joined.T @ da[g]
        grads["b_" + g] = da[g].sum(axis=0)
        d_joined = d_joined + da[g] @ params["W_" + g].T
    return dK * f, d_joined[:, :H], d_joined[:, H:], grads


@mistake("sigmoid_of_factor",
         "Your forget gate's slope is σ(f), σ applied to the factor again. The slope of f = σ(a_f) "
         "is f(1 − f): da_f = dK * ltm * f * (1 - f).")
def lstm_cell_backward(d_ltm, d_stm, ltm, stm, event, params, variant="lesson"):
    parts = lstm_cell_parts(ltm, stm, event, params, variant)
    joined, N, i, f, V, K, U = (parts[k] for k in ("joined", "N", "i", "f", "V", "K", "U"))
    H = ltm.shape[1]
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    dV = d_stm * U
    da_u = d_stm * V * (1 - U**2)
    if variant == "lesson":
        grads["W_u"], grads["b_u"] = K.T @ da_u, da_u.sum(axis=0)
        d_new_ltm = d_ltm
        dK = d_ltm + da_u @ params["W_u"].T
    else:
        d_new_ltm = d_ltm + da_u
        dK = d_new_ltm
    da = {"n": d_new_ltm * i * (1 - N**2),
          "i": d_new_ltm * N * i * (1 - i),
          "f": dK * ltm * (1 / (1 + np.exp(-f))),
          "v": dV * V * (1 - V)}
    d_joined = 0
    for g in "nifv":
        grads["W_" + g] = joined.T @ da[g]
        grads["b_" + g] = da[g].sum(axis=0)
        d_joined = d_joined + da[g] @ params["W_" + g].T
    return dK * f, d_joined[:, :H], d_joined[:, H:], grads


@mistake("tanh_slope_not_squared",
         "You used 1 − tanh as the slope of tanh. The derivative of tanh(a) is 1 − tanh(a)²: "
         "multiply by (1 - N**2) and (1 - U**2).")
def lstm_cell_backward(d_ltm, d_stm, ltm, stm, event, params, variant="lesson"):
    parts = lstm_cell_parts(ltm, stm, event, params, variant)
    joined, N, i, f, V, K, U = (parts[k] for k in ("joined", "N", "i", "f", "V", "K", "U"))
    H = ltm.shape[1]
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    dV = d_stm * U
    da_u = d_stm * V * (1 - U)
    if variant == "lesson":
        grads["W_u"], grads["b_u"] = K.T @ da_u, da_u.sum(axis=0)
        d_new_ltm = d_ltm
        dK = d_ltm + da_u @ params["W_u"].T
    else:
        d_new_ltm = d_ltm + da_u
        dK = d_new_ltm
    da = {"n": d_new_ltm * i * (1 - N),
          "i": d_new_ltm * N * i * (1 - i),
          "f": dK * ltm * f * (1 - f),
          "v": dV * V * (1 - V)}
    d_joined = 0
    for g in "nifv":
        grads["W_" + g] = joined.T @ da[g]
        grads["b_" + g] = da[g].sum(axis=0)
        d_joined = d_joined + da[g] @ params["W_" + g].T
    return dK * f, d_joined[:, :H], d_joined[:, H:], grads


@mistake("tanh_twice",
         "You took tanh of N and U again in their slopes. N and U are tanh values already, so the "
         "slopes are 1 − N² and 1 − U², not 1 − tanh(N)²: multiply by (1 - N**2) and (1 - U**2).")
def lstm_cell_backward(d_ltm, d_stm, ltm, stm, event, params, variant="lesson"):
    parts = lstm_cell_parts(ltm, stm, event, params, variant)
    joined, N, i, f, V, K, U = (parts[k] for k in ("joined", "N", "i", "f", "V", "K", "U"))
    H = ltm.shape[1]
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    dV = d_stm * U
    da_u = d_stm * V * (1 - np.tanh(U)**2)
    if variant == "lesson":
        grads["W_u"], grads["b_u"] = K.T @ da_u, da_u.sum(axis=0)
        d_new_ltm = d_ltm
        dK = d_ltm + da_u @ params["W_u"].T
    else:
        d_new_ltm = d_ltm + da_u
        dK = d_new_ltm
    da = {"n": d_new_ltm * i * (1 - np.tanh(N)**2),
          "i": d_new_ltm * N * i * (1 - i),
          "f": dK * ltm * f * (1 - f),
          "v": dV * V * (1 - V)}
    d_joined = 0
    for g in "nifv":
        grads["W_" + g] = joined.T @ da[g]
        grads["b_" + g] = da[g].sum(axis=0)
        d_joined = d_joined + da[g] @ params["W_" + g].T
    return dK * f, d_joined[:, :H], d_joined[:, H:], grads


@mistake("forget_grad_new_ltm",
         "Your forget gate's gradient uses the new LTM. f multiplies the old memory (K = LTM_{t-1} "
         "⊙ f), so da_f = dK ⊙ LTM_{t-1} ⊙ f(1 − f), with ltm, the step's input, as LTM_{t-1}.")
def lstm_cell_backward(d_ltm, d_stm, ltm, stm, event, params, variant="lesson"):
    parts = lstm_cell_parts(ltm, stm, event, params, variant)
    joined, N, i, f, V, K, U = (parts[k] for k in ("joined", "N", "i", "f", "V", "K", "U"))
    H = ltm.shape[1]
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    dV = d_stm * U
    da_u = d_stm * V * (1 - U**2)
    if variant == "lesson":
        grads["W_u"], grads["b_u"] = K.T @ da_u, da_u.sum(axis=0)
        d_new_ltm = d_ltm
        dK = d_ltm + da_u @ params["W_u"].T
    else:
        d_new_ltm = d_ltm + da_u
        dK = d_new_ltm
    da = {"n": d_new_ltm * i * (1 - N**2),
          "i": d_new_ltm * N * i * (1 - i),
          "f": dK * parts["new_ltm"] * f * (1 - f),
          "v": dV * V * (1 - V)}
    d_joined = 0
    for g in "nifv":
        grads["W_" + g] = joined.T @ da[g]
        grads["b_" + g] = da[g].sum(axis=0)
        d_joined = d_joined + da[g] @ params["W_" + g].T
    return dK * f, d_joined[:, :H], d_joined[:, H:], grads


@mistake("W_u_grad_old_ltm",
         "Your W_u gradient uses the old LTM. U reads the kept memory K = LTM_{t-1} ⊙ f, so "
         "grads['W_u'] = K.T @ da_u.")
def lstm_cell_backward(d_ltm, d_stm, ltm, stm, event, params, variant="lesson"):
    parts = lstm_cell_parts(ltm, stm, event, params, variant)
    joined, N, i, f, V, K, U = (parts[k] for k in ("joined", "N", "i", "f", "V", "K", "U"))
    H = ltm.shape[1]
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    dV = d_stm * U
    da_u = d_stm * V * (1 - U**2)
    if variant == "lesson":
        grads["W_u"], grads["b_u"] = ltm.T @ da_u, da_u.sum(axis=0)
        d_new_ltm = d_ltm
        dK = d_ltm + da_u @ params["W_u"].T
    else:
        d_new_ltm = d_ltm + da_u
        dK = d_new_ltm
    da = {"n": d_new_ltm * i * (1 - N**2),
          "i": d_new_ltm * N * i * (1 - i),
          "f": dK * ltm * f * (1 - f),
          "v": dV * V * (1 - V)}
    d_joined = 0
    for g in "nifv":
        grads["W_" + g] = joined.T @ da[g]
        grads["b_" + g] = da[g].sum(axis=0)
        d_joined = d_joined + da[g] @ params["W_" + g].T
    return dK * f, d_joined[:, :H], d_joined[:, H:], grads


@mistake("dV_standard_formula",
         "Your dV uses tanh(new LTM), the standard cell's output. In the lesson's variant the STM "
         "is U ⊙ V, so dV = d_stm * U, with U = tanh(K W_u + b_u).")
def lstm_cell_backward(d_ltm, d_stm, ltm, stm, event, params, variant="lesson"):
    parts = lstm_cell_parts(ltm, stm, event, params, variant)
    joined, N, i, f, V, K, U = (parts[k] for k in ("joined", "N", "i", "f", "V", "K", "U"))
    H = ltm.shape[1]
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    dV = d_stm * np.tanh(parts["new_ltm"])
    da_u = d_stm * V * (1 - U**2)
    if variant == "lesson":
        grads["W_u"], grads["b_u"] = K.T @ da_u, da_u.sum(axis=0)
        d_new_ltm = d_ltm
        dK = d_ltm + da_u @ params["W_u"].T
    else:
        d_new_ltm = d_ltm + da_u
        dK = d_new_ltm
    da = {"n": d_new_ltm * i * (1 - N**2),
          "i": d_new_ltm * N * i * (1 - i),
          "f": dK * ltm * f * (1 - f),
          "v": dV * V * (1 - V)}
    d_joined = 0
    for g in "nifv":
        grads["W_" + g] = joined.T @ da[g]
        grads["b_" + g] = da[g].sum(axis=0)
        d_joined = d_joined + da[g] @ params["W_" + g].T
    return dK * f, d_joined[:, :H], d_joined[:, H:], grads


@mistake("standard_d_ltm_dropped",
         "With variant=\"standard\" your gradient on the new LTM drops d_ltm. The new LTM reaches "
         "the loss through the next step (d_ltm) and through the output V ⊙ tanh(LTM_t): add both, "
         "d_new_ltm = d_ltm + d_stm * V * (1 - U**2).")
def lstm_cell_backward(d_ltm, d_stm, ltm, stm, event, params, variant="lesson"):
    parts = lstm_cell_parts(ltm, stm, event, params, variant)
    joined, N, i, f, V, K, U = (parts[k] for k in ("joined", "N", "i", "f", "V", "K", "U"))
    H = ltm.shape[1]
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    dV = d_stm * U
    da_u = d_stm * V * (1 - U**2)
    if variant == "lesson":
        grads["W_u"], grads["b_u"] = K.T @ da_u, da_u.sum(axis=0)
        d_new_ltm = d_ltm
        dK = d_ltm + da_u @ params["W_u"].T
    else:
        d_new_ltm = da_u
        dK = d_new_ltm
    da = {"n": d_new_ltm * i * (1 - N**2),
          "i": d_new_ltm * N * i * (1 - i),
          "f": dK * ltm * f * (1 - f),
          "v": dV * V * (1 - V)}
    d_joined = 0
    for g in "nifv":
        grads["W_" + g] = joined.T @ da[g]
        grads["b_" + g] = da[g].sum(axis=0)
        d_joined = d_joined + da[g] @ params["W_" + g].T
    return dK * f, d_joined[:, :H], d_joined[:, H:], grads


@mistake("gate_gradients_overwritten",
         "Your d_stm_prev and d_event keep only the last gate's share: d_joined = da[g] @ W_g.T "
         "inside the loop overwrites the others. All four gates read J = [STM, E], so their "
         "gradients add up: start with d_joined = 0 and add da[g] @ W_g.T for every gate.")
def lstm_cell_backward(d_ltm, d_stm, ltm, stm, event, params, variant="lesson"):
    parts = lstm_cell_parts(ltm, stm, event, params, variant)
    joined, N, i, f, V, K, U = (parts[k] for k in ("joined", "N", "i", "f", "V", "K", "U"))
    H = ltm.shape[1]
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    dV = d_stm * U
    da_u = d_stm * V * (1 - U**2)
    if variant == "lesson":
        grads["W_u"], grads["b_u"] = K.T @ da_u, da_u.sum(axis=0)
        d_new_ltm = d_ltm
        dK = d_ltm + da_u @ params["W_u"].T
    else:
        d_new_ltm = d_ltm + da_u
        dK = d_new_ltm
    da = {"n": d_new_ltm * i * (1 - N**2),
          "i": d_new_ltm * N * i * (1 - i),
          "f": dK * ltm * f * (1 - f),
          "v": dV * V * (1 - V)}
    d_joined = 0
    for g in "nifv":
        grads["W_" + g] = joined.T @ da[g]
        grads["b_" + g] = da[g].sum(axis=0)
        d_joined = da[g] @ params["W_" + g].T
    return dK * f, d_joined[:, :H], d_joined[:, H:], grads


@mistake("split_at_X",
         "You split the joined gradient at X, as if J were [E, STM]. J = [STM, E]: its first H "
         "columns belong to the STM and the last X to the event, so d_stm_prev = d_joined[:, :H] "
         "and d_event = d_joined[:, H:].")
def lstm_cell_backward(d_ltm, d_stm, ltm, stm, event, params, variant="lesson"):
    parts = lstm_cell_parts(ltm, stm, event, params, variant)
    joined, N, i, f, V, K, U = (parts[k] for k in ("joined", "N", "i", "f", "V", "K", "U"))
    X = event.shape[1]
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    dV = d_stm * U
    da_u = d_stm * V * (1 - U**2)
    if variant == "lesson":
        grads["W_u"], grads["b_u"] = K.T @ da_u, da_u.sum(axis=0)
        d_new_ltm = d_ltm
        dK = d_ltm + da_u @ params["W_u"].T
    else:
        d_new_ltm = d_ltm + da_u
        dK = d_new_ltm
    da = {"n": d_new_ltm * i * (1 - N**2),
          "i": d_new_ltm * N * i * (1 - i),
          "f": dK * ltm * f * (1 - f),
          "v": dV * V * (1 - V)}
    d_joined = 0
    for g in "nifv":
        grads["W_" + g] = joined.T @ da[g]
        grads["b_" + g] = da[g].sum(axis=0)
        d_joined = d_joined + da[g] @ params["W_" + g].T
    return dK * f, d_joined[:, X:], d_joined[:, :X], grads


@mistake("weight_gradients_transposed",
         "Your weight gradients have the shape of W transposed. For a = J W + b the gradient is dW "
         "= Jᵀ da, shaped like W (H + X, H): joined.T @ da, not da.T @ joined (and K.T @ da_u for "
         "W_u).")
def lstm_cell_backward(d_ltm, d_stm, ltm, stm, event, params, variant="lesson"):
    parts = lstm_cell_parts(ltm, stm, event, params, variant)
    joined, N, i, f, V, K, U = (parts[k] for k in ("joined", "N", "i", "f", "V", "K", "U"))
    H = ltm.shape[1]
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    dV = d_stm * U
    da_u = d_stm * V * (1 - U**2)
    if variant == "lesson":
        grads["W_u"], grads["b_u"] = da_u.T @ K, da_u.sum(axis=0)
        d_new_ltm = d_ltm
        dK = d_ltm + da_u @ params["W_u"].T
    else:
        d_new_ltm = d_ltm + da_u
        dK = d_new_ltm
    da = {"n": d_new_ltm * i * (1 - N**2),
          "i": d_new_ltm * N * i * (1 - i),
          "f": dK * ltm * f * (1 - f),
          "v": dV * V * (1 - V)}
    d_joined = 0
    for g in "nifv":
        grads["W_" + g] = da[g].T @ joined
        grads["b_" + g] = da[g].sum(axis=0)
        d_joined = d_joined + da[g] @ params["W_" + g].T
    return dK * f, d_joined[:, :H], d_joined[:, H:], grads


@mistake("bias_not_summed",
         "Your bias gradients keep one row per example. Every example in the batch uses the same "
         "b, so their gradients add up: da.sum(axis=0), shape (H,) like b.")
def lstm_cell_backward(d_ltm, d_stm, ltm, stm, event, params, variant="lesson"):
    parts = lstm_cell_parts(ltm, stm, event, params, variant)
    joined, N, i, f, V, K, U = (parts[k] for k in ("joined", "N", "i", "f", "V", "K", "U"))
    H = ltm.shape[1]
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    dV = d_stm * U
    da_u = d_stm * V * (1 - U**2)
    if variant == "lesson":
        grads["W_u"], grads["b_u"] = K.T @ da_u, da_u
        d_new_ltm = d_ltm
        dK = d_ltm + da_u @ params["W_u"].T
    else:
        d_new_ltm = d_ltm + da_u
        dK = d_new_ltm
    da = {"n": d_new_ltm * i * (1 - N**2),
          "i": d_new_ltm * N * i * (1 - i),
          "f": dK * ltm * f * (1 - f),
          "v": dV * V * (1 - V)}
    d_joined = 0
    for g in "nifv":
        grads["W_" + g] = joined.T @ da[g]
        grads["b_" + g] = da[g]
        d_joined = d_joined + da[g] @ params["W_" + g].T
    return dK * f, d_joined[:, :H], d_joined[:, H:], grads


@mistake("bias_mean",
         "Your bias gradients are averaged over the batch. Every example uses the same b, so their "
         "gradients add up: db = da.sum(axis=0), as Jᵀ da already sums for W. (A mean, if you want "
         "one, belongs in the loss.)")
def lstm_cell_backward(d_ltm, d_stm, ltm, stm, event, params, variant="lesson"):
    parts = lstm_cell_parts(ltm, stm, event, params, variant)
    joined, N, i, f, V, K, U = (parts[k] for k in ("joined", "N", "i", "f", "V", "K", "U"))
    H = ltm.shape[1]
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    dV = d_stm * U
    da_u = d_stm * V * (1 - U**2)
    if variant == "lesson":
        grads["W_u"], grads["b_u"] = K.T @ da_u, da_u.mean(axis=0)
        d_new_ltm = d_ltm
        dK = d_ltm + da_u @ params["W_u"].T
    else:
        d_new_ltm = d_ltm + da_u
        dK = d_new_ltm
    da = {"n": d_new_ltm * i * (1 - N**2),
          "i": d_new_ltm * N * i * (1 - i),
          "f": dK * ltm * f * (1 - f),
          "v": dV * V * (1 - V)}
    d_joined = 0
    for g in "nifv":
        grads["W_" + g] = joined.T @ da[g]
        grads["b_" + g] = da[g].mean(axis=0)
        d_joined = d_joined + da[g] @ params["W_" + g].T
    return dK * f, d_joined[:, :H], d_joined[:, H:], grads


# --- gradient_check ----------------------------------------------------------------

graded(solutions.gradient_check, LESSON, takes=("function", "BH", "BH", "positive"))
# Each case passes one of lessonkit.testfunctions (stored by name) and, mostly, its exact
# gradient, so that a right answer is near 1e-10 and each mistake lands far from it.

def _weights_of(x):
    return np.arange(1, x.size + 1).reshape(x.shape)


@case("weighted_squares with its exact gradient, x (3, 4), h = 1e-3: central differences are exact on a quadratic")
def _(rng):
    x = rng.normal(size=(3, 4))
    return dict(f=weighted_squares, x=x, analytic=_weights_of(x) * x, h=1e-3)


@case("squashed_product with one entry of the gradient of the wrong sign and twice its size: an error far above 1e-2")
def _(rng):
    x = rng.normal(size=(2, 3))
    exact = (1 - np.tanh(x) ** 2) * np.roll(x, 1) + np.roll(np.tanh(x), -1)
    exact[0, 1] = -2 * exact[0, 1]
    return dict(f=squashed_product, x=x, analytic=exact, h=1e-6)


@case("a zero analytic gradient against a nonzero numeric one: a relative error of exactly 1")
def _(rng):
    x = rng.normal(size=(2, 3))
    return dict(f=sum_of_sines, x=x, analytic=np.zeros_like(x), h=1e-6)


@case("both gradients zero (squashed_product at x = 0, where moving one entry leaves f at 0): the error is 0, not 0/0")
def _(rng):
    return dict(f=squashed_product, x=np.zeros((2, 2)), analytic=np.zeros((2, 2)), h=1e-6)


@mistake("forward_difference",
         "You used one-sided differences (f(x + h) − f(x)) / h. Their error grows like h, about a "
         "million times the central one's at h = 1e-6: use (f(x + h) − f(x − h)) / (2 h).")
def gradient_check(f, x, analytic, h=1e-6):
    numeric = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        f_here = f(x)
        x[idx] = old + h
        f_plus = f(x)
        x[idx] = old
        numeric[idx] = (f_plus - f_here) / h
    scale = max(np.linalg.norm(analytic), np.linalg.norm(numeric))
    return 0.0 if scale == 0 else float(np.linalg.norm(analytic - numeric) / scale)


@mistake("divided_by_h",
         "You divided f(x + h) − f(x − h) by h, but the two points are 2h apart: divide by 2 * h.")
def gradient_check(f, x, analytic, h=1e-6):
    numeric = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + h
        f_plus = f(x)
        x[idx] = old - h
        f_minus = f(x)
        x[idx] = old
        numeric[idx] = (f_plus - f_minus) / h
    scale = max(np.linalg.norm(analytic), np.linalg.norm(numeric))
    return 0.0 if scale == 0 else float(np.linalg.norm(analytic - numeric) / scale)


@mistake("minus_h_not_2h",
         "After f(x + h) you moved x back to x, not on to x − h: x[idx] -= h only undoes the + h, "
         "so your f_minus is f(x) and the slope comes out about half. Set the points explicitly: "
         "x[idx] = old + h, then x[idx] = old - h, then x[idx] = old.")
def gradient_check(f, x, analytic, h=1e-6):
    numeric = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + h
        f_plus = f(x)
        x[idx] -= h
        f_minus = f(x)
        x[idx] = old
        numeric[idx] = (f_plus - f_minus) / (2 * h)
    scale = max(np.linalg.norm(analytic), np.linalg.norm(numeric))
    return 0.0 if scale == 0 else float(np.linalg.norm(analytic - numeric) / scale)


@mistake("absolute_error",
         "You returned the absolute error ‖a − b‖. Divide it by max(‖a‖, ‖b‖): a relative error "
         "means the same whether the gradient is tiny or huge.")
def gradient_check(f, x, analytic, h=1e-6):
    numeric = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + h
        f_plus = f(x)
        x[idx] = old - h
        f_minus = f(x)
        x[idx] = old
        numeric[idx] = (f_plus - f_minus) / (2 * h)
    return float(np.linalg.norm(analytic - numeric))


@mistake("sum_of_norms",
         "You divided by ‖a‖ + ‖b‖, Coursera's gradient check. This course divides by the larger "
         "norm, max(‖a‖, ‖b‖), so that a zero analytic gradient gives exactly 1 and two zero "
         "gradients give 0: scale = max(np.linalg.norm(analytic), np.linalg.norm(numeric)).")
def gradient_check(f, x, analytic, h=1e-6):
    numeric = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + h
        f_plus = f(x)
        x[idx] = old - h
        f_minus = f(x)
        x[idx] = old
        numeric[idx] = (f_plus - f_minus) / (2 * h)
    scale = np.linalg.norm(analytic) + np.linalg.norm(numeric)
    return 0.0 if scale == 0 else float(np.linalg.norm(analytic - numeric) / scale)


@mistake("entrywise_max",
         "You used CS231n's rel_error: the worst entry, each divided by its own size. Entries near "
         "zero are mostly rounding noise and then decide the verdict. Use one ratio over all "
         "entries: ‖a − b‖ / max(‖a‖, ‖b‖), with np.linalg.norm.")
def gradient_check(f, x, analytic, h=1e-6):
    numeric = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + h
        f_plus = f(x)
        x[idx] = old - h
        f_minus = f(x)
        x[idx] = old
        numeric[idx] = (f_plus - f_minus) / (2 * h)
    return float(np.max(np.abs(analytic - numeric)
                        / np.maximum(1e-8, np.abs(analytic) + np.abs(numeric))))


@mistake("abs_of_sum",
         "You used min-char-rnn's |a − b| / |a + b| per entry. It divides by zero where a and b "
         "cancel, and goes above 1 where their signs differ. Use one ratio over all entries: ‖a − "
         "b‖ / max(‖a‖, ‖b‖), and 0.0 when both are zero.")
def gradient_check(f, x, analytic, h=1e-6):
    numeric = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + h
        f_plus = f(x)
        x[idx] = old - h
        f_minus = f(x)
        x[idx] = old
        numeric[idx] = (f_plus - f_minus) / (2 * h)
    return float(np.max(np.abs(analytic - numeric) / np.abs(numeric + analytic)))


@mistake("not_restored",
         "You left x changed: every later entry is then perturbed from a shifted point, and the "
         "caller's x is not what it gave you. After the two evaluations put the saved value back, "
         "x[idx] = old (adding h and subtracting it again leaves rounding behind).",
         changes="x")
def gradient_check(f, x, analytic, h=1e-6):
    numeric = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + h
        f_plus = f(x)
        x[idx] = old - h
        f_minus = f(x)
        numeric[idx] = (f_plus - f_minus) / (2 * h)
    scale = max(np.linalg.norm(analytic), np.linalg.norm(numeric))
    return 0.0 if scale == 0 else float(np.linalg.norm(analytic - numeric) / scale)


@mistake("all_entries_at_once",
         "You moved every entry of x at once, which gives one slope (along the all-ones direction) "
         "copied into every entry. Move one entry at a time: loop over np.ndindex(x.shape).")
def gradient_check(f, x, analytic, h=1e-6):
    numeric = np.full(x.shape, (f(x + h) - f(x - h)) / (2 * h))
    scale = max(np.linalg.norm(analytic), np.linalg.norm(numeric))
    return 0.0 if scale == 0 else float(np.linalg.norm(analytic - numeric) / scale)


# --- lstm_backward -----------------------------------------------------------------

graded(solutions.lstm_backward, LESSON, takes=("TBH", "TBH", "TBX", "BH", "BH", "lstm_params"),
       outputs=("d_ltm0", "d_stm0", "d_events", "grads"), depends=("lstm_cell_backward",),
       variants=({}, {"variant": "standard"}))


def _seq_args(rng, T, B, H, X, d_ltms="all", d_stms="all", **extra):
    """Upstream gradients at every step ("all"), at the last step only ("last") or none (None)."""
    def upstream(where):
        """(T, B, H) upstream gradients: random at every step, at the last only, or zeros."""
        d = rng.normal(size=(T, B, H))
        if where == "last":
            d[:-1] = 0.0
        return d if where else np.zeros((T, B, H))
    return dict(d_ltms=upstream(d_ltms), d_stms=upstream(d_stms), events=rng.normal(size=(T, B, X)),
                ltm0=rng.normal(size=(B, H)), stm0=rng.normal(size=(B, H)), params=_params(rng, H, X), **extra)


@case("4 steps, a batch of 3, hidden 4, inputs 2, upstream gradients at every step, nonzero LTM_0 and STM_0")
def _(rng):
    return _seq_args(rng, 4, 3, 4, 2)


@case("the loss reads only the last STM (as the show's does): 5 steps, hidden 3, inputs 3")
def _(rng):
    return _seq_args(rng, 5, 2, 3, 3, d_ltms=None, d_stms="last")


@case("upstream gradients on the LTMs only (d_stms = 0): 3 steps, a batch of one, hidden 2, inputs 5")
def _(rng):
    return _seq_args(rng, 3, 1, 2, 5, d_stms=None)


@case("one step (T = 1): the same as one lstm_cell_backward")
def _(rng):
    return _seq_args(rng, 1, 2, 3, 2)


@case('variant="standard", 4 steps: the loop passes the variant on to the cell and the forward pass')
def _(rng):
    return _seq_args(rng, 4, 2, 3, 2, variant="standard")


@mistake("carry_dropped",
         "Each of your steps gets only its own upstream gradients: the gradients the next step "
         "hands back (its d_ltm_prev and d_stm_prev) are lost. LTM_t and STM_t are read by the "
         "loss and by step t + 1, so add both: call lstm_cell_backward(d_ltms[t] + d_ltm, "
         "d_stms[t] + d_stm, ...), where d_ltm, d_stm are what step t + 1 returned (zeros after "
         "the last step).")
def lstm_backward(d_ltms, d_stms, events, ltm0, stm0, params, variant="lesson"):
    inputs, ltm, stm = [], ltm0, stm0
    for event in events:
        inputs.append((ltm, stm, event))
        parts = lstm_cell_parts(ltm, stm, event, params, variant)
        ltm, stm = parts["new_ltm"], parts["new_stm"]
    d_ltm, d_stm = np.zeros_like(ltm0), np.zeros_like(stm0)
    d_events = np.zeros(events.shape)
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    for t in range(len(events) - 1, -1, -1):
        ltm, stm, event = inputs[t]
        d_ltm, d_stm, d_events[t], step = lstm_cell_backward(d_ltms[t], d_stms[t],
                                                             ltm, stm, event, params, variant)
        for k in grads:
            grads[k] = grads[k] + step[k]
    return d_ltm, d_stm, d_events, grads


@mistake("ltm_carry_dropped",
         "Your loop carries the STM's gradient from step to step but not the LTM's: d_ltm_prev of "
         "step t + 1 is lost. The long-term memory is the path the gradient survives on: pass "
         "d_ltms[t] + d_ltm, with d_ltm what step t + 1 returned, as well as d_stms[t] + d_stm.")
def lstm_backward(d_ltms, d_stms, events, ltm0, stm0, params, variant="lesson"):
    inputs, ltm, stm = [], ltm0, stm0
    for event in events:
        inputs.append((ltm, stm, event))
        parts = lstm_cell_parts(ltm, stm, event, params, variant)
        ltm, stm = parts["new_ltm"], parts["new_stm"]
    d_ltm, d_stm = np.zeros_like(ltm0), np.zeros_like(stm0)
    d_events = np.zeros(events.shape)
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    for t in range(len(events) - 1, -1, -1):
        ltm, stm, event = inputs[t]
        d_ltm, d_stm, d_events[t], step = lstm_cell_backward(d_ltms[t], d_stms[t] + d_stm,
                                                             ltm, stm, event, params, variant)
        for k in grads:
            grads[k] = grads[k] + step[k]
    return d_ltm, d_stm, d_events, grads


@mistake("upstream_only_at_last",
         "Your loop uses the upstream gradients of the last step only, then passes on what each "
         "step returns. The loss may read every step's memories: at every step add that step's own "
         "upstream gradients to what the next step returned, d_ltms[t] + d_ltm and d_stms[t] + "
         "d_stm.")
def lstm_backward(d_ltms, d_stms, events, ltm0, stm0, params, variant="lesson"):
    inputs, ltm, stm = [], ltm0, stm0
    for event in events:
        inputs.append((ltm, stm, event))
        parts = lstm_cell_parts(ltm, stm, event, params, variant)
        ltm, stm = parts["new_ltm"], parts["new_stm"]
    d_ltm, d_stm = d_ltms[-1], d_stms[-1]
    d_events = np.zeros(events.shape)
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    for t in range(len(events) - 1, -1, -1):
        ltm, stm, event = inputs[t]
        d_ltm, d_stm, d_events[t], step = lstm_cell_backward(d_ltm, d_stm,
                                                             ltm, stm, event, params, variant)
        for k in grads:
            grads[k] = grads[k] + step[k]
    return d_ltm, d_stm, d_events, grads


@mistake("last_upstream_twice",
         "Your last step counts its upstream gradients twice: you start the carried gradients at "
         "d_ltms[-1], d_stms[-1] and then add d_ltms[t], d_stms[t] again. Nothing comes from after "
         "the last step: start them at zeros, d_ltm, d_stm = np.zeros_like(ltm0), "
         "np.zeros_like(stm0).")
def lstm_backward(d_ltms, d_stms, events, ltm0, stm0, params, variant="lesson"):
    inputs, ltm, stm = [], ltm0, stm0
    for event in events:
        inputs.append((ltm, stm, event))
        parts = lstm_cell_parts(ltm, stm, event, params, variant)
        ltm, stm = parts["new_ltm"], parts["new_stm"]
    d_ltm, d_stm = d_ltms[-1], d_stms[-1]
    d_events = np.zeros(events.shape)
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    for t in range(len(events) - 1, -1, -1):
        ltm, stm, event = inputs[t]
        d_ltm, d_stm, d_events[t], step = lstm_cell_backward(d_ltms[t] + d_ltm, d_stms[t] + d_stm,
                                                             ltm, stm, event, params, variant)
        for k in grads:
            grads[k] = grads[k] + step[k]
    return d_ltm, d_stm, d_events, grads


@mistake("first_step_skipped",
         "Your loop stops before the first step: range(T - 1, 0, -1) leaves out t = 0, so "
         "d_events[0] stays zero and what you return is the gradient on the memories after the "
         "first event, not on ltm0 and stm0. Go down to t = 0: range(T - 1, -1, -1).")
def lstm_backward(d_ltms, d_stms, events, ltm0, stm0, params, variant="lesson"):
    inputs, ltm, stm = [], ltm0, stm0
    for event in events:
        inputs.append((ltm, stm, event))
        parts = lstm_cell_parts(ltm, stm, event, params, variant)
        ltm, stm = parts["new_ltm"], parts["new_stm"]
    d_ltm, d_stm = np.zeros_like(ltm0), np.zeros_like(stm0)
    d_events = np.zeros(events.shape)
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    for t in range(len(events) - 1, 0, -1):
        ltm, stm, event = inputs[t]
        d_ltm, d_stm, d_events[t], step = lstm_cell_backward(d_ltms[t] + d_ltm, d_stms[t] + d_stm,
                                                             ltm, stm, event, params, variant)
        for k in grads:
            grads[k] = grads[k] + step[k]
    return d_ltm, d_stm, d_events, grads


@mistake("weights_overwritten",
         "Your weight gradients hold only the first step's share: grads[k] = step[k] overwrites "
         "the other steps'. Every step uses the same weights, so their gradients add up over time: "
         "start from zeros and grads[k] = grads[k] + step[k] at every step.")
def lstm_backward(d_ltms, d_stms, events, ltm0, stm0, params, variant="lesson"):
    inputs, ltm, stm = [], ltm0, stm0
    for event in events:
        inputs.append((ltm, stm, event))
        parts = lstm_cell_parts(ltm, stm, event, params, variant)
        ltm, stm = parts["new_ltm"], parts["new_stm"]
    d_ltm, d_stm = np.zeros_like(ltm0), np.zeros_like(stm0)
    d_events = np.zeros(events.shape)
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    for t in range(len(events) - 1, -1, -1):
        ltm, stm, event = inputs[t]
        d_ltm, d_stm, d_events[t], step = lstm_cell_backward(d_ltms[t] + d_ltm, d_stms[t] + d_stm,
                                                             ltm, stm, event, params, variant)
        for k in grads:
            grads[k] = step[k]
    return d_ltm, d_stm, d_events, grads


@mistake("loop_forwards",
         "Your loop runs forwards, from the first step to the last. Step t's upstream gradient "
         "needs what step t + 1 hands back, so go backwards: for t in range(T - 1, -1, -1) (or "
         "reversed(range(T))).")
def lstm_backward(d_ltms, d_stms, events, ltm0, stm0, params, variant="lesson"):
    inputs, ltm, stm = [], ltm0, stm0
    for event in events:
        inputs.append((ltm, stm, event))
        parts = lstm_cell_parts(ltm, stm, event, params, variant)
        ltm, stm = parts["new_ltm"], parts["new_stm"]
    d_ltm, d_stm = np.zeros_like(ltm0), np.zeros_like(stm0)
    d_events = np.zeros(events.shape)
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    for t in range(len(events)):
        ltm, stm, event = inputs[t]
        d_ltm, d_stm, d_events[t], step = lstm_cell_backward(d_ltms[t] + d_ltm, d_stms[t] + d_stm,
                                                             ltm, stm, event, params, variant)
        for k in grads:
            grads[k] = grads[k] + step[k]
    return d_ltm, d_stm, d_events, grads


@mistake("d_events_not_reversed",
         "Your d_events are in backward order: d_events[0] holds the last event's gradient. The "
         "loop visits the steps last first, so store each one at its own index, d_events[t] = "
         "d_event (or reverse the list before stacking it).")
def lstm_backward(d_ltms, d_stms, events, ltm0, stm0, params, variant="lesson"):
    inputs, ltm, stm = [], ltm0, stm0
    for event in events:
        inputs.append((ltm, stm, event))
        parts = lstm_cell_parts(ltm, stm, event, params, variant)
        ltm, stm = parts["new_ltm"], parts["new_stm"]
    d_ltm, d_stm = np.zeros_like(ltm0), np.zeros_like(stm0)
    d_events = []
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    for t in range(len(events) - 1, -1, -1):
        ltm, stm, event = inputs[t]
        d_ltm, d_stm, d_event, step = lstm_cell_backward(d_ltms[t] + d_ltm, d_stms[t] + d_stm,
                                                             ltm, stm, event, params, variant)
        d_events.append(d_event)
        for k in grads:
            grads[k] = grads[k] + step[k]
    return d_ltm, d_stm, np.stack(d_events), grads


@mistake("forward_from_zeros",
         "Your forward pass starts from zero memories instead of the given ltm0 and stm0, so every "
         "step's inputs are wrong. Start the forward loop from ltm, stm = ltm0, stm0.")
def lstm_backward(d_ltms, d_stms, events, ltm0, stm0, params, variant="lesson"):
    inputs, ltm, stm = [], np.zeros_like(ltm0), np.zeros_like(stm0)
    for event in events:
        inputs.append((ltm, stm, event))
        parts = lstm_cell_parts(ltm, stm, event, params, variant)
        ltm, stm = parts["new_ltm"], parts["new_stm"]
    d_ltm, d_stm = np.zeros_like(ltm0), np.zeros_like(stm0)
    d_events = np.zeros(events.shape)
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    for t in range(len(events) - 1, -1, -1):
        ltm, stm, event = inputs[t]
        d_ltm, d_stm, d_events[t], step = lstm_cell_backward(d_ltms[t] + d_ltm, d_stms[t] + d_stm,
                                                             ltm, stm, event, params, variant)
        for k in grads:
            grads[k] = grads[k] + step[k]
    return d_ltm, d_stm, d_events, grads


@mistake("outputs_as_inputs",
         "Your step t is given the memories after step t. lstm_cell_backward takes the step's "
         "inputs, the memories before it (LTM_{t-1}, STM_{t-1}, and ltm0, stm0 at the first step): "
         "remember them before you run the cell forward.")
def lstm_backward(d_ltms, d_stms, events, ltm0, stm0, params, variant="lesson"):
    inputs, ltm, stm = [], ltm0, stm0
    for event in events:
        parts = lstm_cell_parts(ltm, stm, event, params, variant)
        ltm, stm = parts["new_ltm"], parts["new_stm"]
        inputs.append((ltm, stm, event))
    d_ltm, d_stm = np.zeros_like(ltm0), np.zeros_like(stm0)
    d_events = np.zeros(events.shape)
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    for t in range(len(events) - 1, -1, -1):
        ltm, stm, event = inputs[t]
        d_ltm, d_stm, d_events[t], step = lstm_cell_backward(d_ltms[t] + d_ltm, d_stms[t] + d_stm,
                                                             ltm, stm, event, params, variant)
        for k in grads:
            grads[k] = grads[k] + step[k]
    return d_ltm, d_stm, d_events, grads


@mistake("variant_not_passed",
         "With variant=\"standard\" your loop runs the lesson's cell: pass variant on to "
         "lstm_cell_parts and to lstm_cell_backward.")
def lstm_backward(d_ltms, d_stms, events, ltm0, stm0, params, variant="lesson"):
    inputs, ltm, stm = [], ltm0, stm0
    for event in events:
        inputs.append((ltm, stm, event))
        parts = lstm_cell_parts(ltm, stm, event, params)
        ltm, stm = parts["new_ltm"], parts["new_stm"]
    d_ltm, d_stm = np.zeros_like(ltm0), np.zeros_like(stm0)
    d_events = np.zeros(events.shape)
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    for t in range(len(events) - 1, -1, -1):
        ltm, stm, event = inputs[t]
        d_ltm, d_stm, d_events[t], step = lstm_cell_backward(d_ltms[t] + d_ltm, d_stms[t] + d_stm,
                                                             ltm, stm, event, params)
        for k in grads:
            grads[k] = grads[k] + step[k]
    return d_ltm, d_stm, d_events, grads


@mistake("upstream_changed",
         "Your loop adds the gradients each step hands back into d_ltms and d_stms, the caller's "
         "arrays, so they are changed after the call. Keep the running gradients in variables of "
         "your own: lstm_cell_backward(d_ltms[t] + d_ltm, d_stms[t] + d_stm, ...) makes new "
         "arrays.",
         changes="d_ltms")
def lstm_backward(d_ltms, d_stms, events, ltm0, stm0, params, variant="lesson"):
    inputs, ltm, stm = [], ltm0, stm0
    for event in events:
        inputs.append((ltm, stm, event))
        parts = lstm_cell_parts(ltm, stm, event, params, variant)
        ltm, stm = parts["new_ltm"], parts["new_stm"]
    d_events = np.zeros(events.shape)
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    for t in range(len(events) - 1, -1, -1):
        ltm, stm, event = inputs[t]
        d_ltm, d_stm, d_events[t], step = lstm_cell_backward(d_ltms[t], d_stms[t], ltm, stm, event,
                                                             params, variant)
        if t > 0:
            d_ltms[t - 1] += d_ltm
            d_stms[t - 1] += d_stm
        for k in grads:
            grads[k] = grads[k] + step[k]
    return d_ltm, d_stm, d_events, grads
