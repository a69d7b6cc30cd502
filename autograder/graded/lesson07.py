"""Lesson 07, backpropagation through time: lstm_cell_backward, gradient_check."""

import numpy as np

import solutions
from lessonkit.testfunctions import log_sum_exp, squashed_product, sum_of_sines, weighted_squares

from . import case, graded, mistake

LESSON = "07_backprop"


def _params(rng, H, X):
    """Lesson-variant LSTM parameters, a little larger than the hidden tests' draws."""
    k = 1.5 / np.sqrt(H)
    params = {}
    for g in "nifv":
        params["W_" + g] = rng.uniform(-k, k, size=(H + X, H))
        params["b_" + g] = rng.uniform(-k, k, size=H)
    params["W_u"], params["b_u"] = rng.uniform(-k, k, size=(H, H)), rng.uniform(-k, k, size=H)
    return params


def _cell_args(rng, B, H, X, d_ltm=True, d_stm=True, ltm=True):
    return dict(d_ltm=rng.normal(size=(B, H)) if d_ltm else np.zeros((B, H)),
                d_stm=rng.normal(size=(B, H)) if d_stm else np.zeros((B, H)),
                ltm=rng.normal(size=(B, H)) if ltm else np.zeros((B, H)),
                stm=rng.normal(size=(B, H)), event=rng.normal(size=(B, X)), params=_params(rng, H, X))


# --- lstm_cell_backward -----------------------------------------------------------

graded(solutions.lstm_cell_backward, LESSON, takes=("BH", "BH", "BH", "BH", "BX", "lstm_params"),
       outputs=("d_ltm_prev", "d_stm_prev", "d_event", "grads"))

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


@mistake("ltm_prev_without_f",
         "Your d_ltm_prev skips the forget factor. LTM_{t-1} reaches the rest of the cell only as "
         "F = LTM_{t-1} ⊙ f, so d_ltm_prev = dF ⊙ f, where dF is the gradient on the forgotten memory F.")
def lstm_cell_backward(d_ltm, d_stm, ltm, stm, event, params, variant="lesson"):
    p, H = params, ltm.shape[1]
    z = np.concatenate([stm, event], axis=1)
    N = np.tanh(z @ p["W_n"] + p["b_n"])
    i = 0.5 * (1 + np.tanh(0.5 * (z @ p["W_i"] + p["b_i"])))
    f = 0.5 * (1 + np.tanh(0.5 * (z @ p["W_f"] + p["b_f"])))
    V = 0.5 * (1 + np.tanh(0.5 * (z @ p["W_v"] + p["b_v"])))
    F = ltm * f
    U = np.tanh(F @ p["W_u"] + p["b_u"])
    dA_u = d_stm * V * (1 - U**2)
    dF = d_ltm + dA_u @ p["W_u"].T
    dA = {"n": d_ltm * i * (1 - N**2), "i": d_ltm * N * i * (1 - i),
          "f": dF * ltm * f * (1 - f), "v": d_stm * U * V * (1 - V)}
    grads = {"W_u": F.T @ dA_u, "b_u": dA_u.sum(axis=0)}
    dz = 0
    for g in "nifv":
        grads["W_" + g], grads["b_" + g] = z.T @ dA[g], dA[g].sum(axis=0)
        dz = dz + dA[g] @ p["W_" + g].T
    return dF, dz[:, :H], dz[:, H:], {k: grads[k] for k in p}


@mistake("use_path_dropped",
         "Your gradient on the forgotten memory F leaves out the use gate. F feeds two gates: the "
         "remember gate (LTM_t = F + N ⊙ i) and the use gate (U = tanh(F W_u + b_u)). A value used "
         "twice gets both gradients added: dF = d_ltm + dA_u @ W_u.T.")
def lstm_cell_backward(d_ltm, d_stm, ltm, stm, event, params, variant="lesson"):
    p, H = params, ltm.shape[1]
    z = np.concatenate([stm, event], axis=1)
    N = np.tanh(z @ p["W_n"] + p["b_n"])
    i = 0.5 * (1 + np.tanh(0.5 * (z @ p["W_i"] + p["b_i"])))
    f = 0.5 * (1 + np.tanh(0.5 * (z @ p["W_f"] + p["b_f"])))
    V = 0.5 * (1 + np.tanh(0.5 * (z @ p["W_v"] + p["b_v"])))
    F = ltm * f
    U = np.tanh(F @ p["W_u"] + p["b_u"])
    dA_u = d_stm * V * (1 - U**2)
    dF = d_ltm
    dA = {"n": d_ltm * i * (1 - N**2), "i": d_ltm * N * i * (1 - i),
          "f": dF * ltm * f * (1 - f), "v": d_stm * U * V * (1 - V)}
    grads = {"W_u": F.T @ dA_u, "b_u": dA_u.sum(axis=0)}
    dz = 0
    for g in "nifv":
        grads["W_" + g], grads["b_" + g] = z.T @ dA[g], dA[g].sum(axis=0)
        dz = dz + dA[g] @ p["W_" + g].T
    return dF * f, dz[:, :H], dz[:, H:], {k: grads[k] for k in p}


