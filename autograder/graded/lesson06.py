"""Lesson 06, the whole cell: lstm_cell, lstm_forward."""

import numpy as np

import solutions
from lessonkit.story import encode, lstm_story_params, story

from . import case, graded, mistake

LESSON = "06_lstm_cell"
lstm_cell = solutions.lstm_cell  # what the mistakes of lstm_forward call


def _params(rng, H, X, lesson=True):
    k = 1.0 / np.sqrt(H)
    params = {}
    for g in "nifv":
        params["W_" + g] = rng.uniform(-k, k, size=(H + X, H))
        params["b_" + g] = rng.uniform(-k, k, size=H)
    if lesson:
        params["W_u"] = rng.uniform(-2 * k, 2 * k, size=(H, H))
        params["b_u"] = rng.uniform(-k, k, size=H)
    return params


def _memories(rng, B, H):
    return rng.normal(size=(B, H)), rng.normal(size=(B, H))


# --- lstm_cell ------------------------------------------------------------------------

graded(solutions.lstm_cell, LESSON, takes=("BH", "BH", "BX", "lstm_params"),
       outputs=("ltm", "stm"), variants=({}, {"variant": "standard"}))

@case("lesson variant, batch 3, hidden 4, inputs 2: (new LTM, new STM), each (3, 4)")
def _(rng):
    ltm, stm = _memories(rng, 3, 4)
    return dict(ltm=ltm, stm=stm, event=rng.normal(size=(3, 2)), params=_params(rng, 4, 2))


@case("a batch of one, hidden 2 and inputs 5 (hidden ≠ inputs)")
def _(rng):
    ltm, stm = _memories(rng, 1, 2)
    return dict(ltm=ltm, stm=stm, event=rng.normal(size=(1, 5)), params=_params(rng, 2, 5))


@case("hidden = inputs = 3: [stm, event] and [event, stm] have the same shape here")
def _(rng):
    ltm, stm = _memories(rng, 2, 3)
    return dict(ltm=ltm, stm=stm, event=rng.normal(size=(2, 3)), params=_params(rng, 3, 3))


@case("forget only: W_n, b_n zero, so N = 0 and the new LTM is LTM ⊙ f")
def _(rng):
    ltm, stm = _memories(rng, 2, 3)
    params = _params(rng, 3, 2)
    params["W_n"][:], params["b_n"][:] = 0.0, 0.0
    return dict(ltm=ltm, stm=stm, event=rng.normal(size=(2, 2)), params=params)


@case("learn only: a zero LTM, so the new LTM is N ⊙ i")
def _(rng):
    _, stm = _memories(rng, 2, 3)
    return dict(ltm=np.zeros((2, 3)), stm=stm, event=rng.normal(size=(2, 2)), params=_params(rng, 3, 2))


@case('variant="standard": new STM = V ⊙ tanh(new LTM), ignoring the W_u, b_u it is given')
def _(rng):
    ltm, stm = _memories(rng, 3, 4)
    return dict(ltm=ltm, stm=stm, event=rng.normal(size=(3, 2)), params=_params(rng, 4, 2),
                variant="standard")


@case('variant="standard" with params that have no W_u, b_u at all (like PyTorch\'s)')
def _(rng):
    ltm, stm = _memories(rng, 2, 3)
    return dict(ltm=ltm, stm=stm, event=rng.normal(size=(2, 4)), params=_params(rng, 3, 4, lesson=False),
                variant="standard")


@mistake("use_reads_new_ltm",
         "Your use gate reads the new LTM. In the lesson's variant U reads what the forget gate "
         "kept, before anything is learned: U = tanh((LTM ⊙ f) W_u + b_u), with LTM the old "
         "long-term memory. Keep LTM ⊙ f in a variable and use it in both places.")
def lstm_cell(ltm, stm, event, params, variant="lesson"):
    p = params
    z = np.concatenate([stm, event], axis=1)
    N = np.tanh(z @ p["W_n"] + p["b_n"])
    i = 1 / (1 + np.exp(-(z @ p["W_i"] + p["b_i"])))
    f = 1 / (1 + np.exp(-(z @ p["W_f"] + p["b_f"])))
    V = 1 / (1 + np.exp(-(z @ p["W_v"] + p["b_v"])))
    new_ltm = ltm * f + N * i
    if variant == "standard":
        return new_ltm, V * np.tanh(new_ltm)
    return new_ltm, np.tanh(new_ltm @ p["W_u"] + p["b_u"]) * V


