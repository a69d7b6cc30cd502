"""Reading, cleaning and editing notebooks, by nbgrader's cell metadata."""

import nbformat


def read(path):
    return nbformat.read(str(path), as_version=4)


def grade_id(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def find_cell(nb, gid):
    """The cell whose nbgrader grade_id is ``gid``; KeyError if none."""
    for cell in nb.cells:
        if grade_id(cell) == gid:
            return cell
    raise KeyError(f"no cell with grade_id {gid!r}")


def graded_functions(nb):
    """grade_ids of the solution cells that define graded functions, in order."""
    return [grade_id(c) for c in nb.cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")
            and grade_id(c)]


KERNEL_METADATA = {
    "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
    "language_info": {"codemirror_mode": {"name": "ipython", "version": 3}, "file_extension": ".py",
                      "mimetype": "text/x-python", "name": "python", "nbconvert_exporter": "python",
                      "pygments_lexer": "ipython3", "version": "3.11.7"},
}
"""What the course's Python 3 kernel (ipykernel on the Python of .venv and CI) fills in when
it connects. JupyterLab marks a notebook modified as soon as its kernel's kernelspec or
language_info differs from the stored ones, so masters and student versions carry exactly
these (tests/lessons/test_structure.py compares them with the installed ipykernel; on
another Python patch release only ``version`` differs, and such a notebook shows as
modified once)."""


def clean(nb):
    """Strip outputs, execution counts and widget state, and set the kernel's metadata
    (:data:`KERNEL_METADATA`), in place; return whether it changed."""
    changed = False
    for key, value in KERNEL_METADATA.items():
        if nb.metadata.get(key) != value:
            nb.metadata[key] = nbformat.from_dict(value)
            changed = True
    for cell in nb.cells:
        if cell.cell_type == "code":
            if cell.outputs or cell.execution_count is not None:
                changed = True
            cell.outputs = []
            cell.execution_count = None
        for key in ("execution", "collapsed", "scrolled"):
            if key in cell.metadata:
                del cell.metadata[key]
                changed = True
    for key in ("widgets", "toc", "varInspector"):
        if key in nb.metadata:
            del nb.metadata[key]
            changed = True
    return changed


def is_clean(nb):
    probe = nbformat.from_dict(nb)
    return not clean(probe)


def run_source(source, namespace):
    """Execute one cell's source in ``namespace``, as IPython would; return the value
    of a final bare expression (or None). Exceptions propagate."""
    import ast

    tree = ast.parse(source)
    last = tree.body[-1] if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    if last is not None:
        tree.body = tree.body[:-1]
    exec(compile(tree, "<cell>", "exec"), namespace)  # noqa: S102 - the point of this helper
    if last is not None:
        return eval(compile(ast.Expression(last.value), "<cell>", "eval"), namespace)  # noqa: S307
    return None


def code_cells(nb, replace=None, upto=None):
    """(grade_id or index, source) of the code cells, in order.

    replace maps grade_ids to new sources (a planted mistake); upto stops after the
    cell with that grade_id.
    """
    replace = replace or {}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        gid = grade_id(cell) or index
        yield gid, replace.get(gid, cell.source)
        if gid == upto:
            return
