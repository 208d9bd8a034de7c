"""Metrics used by the paper's tables that MMagic lacks, and IR2's scoring."""
from .metrics import *  # noqa: F401,F403
from .metrics import __all__ as _metrics
from .teacher_evaluation import add_teacher_evaluation, teacher_metrics

__all__ = [*_metrics, 'add_teacher_evaluation', 'teacher_metrics']
