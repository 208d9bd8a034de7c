"""The registered name of a config's ``type``, whatever form it takes."""


def type_name(cfg: dict) -> str:
    """The registered name of a config's ``type``, without its scope.

    A config names its type as a string (``'Flip'``), a scoped string
    (``'mmagic.Flip'``) or the class itself; all three give ``'Flip'``.

    Args:
        cfg (dict): A config with a ``type`` (a transform, a generator, ...).

    Returns:
        str: The class name it is registered under.
    """
    kind = cfg.get('type')
    if isinstance(kind, type):
        return kind.__name__
    return str(kind).split('.')[-1]
