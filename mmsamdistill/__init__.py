"""mmsamdistill: distill SAM's semantic priors into MMagic restoration models.

Importing the package registers its components into MMagic's registries
(``mmagic.registry``), so configs keep ``default_scope='mmagic'`` and any
OpenMMLab project can use them with
``custom_imports = dict(imports=['mmsamdistill'])``. It also installs the
torch >= 2.6 checkpoint loader (see :mod:`mmsamdistill.engine`).
"""
# Imported for registration into MMagic's registries.
from . import datasets, engine, evaluation, models  # noqa: F401
from .version import __version__

__all__ = ['__version__', 'datasets', 'engine', 'evaluation', 'models']