@mistake("outputs_swapped",
         "You returned (new STM, new LTM): the other way round. Return the long-term memory "
         "first: return new_ltm, new_stm.")
def lstm_cell(ltm, stm, event, params, variant="lesson"):
    p = params
    z = np.concatenate([stm, event], axis=1)
    N = np.tanh(z @ p["W_n"] + p["b_n"])
    i = 1 / (1 + np.exp(-(z @ p["W_i"] + p["b_i"])))
    f = 1 / (1 + np.exp(-(z @ p["W_f"] + p["b_f"])))
    V = 1 / (1 + np.exp(-(z @ p["W_v"] + p["b_v"])))
    forgotten = ltm * f
    new_ltm = forgotten + N * i
    if variant == "standard":
        return V * np.tanh(new_ltm), new_ltm
    return np.tanh(forgotten @ p["W_u"] + p["b_u"]) * V, new_ltm


@mistake("forget_after_adding",
         "Your forget factor also scales what was just learned: you computed (LTM + N ⊙ i) ⊙ f. "
         "Forget first, then add: new LTM = LTM ⊙ f + N ⊙ i.")
def lstm_cell(ltm, stm, event, params, variant="lesson"):
    p = params
    z = np.concatenate([stm, event], axis=1)
    N = np.tanh(z @ p["W_n"] + p["b_n"])
    i = 1 / (1 + np.exp(-(z @ p["W_i"] + p["b_i"])))
    f = 1 / (1 + np.exp(-(z @ p["W_f"] + p["b_f"])))
    V = 1 / (1 + np.exp(-(z @ p["W_v"] + p["b_v"])))
    new_ltm = (ltm + N * i) * f
    if variant == "standard":
        return new_ltm, V * np.tanh(new_ltm)
    return new_ltm, np.tanh((ltm * f) @ p["W_u"] + p["b_u"]) * V


@mistake("standard_uses_lesson_u",
         'With variant="standard" your STM still goes through the lesson\'s U (W_u, b_u). The '
         "standard cell has no W_u: its new STM is V ⊙ tanh(new LTM). Check `variant` and "
         "compute the STM one way or the other.")
def lstm_cell(ltm, stm, event, params, variant="lesson"):
    p = params
    z = np.concatenate([stm, event], axis=1)
    N = np.tanh(z @ p["W_n"] + p["b_n"])
    i = 1 / (1 + np.exp(-(z @ p["W_i"] + p["b_i"])))
    f = 1 / (1 + np.exp(-(z @ p["W_f"] + p["b_f"])))
    V = 1 / (1 + np.exp(-(z @ p["W_v"] + p["b_v"])))
    forgotten = ltm * f
    return forgotten + N * i, np.tanh(forgotten @ p["W_u"] + p["b_u"]) * V


@mistake("standard_reads_old_ltm",
         'With variant="standard" your STM reads LTM ⊙ f, what was kept before learning. The '
         "standard cell squashes the new LTM, after the remember gate: V ⊙ tanh(LTM ⊙ f + N ⊙ i).")
def lstm_cell(ltm, stm, event, params, variant="lesson"):
    p = params
    z = np.concatenate([stm, event], axis=1)
    N = np.tanh(z @ p["W_n"] + p["b_n"])
    i = 1 / (1 + np.exp(-(z @ p["W_i"] + p["b_i"])))
    f = 1 / (1 + np.exp(-(z @ p["W_f"] + p["b_f"])))
    V = 1 / (1 + np.exp(-(z @ p["W_v"] + p["b_v"])))
    forgotten = ltm * f
    if variant == "standard":
        return forgotten + N * i, V * np.tanh(forgotten)
    return forgotten + N * i, np.tanh(forgotten @ p["W_u"] + p["b_u"]) * V


