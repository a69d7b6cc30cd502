"""Lesson 05, the use gate: use_gate (the lesson's form), standard_use_gate (o ⊙ tanh(C))."""

import numpy as np

import solutions

from . import case, graded, mistake

LESSON = "05_use_gate"


def _weights(rng, H, X):
    """W_u (H, H), b_u (H,), W_v (H + X, H), b_v (H,), uniform in ±1.5/sqrt(H)."""
    k = 1.5 / np.sqrt(H)
    return (rng.uniform(-k, k, size=(H, H)), rng.uniform(-k, k, size=H),
            rng.uniform(-k, k, size=(H + X, H)), rng.uniform(-k, k, size=H))


def _use_args(rng, B, H, X):
    W_u, b_u, W_v, b_v = _weights(rng, H, X)
    return dict(kept=rng.normal(size=(B, H)), stm=rng.normal(size=(B, H)),
                event=rng.normal(size=(B, X)), W_u=W_u, b_u=b_u, W_v=W_v, b_v=b_v)


def _standard_args(rng, B, H, X):
    _, _, W_v, b_v = _weights(rng, H, X)
    return dict(ltm=rng.normal(size=(B, H)), stm=rng.normal(size=(B, H)),
                event=rng.normal(size=(B, X)), W_v=W_v, b_v=b_v)


# --- use_gate ----------------------------------------------------------------------

graded(solutions.use_gate, LESSON, takes=("BH", "BH", "BX", "HH weight", "H weight", "ZH weight", "H weight"))

@case("a batch of 3, hidden 4 and inputs 2: shape (3, 4) and values")
def _(rng):
    return _use_args(rng, 3, 4, 2)


@case("a batch of one, hidden 2 and inputs 5 (hidden ≠ inputs)")
def _(rng):
    return _use_args(rng, 1, 2, 5)


@case("with a kept LTM of zeros, U = tanh(b_u): only the bias reaches U")
def _(rng):
    args = _use_args(rng, 2, 3, 2)
    args["kept"] = np.zeros((2, 3))
    args["b_u"] = 2 * args["b_u"]
    return args


@case("with W_v and b_v zero, V = ½: the output is half of U (U alone)")
def _(rng):
    args = _use_args(rng, 2, 3, 2)
    args["W_v"], args["b_v"] = np.zeros((5, 3)), np.zeros(3)
    return args


@case("with zero STM and a zero event, V = σ(b_v): the bias alone opens the gate")
def _(rng):
    args = _use_args(rng, 2, 3, 3)
    args["stm"], args["event"] = np.zeros((2, 3)), np.zeros((2, 3))
    args["b_v"] = 2 * args["b_v"]
    return args


@case("with W_u = I and b_u = 0, U = tanh(kept): each unit read on its own")
def _(rng):
    args = _use_args(rng, 2, 3, 2)
    args["W_u"], args["b_u"] = np.eye(3), np.zeros(3)
    return args


@case("a long-term memory beyond ±1 (it is never squashed): the output stays in (-1, 1)")
def _(rng):
    args = _use_args(rng, 3, 3, 2)
    args["kept"] = 3 * args["kept"]
    return args


@mistake("tanh_sigmoid_swapped",
         "You swapped σ and tanh. U reads the long-term memory with tanh (what to say, in (-1, 1), "
         "sign included); V is the σ gate (how much of it to say, in (0, 1)): "
         "U = np.tanh(kept @ W_u + b_u), V = 1 / (1 + np.exp(-([stm, event] @ W_v + b_v))).")
def use_gate(kept, stm, event, W_u, b_u, W_v, b_v):
    U = 1 / (1 + np.exp(-(kept @ W_u + b_u)))
    V = np.tanh(np.concatenate([stm, event], axis=1) @ W_v + b_v)
    return U * V


@mistake("no_W_u",
         "Your U leaves out W_u. U is a small network of its own that reads the kept long-term "
         "memory through its (H, H) matrix: U = np.tanh(kept @ W_u + b_u).")
