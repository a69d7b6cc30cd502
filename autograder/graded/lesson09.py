"""Lesson 09, the GRU: gru_cell (PyTorch's GRUCell equations, batch first)."""

import numpy as np

import solutions

from . import case, graded, mistake

LESSON = "09_gru"


def _params(rng, H, X, scale=1.5):
    k = scale / np.sqrt(H)
    params = {}
    for g in "rzn":
        params["W_" + g] = rng.uniform(-k, k, size=(H + X, H))
        params["b_" + g] = rng.uniform(-k, k, size=H)
    params["b_hn"] = rng.uniform(-k, k, size=H)
    return params


graded(solutions.gru_cell, LESSON, takes=("BH", "BX", "gru_params"))


@case("a batch of 3 memories (hidden 4) and events (inputs 2): shape (3, 4) and values")
def _(rng):
    return dict(memory=rng.normal(size=(3, 4)), event=rng.normal(size=(3, 2)), params=_params(rng, 4, 2))


@case("a batch of one, hidden 2 and inputs 5 (hidden ≠ inputs)")
def _(rng):
    return dict(memory=rng.normal(size=(1, 2)), event=rng.normal(size=(1, 5)), params=_params(rng, 2, 5))


@case("keep factor z ≈ 1 (b_z = +30, W_z = 0): the new memory is the old one")
def _(rng):
    params = _params(rng, 3, 2)
    params["W_z"][:] = 0.0
    params["b_z"][:] = 30.0
    return dict(memory=rng.uniform(-0.9, 0.9, size=(2, 3)), event=rng.normal(size=(2, 2)), params=params)


@case("keep factor z ≈ 0 (b_z = −30, W_z = 0): the new memory is the candidate N alone")
def _(rng):
    params = _params(rng, 3, 2)
    params["W_z"][:] = 0.0
    params["b_z"][:] = -30.0
    return dict(memory=rng.normal(size=(2, 3)), event=rng.normal(size=(2, 2)), params=params)


@case("z ≈ 0 and reset r ≈ 0: the memory's part is shut out, M_t = tanh(E W_n[H:] + b_n)")
def _(rng):
    params = _params(rng, 3, 3)
    params["W_z"][:] = params["W_r"][:] = 0.0
    params["b_z"][:] = params["b_r"][:] = -30.0
    params["b_hn"][:] = 0.0
    return dict(memory=rng.normal(size=(2, 3)), event=rng.normal(size=(2, 3)), params=params)


@case("a zero event: only the memory and the biases count")
def _(rng):
    return dict(memory=rng.normal(size=(2, 3)), event=np.zeros((2, 2)), params=_params(rng, 3, 2))


@mistake("reset_whole_candidate",
         "Your reset factor r multiplies the whole candidate, the event's part and b_n included. "
         "r scales only the memory's part: N = tanh(E W_n[H:] + b_n + r ⊙ (M W_n[:H] + b_hn)), "
         "with W_n[:H] the rows that act on the memory M and W_n[H:] the rows that act on the event E.")
def gru_cell(memory, event, params):
    sig = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731
    joined = np.concatenate([memory, event], axis=1)
    r = sig(joined @ params["W_r"] + params["b_r"])
    z = sig(joined @ params["W_z"] + params["b_z"])
    N = np.tanh(r * (joined @ params["W_n"] + params["b_n"] + params["b_hn"]))
    return (1 - z) * N + z * memory


@mistake("reset_before_product",
         "You applied r to the memory before the product, tanh([r ⊙ M, E] W_n + ...). That is the "
         "form of Colah's post and of the GRU paper's final version, but this course follows "
         "PyTorch's GRUCell: r scales the memory's part after the product, "
         "N = tanh(E W_n[H:] + b_n + r ⊙ (M W_n[:H] + b_hn)).")
def gru_cell(memory, event, params):
    sig = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731
    joined = np.concatenate([memory, event], axis=1)
    r = sig(joined @ params["W_r"] + params["b_r"])
    z = sig(joined @ params["W_z"] + params["b_z"])
    N = np.tanh(np.concatenate([r * memory, event], axis=1) @ params["W_n"] + params["b_n"] + params["b_hn"])
    return (1 - z) * N + z * memory


@mistake("z_swapped",
         "Your z and 1 − z are swapped: you computed z ⊙ N + (1 − z) ⊙ M. Here z is the keep "
         "factor, as in PyTorch: M_t = (1 − z) ⊙ N + z ⊙ M, so z ≈ 1 keeps the old memory. "
         "(Some texts, Colah's post among them, swap the roles; this course's checks follow PyTorch.)")
