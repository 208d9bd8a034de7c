"""mmsamdistill: distill SAM's semantic priors into MMagic restoration models.

Importing the package registers its components into MMagic's registries
(``mmagic.registry``), so configs keep ``default_scope='mmagic'`` and any
OpenMMLab project can use them with
``custom_imports = dict(imports=['mmsamdistill'])``. It also adds the few
classes mmengine stores in its training checkpoints to torch's weights-only
allow-list, so they load under torch >= 2.6 with nothing unpickled in full
(see :mod:`mmsamdistill.engine.checkpoint_loading`).
"""
# Imported for registration into MMagic's registries, and for the
# `mmsamdistill` config scope (mmsamdistill::<config> bases).
from . import datasets, engine, evaluation, models, registry  # noqa: F401
from .version import __version__

__all__ = [
    '__version__', 'datasets', 'engine', 'evaluation', 'models', 'registry'
]