def use_gate(kept, stm, event, W_u, b_u, W_v, b_v):
    U = np.tanh(kept + b_u)
    V = 1 / (1 + np.exp(-(np.concatenate([stm, event], axis=1) @ W_v + b_v)))
    return U * V


@mistake("tanh_before_matrix",
         "You squashed the kept LTM before the matrix: tanh(kept) @ W_u + b_u. "
         "The tanh comes last: first kept @ W_u + b_u, then np.tanh of the whole.")
def use_gate(kept, stm, event, W_u, b_u, W_v, b_v):
    U = np.tanh(kept) @ W_u + b_u
    V = 1 / (1 + np.exp(-(np.concatenate([stm, event], axis=1) @ W_v + b_v)))
    return U * V


@mistake("sum_not_product",
         "You added U and V. The use gate multiplies them elementwise: V says how much of each "
         "unit of U to let out, so return U * V.")
def use_gate(kept, stm, event, W_u, b_u, W_v, b_v):
    U = np.tanh(kept @ W_u + b_u)
    V = 1 / (1 + np.exp(-(np.concatenate([stm, event], axis=1) @ W_v + b_v)))
    return U + V


@mistake("event_first",
         "You joined [event, stm], but W_v expects the short-term memory first: "
         "np.concatenate([stm, event], axis=1). Its first H rows act on the STM.")
def use_gate(kept, stm, event, W_u, b_u, W_v, b_v):
    U = np.tanh(kept @ W_u + b_u)
    V = 1 / (1 + np.exp(-(np.concatenate([event, stm], axis=1) @ W_v + b_v)))
    return U * V


@mistake("W_u_transposed",
         "Your U uses W_u transposed (kept @ W_u.T, PyTorch's x Wᵀ habit). W_u is square, so it "
         "runs, but each weight lands on the wrong pair of units. In this course weights act from "
         "the right as they are given: U = tanh(kept @ W_u + b_u).")
def use_gate(kept, stm, event, W_u, b_u, W_v, b_v):
    U = np.tanh(kept @ W_u.T + b_u)
    V = 1 / (1 + np.exp(-(np.concatenate([stm, event], axis=1) @ W_v + b_v)))
    return U * V


@mistake("V_reads_ltm",
         "Your V reads the long-term memory: you joined [kept, E]. V, like every gate factor, "
         "reads the short-term memory and the event: V = σ([STM, E] W_v + b_v), with "
         "np.concatenate([stm, event], axis=1). Only U reads what the LTM kept.")
def use_gate(kept, stm, event, W_u, b_u, W_v, b_v):
    U = np.tanh(kept @ W_u + b_u)
    V = 1 / (1 + np.exp(-(np.concatenate([kept, event], axis=1) @ W_v + b_v)))
    return U * V


@mistake("no_bias_u",
         "Your U leaves out the bias b_u: U = tanh(kept W_u + b_u), with b_u added after "
         "the matrix product and before the tanh.")
def use_gate(kept, stm, event, W_u, b_u, W_v, b_v):
    U = np.tanh(kept @ W_u)
    V = 1 / (1 + np.exp(-(np.concatenate([stm, event], axis=1) @ W_v + b_v)))
    return U * V


@mistake("no_bias_v",
         "Your V leaves out the bias b_v: V = σ([STM, E] W_v + b_v), with b_v added after "
         "the matrix product and before σ.")
def use_gate(kept, stm, event, W_u, b_u, W_v, b_v):
    U = np.tanh(kept @ W_u + b_u)
    V = 1 / (1 + np.exp(-(np.concatenate([stm, event], axis=1) @ W_v)))
    return U * V


# --- standard_use_gate ---------------------------------------------------------------

graded(solutions.standard_use_gate, LESSON, takes=("BH", "BH", "BX", "ZH weight", "H weight"))

