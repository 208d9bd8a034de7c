"""Metrics used by the paper's tables that MMagic lacks."""
from .metrics import *  # noqa: F401,F403
from .metrics import __all__  # noqa: F401  (re-exported)
