"""Shared test setup: every test starts from the same seed and default dtype."""
import pytest

import ember


@pytest.fixture(autouse=True)
def _fresh_state():
    ember.manual_seed(0)
    ember.set_default_dtype(ember.float32)
    yield
    ember.set_default_dtype(ember.float32)
