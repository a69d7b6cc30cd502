"""Lesson 03, the forget gate: forget_gate, memory_half_life."""

import numpy as np

import solutions

from . import case, gate_weights, graded, mistake

LESSON = "03_forget_gate"


# --- forget_gate ------------------------------------------------------------------

graded(solutions.forget_gate, LESSON, takes=("BH", "BH", "BX", "ZH weight", "H weight"))

@case("a batch of 3, hidden 4 and inputs 2: shape (3, 4) and values")
def _(rng):
    W, b = gate_weights(rng, 4, 2)
    return dict(ltm=rng.normal(size=(3, 4)), stm=rng.normal(size=(3, 4)), event=rng.normal(size=(3, 2)),
                W_f=W, b_f=b)


@case("a batch of one, hidden 2 and inputs 5 (hidden ≠ inputs)")
def _(rng):
    W, b = gate_weights(rng, 2, 5)
    return dict(ltm=rng.normal(size=(1, 2)), stm=rng.normal(size=(1, 2)), event=rng.normal(size=(1, 5)),
                W_f=W, b_f=b)


@case("an LTM of ones shows the forget factor f itself, each entry in (0, 1)")
def _(rng):
    W, b = gate_weights(rng, 3, 2)
    return dict(ltm=np.ones((2, 3)), stm=rng.normal(size=(2, 3)), event=rng.normal(size=(2, 2)),
                W_f=2 * W, b_f=b)


@case("with a zero STM, only the event and the bias decide what is kept")
def _(rng):
    W, b = gate_weights(rng, 3, 3)
    return dict(ltm=rng.normal(size=(2, 3)), stm=np.zeros((2, 3)), event=rng.normal(size=(2, 3)),
                W_f=W, b_f=b)


@case("with zero STM and a zero event, f = σ(b_f): the bias alone decides")
def _(rng):
    W, b = gate_weights(rng, 3, 2)
    return dict(ltm=rng.normal(size=(2, 3)), stm=np.zeros((2, 3)), event=np.zeros((2, 2)),
                W_f=W, b_f=2 * b)


@case("a large positive bias (+30) keeps the whole LTM")
def _(rng):
    W, b = gate_weights(rng, 3, 2)
    return dict(ltm=rng.normal(size=(2, 3)), stm=rng.normal(size=(2, 3)), event=rng.normal(size=(2, 2)),
                W_f=W, b_f=np.full(3, 30.0))


@mistake("tanh_for_sigmoid",
         "Your forget factor uses tanh where σ belongs. tanh lies in (-1, 1), so it can flip the "
         "sign of the memory; f must be a fraction in (0, 1): f = 1 / (1 + np.exp(-a_f)), with "
         "a_f = [STM, E] W_f + b_f.")
def forget_gate(ltm, stm, event, W_f, b_f):
    return ltm * np.tanh(np.concatenate([stm, event], axis=1) @ W_f + b_f)


@mistake("factor_only",
         "You returned the forget factor f alone. The gate's output is what the memory keeps: "
         "multiply it with the long-term memory, ltm * f.")
def forget_gate(ltm, stm, event, W_f, b_f):
    return 1 / (1 + np.exp(-(np.concatenate([stm, event], axis=1) @ W_f + b_f)))


@mistake("event_first",
         "You joined [event, stm], but W_f expects the short-term memory first: "
         "np.concatenate([stm, event], axis=1). Its first H rows act on the STM.")
def forget_gate(ltm, stm, event, W_f, b_f):
    return ltm / (1 + np.exp(-(np.concatenate([event, stm], axis=1) @ W_f + b_f)))


@mistake("no_bias",
         "Your forget factor leaves out the bias b_f: f = σ([STM, E] W_f + b_f), with b_f added "
         "after the matrix product and before σ.")
def forget_gate(ltm, stm, event, W_f, b_f):
    return ltm / (1 + np.exp(-(np.concatenate([stm, event], axis=1) @ W_f)))


@mistake("one_minus_f",
         "You multiplied the memory by 1 − f, so it keeps what it should forget. f is the fraction "
         "kept (1 keeps, 0 forgets): return ltm * f.")
