"""The grader reads a run's result files as hostile data: what a student's code may write
in their place (it runs as the same uid, in the same folder) is refused, never unpickled,
inflated or trusted, and costs only that call."""

import io
import json
import os
import pickle
import zipfile

import numpy as np
import pytest

from autograder import sandbox

UNREADABLE = "an unreadable result"


def _npz(path, meta, compress=False, **arrays):
    """An npz as the runner writes one (or, compressed, as it never does)."""
    (np.savez_compressed if compress else np.savez)(path, meta=np.array(json.dumps(meta)), **arrays)
    return path


def test_a_result_as_the_runner_writes_it_is_read(tmp_path):
    path = _npz(tmp_path / "0.npz", {"structure": {"tuple": ["array", "array"]}, "dtypes": ["float64", "float32"],
                                     "changed": ["memory"]}, a0=np.arange(3.0), a1=np.ones((2, 2)))
    value, error, warning, changed = sandbox._read_result(path)
    assert error is None and warning is None and changed == ("memory",)
    assert np.allclose(value[0], [0, 1, 2]) and value[1].dtype == np.float32


def test_an_error_and_a_missing_file_say_what_happened(tmp_path):
    assert sandbox._read_result(_npz(tmp_path / "e.npz", {"error": "ValueError: bad"}))[1] == "ValueError: bad"
    assert "did not finish" in sandbox._read_result(tmp_path / "none.npz")[1]


class Boom:
    def __reduce__(self):
        return (os.system, ("touch /tmp/lstm-result-file-was-unpickled",))


def _raw_zip(path, members, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _npy(array):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=True)
    return buffer.getvalue()


META = _npy(np.array(json.dumps({"structure": "array", "dtypes": ["float64"]})))


@pytest.mark.parametrize("forged", ["pickled object array", "pickle file", "compressed", "inflated sizes",
                                    "int64 array", "too many values", "structure for two arrays",
                                    "record is a list", "member missing", "link", "folder", "not a zip"])
def test_a_forged_result_is_refused(tmp_path, forged):
    path = tmp_path / "0.npz"
    if forged == "pickled object array":
        _raw_zip(path, {"meta.npy": META, "a0.npy": _npy(np.array([Boom()], dtype=object))})
    elif forged == "pickle file":
        path.write_bytes(pickle.dumps(Boom()))
    elif forged == "compressed":
        _npz(path, {"structure": "array"}, compress=True, a0=np.zeros(10))
    elif forged == "inflated sizes":
        _npz(path, {"structure": "array"}, a0=np.zeros(1000))
        data = bytearray(path.read_bytes())
        central = data.rfind(b"PK\x01\x02")          # the last member's central directory entry
        data[central + 24:central + 28] = (1 << 31).to_bytes(4, "little")   # its uncompressed size
        path.write_bytes(bytes(data))
    elif forged == "int64 array":
        _npz(path, {"structure": "array"}, a0=np.arange(3))
    elif forged == "too many values":
        _npz(path, {"structure": "array"}, a0=np.zeros(sandbox.MAX_RESULT_VALUES + 1))
    elif forged == "structure for two arrays":
        _npz(path, {"structure": {"tuple": ["array", "array"]}}, a0=np.zeros(3))
    elif forged == "record is a list":
        _raw_zip(path, {"meta.npy": _npy(np.array(json.dumps(["array"]))), "a0.npy": _npy(np.zeros(3))})
    elif forged == "member missing":
        _raw_zip(path, {"meta.npy": META, "b7.npy": _npy(np.zeros(3))})
    elif forged == "link":
        _npz(tmp_path / "real.npz", {"structure": "array"}, a0=np.zeros(3))
        path.symlink_to(tmp_path / "real.npz")
    elif forged == "folder":
        path.mkdir()
    else:
        path.write_bytes(b"not a zip at all")
    value, error, _, _ = sandbox._read_result(path)
    assert value is None and error.startswith(UNREADABLE), (forged, error)
    assert not os.path.exists("/tmp/lstm-result-file-was-unpickled")
