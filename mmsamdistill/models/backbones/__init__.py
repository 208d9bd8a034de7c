"""The paper's baseline restoration networks that MMagic lacks."""

__all__ = []
