"""Grading tests need bubblewrap: in CI it is installed (.ci/run); locally they skip."""

import shutil

import pytest

from autograder import sandbox


@pytest.fixture(scope="session")
def bwrap():
    if not shutil.which("bwrap"):
        pytest.skip("the grading sandbox needs bubblewrap: sudo apt-get install bubblewrap")
    sandbox.check_available()
