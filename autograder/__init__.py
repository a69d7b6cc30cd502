"""Grading: cases generated from :mod:`solutions`, comparison with named diagnoses
of common mistakes, the sandboxed runner for student code, nbgrader configuration
and the instructors' command line. A student's notebook never imports this package
at grading time; the verdict is reached here, outside the process that ran the
student's code.
"""