@mistake("sigmoid_slope",
         "You used σ itself as the slope of σ. The derivative of σ(a) is σ(a)(1 − σ(a)): "
         "multiply by i * (1 - i), f * (1 - f) and V * (1 - V).")
def lstm_cell_backward(d_ltm, d_stm, ltm, stm, event, params, variant="lesson"):
    p, H = params, ltm.shape[1]
    z = np.concatenate([stm, event], axis=1)
    N = np.tanh(z @ p["W_n"] + p["b_n"])
    i = 0.5 * (1 + np.tanh(0.5 * (z @ p["W_i"] + p["b_i"])))
    f = 0.5 * (1 + np.tanh(0.5 * (z @ p["W_f"] + p["b_f"])))
    V = 0.5 * (1 + np.tanh(0.5 * (z @ p["W_v"] + p["b_v"])))
    F = ltm * f
    U = np.tanh(F @ p["W_u"] + p["b_u"])
    dA_u = d_stm * V * (1 - U**2)
    dF = d_ltm + dA_u @ p["W_u"].T
    dA = {"n": d_ltm * i * (1 - N**2), "i": d_ltm * N * i,
          "f": dF * ltm * f, "v": d_stm * U * V}
    grads = {"W_u": F.T @ dA_u, "b_u": dA_u.sum(axis=0)}
    dz = 0
    for g in "nifv":
        grads["W_" + g], grads["b_" + g] = z.T @ dA[g], dA[g].sum(axis=0)
        dz = dz + dA[g] @ p["W_" + g].T
    return dF * f, dz[:, :H], dz[:, H:], {k: grads[k] for k in p}


@mistake("tanh_slope_not_squared",
         "You used 1 − tanh as the slope of tanh. The derivative of tanh(a) is 1 − tanh(a)²: "
         "multiply by (1 - N**2) and (1 - U**2).")
def lstm_cell_backward(d_ltm, d_stm, ltm, stm, event, params, variant="lesson"):
    p, H = params, ltm.shape[1]
    z = np.concatenate([stm, event], axis=1)
    N = np.tanh(z @ p["W_n"] + p["b_n"])
    i = 0.5 * (1 + np.tanh(0.5 * (z @ p["W_i"] + p["b_i"])))
    f = 0.5 * (1 + np.tanh(0.5 * (z @ p["W_f"] + p["b_f"])))
    V = 0.5 * (1 + np.tanh(0.5 * (z @ p["W_v"] + p["b_v"])))
    F = ltm * f
    U = np.tanh(F @ p["W_u"] + p["b_u"])
    dA_u = d_stm * V * (1 - U)
    dF = d_ltm + dA_u @ p["W_u"].T
    dA = {"n": d_ltm * i * (1 - N), "i": d_ltm * N * i * (1 - i),
          "f": dF * ltm * f * (1 - f), "v": d_stm * U * V * (1 - V)}
    grads = {"W_u": F.T @ dA_u, "b_u": dA_u.sum(axis=0)}
    dz = 0
    for g in "nifv":
        grads["W_" + g], grads["b_" + g] = z.T @ dA[g], dA[g].sum(axis=0)
        dz = dz + dA[g] @ p["W_" + g].T
    return dF * f, dz[:, :H], dz[:, H:], {k: grads[k] for k in p}


@mistake("weight_gradients_transposed",
         "Your weight gradients have the shape of W transposed. For a = z W + b the gradient is "
         "dW = zᵀ dA, shaped like W (H + X, H): z.T @ dA, not dA.T @ z (and F.T @ dA_u for W_u).")
def lstm_cell_backward(d_ltm, d_stm, ltm, stm, event, params, variant="lesson"):
    p, H = params, ltm.shape[1]
    z = np.concatenate([stm, event], axis=1)
    N = np.tanh(z @ p["W_n"] + p["b_n"])
    i = 0.5 * (1 + np.tanh(0.5 * (z @ p["W_i"] + p["b_i"])))
    f = 0.5 * (1 + np.tanh(0.5 * (z @ p["W_f"] + p["b_f"])))
    V = 0.5 * (1 + np.tanh(0.5 * (z @ p["W_v"] + p["b_v"])))
    F = ltm * f
    U = np.tanh(F @ p["W_u"] + p["b_u"])
    dA_u = d_stm * V * (1 - U**2)
    dF = d_ltm + dA_u @ p["W_u"].T
    dA = {"n": d_ltm * i * (1 - N**2), "i": d_ltm * N * i * (1 - i),
          "f": dF * ltm * f * (1 - f), "v": d_stm * U * V * (1 - V)}
    grads = {"W_u": dA_u.T @ F, "b_u": dA_u.sum(axis=0)}
    dz = 0
    for g in "nifv":
        grads["W_" + g], grads["b_" + g] = dA[g].T @ z, dA[g].sum(axis=0)
        dz = dz + dA[g] @ p["W_" + g].T
    return dF * f, dz[:, :H], dz[:, H:], {k: grads[k] for k in p}