@mistake("candidate_sigmoid",
         "Your new information N uses σ where tanh belongs. N must be able to push the LTM down "
         "as well as up, so it lives in (-1, 1): N = tanh([STM, E] W_n + b_n). σ is for the "
         "factors i, f and V, which say how much to let through.")
def lstm_cell(ltm, stm, event, params, variant="lesson"):
    p = params
    z = np.concatenate([stm, event], axis=1)
    N = 1 / (1 + np.exp(-(z @ p["W_n"] + p["b_n"])))
    i = 1 / (1 + np.exp(-(z @ p["W_i"] + p["b_i"])))
    f = 1 / (1 + np.exp(-(z @ p["W_f"] + p["b_f"])))
    V = 1 / (1 + np.exp(-(z @ p["W_v"] + p["b_v"])))
    forgotten = ltm * f
    new_ltm = forgotten + N * i
    if variant == "standard":
        return new_ltm, V * np.tanh(new_ltm)
    return new_ltm, np.tanh(forgotten @ p["W_u"] + p["b_u"]) * V


@mistake("use_factor_tanh",
         "Your use factor V uses tanh where σ belongs. V says how much of each unit to show, a "
         "number between 0 and 1: V = σ([STM, E] W_v + b_v). tanh is for N and U.")
def lstm_cell(ltm, stm, event, params, variant="lesson"):
    p = params
    z = np.concatenate([stm, event], axis=1)
    N = np.tanh(z @ p["W_n"] + p["b_n"])
    i = 1 / (1 + np.exp(-(z @ p["W_i"] + p["b_i"])))
    f = 1 / (1 + np.exp(-(z @ p["W_f"] + p["b_f"])))
    V = np.tanh(z @ p["W_v"] + p["b_v"])
    forgotten = ltm * f
    new_ltm = forgotten + N * i
    if variant == "standard":
        return new_ltm, V * np.tanh(new_ltm)
    return new_ltm, np.tanh(forgotten @ p["W_u"] + p["b_u"]) * V


@mistake("candidate_no_tanh",
         "Your new information N has no tanh: N = tanh(J W_n + b_n), with J = [STM, E]. Without "
         "it N is unbounded and one large event can push the LTM anywhere; the tanh keeps each "
         "unit's new information in (-1, 1).")
def lstm_cell(ltm, stm, event, params, variant="lesson"):
    p = params
    joined = np.concatenate([stm, event], axis=1)
    N = joined @ p["W_n"] + p["b_n"]
    i = 1 / (1 + np.exp(-(joined @ p["W_i"] + p["b_i"])))
    f = 1 / (1 + np.exp(-(joined @ p["W_f"] + p["b_f"])))
    V = 1 / (1 + np.exp(-(joined @ p["W_v"] + p["b_v"])))
    kept = ltm * f
    new_ltm = kept + N * i
    if variant == "standard":
        return new_ltm, V * np.tanh(new_ltm)
    return new_ltm, np.tanh(kept @ p["W_u"] + p["b_u"]) * V


@mistake("event_first",
         "You joined [event, STM], but every W expects the short-term memory first: "
         "np.concatenate([stm, event], axis=1). Its first H rows act on the STM.")
def lstm_cell(ltm, stm, event, params, variant="lesson"):
    p = params
    z = np.concatenate([event, stm], axis=1)
    N = np.tanh(z @ p["W_n"] + p["b_n"])
    i = 1 / (1 + np.exp(-(z @ p["W_i"] + p["b_i"])))
    f = 1 / (1 + np.exp(-(z @ p["W_f"] + p["b_f"])))
    V = 1 / (1 + np.exp(-(z @ p["W_v"] + p["b_v"])))
    forgotten = ltm * f
    new_ltm = forgotten + N * i
    if variant == "standard":
        return new_ltm, V * np.tanh(new_ltm)
    return new_ltm, np.tanh(forgotten @ p["W_u"] + p["b_u"]) * V


@mistake("standard_no_tanh",
         'With variant="standard" your new STM is V ⊙ LTM, without the tanh. The long-term memory '
         "is never squashed and can grow past ±1; the standard cell outputs V ⊙ tanh(new LTM): "
         "V * np.tanh(new_ltm).")
