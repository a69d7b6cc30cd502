"""Runs one submission's code inside the sandbox and records what its graded
functions return. Nothing here decides a grade: the verdict is reached by the
grader, outside this process, which it treats as hostile.

    python runner.py WORKDIR

WORKDIR/request.json holds the code cells to run and WORKDIR/calls.pickle the calls to
make (written by the grader, autograder.sandbox: a list of lessonkit StoredCase, one per
call, ``what`` naming the function). For each call, results/<k>.npz gets the value's
arrays and a JSON description, or an error. A call with replays (lessonkit.replay) runs with the
recorded answers in place of the functions it calls. Both input files are removed
before any of the submission's code runs. Each graded function's calls run in a forked child
with a limit on its CPU time, so a function that hangs or kills its process loses only its
own results; its replayed calls run first, so the student's function it calls cannot take
those with it.
"""

import contextlib
import io
import json
import os
import pickle
import signal
import sys
import time
import traceback
import warnings

# Limits in CPU seconds, so a busy grading machine cannot make a right answer "too slow";
# the wall-clock limits only stop code that waits (a sleep, a blocked read).
CELL_CPU_SECONDS = 20
CELL_WALL_SECONDS = 60
FUNCTION_CPU_SECONDS = 10   # all of one graded function's calls (and as much again for its replayed ones)
FUNCTION_WALL_SECONDS = 60
PRINT_LIMIT = 20_000


class _Sink(io.TextIOBase):
    """Keeps the first PRINT_LIMIT characters printed and counts the rest."""

    def __init__(self):
        self.kept, self.total = [], 0

    def write(self, text):
        if self.total < PRINT_LIMIT:
            self.kept.append(text[: PRINT_LIMIT - self.total])
        self.total += len(text)
        return len(text)

    def text(self):
        return "".join(self.kept)


class _Timeout(BaseException):
    pass


def _alarm(signum, _frame):
    raise _Timeout(f"used more than {CELL_CPU_SECONDS} s of CPU time" if signum == signal.SIGPROF
                   else f"ran longer than {CELL_WALL_SECONDS} s")


def run_cells(cells, skip, namespace, log):
    import ast

    for index, source in enumerate(cells):
        if index in skip:
            continue
        with open("progress", "w") as f:  # which cell was running, if the process dies
            f.write(str(index))
        sink = _Sink()
        entry = {"cell": index, "error": None}
        signal.signal(signal.SIGALRM, _alarm)
        signal.signal(signal.SIGPROF, _alarm)
        signal.setitimer(signal.ITIMER_PROF, CELL_CPU_SECONDS)
        signal.alarm(CELL_WALL_SECONDS)
        try:
            with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                exec(compile(ast.parse(source), f"<cell {index}>", "exec"), namespace)  # noqa: S102
        except _Timeout as exc:
            entry["error"] = f"TimeoutError: the cell {exc}"
        except SystemExit as exc:
            entry["error"] = f"SystemExit: {exc}"
        except BaseException as exc:  # noqa: BLE001 - every student error is data here
            entry["error"] = f"{type(exc).__name__}: {exc}"[:500]
        finally:
            signal.alarm(0)
            signal.setitimer(signal.ITIMER_PROF, 0)
        entry["printed"] = sink.total
        entry["text"] = sink.text()[:2000]
        log.append(entry)


def _encode(value):
    """(structure, arrays) of a returned value, or raise TypeError."""

    if isinstance(value, (tuple, list)):
        parts = [_encode(v) for v in value]
        return {"tuple": [p[0] for p in parts]}, [a for p in parts for a in p[1]]
    if isinstance(value, dict):
        keys = [str(k) for k in value]
        return {"dict": keys}, [_numeric(value[k]) for k in value]
    return "array", [_numeric(value)]


def _numeric(part):
    import numpy as np

    if part is None:
        raise TypeError("None (did you forget to return?)")
    arr = np.asarray(part)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{type(part).__name__} of dtype {arr.dtype}, not numbers")
    return arr


