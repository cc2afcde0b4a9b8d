"""Run the examples in every docstring of steps_core: documentation that cannot rot."""

import doctest
import importlib
import pkgutil

import pytest

import steps_core

MODULES = sorted(m.name for m in pkgutil.walk_packages(steps_core.__path__, "steps_core.")
                 if ".cli" not in m.name)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
