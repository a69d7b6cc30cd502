"""Reading a student's code for attempts to interfere with grading.

The verdict never depends on this: a grade comes from outputs judged outside the
sandbox. The scan only puts what it finds into words an instructor can act on
(the ``flags`` column and the class report).
"""

import ast
import functools

COURSE_NAMES = {"check", "hidden_check", "lessonkit", "Explorer", "show"}
REFERENCE_NAMES = {"solutions", "autograder"}
CHECKING = {"stored", "spec", "compare", "checks", "hidden", "messages"}
"""lessonkit modules that hold the stored cases and the checking code."""
PROCESS_CALLS = {"_exit", "kill", "killpg", "abort", "system", "fork", "forkpty", "popen", "spawnl",
                 "spawnv", "execv", "execve", "execl", "execvp", "posix_spawn", "setsid"}
RULES = {
    "builtins": "imports builtins (to replace Python's own functions)",
    "ctypes": "imports ctypes (raw memory access)",
    "subprocess": "starts other programs (subprocess)",
    "multiprocessing": "starts other processes (multiprocessing)",
    "signal": "handles or sends signals",
    "socket": "opens network connections",
    "urllib": "opens network connections",
    "requests": "opens network connections",
    "http": "opens network connections",
    "importlib": "imports modules by computed names (importlib)",
    "gc": "walks the interpreter's objects (gc)",
    "inspect": "inspects the caller's frames (inspect)",
    "atexit": "registers code to run when the interpreter exits",
    "resource": "changes resource limits",
    "pickle": "loads pickled objects",
    "IPython": "reaches into IPython",
}
IMPORT_SYSTEM = {"sys.modules", "sys.meta_path", "sys.path_hooks", "sys.path", "sys.path_importer_cache"}
ENVIRONMENT = {"os.environ", "os.environb", "os.getenv", "os.putenv", "os.unsetenv"}
NAMESPACE_CALLS = {"globals", "vars", "builtins.globals", "builtins.vars"}
INTERNALS = {"__globals__", "__code__", "__builtins__", "f_globals", "f_back", "f_locals", "__dict__",
             "__closure__", "cell_contents", "tb_frame", "tb_next", "_getframe", "gi_frame", "cr_frame",
             "ag_frame", "__func__", "__wrapped__"}
"""Attributes that lead from an object to frames, closures or namespaces (a replay's
table, the runner's stored inputs)."""
REPLAY_TABLE = {"_recorded", "_answer"}
"""lessonkit.replay.Replay's table, past and present."""
RUN_FILES = ("calls.pickle", "request.json", "results/", "cells.json")
"""The files through which the sandbox's runner gets its inputs and gives its results."""
SETATTR_CALLS = {"setattr", "delattr", "builtins.setattr", "builtins.delattr", "object.__setattr__",
                 "object.__delattr__", "type.__setattr__"}


def _aliases(sources):
    """What each imported name stands for, across all cells: ``import numpy.testing as
    t`` -> {t: numpy.testing}; ``from builtins import abs as a`` -> {a: builtins.abs}."""
    names = {}
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        names[alias.asname] = alias.name
                    else:
                        root = alias.name.split(".")[0]
                        names[root] = root
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    if alias.name != "*":
                        names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names

LIBRARIES = {
    "torch": "PyTorch", "tensorflow": "TensorFlow", "keras": "Keras", "jax": "JAX", "scipy": "SciPy",
    "sklearn": "scikit-learn", "autograd": "the autograd library", "sympy": "SymPy",
    "numdifftools": "numdifftools", "mxnet": "MXNet", "theano": "Theano",
}
"""Libraries that would answer a graded function for the student (none is mounted in the sandbox)."""
LATER_LESSONS = {"lessonkit.autodiff": ("08", "the course's autodiff engine of lesson 08")}
"""Course modules that answer an earlier lesson's graded functions: not allowed before their lesson."""


def _depends(lesson):
    """The functions the graded functions of ``lesson`` build on (their specs' depends)."""
    if lesson is None:
        return set()
    from .graded import GRADED

    return {name for g in GRADED.values() if g.lesson == lesson for name in g.spec.depends}


