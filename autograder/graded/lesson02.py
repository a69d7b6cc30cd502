"""Lesson 02, the learn gate: sigmoid, learn_gate."""

import numpy as np

import solutions

from . import case, gate_weights, graded, mistake

LESSON = "02_learn_gate"
sigmoid = solutions.sigmoid  # what the mistakes of learn_gate call


# --- sigmoid ----------------------------------------------------------------------

graded(solutions.sigmoid, LESSON, takes=("TBZZ wide",))

@case("extreme inputs ±1000, ±710, ±50 and 0: about 0, 1 and exactly 0.5, "
                 "with no overflow warning")
def _(rng):
    return dict(x=np.array([-1000.0, -710.0, -50.0, -1.0, 0.0, 1.0, 50.0, 710.0, 1000.0]))


@case("a (3, 4) array of ordinary values: σ of each entry, same shape")
def _(rng):
    return dict(x=rng.normal(scale=2.0, size=(3, 4)))


@case("a (2, 3, 5) array of values between -30 and 30: any shape works")
def _(rng):
    return dict(x=rng.uniform(-30, 30, size=(2, 3, 5)))


@mistake("sign_flipped",
         "Your σ goes down where it should go up: 1 / (1 + exp(x)) is σ(-x) = 1 - σ(x). "
         "The exponent is -x: σ(x) = 1 / (1 + exp(-x)), so σ(5) is close to 1 and σ(-5) close to 0.")
def sigmoid(x):
    return 1 / (1 + np.exp(x))


@mistake("tanh_for_sigmoid",
         "You returned tanh(x). tanh lives between -1 and 1 with tanh(0) = 0; σ lives between "
         "0 and 1 with σ(0) = 0.5. Compute σ(x) = 1 / (1 + exp(-x)), in a form that cannot overflow.")
def sigmoid(x):
    return np.tanh(x)


@mistake("minus_in_denominator",
         "Your denominator is 1 - exp(-x); it is 1 + exp(-x). With a minus, σ(0) divides by "
         "zero and the values leave the range (0, 1).")
def sigmoid(x):
    return 1 / (1 - np.exp(-x))


@mistake("missing_parentheses",
         "Your σ is 1 + exp(-x): 1 / 1 + np.exp(-x) divides 1 by 1 first. Put the whole "
         "denominator in parentheses, σ(x) = 1 / (1 + exp(-x)), in a form that never overflows.")
def sigmoid(x):
    return 1 / 1 + np.exp(-x)


@mistake("naive_overflow",
         "1 / (1 + exp(-x)) is the right formula, but exp(-x) overflows for x below about -710 "
         "and numpy prints a warning. Only ever take exp of -|x|: with e = exp(-|x|), "
         "σ is 1 / (1 + e) where x >= 0 and e / (1 + e) where x < 0.", warns=True)
def sigmoid(x):
    return 1 / (1 + np.exp(-x))


@mistake("naive_overflow_positive",
         "exp(x) / (1 + exp(x)) is σ on paper, but exp(x) overflows for x above about 710 "
         "(and inf / inf is NaN). Only ever take exp of -|x|: with e = exp(-|x|), "
         "σ is 1 / (1 + e) where x >= 0 and e / (1 + e) where x < 0.", warns=True)
def sigmoid(x):
    return np.exp(x) / (1 + np.exp(x))


# --- learn_gate -------------------------------------------------------------------

graded(solutions.learn_gate, LESSON, takes=("BH", "BX", "ZH weight", "H weight", "ZH weight", "H weight"),
       depends=("sigmoid",))

@case("a batch of 3 (hidden 4, inputs 2): shape (3, 4) and values")
def _(rng):
    W_n, b_n = gate_weights(rng, 4, 2)
    W_i, b_i = gate_weights(rng, 4, 2)
    return dict(stm=rng.normal(size=(3, 4)), event=rng.normal(size=(3, 2)),
                W_n=W_n, b_n=b_n, W_i=W_i, b_i=b_i)


@case("a batch of one, hidden 2 and inputs 5 (hidden ≠ inputs)")
def _(rng):
    W_n, b_n = gate_weights(rng, 2, 5)
    W_i, b_i = gate_weights(rng, 2, 5)
    return dict(stm=rng.normal(size=(1, 2)), event=rng.normal(size=(1, 5)),
                W_n=W_n, b_n=b_n, W_i=W_i, b_i=b_i)


@case("ignore factor wide open (W_i = 0, b_i = 30, so i ≈ 1): "
                    "the output is the new information N alone")
def _(rng):
    W_n, b_n = gate_weights(rng, 3, 2)
    return dict(stm=rng.normal(size=(2, 3)), event=rng.normal(size=(2, 2)),
                W_n=W_n, b_n=b_n, W_i=np.zeros((5, 3)), b_i=np.full(3, 30.0))


@case("a constant candidate (W_n = 0, so N = tanh(b_n) in every row): "
                    "the output follows the ignore factor i alone")
