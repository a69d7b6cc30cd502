"""Stored cases: inputs, the expected output and known wrong outputs, and the spec.

One ``data/cases/<function>.npz`` per graded function, written by
``python -m autograder sync`` from the reference and the lesson module, and read here
by the visible and hidden checks, so a student's check needs no reference code.
Layout (no pickles): ``meta`` is a JSON string ``{"spec": ..., "cases": [...]}``;
``c{i}/arg/{name}[/{key}]``, ``c{i}/out/{k}`` and ``c{i}/mistake/{name}/{k}`` are arrays,
and so are the recorded calls of a function that builds on others (:mod:`lessonkit.replay`),
``c{i}/replay/{function}/{j}/arg/...`` and ``.../out/{k}``.
"""

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .replay import Recorded
from .spec import Spec
from .testfunctions import FUNCTIONS
from .values import flatten, structure, unflatten

CASES_DIR = Path(__file__).parent / "data" / "cases"
ULPS = 4
"""Stored and freshly computed values agree within this many ulps (see :func:`differences`)."""


@dataclass
class StoredCase:
    """One stored check: what it checks (one line), its inputs and outputs.

    mistakes: list of (name, message, value) known wrong answers on these inputs;
    replays: the reference's calls of the functions it builds on, {name: Recorded}.
    """

    what: str
    args: dict
    expected: object
    mistakes: list
    replays: dict = field(default_factory=dict)


def _pack_value(store, prefix, value):
    for k, part in enumerate(flatten(value)):
        store[f"{prefix}/{k}"] = part
    return structure(value)


def _unpack_value(data, prefix, desc):
    count = sum(1 for key in data if key.startswith(prefix + "/"))
    return unflatten(desc, [data[f"{prefix}/{k}"] for k in range(count)])


def _pack_args(store, prefix, args):
    args_meta = {}
    for name, value in args.items():
        if isinstance(value, dict):
            args_meta[name] = {"dict": list(value)}
            for key, arr in value.items():
                store[f"{prefix}/{name}/{key}"] = np.asarray(arr)
        elif isinstance(value, str):
            args_meta[name] = {"str": value}
        elif callable(value):
            if FUNCTIONS.get(value.__name__) is not value:
                raise ValueError(f"a function argument must be one of lessonkit.testfunctions: {value}")
            args_meta[name] = {"function": value.__name__}
        else:
            args_meta[name] = {"scalar": bool(np.ndim(value) == 0 and not isinstance(value, np.ndarray))}
            store[f"{prefix}/{name}"] = np.asarray(value)
    return args_meta


def _unpack_args(data, prefix, args_meta):
    args = {}
    for name, how in args_meta.items():
        if "dict" in how:
            args[name] = {key: data[f"{prefix}/{name}/{key}"] for key in how["dict"]}
        elif "str" in how:
            args[name] = how["str"]
        elif "function" in how:
            args[name] = FUNCTIONS[how["function"]]
        else:
            value = data[f"{prefix}/{name}"]
            args[name] = value.item() if how["scalar"] else value
    return args


def encode(cases, spec):
    """(arrays, meta) of ``cases`` and ``spec``, as stored."""
    store, meta = {}, []
    for i, case in enumerate(cases):
        args_meta = _pack_args(store, f"c{i}/arg", case.args)
        desc = _pack_value(store, f"c{i}/out", case.expected)
        for m_name, _, m_value in case.mistakes:
            _pack_value(store, f"c{i}/mistake/{m_name}", m_value)
        entry = {"what": case.what, "args": args_meta, "output": desc,
                 "mistakes": [[m_name, m_message, structure(m_value)]
                              for m_name, m_message, m_value in case.mistakes]}
        if case.replays:
            entry["replays"] = {
                fn: {"defaults": recorded.defaults,
                     "calls": [{"args": _pack_args(store, f"c{i}/replay/{fn}/{j}/arg", args),
                                "output": _pack_value(store, f"c{i}/replay/{fn}/{j}/out", output)}
                               for j, (args, output) in enumerate(recorded.calls)]}
                for fn, recorded in case.replays.items()}
        meta.append(entry)
    meta = {"spec": spec.to_json() if spec else None, "cases": meta}
    return store, json.loads(json.dumps(meta))  # as it reads back: lists, not tuples


