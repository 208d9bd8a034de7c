"""Write the test metrics to a JSON file."""
from typing import Dict, Optional

from mmagic.registry import HOOKS
from mmengine.dist import is_main_process
from mmengine.hooks import Hook

from ..utils.file_io import dump_json_atomic


@HOOKS.register_module()
class DumpTestMetricsHook(Hook):
    """Dump the metrics of a test run to ``out_file`` (atomically).

    MMagic's ``MultiTestLoop`` passes its metrics to the hooks but does not
    return them, so ``tools/test.py --out`` collects them here.

    Args:
        out_file (str): Output JSON path.
    """

    priority = 'LOWEST'

    def __init__(self, out_file: str) -> None:
        if not out_file.endswith('.json'):
            raise ValueError(f'out_file must be a .json file, got {out_file}')
        self.out_file = out_file

    def after_test_epoch(self,
                         runner,
                         metrics: Optional[Dict[str, float]] = None) -> None:
        if is_main_process():
            dump_json_atomic(metrics or {}, self.out_file)
