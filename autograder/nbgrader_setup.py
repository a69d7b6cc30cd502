"""The course's nbgrader configuration, in one place.

``nbgrader_config.py`` at the repository's root loads it, so stock ``nbgrader``
commands run from the root use it too; the course's own commands build it with
:func:`course_config`.
"""

import os
import sys
from pathlib import Path

from traitlets.config import Config

ROOT = Path(__file__).resolve().parent.parent
COURSE_ID = "lstm-gate-by-gate"
CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"


def configure(c, root=ROOT, db_url=None):
    """Fill traitlets config ``c`` for a course rooted at ``root``."""
    c.CourseDirectory.root = str(root)
    c.CourseDirectory.course_id = COURSE_ID
    c.CourseDirectory.source_directory = "source"
    c.CourseDirectory.release_directory = "lessons"
    c.CourseDirectory.db_url = db_url or f"sqlite:///{Path(root) / 'gradebook.db'}"
    c.ClearSolutions.code_stub = {"python": CODE_STUB}
    # Any stderr in a test cell scores 0 (docs/design.md §7); a loop must not stall grading.
    c.Execute.timeout = 60
    # Feedback must not reveal the hidden tests.
    c.GenerateFeedback.preprocessors = [
        "nbgrader.preprocessors.GetGrades",
        "nbgrader.preprocessors.ClearHiddenTests",
        "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    ]
    # Restore test cells a student deleted, rather than losing their points silently.
    c.OverwriteCells.add_missing_cells = True
    return c


def put_tools_on_path():
    """nbgrader runs ``alembic`` from PATH: make this interpreter's scripts findable."""
    scripts = str(Path(sys.executable).parent)
    if scripts not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = scripts + os.pathsep + os.environ.get("PATH", "")


def fast_gradebook_creation():
    """Make nbgrader create gradebooks without spawning the ``alembic`` command.

    nbgrader 0.9.6 asks ``alembic heads`` in a subprocess for the schema version it
    stamps on a new gradebook (3 s here); alembic's own Python API gives the same
    answer at once. The database nbgrader writes is unchanged.
    """
    import functools

    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory
    from nbgrader import api

    @functools.cache
    def head():
        with api._temp_alembic_ini("sqlite:////tmp/gradebook.db") as ini:
            return ScriptDirectory.from_config(AlembicConfig(ini)).get_current_head()

    api.get_alembic_version = head


def course_config(root=ROOT, db_url=None):
    """A fresh traitlets Config for the course."""
    return configure(Config(), root, db_url)