def save(path, cases, spec=None):
    """Write ``cases`` (a list of StoredCase) and ``spec`` to ``path``, unless the file
    already holds the same content (equal text, arrays within :data:`ULPS`): a rebuild on
    another CPU leaves the repository unchanged. Returns whether it wrote."""
    store, meta = encode(cases, spec)
    path = Path(path)
    if path.exists():
        old_store, old_meta = _read(path)
        if old_meta == meta and not differences(old_store, store):
            return False
    np.savez_compressed(path, meta=np.array(json.dumps(meta, ensure_ascii=False)), **store)
    return True


def _read(path):
    with np.load(path, allow_pickle=False) as data:
        data = dict(data)
    meta = json.loads(str(data.pop("meta")))
    return data, meta


def differences(ours, theirs, ulps=ULPS):
    """Keys of two stores of arrays whose values differ by more than ``ulps`` units in the
    last place of the array's largest magnitude (of 1 for arrays below 1). Values a CPU's
    own exp or tanh rounds differently agree; a changed value does not. Non-finite
    entries must match exactly."""
    if ours.keys() != theirs.keys():
        return sorted(ours.keys() ^ theirs.keys())
    bad = []
    for key in ours:
        a, b = np.asarray(ours[key]), np.asarray(theirs[key])
        if a.shape != b.shape or a.dtype.kind != b.dtype.kind:
            bad.append(key)
        elif a.dtype.kind in "fc":
            a, b = a.astype(np.float64), b.astype(np.float64)
            finite = np.isfinite(a) & np.isfinite(b)
            same_places = np.array_equal(~finite, ~np.isfinite(a))
            if not same_places or not np.array_equal(a[~finite], b[~finite], equal_nan=True):
                bad.append(key)
                continue
            scale = max(1.0, float(np.max(np.abs(a[finite]), initial=0.0)))
            if np.any(np.abs(a[finite] - b[finite]) > ulps * np.spacing(scale)):
                bad.append(key)
        elif not np.array_equal(a, b):
            bad.append(key)
    return bad


def load(name, directory=CASES_DIR):
    """The stored cases of graded function ``name``, as a list of StoredCase."""
    data, meta = _read(Path(directory) / f"{name}.npz")
    cases = []
    for i, m in enumerate(meta["cases"]):
        args = _unpack_args(data, f"c{i}/arg", m["args"])
        expected = _unpack_value(data, f"c{i}/out", m["output"])
        mistakes = [(mn, msg, _unpack_value(data, f"c{i}/mistake/{mn}", desc))
                    for mn, msg, desc in m["mistakes"]]
        replays = {
            fn: Recorded(dict(r["defaults"]),
                         [(_unpack_args(data, f"c{i}/replay/{fn}/{j}/arg", c["args"]),
                           _unpack_value(data, f"c{i}/replay/{fn}/{j}/out", c["output"]))
                          for j, c in enumerate(r["calls"])])
            for fn, r in m.get("replays", {}).items()}
        cases.append(StoredCase(m["what"], args, expected, mistakes, replays))
    return cases


@functools.cache
def spec(name, directory=CASES_DIR):
    """The stored :class:`~lessonkit.spec.Spec` of graded function ``name``."""
    path = Path(directory) / f"{name}.npz"
    if not path.is_file():
        raise KeyError(name)
    return Spec.from_json(_read(path)[1]["spec"])


def available(directory=CASES_DIR):
    """Names of the graded functions that have stored cases."""
    return sorted(p.stem for p in Path(directory).glob("*.npz"))