def lstm_cell(ltm, stm, event, params, variant="lesson"):
    p = params
    joined = np.concatenate([stm, event], axis=1)
    N = np.tanh(joined @ p["W_n"] + p["b_n"])
    i = 1 / (1 + np.exp(-(joined @ p["W_i"] + p["b_i"])))
    f = 1 / (1 + np.exp(-(joined @ p["W_f"] + p["b_f"])))
    V = 1 / (1 + np.exp(-(joined @ p["W_v"] + p["b_v"])))
    kept = ltm * f
    new_ltm = kept + N * i
    if variant == "standard":
        return new_ltm, V * new_ltm
    return new_ltm, np.tanh(kept @ p["W_u"] + p["b_u"]) * V


@mistake("i_f_swapped",
         "Your ignore and forget factors use each other's weights: i from W_f, b_f and f from W_i, "
         "b_i. (Packed layouts order the gates differently: TensorFlow i, j, f, o; PyTorch i, f, g, o; "
         "CS231n i, f, o, g.) Each gate has its own key here: i = σ(J W_i + b_i), f = σ(J W_f + b_f), "
         "with J = [STM, E].")
def lstm_cell(ltm, stm, event, params, variant="lesson"):
    p = params
    joined = np.concatenate([stm, event], axis=1)
    N = np.tanh(joined @ p["W_n"] + p["b_n"])
    i = 1 / (1 + np.exp(-(joined @ p["W_f"] + p["b_f"])))
    f = 1 / (1 + np.exp(-(joined @ p["W_i"] + p["b_i"])))
    V = 1 / (1 + np.exp(-(joined @ p["W_v"] + p["b_v"])))
    kept = ltm * f
    new_ltm = kept + N * i
    if variant == "standard":
        return new_ltm, V * np.tanh(new_ltm)
    return new_ltm, np.tanh(kept @ p["W_u"] + p["b_u"]) * V


@mistake("n_v_swapped",
         "Your new information N and use factor V use each other's weights (PyTorch packs i, f, g, o "
         "and CS231n i, f, o, g, so g and o trade places between them). N = tanh(J W_n + b_n), "
         "V = σ(J W_v + b_v), with J = [STM, E].")
def lstm_cell(ltm, stm, event, params, variant="lesson"):
    p = params
    joined = np.concatenate([stm, event], axis=1)
    N = np.tanh(joined @ p["W_v"] + p["b_v"])
    i = 1 / (1 + np.exp(-(joined @ p["W_i"] + p["b_i"])))
    f = 1 / (1 + np.exp(-(joined @ p["W_f"] + p["b_f"])))
    V = 1 / (1 + np.exp(-(joined @ p["W_n"] + p["b_n"])))
    kept = ltm * f
    new_ltm = kept + N * i
    if variant == "standard":
        return new_ltm, V * np.tanh(new_ltm)
    return new_ltm, np.tanh(kept @ p["W_u"] + p["b_u"]) * V


@mistake("gates_read_ltm",
         "Your gates read the long-term memory: you joined [LTM, E]. Every gate reads "
         "J = [STM, E], np.concatenate([stm, event], axis=1); the LTM enters the cell only through "
         "the forget gate's product, kept = ltm * f.")
def lstm_cell(ltm, stm, event, params, variant="lesson"):
    p = params
    joined = np.concatenate([ltm, event], axis=1)
    N = np.tanh(joined @ p["W_n"] + p["b_n"])
    i = 1 / (1 + np.exp(-(joined @ p["W_i"] + p["b_i"])))
    f = 1 / (1 + np.exp(-(joined @ p["W_f"] + p["b_f"])))
    V = 1 / (1 + np.exp(-(joined @ p["W_v"] + p["b_v"])))
    kept = ltm * f
    new_ltm = kept + N * i
    if variant == "standard":
        return new_ltm, V * np.tanh(new_ltm)
    return new_ltm, np.tanh(kept @ p["W_u"] + p["b_u"]) * V


@mistake("ltm_changed_in_place",
         "Your lstm_cell changed the LTM it was given: ltm *= f works in place, so the caller's "
         "memory is overwritten (and lstm_forward's stored track with it). Make a new array: "
         "kept = ltm * f.", changes="ltm")
