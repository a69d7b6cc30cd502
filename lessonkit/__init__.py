"""The student side of the course: checks, widgets, plots and the story.

Lessons import what they need from here. This package holds no reference answer to
any graded function: visible checks compare with stored fixtures, and the explorers
and plots call the student's own functions.
"""

from .checks import check
from .hidden import hidden_check

__all__ = ["check", "hidden_check"]
