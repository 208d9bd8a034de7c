"""tools/export_student.py and tools/misc/generate_sam_masks.py under
faults: SIGTERM, Ctrl-C, a full disk, a damaged input, a huge image."""
import errno
import glob
import os
import os.path as osp
import runpy
import signal
import subprocess
import sys
import time

import cv2
import numpy as np
import pytest
import torch
from skimage import data

from mmsamdistill.datasets import read_label_map
from tests.helpers import REPO, run_tool

EXPORT = osp.join(REPO, 'tools', 'export_student.py')
MASKS = osp.join(REPO, 'tools', 'misc', 'generate_sam_masks.py')


def run_in_process(monkeypatch, tool, *args):
    monkeypatch.setattr(sys, 'argv', [tool, *map(str, args)])
    runpy.run_path(tool, run_name='__main__')


def checkpoint(path):
    torch.save(dict(state_dict={'generator.w': torch.ones(4),
                                'teacher.network.w': torch.ones(4)}), path)
    return str(path)


def test_export_stopped_by_sigterm_keeps_the_previous_output(
        tmp_path, monkeypatch, capsys):
    source = checkpoint(tmp_path / 'iter_2.pth')
    out = tmp_path / 'student.pth'
    out.write_bytes(b'previous export')
    real_save = torch.save

    def save_then_stop(obj, f):
        real_save(obj, f)
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(1000):  # the handler runs between bytecodes
            pass

    monkeypatch.setattr(torch, 'save', save_then_stop)
    with pytest.raises(SystemExit) as stop:
        run_in_process(monkeypatch, EXPORT, source, out)
    assert stop.value.code == 128 + signal.SIGTERM
    assert 'Export stopped by SIGTERM' in capsys.readouterr().err
    assert out.read_bytes() == b'previous export'
    assert not glob.glob(str(tmp_path / '.*'))


def test_export_of_a_truncated_checkpoint_names_it(tmp_path, monkeypatch):
    source = checkpoint(tmp_path / 'iter_2.pth')
    data_ = open(source, 'rb').read()
    open(source, 'wb').write(data_[:len(data_) // 2])
    with pytest.raises(SystemExit) as error:
        run_in_process(monkeypatch, EXPORT, source, tmp_path / 'out.pth')
    assert f'Refused to load {source}: it is not a readable checkpoint' in \
        str(error.value.code)


def photos(folder, count, size=256):
    folder.mkdir()
    photo = cv2.resize(cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR),
                       (size, size))
    for i in range(count):
        cv2.imwrite(str(folder / f'{i:03d}.png'), np.roll(photo, i, axis=1))
    return str(folder)


def masks_in(root):
    return sorted(glob.glob(osp.join(root, '**', '*.png'), recursive=True))


@pytest.mark.parametrize('stop', [signal.SIGTERM, signal.SIGINT])
def test_mask_generation_stopped_by_a_signal_resumes(tmp_path, stop):
    # enough images that the run is still writing when the signal lands,
    # also on a loaded machine
    count = 300
    images = photos(tmp_path / 'images', count)
    root = str(tmp_path / 'masks')
    args = [sys.executable, MASKS, images, root, '--generator',
            'felzenszwalb', '--batch-size', '1']
    process = subprocess.Popen(args, cwd=REPO, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while len(masks_in(root)) < 3 and time.time() < deadline:
        time.sleep(0.05)
    process.send_signal(stop)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 128 + stop
    assert 'Run the same command again to continue' in stderr
    assert 'Traceback' not in stderr
    done = masks_in(root)
    assert 3 <= len(done) < count, 'stop the run while it is writing'
    assert not glob.glob(osp.join(root, '.*'))  # no temp file, no claim
    for path in done:
        assert read_label_map(path).shape == (256, 256)
    assert f'{count} images: ' in run_tool(args).stdout
    assert len(masks_in(root)) == count


def test_a_full_disk_while_writing_a_mask_keeps_the_old_one(
        tmp_path, monkeypatch):
    from mmsamdistill.datasets import label_map_io
    images = photos(tmp_path / 'images', 2, size=64)
    root = str(tmp_path / 'masks')
    run_in_process(monkeypatch, MASKS, images, root, '--generator',
                   'felzenszwalb')
    first = masks_in(root)[0]
    before = open(first, 'rb').read()
    os.remove(masks_in(root)[1])
    real_open = open

    def full_disk(path, mode='r', *args, **kwargs):
        if 'w' in mode:
            f = real_open(path, mode, *args, **kwargs)
            f.write(b'\x89PNG')
            f.close()
            raise OSError(errno.ENOSPC, 'No space left on device')
        return real_open(path, mode, *args, **kwargs)

    monkeypatch.setattr(label_map_io, 'open', full_disk, raising=False)
    with pytest.raises(SystemExit) as error:
        run_in_process(monkeypatch, MASKS, images, root, '--generator',
                       'felzenszwalb', '--overwrite')
    message = str(error.value.code)
    assert message.startswith('error: ') and 'No space left on device' \
        in message and first in message
    assert open(first, 'rb').read() == before  # intact
    assert not glob.glob(osp.join(root, '.*'))


def test_an_image_far_larger_than_max_side_is_segmented_small(
        tmp_path, monkeypatch):
    """A 4000 x 3000 image with max_side=256: the generator segments a
    256-pixel copy, the label map comes back at full size, and the run's
    Python-side peak stays a few bytes per pixel."""
    import tracemalloc

    from mmsamdistill.data_preparation import generate_mask_cache
    from mmsamdistill.models.priors.classical_mask_generators import \
        FelzenszwalbMaskGenerator
    folder = tmp_path / 'images'
    folder.mkdir()
    big = cv2.resize(data.astronaut(), (4000, 3000))
    cv2.imwrite(str(folder / 'big.png'), big)
    seen = []
    generator = FelzenszwalbMaskGenerator(max_side=256)
    segment = generator.segment
    monkeypatch.setattr(generator, 'segment',
                        lambda image: seen.append(image.shape) or
                        segment(image))
    tracemalloc.start()
    generate_mask_cache(generator, generator.settings(),
                        [str(folder / 'big.png')], str(tmp_path / 'masks'),
                        str(folder), progress=False)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert seen == [(192, 256, 3)]
    assert read_label_map(str(tmp_path / 'masks' / 'big.png')).shape == (
        3000, 4000)
    assert peak < 4000 * 3000 * 16  # image, map and encoding, no more
