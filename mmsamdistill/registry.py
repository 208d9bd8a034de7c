"""The ``mmsamdistill`` scope: children of MMagic's registries.

Components register into MMagic's registries (``mmagic.registry``), so
configs keep ``default_scope='mmagic'``. mmengine marks every dict that a
``mmsamdistill::`` base config contributes with ``_scope_='mmsamdistill'``
and then looks for registries of that scope; these children (empty, each
falling back to its MMagic parent) are what it finds. Importing this module
also lets mmengine's ``Config`` resolve ``mmsamdistill::<path>`` against the
configs installed with the package (``mmsamdistill/.mim/configs``), as it
does for OpenMMLab's own codebases.
"""
from mmengine.config.utils import PKG2PROJECT
from mmengine.registry import Registry

from mmagic import registry as mmagic_registry


def _child(parent: Registry) -> Registry:
    return Registry(parent.name, parent=parent, scope='mmsamdistill',
                    locations=['mmsamdistill'])


RUNNERS = _child(mmagic_registry.RUNNERS)
RUNNER_CONSTRUCTORS = _child(mmagic_registry.RUNNER_CONSTRUCTORS)
LOOPS = _child(mmagic_registry.LOOPS)
HOOKS = _child(mmagic_registry.HOOKS)
LOG_PROCESSORS = _child(mmagic_registry.LOG_PROCESSORS)
OPTIMIZERS = _child(mmagic_registry.OPTIMIZERS)
OPTIM_WRAPPERS = _child(mmagic_registry.OPTIM_WRAPPERS)
OPTIM_WRAPPER_CONSTRUCTORS = _child(
    mmagic_registry.OPTIM_WRAPPER_CONSTRUCTORS)
PARAM_SCHEDULERS = _child(mmagic_registry.PARAM_SCHEDULERS)
DATASETS = _child(mmagic_registry.DATASETS)
DATA_SAMPLERS = _child(mmagic_registry.DATA_SAMPLERS)
TRANSFORMS = _child(mmagic_registry.TRANSFORMS)
MODELS = _child(mmagic_registry.MODELS)
MODEL_WRAPPERS = _child(mmagic_registry.MODEL_WRAPPERS)
WEIGHT_INITIALIZERS = _child(mmagic_registry.WEIGHT_INITIALIZERS)
TASK_UTILS = _child(mmagic_registry.TASK_UTILS)
METRICS = _child(mmagic_registry.METRICS)
EVALUATORS = _child(mmagic_registry.EVALUATORS)
VISUALIZERS = _child(mmagic_registry.VISUALIZERS)
VISBACKENDS = _child(mmagic_registry.VISBACKENDS)

# mmengine resolves `package::` config paths only for the packages of this
# table (mmengine.config.utils); the package name is its own project name.
PKG2PROJECT.setdefault('mmsamdistill', 'mmsamdistill')

__all__ = [
    'RUNNERS', 'RUNNER_CONSTRUCTORS', 'LOOPS', 'HOOKS', 'LOG_PROCESSORS',
    'OPTIMIZERS', 'OPTIM_WRAPPERS', 'OPTIM_WRAPPER_CONSTRUCTORS',
    'PARAM_SCHEDULERS', 'DATASETS', 'DATA_SAMPLERS', 'TRANSFORMS', 'MODELS',
    'MODEL_WRAPPERS', 'WEIGHT_INITIALIZERS', 'TASK_UTILS', 'METRICS',
    'EVALUATORS', 'VISUALIZERS', 'VISBACKENDS'
]
