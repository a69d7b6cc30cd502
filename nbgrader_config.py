"""nbgrader's configuration for this course: stock nbgrader commands run from here use it."""

from autograder.nbgrader_setup import configure

configure(get_config())  # noqa: F821 - get_config is provided by nbgrader's config loader
