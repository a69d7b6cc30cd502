"""Stored check cases: inputs, the expected output and known wrong outputs.

One ``fixtures/<function>.npz`` per graded function, written by
``python -m autograder fixtures`` from the reference and read here by the visible
checks, so a student's check needs no reference code. Layout (no pickles):
``meta`` is a JSON string; ``c{i}/arg/{name}[/{key}]``, ``c{i}/out/{k}`` and
``c{i}/mistake/{name}/{k}`` are arrays.
"""

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .testfunctions import FUNCTIONS
from .values import flatten, structure, unflatten

FIXTURE_DIR = Path(__file__).parent / "fixtures"


@dataclass
class Case:
    """One stored check: what it checks (one line), its inputs and outputs.

    mistakes: list of (name, message, value) known wrong answers on these inputs.
    """

    what: str
    args: dict
    expected: object
    mistakes: list


def _pack_value(store, prefix, value):
    for k, part in enumerate(flatten(value)):
        store[f"{prefix}/{k}"] = part
    return structure(value)


def _unpack_value(data, prefix, desc):
    count = sum(1 for key in data if key.startswith(prefix + "/"))
    return unflatten(desc, [data[f"{prefix}/{k}"] for k in range(count)])


def save(path, cases):
    """Write ``cases`` (a list of Case) to ``path``."""
    store, meta = {}, []
    for i, case in enumerate(cases):
        args_meta = {}
        for name, value in case.args.items():
            if isinstance(value, dict):
                args_meta[name] = {"dict": list(value)}
                for key, arr in value.items():
                    store[f"c{i}/arg/{name}/{key}"] = np.asarray(arr)
            elif isinstance(value, str):
                args_meta[name] = {"str": value}
            elif callable(value):
                if FUNCTIONS.get(value.__name__) is not value:
                    raise ValueError(f"a function argument must be one of lessonkit.testfunctions: {value}")
                args_meta[name] = {"function": value.__name__}
            else:
                args_meta[name] = {"scalar": bool(np.ndim(value) == 0 and not isinstance(value, np.ndarray))}
                store[f"c{i}/arg/{name}"] = np.asarray(value)
        desc = _pack_value(store, f"c{i}/out", case.expected)
        for m_name, _, m_value in case.mistakes:
            _pack_value(store, f"c{i}/mistake/{m_name}", m_value)
        meta.append({"what": case.what, "args": args_meta, "output": desc,
                     "mistakes": [[m_name, m_message, structure(m_value)]
                                  for m_name, m_message, m_value in case.mistakes]})
    store["meta"] = np.array(json.dumps(meta, ensure_ascii=False))
    np.savez_compressed(path, **store)


def load(name, directory=FIXTURE_DIR):
    """The stored cases of graded function ``name``, as a list of Case."""
    path = Path(directory) / f"{name}.npz"
    with np.load(path, allow_pickle=False) as data:
        data = dict(data)
    cases = []
    for i, m in enumerate(json.loads(str(data["meta"]))):
        args = {}
        for name_, how in m["args"].items():
            if "dict" in how:
                args[name_] = {key: data[f"c{i}/arg/{name_}/{key}"] for key in how["dict"]}
            elif "str" in how:
                args[name_] = how["str"]
            elif "function" in how:
                args[name_] = FUNCTIONS[how["function"]]
            else:
                value = data[f"c{i}/arg/{name_}"]
                args[name_] = value.item() if how["scalar"] else value
        expected = _unpack_value(data, f"c{i}/out", m["output"])
        mistakes = [(mn, msg, _unpack_value(data, f"c{i}/mistake/{mn}", desc))
                    for mn, msg, desc in m["mistakes"]]
        cases.append(Case(m["what"], args, expected, mistakes))
    return cases


def available():
    """Names of the graded functions that have stored fixtures."""
    return sorted(p.stem for p in FIXTURE_DIR.glob("*.npz"))