def lstm_cell(ltm, stm, event, params, variant="lesson"):
    p = params
    joined = np.concatenate([stm, event], axis=1)
    N = np.tanh(joined @ p["W_n"] + p["b_n"])
    i = 1 / (1 + np.exp(-(joined @ p["W_i"] + p["b_i"])))
    f = 1 / (1 + np.exp(-(joined @ p["W_f"] + p["b_f"])))
    V = 1 / (1 + np.exp(-(joined @ p["W_v"] + p["b_v"])))
    ltm *= f
    kept = ltm
    new_ltm = kept + N * i
    if variant == "standard":
        return new_ltm, V * np.tanh(new_ltm)
    return new_ltm, np.tanh(kept @ p["W_u"] + p["b_u"]) * V


# --- lstm_forward -----------------------------------------------------------------------

graded(solutions.lstm_forward, LESSON, takes=("TBX", "BH", "BH", "lstm_params"),
       outputs=("ltms", "stms"), depends=("lstm_cell",), variants=({}, {"variant": "standard"}))

@case("lesson variant, 4 steps, batch 3, hidden 4, inputs 2: (ltms, stms), each (4, 3, 4)")
def _(rng):
    ltm0, stm0 = _memories(rng, 3, 4)
    return dict(events=rng.normal(size=(4, 3, 2)), ltm0=ltm0, stm0=stm0, params=_params(rng, 4, 2))


@case("a single step is one call of lstm_cell")
def _(rng):
    ltm0, stm0 = _memories(rng, 2, 3)
    return dict(events=rng.normal(size=(1, 2, 2)), ltm0=ltm0, stm0=stm0, params=_params(rng, 3, 2))


@case("a batch of one over 6 steps, hidden 2 and inputs 3, from zero memories")
def _(rng):
    return dict(events=rng.normal(size=(6, 1, 3)), ltm0=np.zeros((1, 2)), stm0=np.zeros((1, 2)),
                params=_params(rng, 2, 3))


@case('variant="standard" over 5 steps: pass the variant on to lstm_cell')
def _(rng):
    ltm0, stm0 = _memories(rng, 2, 3)
    return dict(events=rng.normal(size=(5, 2, 2)), ltm0=ltm0, stm0=stm0, params=_params(rng, 3, 2),
                variant="standard")


@case("the story (bear, 4 trees and squirrels, dog or wolf) with the hand-wired weights")
def _(rng):
    return dict(events=encode(story(gap=4)), ltm0=np.zeros((1, 2)), stm0=np.zeros((1, 2)),
                params=lstm_story_params())


@mistake("memories_not_carried",
         "Every step of yours starts again from ltm0 and stm0. Carry both memories forward: "
         "ltm, stm = lstm_cell(ltm, stm, events[t], params, variant), then use them at the next step.")
def lstm_forward(events, ltm0, stm0, params, variant="lesson"):
    pairs = [lstm_cell(ltm0, stm0, event, params, variant) for event in events]
    return np.stack([p[0] for p in pairs]), np.stack([p[1] for p in pairs])


@mistake("one_step_late",
         "Your memories are one step late: you stored them before each step. ltms[t] and stms[t] "
         "must be the memories after seeing events[t]; ltm0 and stm0 are not part of the output.")
def lstm_forward(events, ltm0, stm0, params, variant="lesson"):
    ltms, stms, ltm, stm = [], [], ltm0, stm0
    for event in events:
        ltms.append(ltm)
        stms.append(stm)
        ltm, stm = lstm_cell(ltm, stm, event, params, variant)
    return np.stack(ltms), np.stack(stms)


@mistake("only_last",
         "You returned only the last memories. Return the whole tracks, one memory per step: "
         "two arrays of shape (T, B, H), for example np.stack of each list.")
def lstm_forward(events, ltm0, stm0, params, variant="lesson"):
    ltm, stm = ltm0, stm0
    for event in events:
        ltm, stm = lstm_cell(ltm, stm, event, params, variant)
    return ltm, stm


@mistake("swapped_in_recurrence",
         "You unpacked lstm_cell's result the wrong way round (stm, ltm = lstm_cell(...)), so "
         "the long-term memory travels in the short-term slot. lstm_cell returns (new LTM, new "
         "STM): ltm, stm = lstm_cell(ltm, stm, event, params, variant).")
