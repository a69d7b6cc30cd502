"""Lesson 01, the RNN: rnn_cell, rnn_forward, first_event_influence."""

import numpy as np

import solutions

from . import case, gate_weights, graded, mistake

LESSON = "01_rnn"
rnn_cell, rnn_forward = solutions.rnn_cell, solutions.rnn_forward  # what the mistakes below call


# --- rnn_cell ---------------------------------------------------------------------

graded(solutions.rnn_cell, LESSON, takes=("BH", "BX", "ZH weight", "H weight"))

@case("a batch of 3 memories (hidden 4) and events (inputs 2): shape (3, 4) and values")
def _(rng):
    W, b = gate_weights(rng, 4, 2)
    return dict(memory=rng.normal(size=(3, 4)), event=rng.normal(size=(3, 2)), W=W, b=b)


@case("a batch of one, hidden 2 and inputs 5 (hidden ≠ inputs)")
def _(rng):
    W, b = gate_weights(rng, 2, 5)
    return dict(memory=rng.normal(size=(1, 2)), event=rng.normal(size=(1, 5)), W=W, b=b)


@case("with a zero memory, only the event and the bias count")
def _(rng):
    W, b = gate_weights(rng, 3, 3)
    return dict(memory=np.zeros((2, 3)), event=rng.normal(size=(2, 3)), W=W, b=b)


@case("with zero memory and a zero event, the new memory is tanh(b)")
def _(rng):
    W, b = gate_weights(rng, 3, 2)
    return dict(memory=np.zeros((2, 3)), event=np.zeros((2, 2)), W=W, b=2 * b)


@mistake("sigmoid_for_tanh",
         "Your new memory uses σ where tanh belongs. σ squashes into (0, 1), but a memory "
         "lives in (-1, 1) and must be able to go negative: use np.tanh.")
def rnn_cell(memory, event, W, b):
    return 1 / (1 + np.exp(-(np.concatenate([memory, event], axis=1) @ W + b)))


@mistake("no_bias",
         "Your new memory leaves out the bias b: it is tanh([M, E] W + b), with b added "
         "after the matrix product.")
def rnn_cell(memory, event, W, b):
    return np.tanh(np.concatenate([memory, event], axis=1) @ W)


@mistake("event_first",
         "You joined [event, memory], but W expects the memory first: "
         "np.concatenate([memory, event], axis=1). Its first H rows act on the memory.")
def rnn_cell(memory, event, W, b):
    return np.tanh(np.concatenate([event, memory], axis=1) @ W + b)


@mistake("no_squashing",
         "Your new memory is [M, E] W + b without the tanh. Without squashing, the memory "
         "can grow without bound step after step: wrap it in np.tanh.")
def rnn_cell(memory, event, W, b):
    return np.concatenate([memory, event], axis=1) @ W + b


# --- rnn_forward ------------------------------------------------------------------

graded(solutions.rnn_forward, LESSON, takes=("TBX", "BH", "ZH weight", "H weight"), depends=("rnn_cell",))

@case("4 steps, batch 3, hidden 4, inputs 2: shape (4, 3, 4) and values")
def _(rng):
    W, b = gate_weights(rng, 4, 2)
    return dict(events=rng.normal(size=(4, 3, 2)), memory0=rng.normal(size=(3, 4)), W=W, b=b)


@case("a single step is one call of rnn_cell")
def _(rng):
    W, b = gate_weights(rng, 3, 2)
    return dict(events=rng.normal(size=(1, 2, 2)), memory0=rng.normal(size=(2, 3)), W=W, b=b)


@case("a batch of one over 6 steps, hidden 2 and inputs 3")
def _(rng):
    W, b = gate_weights(rng, 2, 3)
    return dict(events=rng.normal(size=(6, 1, 3)), memory0=np.zeros((1, 2)), W=W, b=b)


@case("3 steps, batch 3 and inputs 3 (T = B = X): time is the first axis, events[t] is step t")
def _(rng):
    W, b = gate_weights(rng, 2, 3)
    return dict(events=rng.normal(size=(3, 3, 3)), memory0=rng.normal(size=(3, 2)), W=W, b=b)


@mistake("memory_not_carried",
         "Every step of yours starts again from memory0. Carry the memory forward: "
         "memory = rnn_cell(memory, events[t], W, b), then use that memory at the next step.")
def rnn_forward(events, memory0, W, b):
    return np.stack([rnn_cell(memory0, event, W, b) for event in events])


@mistake("one_step_late",
         "Your memories are one step late: you stored the memory before each step. "
         "memories[t] must be the memory after seeing events[t]; memory0 is not part of the output.")
def rnn_forward(events, memory0, W, b):
    memories, memory = [], memory0
    for event in events:
        memories.append(memory)
        memory = rnn_cell(memory, event, W, b)
    return np.stack(memories)


@mistake("events_reversed",
         "You read the events from last to first. The story runs forward: start with events[0].")
def rnn_forward(events, memory0, W, b):
    memories, memory = [], memory0
    for event in events[::-1]:
        memory = rnn_cell(memory, event, W, b)
        memories.append(memory)
    return np.stack(memories)


@mistake("only_last",
         "You returned only the last memory. Return the whole track, one memory per step: "
         "shape (T, B, H), for example np.stack of the list of memories.")