def gru_cell(memory, event, params):
    sig = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731
    H = memory.shape[1]
    joined = np.concatenate([memory, event], axis=1)
    r = sig(joined @ params["W_r"] + params["b_r"])
    z = sig(joined @ params["W_z"] + params["b_z"])
    N = np.tanh(event @ params["W_n"][H:] + params["b_n"] + r * (memory @ params["W_n"][:H] + params["b_hn"]))
    return z * N + (1 - z) * memory


@mistake("sigmoid_candidate",
         "Your candidate N uses σ where tanh belongs. σ gives only values in (0, 1), so the memory "
         "could never be written negative (\"home\"): use np.tanh for N, and σ for r and z.")
def gru_cell(memory, event, params):
    sig = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731
    H = memory.shape[1]
    joined = np.concatenate([memory, event], axis=1)
    r = sig(joined @ params["W_r"] + params["b_r"])
    z = sig(joined @ params["W_z"] + params["b_z"])
    N = sig(event @ params["W_n"][H:] + params["b_n"] + r * (memory @ params["W_n"][:H] + params["b_hn"]))
    return (1 - z) * N + z * memory


@mistake("no_b_hn",
         "Your candidate leaves out b_hn. It belongs inside the reset, next to the memory's part: "
         "N = tanh(E W_n[H:] + b_n + r ⊙ (M W_n[:H] + b_hn)).")
def gru_cell(memory, event, params):
    sig = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731
    H = memory.shape[1]
    joined = np.concatenate([memory, event], axis=1)
    r = sig(joined @ params["W_r"] + params["b_r"])
    z = sig(joined @ params["W_z"] + params["b_z"])
    N = np.tanh(event @ params["W_n"][H:] + params["b_n"] + r * (memory @ params["W_n"][:H]))
    return (1 - z) * N + z * memory


@mistake("b_hn_outside_reset",
         "You added b_hn outside the reset, next to b_n. It belongs inside, so that r scales it "
         "too: r ⊙ (M W_n[:H] + b_hn). That is why the candidate has two biases.")
def gru_cell(memory, event, params):
    sig = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731
    H = memory.shape[1]
    joined = np.concatenate([memory, event], axis=1)
    r = sig(joined @ params["W_r"] + params["b_r"])
    z = sig(joined @ params["W_z"] + params["b_z"])
    N = np.tanh(event @ params["W_n"][H:] + params["b_n"] + params["b_hn"] + r * (memory @ params["W_n"][:H]))
    return (1 - z) * N + z * memory


@mistake("event_first",
         "You joined [event, memory], but every W expects the memory first: np.concatenate([memory, event], axis=1). "
         "The first H rows of a W act on the memory and the last X on the event; for the candidate, "
         "W_n[:H] goes with the memory and W_n[H:] with the event.")
def gru_cell(memory, event, params):
    sig = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731
    X = event.shape[1]
    joined = np.concatenate([event, memory], axis=1)
    r = sig(joined @ params["W_r"] + params["b_r"])
    z = sig(joined @ params["W_z"] + params["b_z"])
    N = np.tanh(event @ params["W_n"][:X] + params["b_n"] + r * (memory @ params["W_n"][X:] + params["b_hn"]))
    return (1 - z) * N + z * memory


@mistake("r_z_swapped",
         "Your reset and keep factors use each other's weights (PyTorch stacks the GRU's blocks as "
         "r, z, n, easy to read off in the wrong order). r = σ([M, E] W_r + b_r) scales the memory's "
         "part of the candidate; z = σ([M, E] W_z + b_z) mixes the old memory with the candidate.")
def gru_cell(memory, event, params):
    sig = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731
    H = memory.shape[1]
    joined = np.concatenate([memory, event], axis=1)
    r = sig(joined @ params["W_z"] + params["b_z"])
    z = sig(joined @ params["W_r"] + params["b_r"])
    N = np.tanh(event @ params["W_n"][H:] + params["b_n"] + r * (memory @ params["W_n"][:H] + params["b_hn"]))
    return (1 - z) * N + z * memory


@mistake("d2l_candidate",
         "You wrote d2l's GRU candidate: r applied to the memory before the product, with one bias. "
         "This course follows PyTorch's GRUCell: r scales the memory's part after the product, and "
         "that part has its own bias b_hn: N = tanh(E W_n[H:] + b_n + r ⊙ (M W_n[:H] + b_hn)).")
def gru_cell(memory, event, params):
    sig = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731
    joined = np.concatenate([memory, event], axis=1)
    r = sig(joined @ params["W_r"] + params["b_r"])
    z = sig(joined @ params["W_z"] + params["b_z"])
    N = np.tanh(np.concatenate([r * memory, event], axis=1) @ params["W_n"] + params["b_n"])
    return (1 - z) * N + z * memory