class _Finder(ast.NodeVisitor):
    def resolve(self, node):
        """The dotted name ``node`` stands for, through import aliases, or None."""
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        parts.append(self.aliases.get(node.id, node.id))
        return ".".join(reversed(parts))

    def _dotted(self, dotted):
        """Flags for using the module-level object named ``dotted`` (e.g. sys.path)."""
        for name in IMPORT_SYSTEM:
            if dotted == name or dotted.startswith(name + "."):
                self.add(f"changes the import system ({name})")
        if any(dotted == name or dotted.startswith(name + ".") for name in ENVIRONMENT):
            self.add("reads environment variables (can tell when it is being graded)")

    def __init__(self, lesson=None, aliases=None):
        self.found = []
        self.lesson = lesson
        self.aliases = aliases or {}   # imported name -> what it stands for
        self.depends = _depends(lesson)  # functions a replay can stand in for
        self.called = set()              # ids of the Name nodes that are called

    def add(self, text):
        if text not in self.found:
            self.found.append(text)

    def _module(self, name):
        root = name.split(".")[0]
        if root in REFERENCE_NAMES:
            self.add(f"tried to import the course's {root} package (the reference answers)")
        elif root in RULES:
            self.add(RULES[root])
        if root in LIBRARIES:
            self.add(f"uses {LIBRARIES[root]} (not allowed in this lesson)")
        for module, (first, what) in LATER_LESSONS.items():
            if (name == module or name.startswith(module + ".")) and (self.lesson is None or self.lesson[:2] < first):
                self.add(f"uses {what} (not allowed in this lesson)")

    def visit_Import(self, node):
        for alias in node.names:
            self._module(alias.name)
        self.generic_visit(node)

    def visit_ImportFrom(self, node):
        self._module(node.module or "")
        for alias in node.names:   # from lessonkit import autodiff
            if node.module and f"{node.module}.{alias.name}" in LATER_LESSONS:
                self._module(f"{node.module}.{alias.name}")
        if (node.module or "").startswith("lessonkit") and any(a.name in CHECKING for a in node.names):
            self.add(f"imports the course's checking code (from {node.module} import "
                     f"{', '.join(a.name for a in node.names)})")
        if (node.module or "").startswith("lessonkit.") and node.module.split(".")[1] in CHECKING:
            self.add(f"imports the course's checking code ({node.module})")
        self.generic_visit(node)

    def visit_Call(self, node):
        fn = node.func
        name = fn.id if isinstance(fn, ast.Name) else fn.attr if isinstance(fn, ast.Attribute) else ""
        dotted = self.resolve(fn) or ""
        if dotted in SETATTR_CALLS or name in ("__setattr__", "__delattr__"):
            target = node.args[0] if node.args else None
            if not (isinstance(target, ast.Name) and target.id == "self"):
                self.add(f"replaces attributes with {name} ({ast.unparse(node)[:60]})")
        if dotted in ("getattr", "builtins.getattr", "object.__getattribute__") and len(node.args) > 1 \
                and not isinstance(node.args[1], ast.Constant):
            self.add(f"reads an attribute by a computed name ({ast.unparse(node)[:60]})")
        if isinstance(fn, ast.Name) and fn.id in self.depends:
            self.called.add(id(fn))
        if dotted in NAMESPACE_CALLS:
            self.add(f"reaches into a namespace with {name}() (to replace what names stand for)")
        if isinstance(fn, ast.Name) and "." in dotted and dotted.split(".")[-1] in PROCESS_CALLS \
                and dotted.split(".")[0] in ("os", "posix", "pty", "signal"):
            self.add(f"calls {dotted} (leaving or forking the interpreter)")
        if name in ("__import__", "exec", "eval", "compile"):
            self.add(f"runs code built at run time ({name})")
        if name == "get_ipython":
            self.add("reaches into IPython (get_ipython)")
        if name in ("set_custom_exc", "register", "showtraceback"):
            self.add(f"changes how errors are reported ({name})")
        if isinstance(fn, ast.Attribute) and name in PROCESS_CALLS:
            self.add(f"calls {ast.unparse(fn)} (leaving or forking the interpreter)")
        if name in ("exit", "quit"):
            self.add(f"calls {name}() (leaving the interpreter)")
        if name == "open":
            for arg in node.args[:1]:
                text = ast.unparse(arg)
                if any(k in text for k in ("source", "solution", "gradebook", "hidden", "release", "/work", "..")):
                    self.add(f"opens a file outside its work ({text[:60]})")
        self.generic_visit(node)

    def visit_Raise(self, node):
        exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
        if isinstance(exc, ast.Name) and exc.id in ("SystemExit", "KeyboardInterrupt", "GeneratorExit"):
            self.add(f"raises {exc.id} (to leave the interpreter or stop the grader)")
        self.generic_visit(node)

    def visit_Attribute(self, node):
        if node.attr in ("environ", "getenv") or (isinstance(node.value, ast.Name) and node.value.id == "os"
                                                  and node.attr in ("environ", "getenv")):
            self.add("reads environment variables (can tell when it is being graded)")
        dotted = self.resolve(node)
        if dotted:
            self._dotted(dotted)
        if node.attr in INTERNALS:
            self.add(f"touches interpreter internals ({node.attr})")
        if node.attr in REPLAY_TABLE:
            self.add(f"reads the replay's table ({ast.unparse(node)[:60]}) instead of calling the function")
        self.generic_visit(node)

    def visit_Name(self, node):
        if node.id in self.depends and isinstance(node.ctx, ast.Load) and id(node) not in self.called:
            self.add(f"uses {node.id} other than by calling it (in a replayed run it stands for "
                     "the reference's recorded answers, which this could read)")
        if node.id in self.aliases:
            self._dotted(self.aliases[node.id])
        if node.id == "__builtins__":
            self.add("touches interpreter internals (__builtins__)")
        if "NBGRADER" in node.id:
            self.add("looks for nbgrader (behaves differently when graded?)")

    def visit_Constant(self, node):
        if isinstance(node.value, str) and "NBGRADER" in node.value:
            self.add("looks for nbgrader's variables (behaves differently when graded?)")
        if isinstance(node.value, str) and any(k in node.value for k in ("solutions", "/source/", "gradebook")):
            self.add(f"mentions grading material ({node.value[:40]!r})")
        if isinstance(node.value, str) and node.value in INTERNALS:   # getattr(f, "__closure__")
            self.add(f"touches interpreter internals ({node.value})")
        if isinstance(node.value, str) and any(k in node.value for k in RUN_FILES):
            self.add(f"touches the run's stored inputs or results ({node.value[:40]!r})")
        if isinstance(node.value, str) and any(k in node.value for k in REPLAY_TABLE):
            self.add(f"reads the replay's table ({node.value[:40]!r}) instead of calling the function")

    def _assigned(self, target):
        if isinstance(target, ast.Attribute):
            base = target
            while isinstance(base, ast.Attribute):
                base = base.value
            if isinstance(base, ast.Name) and base.id not in ("self",):
                text, dotted = ast.unparse(target), self.resolve(target)
                also = f", which is {dotted}" if dotted and dotted != text else ""
                self.add(f"replaces {text}{also} (monkeypatching a module or object)")
        elif isinstance(target, ast.Name) and target.id in COURSE_NAMES:
            self.add(f"redefines the course's {target.id}")
        elif isinstance(target, (ast.Tuple, ast.List)):
            for t in target.elts:
                self._assigned(t)
        elif isinstance(target, ast.Subscript):
            value, dotted = target.value, self.resolve(target.value) or ""
            text = ast.unparse(value)[:60]
            if (isinstance(value, ast.Attribute) and value.attr in ("modules", "environ", "__dict__")) \
                    or dotted in ("sys.modules", "os.environ") or dotted.endswith(".__dict__"):
                self.add(f"writes to {text}" + (f" ({dotted})" if dotted and dotted != text else ""))
            elif isinstance(value, ast.Call) and (self.resolve(value.func) or "") in NAMESPACE_CALLS:
                self.add(f"writes to a namespace through {text}")

    def visit_Assign(self, node):
        for target in node.targets:
            self._assigned(target)
        self.generic_visit(node)

    def visit_AugAssign(self, node):
        self._assigned(node.target)
        self.generic_visit(node)

    def visit_FunctionDef(self, node):
        if node.name in COURSE_NAMES:
            self.add(f"redefines the course's {node.name}")
        self.generic_visit(node)