def lstm_forward(events, ltm0, stm0, params, variant="lesson"):
    ltms, stms, ltm, stm = [], [], ltm0, stm0
    for event in events:
        stm, ltm = lstm_cell(ltm, stm, event, params, variant)
        ltms.append(ltm)
        stms.append(stm)
    return np.stack(ltms), np.stack(stms)


@mistake("variant_dropped",
         'Asked for variant="standard", your lstm_forward ran the lesson\'s cell: it did not pass '
         "`variant` on. Call lstm_cell(ltm, stm, event, params, variant).")
def lstm_forward(events, ltm0, stm0, params, variant="lesson"):
    ltms, stms, ltm, stm = [], [], ltm0, stm0
    for event in events:
        ltm, stm = lstm_cell(ltm, stm, event, params)
        ltms.append(ltm)
        stms.append(stm)
    return np.stack(ltms), np.stack(stms)


@mistake("zeros_not_ltm0",
         "Your LTM starts from zeros, not from ltm0 (Coursera's lstm_forward had no c0 and started "
         "from zeros). Start both memories from the ones you are given: ltm, stm = ltm0, stm0.")
def lstm_forward(events, ltm0, stm0, params, variant="lesson"):
    ltms, stms = [], []
    ltm, stm = np.zeros_like(ltm0), stm0
    for event in events:
        ltm, stm = lstm_cell(ltm, stm, event, params, variant)
        ltms.append(ltm)
        stms.append(stm)
    return np.stack(ltms), np.stack(stms)


@mistake("memories_from_zeros",
         "Both your memories start from zeros, not from the ltm0 and stm0 you are given (Coursera's "
         "and CS231n's loops start from zeros because they are given no c0). Start from them: "
         "ltm, stm = ltm0, stm0.")
def lstm_forward(events, ltm0, stm0, params, variant="lesson"):
    ltms, stms = [], []
    ltm, stm = np.zeros_like(ltm0), np.zeros_like(stm0)
    for event in events:
        ltm, stm = lstm_cell(ltm, stm, event, params, variant)
        ltms.append(ltm)
        stms.append(stm)
    return np.stack(ltms), np.stack(stms)


# --- lstm_to_torch, lstm_from_torch: the course's params and PyTorch's packed layout ---------

def _torch_arrays(rng, H, X):
    """PyTorch-shaped LSTM arrays, both biases non-zero (as a trained nn.LSTMCell has them)."""
    k = 1.0 / np.sqrt(H)
    return dict(weight_ih=rng.uniform(-k, k, size=(4 * H, X)), weight_hh=rng.uniform(-k, k, size=(4 * H, H)),
                bias_ih=rng.uniform(-k, k, size=4 * H), bias_hh=rng.uniform(-k, k, size=4 * H))


graded(solutions.lstm_to_torch, LESSON, takes=("lstm_params",))

@case("hidden 3, inputs 2, the standard cell's eight arrays: weight_ih (12, 2), weight_hh (12, 3), "
      "bias_ih and bias_hh (12,)")
def _(rng):
    return dict(params=_params(rng, 3, 2, lesson=False))


@case("hidden 2, inputs 4, the lesson's params: W_u and b_u have no place in PyTorch and are left out")
def _(rng):
    return dict(params=_params(rng, 2, 4))


@case("hidden = inputs = 3: weight_ih and weight_hh have the same shape here")
def _(rng):
    return dict(params=_params(rng, 3, 3, lesson=False))


@case("each gate's weights and bias one constant (n 1, i 2, f 3, v 4): the order of the blocks shows")
def _(rng):
    params = {}
    for k, g in enumerate("nifv", start=1):
        params["W_" + g], params["b_" + g] = np.full((5, 2), float(k)), np.full(2, float(k))
    return dict(params=params)


@mistake("course_gate_order",
         "You stacked the blocks in the course's order n, i, f, v. PyTorch's LSTM stacks them i, f, g, o, "
         "which is the course's i, f, N, V: rows 0:H are i, H:2H f, 2H:3H g = N and 3H:4H o = V.")
