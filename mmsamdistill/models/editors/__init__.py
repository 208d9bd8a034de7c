from .cascade_distill_restorer import CascadeDistillRestorer, CascadeOutput
from .distill_weights import DistillTerm, DistillWeights
from .semantic_teacher import SemanticTeacher

__all__ = [
    'CascadeDistillRestorer', 'CascadeOutput', 'DistillTerm',
    'DistillWeights', 'SemanticTeacher'
]
