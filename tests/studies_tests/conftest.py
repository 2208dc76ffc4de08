"""Fixtures of the studies tests: small stored studies for `predict` and `export`."""

from __future__ import annotations

import pytest
from made_studies import Made, make_studies


@pytest.fixture(scope="session")
def made(tmp_path_factory) -> Made:
    """The studies of `made_studies.STUDIES`, run once a session (about a second in all)."""
    return make_studies(tmp_path_factory.mktemp("predict"))
