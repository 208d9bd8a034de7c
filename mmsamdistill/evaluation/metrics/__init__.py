"""Evaluation metrics, registered into ``mmagic.registry.METRICS``."""

__all__ = []