def call_function(namespace, case, out_path):
    import copy

    import numpy as np

    from lessonkit.compare import changed_arguments
    from lessonkit.replay import replaying

    name = case.what
    record = {"function": name}
    arrays = {}
    fn = namespace.get(name)
    if not callable(fn):
        record["error"] = f"NameError: no function named {name} (renamed or deleted?)"
    else:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                args = copy.deepcopy(case.args)
                with contextlib.redirect_stdout(_Sink()), contextlib.redirect_stderr(_Sink()), \
                        replaying(fn, case.replays):
                    # positionally, in the reference's order: the student's parameter names do not matter
                    value = fn(*args.values())
                changed = changed_arguments(case.args, args)
                if changed:
                    record["changed"] = list(changed)
                desc, parts = _encode(value)
                record["structure"] = desc
                # float32 answers are judged at float32's tolerance; the values go as float64
                record["dtypes"] = ["float32" if p.dtype.kind == "f" and p.dtype.itemsize < 8 else "float64"
                                    for p in parts]
                arrays = {f"a{k}": p.astype(np.float64) for k, p in enumerate(parts)}
            except NotImplementedError:
                record["error"] = "NotImplementedError"
            except TypeError as exc:
                record["error"] = f"TypeError: {exc}"[:500]
            except BaseException as exc:  # noqa: BLE001
                record["error"] = f"{type(exc).__name__}: {exc}"[:500]
        if caught and "error" not in record:
            w = caught[0]
            record["warning"] = f"{w.category.__name__}: {w.message}"[:300]
    tmp = out_path + ".tmp.npz"
    np.savez(tmp, meta=np.array(json.dumps(record)), **arrays)
    os.replace(tmp, out_path)


def main(workdir):
    os.chdir(workdir)
    with open("request.json") as f:
        request = json.load(f)
    with open("calls.pickle", "rb") as f:
        calls = pickle.load(f)
    # the inputs of every call, and the replays of each (lessonkit.replay), which hold a
    # dependent function's answer: out of reach of the student's code, which runs next
    for name in ("request.json", "calls.pickle"):
        os.unlink(name)
    os.makedirs("results", exist_ok=True)
    log = []
    namespace = {"__name__": "__main__"}
    run_cells(request["cells"], set(request.get("skip", [])), namespace, log)
    with open("cells.json", "w") as f:
        json.dump(log, f)
    with open("progress", "w") as f:
        f.write("calls")

    by_function = {}
    for index, case in enumerate(calls):
        by_function.setdefault(case.what, []).append(index)
    for indices in by_function.values():
        # the replayed calls first: a called function of the student's that hangs or kills the
        # process stops only the calls that run it, after the replayed ones' results are written
        indices.sort(key=lambda index: not calls[index].replays)
        budget = FUNCTION_CPU_SECONDS * len({bool(calls[index].replays) for index in indices})
        pid = os.fork()
        if pid == 0:  # the child makes this function's calls, then leaves at once
            try:
                import resource

                signal.signal(signal.SIGALRM, signal.SIG_DFL)
                signal.signal(signal.SIGPROF, signal.SIG_DFL)
                signal.alarm(FUNCTION_WALL_SECONDS)
                hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
                used = resource.getrusage(resource.RUSAGE_SELF)
                # RLIMIT_CPU counts this child's own time: SIGXCPU, then SIGKILL at the hard limit
                resource.setrlimit(resource.RLIMIT_CPU, (min(hard, int(used.ru_utime + used.ru_stime)
                                                             + budget), hard))
                for index in indices:
                    call_function(namespace, calls[index], os.path.join("results", f"{index}.npz"))
            finally:
                os._exit(0)
        deadline = time.monotonic() + FUNCTION_WALL_SECONDS + 2
        while True:
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                break
            time.sleep(0.005)
    with open("progress", "w") as f:   # over what a call may have written: the runner reached its end
        f.write("done")


if __name__ == "__main__":
    try:
        main(sys.argv[1])
    except BaseException:  # noqa: BLE001
        traceback.print_exc()
        sys.exit(3)
