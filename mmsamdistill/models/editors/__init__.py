from .cascade_distill_restorer import CascadeDistillRestorer

__all__ = ['CascadeDistillRestorer']
