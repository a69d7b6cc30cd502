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