def lstm_to_torch(params):
    H = params["W_n"].shape[1]
    order = ["n", "i", "f", "v"]
    return {"weight_ih": np.concatenate([params["W_" + g][H:].T for g in order]),
            "weight_hh": np.concatenate([params["W_" + g][:H].T for g in order]),
            "bias_ih": np.concatenate([params["b_" + g] for g in order]),
            "bias_hh": np.zeros(4 * H)}


@mistake("cs231n_gate_order",
         "You stacked the blocks in CS231n's order i, f, o, g. PyTorch's is i, f, g, o: the candidate "
         "N (PyTorch's g) is the third block and the use factor V (o) the fourth.")
def lstm_to_torch(params):
    H = params["W_n"].shape[1]
    order = ["i", "f", "v", "n"]
    return {"weight_ih": np.concatenate([params["W_" + g][H:].T for g in order]),
            "weight_hh": np.concatenate([params["W_" + g][:H].T for g in order]),
            "bias_ih": np.concatenate([params["b_" + g] for g in order]),
            "bias_hh": np.zeros(4 * H)}


@mistake("tensorflow_gate_order",
         "You stacked the blocks in TensorFlow's order i, j, f, o (j the candidate). PyTorch's is "
         "i, f, g, o: the forget factor f is the second block and the candidate N (g) the third.")
def lstm_to_torch(params):
    H = params["W_n"].shape[1]
    order = ["i", "n", "f", "v"]
    return {"weight_ih": np.concatenate([params["W_" + g][H:].T for g in order]),
            "weight_hh": np.concatenate([params["W_" + g][:H].T for g in order]),
            "bias_ih": np.concatenate([params["b_" + g] for g in order]),
            "bias_hh": np.zeros(4 * H)}


@mistake("bias_in_both",
         "You put the biases in both bias_ih and bias_hh. PyTorch adds the two, "
         "x W_ihᵀ + b_ih + h W_hhᵀ + b_hh, so every bias would count twice. The course has one bias "
         "per gate: put it in bias_ih and zeros in bias_hh, np.zeros(4 * H).")
def lstm_to_torch(params):
    order = ["i", "f", "n", "v"]
    H = params["W_n"].shape[1]
    b = np.concatenate([params["b_" + g] for g in order])
    return {"weight_ih": np.concatenate([params["W_" + g][H:].T for g in order]),
            "weight_hh": np.concatenate([params["W_" + g][:H].T for g in order]),
            "bias_ih": b, "bias_hh": b.copy()}


@mistake("not_transposed",
         "Your weight_ih and weight_hh are not transposed. PyTorch stores each gate's block with one "
         "row per unit, (H, X) and (H, H), and computes x W_ihᵀ: take each block's .T, "
         "weight_ih = np.concatenate([W[H:].T for W in blocks]), shape (4H, X).")
def lstm_to_torch(params):
    order = ["i", "f", "n", "v"]
    H = params["W_n"].shape[1]
    return {"weight_ih": np.concatenate([params["W_" + g][H:] for g in order], axis=1),
            "weight_hh": np.concatenate([params["W_" + g][:H] for g in order], axis=1),
            "bias_ih": np.concatenate([params["b_" + g] for g in order]),
            "bias_hh": np.zeros(4 * H)}


@mistake("ih_hh_swapped",
         "Your weight_ih holds the STM's rows and weight_hh the event's. A W's first H rows act on the "
         "STM (PyTorch's h): they go, transposed, into weight_hh (4H, H); its last X rows act on the "
         "event (x) and go into weight_ih (4H, X).")
def lstm_to_torch(params):
    order = ["i", "f", "n", "v"]
    H = params["W_n"].shape[1]
    return {"weight_ih": np.concatenate([params["W_" + g][:H].T for g in order]),
            "weight_hh": np.concatenate([params["W_" + g][H:].T for g in order]),
            "bias_ih": np.concatenate([params["b_" + g] for g in order]),
            "bias_hh": np.zeros(4 * H)}


graded(solutions.lstm_from_torch, LESSON, takes=("GX weight", "GH weight", "G weight", "G weight"))

@case("hidden 3, inputs 2, both biases non-zero: eight arrays, each W (5, 3), each b (3,)")
def _(rng):
    return _torch_arrays(rng, 3, 2)