def forget_gate(ltm, stm, event, W_f, b_f):
    return ltm * (1 - 1 / (1 + np.exp(-(np.concatenate([stm, event], axis=1) @ W_f + b_f))))


@mistake("ltm_changed_in_place",
         "You wrote ltm *= f, which changes the caller's long-term memory in place: the LTM the "
         "rest of the cell (and the plot of the previous step) reads is gone. Return a new array: "
         "return ltm * f.", changes="ltm")
def forget_gate(ltm, stm, event, W_f, b_f):
    ltm *= 1 / (1 + np.exp(-(np.concatenate([stm, event], axis=1) @ W_f + b_f)))
    return ltm


@mistake("gate_reads_ltm",
         "Your forget factor reads the long-term memory: you joined [LTM, E]. Every gate reads the "
         "short-term memory and the event, f = σ([STM, E] W_f + b_f); the LTM is only what f "
         "multiplies: np.concatenate([stm, event], axis=1).")
def forget_gate(ltm, stm, event, W_f, b_f):
    return ltm / (1 + np.exp(-(np.concatenate([ltm, event], axis=1) @ W_f + b_f)))


@mistake("dot_not_elementwise",
         "You combined f and the LTM with np.dot (transposed so that the shapes fit), which mixes "
         "every row with every other: the result is (B, B), one number per pair of sequences. f "
         "keeps a fraction of each unit: ltm * f, elementwise, shape (B, H).")
def forget_gate(ltm, stm, event, W_f, b_f):
    f = 1 / (1 + np.exp(-(np.concatenate([stm, event], axis=1) @ W_f + b_f)))
    return np.dot(f, ltm.T)


# --- memory_half_life -------------------------------------------------------------

graded(solutions.memory_half_life, LESSON, takes=("BH factor",))

@case("known values: f = 0.5 halves in 1 step, 0.25 in half a step, 0.99 in about 69")
def _(rng):
    return dict(f=np.array([0.5, 0.25, 0.9, 0.99]))


@case("a batch of factors, shape (3, 4): same shape, real (not whole) numbers of steps")
def _(rng):
    return dict(f=rng.uniform(0.05, 0.95, size=(3, 4)))


@case("a single factor, f = 0.7, given as a plain float")
def _(rng):
    return dict(f=0.7)


@case("f near 0 (down to 1e-310) halves within a step, with no warning")
def _(rng):
    return dict(f=np.array([1e-12, 1e-100, 1e-310]))


@case("f = 1 never fades: np.inf everywhere, with no warning")
def _(rng):
    return dict(f=np.ones((2, 3)))


@mistake("e_folding_time",
         "You computed −1 / ln f, the steps until 1/e ≈ 0.37 of the memory is left. We want the steps "
         "until one half is left: solve f^t = 1/2, t = ln(1/2) / ln(f).")
def memory_half_life(f):
    f = np.asarray(f, dtype=float)
    return np.divide(-1.0, np.log(f), out=np.full(f.shape, np.inf), where=f < 1)


@mistake("ratio_flipped",
         "Your ratio is upside down: ln(f) / ln(1/2) is the fraction of a half-life that one step "
         "takes. Solve f^t = 1/2 for t: t = ln(1/2) / ln(f).")
def memory_half_life(f):
    f = np.asarray(f, dtype=float)
    return np.log(f) / np.log(0.5)


@mistake("linear_fading",
         "You treated the fading as linear, losing 1 − f of the start every step: 0.5 / (1 − f). "
         "Forgetting compounds: each step keeps f of what is left, so t steps keep f^t. "
         "Solve f^t = 1/2: t = ln(1/2) / ln(f).")
def memory_half_life(f):
    f = np.asarray(f, dtype=float)
    return np.divide(0.5, 1 - f, out=np.full(f.shape, np.inf), where=f < 1)


@mistake("whole_steps",
         "Your half-lives are whole numbers of steps. Return the exact real number "
         "t = ln(1/2) / ln(f) without rounding it (0.9 gives about 6.58 steps, not 7).")
def memory_half_life(f):
    f = np.asarray(f, dtype=float)
    return np.ceil(np.divide(np.log(0.5), np.log(f), out=np.full(f.shape, np.inf), where=f < 1))
