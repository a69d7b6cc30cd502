"""Values a graded function takes or returns, flattened to labelled arrays.

A value is an array (or anything numpy turns into one, such as a float), a tuple of
values, or a dict of arrays (gradients, parameters). ``flatten`` turns it into a
structure description and a list of arrays, which is how the checks compare values
and how the fixtures store them.
"""

import numpy as np


def structure(value):
    """A JSON-able description of ``value``'s shape as a container."""
    if isinstance(value, tuple):
        return {"tuple": [structure(v) for v in value]}
    if isinstance(value, dict):
        return {"dict": list(value)}
    return "array"


def flatten(value):
    """The arrays of ``value`` in a fixed order (tuples in order, dicts by their keys)."""
    if isinstance(value, tuple):
        return [a for v in value for a in flatten(v)]
    if isinstance(value, dict):
        return [np.asarray(value[k]) for k in value]
    return [np.asarray(value)]


def unflatten(desc, arrays):
    """Inverse of flatten: rebuild a value from its structure and arrays."""
    arrays = list(arrays)

    def build(d):
        if isinstance(d, dict) and "tuple" in d:
            return tuple(build(s) for s in d["tuple"])
        if isinstance(d, dict) and "dict" in d:
            return {k: arrays.pop(0) for k in d["dict"]}
        return arrays.pop(0)

    return build(desc)