@case("hidden 2, inputs 4 (hidden ≠ inputs)")
def _(rng):
    return _torch_arrays(rng, 2, 4)


@case("hidden = inputs = 3: the event's and the STM's blocks have the same shape here")
def _(rng):
    return _torch_arrays(rng, 3, 3)


@case("bias_ih zero: every bias sits in bias_hh")
def _(rng):
    arrays = _torch_arrays(rng, 2, 3)
    arrays["bias_ih"] = np.zeros(8)
    return arrays


@mistake("course_gate_order",
         "You read PyTorch's blocks in the course's order n, i, f, v. They are stacked i, f, g, o: "
         "block 0 (rows 0:H) is i, block 1 f, block 2 g = the course's N, block 3 o = V.")
def lstm_from_torch(weight_ih, weight_hh, bias_ih, bias_hh):
    H = weight_hh.shape[1]
    b = bias_ih + bias_hh
    params = {}
    for k, g in enumerate(["n", "i", "f", "v"]):
        rows = slice(k * H, (k + 1) * H)
        params["W_" + g] = np.concatenate([weight_hh[rows].T, weight_ih[rows].T])
        params["b_" + g] = b[rows]
    return params


@mistake("cs231n_gate_order",
         "You read PyTorch's blocks in CS231n's order i, f, o, g. PyTorch's is i, f, g, o: block 2 is "
         "the candidate g = N and block 3 the output gate o = V.")
def lstm_from_torch(weight_ih, weight_hh, bias_ih, bias_hh):
    H = weight_hh.shape[1]
    b = bias_ih + bias_hh
    params = {}
    for k, g in enumerate(["i", "f", "v", "n"]):
        rows = slice(k * H, (k + 1) * H)
        params["W_" + g] = np.concatenate([weight_hh[rows].T, weight_ih[rows].T])
        params["b_" + g] = b[rows]
    return params


@mistake("bias_hh_dropped",
         "Your biases leave out bias_hh. PyTorch adds two biases, b_ih + b_hh (Keras and the course "
         "have one): the course's bias is their sum, b = bias_ih + bias_hh, split into the four blocks.")
def lstm_from_torch(weight_ih, weight_hh, bias_ih, bias_hh):
    H = weight_hh.shape[1]
    params = {}
    for k, g in enumerate(["i", "f", "n", "v"]):
        rows = slice(k * H, (k + 1) * H)
        params["W_" + g] = np.concatenate([weight_hh[rows].T, weight_ih[rows].T])
        params["b_" + g] = bias_ih[rows]
    return params


@mistake("not_transposed",
         "Your W's are not transposed: PyTorch's blocks have one row per unit, (H, H) and (H, X), "
         "while the course's W is (H + X, H), one column per unit. Stack the transposed blocks, STM "
         "rows first: np.concatenate([weight_hh[rows].T, weight_ih[rows].T]).")
def lstm_from_torch(weight_ih, weight_hh, bias_ih, bias_hh):
    H = weight_hh.shape[1]
    b = bias_ih + bias_hh
    params = {}
    for k, g in enumerate(["i", "f", "n", "v"]):
        rows = slice(k * H, (k + 1) * H)
        params["W_" + g] = np.concatenate([weight_hh[rows], weight_ih[rows]], axis=1)
        params["b_" + g] = b[rows]
    return params


@mistake("ih_hh_swapped",
         "Your W's have the event's rows on top. The course's W acts on J = [STM, E]: its first H rows "
         "come from weight_hh (the STM, PyTorch's h), its last X rows from weight_ih (the event, x): "
         "np.concatenate([weight_hh[rows].T, weight_ih[rows].T]).")
def lstm_from_torch(weight_ih, weight_hh, bias_ih, bias_hh):
    H = weight_hh.shape[1]
    b = bias_ih + bias_hh
    params = {}
    for k, g in enumerate(["i", "f", "n", "v"]):
        rows = slice(k * H, (k + 1) * H)
        params["W_" + g] = np.concatenate([weight_ih[rows].T, weight_hh[rows].T])
        params["b_" + g] = b[rows]
    return params