MIN_GIVEN_STATEMENTS = 2
"""A given function of one statement is not taken for a copy when an answer equals it:
``return 0.5 * (1.0 + np.tanh(0.5 * a))`` (lesson 07's sigmoid) and
``return np.tanh(np.concatenate([memory, event], axis=1) @ W + b)`` (lesson 10's
rnn_cell) are what an honest student writes too."""


def _statements(node):
    """A function's statements without its docstring."""
    return node.body[1:] if (node.body and isinstance(node.body[0], ast.Expr)
                             and isinstance(node.body[0].value, ast.Constant)
                             and isinstance(node.body[0].value.value, str)) else node.body


def _body(node):
    """A function's code without its name and docstring, for comparing copies."""
    return ast.dump(ast.Module(body=[*_statements(node)], type_ignores=[])) + ast.dump(node.args)


@functools.cache
def given_functions():
    """{function body: (lesson, name)} of every function the course gives (read-only code
    cells of the released lessons): a graded answer equal to one was copied, not written."""
    import nbformat

    from .nbgrader_setup import ROOT

    given = {}
    for path in sorted((ROOT / "lessons").glob("*/*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type != "code" or meta.get("solution") or meta.get("grade"):
                continue
            try:
                tree = ast.parse(cell.source)
            except SyntaxError:
                continue
            for node in tree.body:
                if isinstance(node, ast.FunctionDef) and len(_statements(node)) >= MIN_GIVEN_STATEMENTS:
                    given.setdefault(_body(node), (path.stem, node.name))
    return given


def _copied_answers(tree, lesson):
    from .graded import GRADED

    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name in GRADED and GRADED[node.name].lesson == lesson:
            source = given_functions().get(_body(node))
            if source and source[0] != lesson:
                yield (f"the answer to {node.name} is a copy of code that lesson {source[0]} gives "
                       f"({source[1]}), not the student's own")


def scan(sources, lesson=None):
    """Flags (sentences) for what the student's code does that grading should know;
    ``lesson`` (e.g. "07_backprop") decides which course modules are a later lesson's,
    and which answers are copies of code another lesson gives."""
    finder = _Finder(lesson, _aliases(sources))
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError as exc:
            finder.add(f"a cell has a syntax error (line {exc.lineno}): it cannot run")
            continue
        finder.visit(tree)
        if lesson:
            for flag in _copied_answers(tree, lesson):
                finder.add(flag)
    return finder.found
