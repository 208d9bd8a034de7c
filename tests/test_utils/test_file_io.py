"""write_atomic: umask-honouring modes, temp files of live writers kept."""
import ast
import glob
import json
import os
import os.path as osp
import stat
import subprocess
import sys
import time

import numpy as np
import pytest
import torch

from mmsamdistill.datasets import read_sidecar, write_label_map
from mmsamdistill.utils import (dump_json_atomic, host_name,
                                load_json_if_exists, remove_dead_temp_files,
                                temp_file_is_dead, write_atomic)
from tests.helpers import REPO


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def umask():
    previous = os.umask(0o022)
    yield lambda value: os.umask(value)
    os.umask(previous)


def test_written_files_get_the_mode_of_a_plain_write(tmp_path, umask):
    for mask, expected in ((0o022, 0o644), (0o002, 0o664), (0o077, 0o600)):
        umask(mask)
        plain = tmp_path / f'plain_{mask:o}.txt'
        plain.write_text('x')
        assert mode(plain) == expected
        atomic = str(tmp_path / f'atomic_{mask:o}.txt')
        write_atomic(atomic, lambda tmp: open(tmp, 'w').write('x'))
        assert mode(atomic) == expected
        dump_json_atomic(dict(a=1), str(tmp_path / f'meta_{mask:o}.json'))
        assert mode(tmp_path / f'meta_{mask:o}.json') == expected
        png = str(tmp_path / f'mask_{mask:o}.png')
        write_label_map(png, np.zeros((4, 4), np.uint16))
        assert mode(png) == expected
        pth = str(tmp_path / f'student_{mask:o}.pth')
        write_atomic(pth, lambda tmp: torch.save({}, tmp))
        assert mode(pth) == expected


def test_exported_students_are_readable_by_others(tmp_path, umask):
    import runpy
    tool = runpy.run_path(osp.join(REPO, 'tools', 'export_student.py'))
    checkpoint = str(tmp_path / 'iter_1.pth')
    torch.save(dict(state_dict={'generator.w': torch.zeros(1)}), checkpoint)
    tool['export_student'](checkpoint, str(tmp_path / 'student.pth'))
    assert mode(tmp_path / 'student.pth') == 0o644


def temp_name(folder, name, pid, host=None):
    host = host_name() if host is None else host
    return osp.join(str(folder), f'.{name}.~{host}~{pid}~abcd1234.tmp.png')


def test_only_temp_files_of_dead_writers_are_removed(tmp_path):
    target = str(tmp_path / '0.png')
    sleeper = subprocess.Popen([sys.executable, '-c',
                                'import time; time.sleep(120)'])
    try:
        live = temp_name(tmp_path, '0.png', sleeper.pid)
        remote = temp_name(tmp_path, '0.png', 1, host='another-machine')
        old_style = str(tmp_path / '.0.png.k2j3h4.tmp.png')
        for path in (live, remote, old_style):
            open(path, 'w').close()
        dead_process = subprocess.Popen([sys.executable, '-c', 'pass'])
        dead_process.wait()
        dead = temp_name(tmp_path, '0.png', dead_process.pid)
        open(dead, 'w').close()
        assert remove_dead_temp_files(target) == 1
        assert not osp.exists(dead)
        for path in (live, remote, old_style):  # cannot prove them dead
            assert osp.exists(path)
        # anything older than a generous age is dead
        past = time.time() - 3 * 24 * 3600
        os.utime(remote, (past, past))
        assert temp_file_is_dead(remote)
        assert remove_dead_temp_files(target) == 1 and osp.exists(live)
    finally:
        sleeper.kill()
        sleeper.wait()
    assert remove_dead_temp_files(target) == 1  # its writer is gone now
    assert osp.exists(old_style)


def test_a_new_mask_run_keeps_a_live_writers_temp_file(tmp_path):
    from mmsamdistill.data_preparation import generate_mask_cache

    class Flat:

        def generate_batch(self, images):
            return [np.ones(i.shape[:2], np.uint16) for i in images]

    images = tmp_path / 'images'
    images.mkdir()
    import cv2
    for i in range(2):
        cv2.imwrite(str(images / f'{i}.png'), np.zeros((8, 8, 3), np.uint8))
    root = tmp_path / 'masks'
    root.mkdir()
    sleeper = subprocess.Popen([sys.executable, '-c',
                                'import time; time.sleep(120)'])
    try:
        live = temp_name(root, '0.png', sleeper.pid)
        open(live, 'w').close()
        summary = generate_mask_cache(
            Flat(), dict(source='flat'), sorted(glob.glob(f'{images}/*')),
            str(root), str(images), progress=False)
        assert summary['written'] == 2
        assert osp.exists(live)  # the other run can still rename it
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_corrupt_json_file_is_named_with_the_fix(tmp_path):
    path = tmp_path / 'sam_masks.json'
    path.write_text('{"source": "sam", "model')
    with pytest.raises(ValueError, match='sam_masks.json is not valid JSON'):
        load_json_if_exists(str(path))
    with pytest.raises(ValueError, match='--overwrite') as error:
        read_sidecar(str(tmp_path))
    assert str(path) in str(error.value)
    path.write_text(json.dumps(dict(source='sam')))
    assert read_sidecar(str(tmp_path)) == dict(source='sam')


def test_utils_do_not_import_the_engine():
    """No import cycle: engine imports utils, never the other way."""
    folder = osp.join(REPO, 'mmsamdistill', 'utils')
    for name in os.listdir(folder):
        if not name.endswith('.py'):
            continue
        tree = ast.parse(open(osp.join(folder, name)).read())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                module = ('.' * node.level) + (node.module or '')
                assert not (node.level and module.lstrip('.').startswith(
                    'engine')), f'{name} imports {module}'
                assert not module.startswith('mmsamdistill.engine')
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    assert not alias.name.startswith('mmsamdistill.engine')
