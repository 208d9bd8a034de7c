"""A Runner that trusts the checkpoints it resumes from or ``load_from``-s."""
from mmagic.registry import RUNNERS
from mmengine.runner import Runner

from .checkpoint_loading import trusted_run_checkpoints


@RUNNERS.register_module()
class TrustedResumeRunner(Runner):
    """mmengine's ``Runner`` whose resume/``load_from`` load fully unpickles.

    mmengine's own checkpoints store the optimizer, message hub and meta as
    Python objects that torch >= 2.6 refuses to load weights-only. Only the
    checkpoint named by ``resume``/``load_from`` is trusted; every other local
    load (``init_cfg`` pretrained weights, SAM, VGG) stays weights-only, see
    :mod:`mmsamdistill.engine.checkpoint_loading`.
    """

    def load_or_resume(self) -> None:
        with trusted_run_checkpoints():
            super().load_or_resume()