@case("a batch of 3, hidden 4 and inputs 2: shape (3, 4) and values")
def _(rng):
    return _standard_args(rng, 3, 4, 2)


@case("a batch of one, hidden 2 and inputs 5 (hidden ≠ inputs)")
def _(rng):
    return _standard_args(rng, 1, 2, 5)


@case("with an empty long-term memory (zeros) there is nothing to output: zeros")
def _(rng):
    args = _standard_args(rng, 2, 3, 2)
    args["ltm"] = np.zeros((2, 3))
    return args


@case("with zero STM and a zero event, o = σ(b_v): the bias alone opens the gate")
def _(rng):
    args = _standard_args(rng, 2, 3, 3)
    args["stm"], args["event"] = np.zeros((2, 3)), np.zeros((2, 3))
    args["b_v"] = 2 * args["b_v"]
    return args


@case("with W_v and b_v zero, o = ½: the output is half of tanh(LTM)")
def _(rng):
    args = _standard_args(rng, 2, 3, 2)
    args["W_v"], args["b_v"] = np.zeros((5, 3)), np.zeros(3)
    return args


@case("a long-term memory beyond ±1 (it is never squashed): the output stays in (-1, 1)")
def _(rng):
    args = _standard_args(rng, 3, 3, 2)
    args["ltm"] = 3 * args["ltm"]
    return args


@mistake("no_tanh",
         "Your output is o ⊙ C, without the tanh. The long-term memory is never squashed and can "
         "grow past ±1; the output squashes it before gating: o * np.tanh(ltm).")
def standard_use_gate(ltm, stm, event, W_v, b_v):
    o = 1 / (1 + np.exp(-(np.concatenate([stm, event], axis=1) @ W_v + b_v)))
    return o * ltm


@mistake("sigmoid_of_ltm",
         "You squashed the long-term memory with σ. σ(C) lies in (0, 1) and loses the sign "
         "(forest or home); the output uses tanh(C): o * np.tanh(ltm).")
def standard_use_gate(ltm, stm, event, W_v, b_v):
    o = 1 / (1 + np.exp(-(np.concatenate([stm, event], axis=1) @ W_v + b_v)))
    return o * (1 / (1 + np.exp(-ltm)))


@mistake("tanh_gate",
         "Your o uses tanh where σ belongs. o is a gate, the fraction of each unit to let out, "
         "in (0, 1): o = 1 / (1 + np.exp(-([stm, event] @ W_v + b_v))).")
def standard_use_gate(ltm, stm, event, W_v, b_v):
    o = np.tanh(np.concatenate([stm, event], axis=1) @ W_v + b_v)
    return o * np.tanh(ltm)


@mistake("tanh_of_product",
         "You applied tanh to the product o ⊙ C. Squash the long-term memory first, then gate "
         "it: o * np.tanh(ltm).")
def standard_use_gate(ltm, stm, event, W_v, b_v):
    o = 1 / (1 + np.exp(-(np.concatenate([stm, event], axis=1) @ W_v + b_v)))
    return np.tanh(o * ltm)


@mistake("event_first",
         "You joined [event, stm], but W_v expects the short-term memory first: "
         "np.concatenate([stm, event], axis=1). Its first H rows act on the STM.")
def standard_use_gate(ltm, stm, event, W_v, b_v):
    o = 1 / (1 + np.exp(-(np.concatenate([event, stm], axis=1) @ W_v + b_v)))
    return o * np.tanh(ltm)


@mistake("dot_not_elementwise",
         "You combined o and tanh(LTM) with np.dot (and .T to make it fit), which gives (B, B), one "
         "number per pair of sequences. The output gate scales each unit on its own: "
         "o * np.tanh(ltm), shape (B, H).")
def standard_use_gate(ltm, stm, event, W_v, b_v):
    o = 1 / (1 + np.exp(-(np.concatenate([stm, event], axis=1) @ W_v + b_v)))
    return np.dot(o, np.tanh(ltm).T)