@mistake("bias_not_summed",
         "Your bias gradients keep one row per example. Every example in the batch uses the same b, "
         "so their gradients add up: dA.sum(axis=0), shape (H,) like b.")
def lstm_cell_backward(d_ltm, d_stm, ltm, stm, event, params, variant="lesson"):
    p, H = params, ltm.shape[1]
    z = np.concatenate([stm, event], axis=1)
    N = np.tanh(z @ p["W_n"] + p["b_n"])
    i = 0.5 * (1 + np.tanh(0.5 * (z @ p["W_i"] + p["b_i"])))
    f = 0.5 * (1 + np.tanh(0.5 * (z @ p["W_f"] + p["b_f"])))
    V = 0.5 * (1 + np.tanh(0.5 * (z @ p["W_v"] + p["b_v"])))
    F = ltm * f
    U = np.tanh(F @ p["W_u"] + p["b_u"])
    dA_u = d_stm * V * (1 - U**2)
    dF = d_ltm + dA_u @ p["W_u"].T
    dA = {"n": d_ltm * i * (1 - N**2), "i": d_ltm * N * i * (1 - i),
          "f": dF * ltm * f * (1 - f), "v": d_stm * U * V * (1 - V)}
    grads = {"W_u": F.T @ dA_u, "b_u": dA_u}
    dz = 0
    for g in "nifv":
        grads["W_" + g], grads["b_" + g] = z.T @ dA[g], dA[g]
        dz = dz + dA[g] @ p["W_" + g].T
    return dF * f, dz[:, :H], dz[:, H:], {k: grads[k] for k in p}


# --- gradient_check ----------------------------------------------------------------

graded(solutions.gradient_check, LESSON, takes=("function", "BH", "BH", "positive"))
# Each case passes one of lessonkit.testfunctions (stored by name) and, mostly, its exact
# gradient, so that a right answer is near 1e-10 and each mistake lands far from it.

def _weights_of(x):
    return np.arange(1, x.size + 1).reshape(x.shape)


@case("weighted_squares with its exact gradient, x (3, 4), h = 1e-6: an error far below 1e-7")
def _(rng):
    x = rng.normal(size=(3, 4))
    return dict(f=weighted_squares, x=x, analytic=_weights_of(x) * x, h=1e-6)


@case("log_sum_exp with its exact gradient (the softmax), x (2, 5): an error far below 1e-7")
def _(rng):
    x = rng.normal(size=(2, 5))
    e = np.exp(x - x.max())
    return dict(f=log_sum_exp, x=x, analytic=e / e.sum(), h=1e-6)


@case("squashed_product with one entry of the gradient's sign flipped: an error far above 1e-2")
def _(rng):
    x = rng.normal(size=(2, 3))
    exact = (1 - np.tanh(x) ** 2) * np.roll(x, 1) + np.roll(np.tanh(x), -1)
    exact[0, 1] = -exact[0, 1]
    return dict(f=squashed_product, x=x, analytic=exact, h=1e-6)


@case("a large step, h = 0.1, on sum_of_sines: central differences are off by about h²/6")
def _(rng):
    x = rng.normal(size=(4, 2))
    return dict(f=sum_of_sines, x=x, analytic=np.cos(x), h=0.1)


@case("a zero analytic gradient against a nonzero numeric one: a relative error of exactly 1")
def _(rng):
    x = rng.normal(size=(2, 3))
    return dict(f=sum_of_sines, x=x, analytic=np.zeros_like(x), h=1e-6)


@case("both gradients zero (weighted_squares at x = 0): the error is 0, not 0/0")
def _(rng):
    return dict(f=weighted_squares, x=np.zeros((2, 2)), analytic=np.zeros((2, 2)), h=1e-6)


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


@mistake("all_entries_at_once",
         "You moved every entry of x at once, which gives one slope (along the all-ones direction) "
         "copied into every entry. Move one entry at a time: loop over np.ndindex(x.shape).")
def gradient_check(f, x, analytic, h=1e-6):
    numeric = np.full(x.shape, (f(x + h) - f(x - h)) / (2 * h))
    scale = max(np.linalg.norm(analytic), np.linalg.norm(numeric))
    return 0.0 if scale == 0 else float(np.linalg.norm(analytic - numeric) / scale)
