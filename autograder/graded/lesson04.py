"""Lesson 04, the remember gate: remember_gate, ltm_track."""

import numpy as np

import solutions

from . import case, graded, mistake

LESSON = "04_remember_gate"
remember_gate = solutions.remember_gate  # what the mistakes of ltm_track call


# --- remember_gate -----------------------------------------------------------------

graded(solutions.remember_gate, LESSON, takes=("BH", "BH"))

@case("a batch of 3 memories with 4 units: shape (3, 4) and values")
def _(rng):
    return dict(kept=rng.normal(size=(3, 4)), learned=rng.uniform(-1, 1, size=(3, 4)))


@case("a batch of one with 6 units")
def _(rng):
    return dict(kept=rng.normal(size=(1, 6)), learned=rng.uniform(-1, 1, size=(1, 6)))


@case("row 0 learned nothing (new LTM = what was kept); "
                       "row 1 kept nothing (new LTM = what was learned)")
def _(rng):
    kept, learned = rng.normal(size=(2, 3)), rng.uniform(-1, 1, size=(2, 3))
    learned[0] = 0.0
    kept[1] = 0.0
    return dict(kept=kept, learned=learned)


@case("a new clue of the opposite sign cancels part of the old memory")
def _(rng):
    kept = rng.uniform(0.5, 1.5, size=(2, 2))
    return dict(kept=kept, learned=-rng.uniform(0.2, 0.9, size=(2, 2)))


@mistake("multiplied",
         "You multiplied what was kept by what was learned. The remember gate adds them: "
         "kept + learned. A product would wipe the whole memory whenever nothing is learned.")
def remember_gate(kept, learned):
    return kept * learned


@mistake("only_learned",
         "You returned only what was learned, so the old memory is overwritten at every step. "
         "Keep it too: kept + learned.")
def remember_gate(kept, learned):
    return learned


@mistake("only_kept",
         "You returned only what the forget gate kept, so nothing new is ever learned. "
         "Add the learn gate's output: kept + learned.")
def remember_gate(kept, learned):
    return kept


@mistake("subtracted",
         "You subtracted one part from the other. The new memory is the sum of what was kept "
         "and what was learned: kept + learned (a negative learned value already lowers it).")
def remember_gate(kept, learned):
    return kept - learned


# --- ltm_track -----------------------------------------------------------------------

graded(solutions.ltm_track, LESSON, takes=("BH", "TBH factor", "TBH"), depends=("remember_gate",))

def _factors(rng, T, B, H):
    return rng.uniform(0.05, 0.95, size=(T, B, H))


@case("5 steps, batch 3, 4 units: shape (5, 3, 4) and values")
def _(rng):
    return dict(ltm0=rng.normal(size=(3, 4)), forget_factors=_factors(rng, 5, 3, 4),
                learned=rng.uniform(-1, 1, size=(5, 3, 4)))


@case("a single step is one call of remember_gate on ltm0 ⊙ f")
def _(rng):
    return dict(ltm0=rng.normal(size=(2, 3)), forget_factors=_factors(rng, 1, 2, 3),
                learned=rng.uniform(-1, 1, size=(1, 2, 3)))


@case("nothing learned: the memory only fades, ltm0 ⊙ f_1 ⊙ ... ⊙ f_t")
def _(rng):
    return dict(ltm0=rng.normal(size=(2, 3)), forget_factors=_factors(rng, 4, 2, 3),
                learned=np.zeros((4, 2, 3)))


@case("an empty memory at the start (ltm0 = 0): only what is learned counts")
def _(rng):
    return dict(ltm0=np.zeros((2, 2)), forget_factors=_factors(rng, 4, 2, 2),
                learned=rng.uniform(-1, 1, size=(4, 2, 2)))


@case("forget factors of 1 keep everything: the memory adds up what was learned")
def _(rng):
    return dict(ltm0=rng.normal(size=(1, 3)), forget_factors=np.ones((5, 1, 3)),
                learned=rng.uniform(-1, 1, size=(5, 1, 3)))


@case("a batch of one over 8 steps with 2 units")
def _(rng):
    return dict(ltm0=rng.normal(size=(1, 2)), forget_factors=_factors(rng, 8, 1, 2),
                learned=rng.uniform(-1, 1, size=(8, 1, 2)))


@mistake("memory_not_carried",
         "Every step of yours starts again from ltm0. Carry the memory forward: "
         "ltm = remember_gate(ltm * forget_factors[t], learned[t]), then use that ltm at the next step.")
def ltm_track(ltm0, forget_factors, learned):
    return np.stack([remember_gate(ltm0 * f, new) for f, new in zip(forget_factors, learned)])


@mistake("forgot_after_adding",
         "You forgot after adding, (LTM + learned) ⊙ f, so what was just learned is already "
         "partly forgotten. Forget first, then add: remember_gate(ltm * f, learned[t]).")
def ltm_track(ltm0, forget_factors, learned):
    ltms, ltm = [], ltm0
    for f, new in zip(forget_factors, learned):
        ltm = (ltm + new) * f
        ltms.append(ltm)
    return np.stack(ltms)


@mistake("factors_ignored",
         "Your memory never forgets: you left out the forget factors. Multiply the old memory "
         "by forget_factors[t] before adding what was learned.")
def ltm_track(ltm0, forget_factors, learned):
    ltms, ltm = [], ltm0
    for new in learned:
        ltm = remember_gate(ltm, new)
        ltms.append(ltm)
    return np.stack(ltms)


@mistake("one_step_late",
         "Your memories are one step late: you stored the memory before each step. ltms[t] "
         "must be the memory after step t; ltm0 is not part of the output.")
def ltm_track(ltm0, forget_factors, learned):
    ltms, ltm = [], ltm0
    for f, new in zip(forget_factors, learned):
        ltms.append(ltm)
        ltm = remember_gate(ltm * f, new)
    return np.stack(ltms)


@mistake("only_last",
         "You returned only the last memory. Return the whole track, one memory per step: "
         "shape (T, B, H), for example np.stack of the list of memories.")
def ltm_track(ltm0, forget_factors, learned):
    ltm = ltm0
    for f, new in zip(forget_factors, learned):
        ltm = remember_gate(ltm * f, new)
    return ltm


@mistake("zeros_not_ltm0",
         "Your track starts from an empty memory, not from ltm0. The first step forgets from, and "
         "adds to, the memory you are given: ltm = ltm0 before the loop.")
def ltm_track(ltm0, forget_factors, learned):
    ltms, ltm = [], np.zeros_like(ltm0)
    for f, new in zip(forget_factors, learned):
        ltm = remember_gate(ltm * f, new)
        ltms.append(ltm)
    return np.stack(ltms)


@mistake("in_place_track",
         "Your ltm_track changed ltm0, the memory it was given: ltm = ltm0 makes no copy, and "
         "ltm *= f and ltm += new then work in place on the caller's array (and the list holds that "
         "one array T times). Make a new array per step: ltm = remember_gate(ltm * f, new).",
         changes="ltm0")
def ltm_track(ltm0, forget_factors, learned):
    ltms, ltm = [], ltm0
    for f, new in zip(forget_factors, learned):
        ltm *= f
        ltm += new
        ltms.append(ltm)
    return np.stack(ltms)