def _(rng):
    W_i, b_i = gate_weights(rng, 3, 2)
    return dict(stm=rng.normal(size=(3, 3)), event=rng.normal(size=(3, 2)),
                W_n=np.zeros((5, 3)), b_n=np.array([0.8, -0.6, 1.2]), W_i=W_i, b_i=b_i)


@case("ignore factor set by its bias alone (W_i = 0): unit 0 closed (keeps "
                    "nothing), unit 1 wide open (keeps all), unit 2 halfway (keeps half)")
def _(rng):
    W_n, b_n = gate_weights(rng, 3, 2)
    return dict(stm=rng.normal(size=(2, 3)), event=rng.normal(size=(2, 2)),
                W_n=W_n, b_n=b_n, W_i=np.zeros((5, 3)), b_i=np.array([-30.0, 30.0, 0.0]))


@case("a zero STM: only the event and the biases count")
def _(rng):
    W_n, b_n = gate_weights(rng, 3, 3)
    W_i, b_i = gate_weights(rng, 3, 3)
    return dict(stm=np.zeros((2, 3)), event=rng.normal(size=(2, 3)),
                W_n=W_n, b_n=b_n, W_i=W_i, b_i=b_i)


@case("a zero event: only the STM and the biases count")
def _(rng):
    W_n, b_n = gate_weights(rng, 3, 2)
    W_i, b_i = gate_weights(rng, 3, 2)
    return dict(stm=rng.normal(size=(2, 3)), event=np.zeros((2, 2)),
                W_n=W_n, b_n=b_n, W_i=W_i, b_i=b_i)


@mistake("sigmoid_tanh_swapped",
         "You swapped σ and tanh. The new information N uses tanh (it can be negative), "
         "the ignore factor i uses σ (a fraction to keep, between 0 and 1): "
         "N = tanh([STM, E] W_n + b_n), i = sigmoid([STM, E] W_i + b_i).")
def learn_gate(stm, event, W_n, b_n, W_i, b_i):
    joined = np.concatenate([stm, event], axis=1)
    return sigmoid(joined @ W_n + b_n) * np.tanh(joined @ W_i + b_i)


@mistake("tanh_for_ignore",
         "Your ignore factor uses tanh, so it can go negative and flip the sign of what is "
         "learned. The ignore factor is a fraction between 0 and 1: i = sigmoid([STM, E] W_i + b_i).")
def learn_gate(stm, event, W_n, b_n, W_i, b_i):
    joined = np.concatenate([stm, event], axis=1)
    return np.tanh(joined @ W_n + b_n) * np.tanh(joined @ W_i + b_i)


@mistake("no_candidate_bias",
         "Your new information N leaves out its bias: N = tanh([STM, E] W_n + b_n), "
         "with b_n added after the matrix product.")
def learn_gate(stm, event, W_n, b_n, W_i, b_i):
    joined = np.concatenate([stm, event], axis=1)
    return np.tanh(joined @ W_n) * sigmoid(joined @ W_i + b_i)


@mistake("no_ignore_bias",
         "Your ignore factor i leaves out its bias: i = sigmoid([STM, E] W_i + b_i), "
         "with b_i added after the matrix product.")
def learn_gate(stm, event, W_n, b_n, W_i, b_i):
    joined = np.concatenate([stm, event], axis=1)
    return np.tanh(joined @ W_n + b_n) * sigmoid(joined @ W_i)


@mistake("event_first",
         "You joined [event, stm], but the weights expect the STM first: "
         "np.concatenate([stm, event], axis=1). The first H rows of W_n and W_i act on the STM.")
def learn_gate(stm, event, W_n, b_n, W_i, b_i):
    joined = np.concatenate([event, stm], axis=1)
    return np.tanh(joined @ W_n + b_n) * sigmoid(joined @ W_i + b_i)


@mistake("ignore_factor_forgotten",
         "You returned the new information N alone and forgot the ignore factor. Multiply "
         "elementwise by i = sigmoid([STM, E] W_i + b_i): the gate returns N * i.")
def learn_gate(stm, event, W_n, b_n, W_i, b_i):
    joined = np.concatenate([stm, event], axis=1)
    return np.tanh(joined @ W_n + b_n)


@mistake("sum_not_product",
         "You added N and i. The ignore factor scales the new information: multiply them "
         "elementwise, N * i, so that i = 0 lets nothing in and i = 1 lets all of N in.")
def learn_gate(stm, event, W_n, b_n, W_i, b_i):
    joined = np.concatenate([stm, event], axis=1)
    return np.tanh(joined @ W_n + b_n) + sigmoid(joined @ W_i + b_i)


@mistake("dot_not_elementwise",
         "You combined N and i with np.dot, a matrix product (it runs only when the batch and "
         "the hidden size are equal, and then mixes the rows). The ignore factor scales each unit "
         "of N on its own: multiply elementwise, N * i. Keep @ for [STM, E] @ W.")
def learn_gate(stm, event, W_n, b_n, W_i, b_i):
    joined = np.concatenate([stm, event], axis=1)
    return np.dot(np.tanh(joined @ W_n + b_n), sigmoid(joined @ W_i + b_i))