def rnn_forward(events, memory0, W, b):
    memory = memory0
    for event in events:
        memory = rnn_cell(memory, event, W, b)
    return memory


@mistake("zeros_not_memory0",
         "Your first step starts from zeros, not from memory0. The memory before the first event "
         "is the one you are given: start with memory = memory0, then "
         "memory = rnn_cell(memory, events[t], W, b) at every step.")
def rnn_forward(events, memory0, W, b):
    memories, memory = [], np.zeros_like(memory0)
    for event in events:
        memory = rnn_cell(memory, event, W, b)
        memories.append(memory)
    return np.stack(memories)


@mistake("one_buffer_appended",
         "All your memories are the same array: you refilled one array in place (memory[:] = ...) "
         "and appended it at every step, so every entry of the list shows the last values. Make a "
         "new array per step: memory = rnn_cell(memory, event, W, b), then append it.")
def rnn_forward(events, memory0, W, b):
    memories, memory = [], memory0.copy()
    for event in events:
        memory[:] = rnn_cell(memory, event, W, b)
        memories.append(memory)
    return np.stack(memories)


@mistake("time_on_axis_1",
         "You read time from axis 1, as in CS231n's (N, T, D) layout. Here events are (T, B, X), "
         "time first: loop `for event in events:` (events[t] is the batch of events at step t, "
         "shape (B, X)) and return memories of shape (T, B, H).")
def rnn_forward(events, memory0, W, b):
    memories, memory = [], memory0
    for t in range(events.shape[1]):
        memory = rnn_cell(memory, events[:, t], W, b)
        memories.append(memory)
    return np.stack(memories)


@mistake("time_on_last_axis",
         "You read time from the last axis, as in Coursera's (n_x, m, T_x) layout. Here events "
         "are (T, B, X), time first: events[t] is the batch of events at step t, shape (B, X); "
         "loop `for event in events:`.")
def rnn_forward(events, memory0, W, b):
    memories, memory = [], memory0
    for t in range(events.shape[-1]):
        memory = rnn_cell(memory, events[..., t], W, b)
        memories.append(memory)
    return np.stack(memories)


# --- first_event_influence ----------------------------------------------------------

graded(solutions.first_event_influence, LESSON, takes=("TBX", "BX", "BH", "ZH weight", "H weight"),
       depends=("rnn_forward",))

@case("5 steps, batch 2: the distance between the two runs after each step")
def _(rng):
    W, b = gate_weights(rng, 4, 3)
    return dict(events=rng.normal(size=(5, 2, 3)), first_alt=rng.normal(size=(2, 3)),
                memory0=np.zeros((2, 4)), W=W, b=b)


@case("the same first event in both runs has no influence at all (zeros)")
def _(rng):
    W, b = gate_weights(rng, 3, 2)
    events = rng.normal(size=(4, 2, 2))
    return dict(events=events, first_alt=events[0].copy(), memory0=np.zeros((2, 3)), W=W, b=b)


@case("one step, batch of one, hidden 3 and inputs 1")
def _(rng):
    W, b = gate_weights(rng, 3, 1)
    return dict(events=rng.normal(size=(1, 1, 1)), first_alt=rng.normal(size=(1, 1)),
                memory0=rng.normal(size=(1, 3)), W=W, b=b)


@mistake("every_event_replaced",
         "You replaced every event with first_alt. Change only the first one: "
         "alt = events.copy(); alt[0] = first_alt.")
def first_event_influence(events, first_alt, memory0, W, b):
    alt = np.broadcast_to(first_alt, events.shape)
    return np.linalg.norm(rnn_forward(events, memory0, W, b) - rnn_forward(alt, memory0, W, b), axis=-1)


@mistake("edited_in_place",
         "Your alternative run changed the caller's events in place (alt = events makes no copy), "
         "so both runs saw first_alt. Copy first: alt = events.copy().", changes="events")
def first_event_influence(events, first_alt, memory0, W, b):
    alt = events
    alt[0] = first_alt
    return np.linalg.norm(rnn_forward(events, memory0, W, b) - rnn_forward(alt, memory0, W, b), axis=-1)


@mistake("squared_distance",
         "You returned the squared distance. Take the square root too: "
         "np.linalg.norm(difference, axis=-1) does both.")
def first_event_influence(events, first_alt, memory0, W, b):
    alt = events.copy()
    alt[0] = first_alt
    return np.sum((rnn_forward(events, memory0, W, b) - rnn_forward(alt, memory0, W, b)) ** 2, axis=-1)


@mistake("compared_with_start",
         "You compared the memories with memory0. Compare the two runs with each other: "
         "one that saw events[0] first and one that saw first_alt first.")
def first_event_influence(events, first_alt, memory0, W, b):
    return np.linalg.norm(rnn_forward(events, memory0, W, b) - memory0, axis=-1)


@mistake("norm_over_batch",
         "You measured the distance across the batch (axis 1). Measure it across the hidden "
         "units, the last axis: one number per step and sequence, shape (T, B).")
def first_event_influence(events, first_alt, memory0, W, b):
    alt = events.copy()
    alt[0] = first_alt
    return np.linalg.norm(rnn_forward(events, memory0, W, b) - rnn_forward(alt, memory0, W, b), axis=1)
