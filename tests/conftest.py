"""Shared pytest setup.

In CI (``CI=true``) a skipped test is a failure: every tool a test needs must be
installed by ``.ci/run``. Locally, tests that need an optional tool skip with a
message saying how to install it.
"""

import os

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where nothing may skip: {reason}"


@pytest.fixture(scope="session")
def torch():
    """PyTorch in float64, or a skip that says how to get it."""
    try:
        import torch
    except ImportError:
        pytest.skip("PyTorch cross-checks need torch: .venv/bin/pip install torch==2.13.0")
    torch.set_default_dtype(torch.float64)
    return torch
