"""tools/misc/generate_sam_masks.py: tiny SAM, resume, kill, shards, stale."""
import glob
import os
import os.path as osp
import random
import re
import runpy
import shutil
import signal
import subprocess
import sys
import time

import cv2
import numpy as np
import pytest
from skimage import data

from mmsamdistill.datasets import read_label_map, read_sidecar
from tests.helpers import REPO, TINY_SAM_OPTIONS, run_tool, tiny_nafnet_config

TOOL = osp.join(REPO, 'tools', 'misc', 'generate_sam_masks.py')


def run_in_process(monkeypatch, *args):
    monkeypatch.setattr(sys, 'argv', [TOOL, *args])
    runpy.run_path(TOOL, run_name='__main__')


def masks_in(root):
    return sorted(glob.glob(osp.join(root, '**', '*.png'), recursive=True))


def summary(stdout):
    return [dict(zip(('images', 'written', 'skipped'), map(int, m)))
            for m in re.findall(r'(\d+) images: (\d+) written, (\d+) already',
                                stdout)]


def test_tiny_sam_writes_label_maps_sidecar_and_progress(
        tiny_sam_checkpoint, demo_data, tmp_path, monkeypatch, capfd):
    images = osp.join(demo_data, 'test', 'gt')
    root = str(tmp_path / 'masks')
    options = [f'{k}={v}' for k, v in TINY_SAM_OPTIONS.items()]
    run_in_process(monkeypatch, images, root, '--generator', 'sam',
                   '--batch-size', '3', '--options',
                   f'checkpoint={tiny_sam_checkpoint}', *options)
    out = capfd.readouterr().out
    assert 'task/s' in out and 'ETA' in out  # the progress bar
    assert '8 images: 8 written' in out and 'images/s' in out
    written = masks_in(root)
    assert len(written) == 8
    label_map = read_label_map(written[0])
    assert label_map.shape == (64, 64)
    assert cv2.imread(written[0], cv2.IMREAD_UNCHANGED).dtype == np.uint16
    sidecar = read_sidecar(root)
    assert sidecar['source'] == 'sam' and sidecar['model_type'] == 'tiny_test'
    assert sidecar['checkpoint_sha256']


def test_resume_writes_only_the_missing_masks(demo_data, tmp_path):
    images = osp.join(demo_data, 'train', 'gt')
    root = str(tmp_path / 'masks')
    args = [sys.executable, TOOL, images, root, '--generator', 'felzenszwalb']
    run_tool(args)
    written = masks_in(root)
    assert len(written) == 28
    for path in written[:5]:
        os.remove(path)
    kept_mtime = os.stat(written[-1]).st_mtime_ns
    assert summary(run_tool(args).stdout) == [
        dict(images=28, written=5, skipped=23)
    ]
    assert os.stat(written[-1]).st_mtime_ns == kept_mtime
    assert masks_in(root) == written


def test_a_killed_run_leaves_no_partial_file(tmp_path):
    images = tmp_path / 'images'
    images.mkdir()
    photo = cv2.cvtColor(data.astronaut()[::2, ::2], cv2.COLOR_RGB2BGR)
    for i in range(60):
        cv2.imwrite(str(images / f'{i:03d}.png'), np.roll(photo, i, axis=1))
    root = str(tmp_path / 'masks')
    args = [sys.executable, TOOL, str(images), root, '--generator',
            'felzenszwalb', '--batch-size', '1']
    process = subprocess.Popen(args, cwd=REPO, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while len(masks_in(root)) < 3 and time.time() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    done = masks_in(root)
    assert 3 <= len(done) < 60, 'kill the run while it is writing'
    for path in done:  # every visible mask is complete
        assert read_label_map(path).shape == (256, 256)
    counts = summary(run_tool(args).stdout)[0]
    assert counts['skipped'] == len(done) and counts['written'] == 60 - len(
        done)
    assert len(masks_in(root)) == 60
    assert not glob.glob(osp.join(root, '.*'))  # no temp file is left


def test_two_processes_cover_every_image_exactly_once(demo_data, tmp_path):
    images = osp.join(demo_data, 'train', 'gt')
    root = str(tmp_path / 'masks')
    result = run_tool([
        sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node',
        '2', '--master_port', str(random.randint(20000, 40000)), TOOL, images,
        root, '--generator', 'felzenszwalb'
    ])
    ranks = summary(result.stdout)
    assert sorted(r['images'] for r in ranks) == [14, 14]
    assert sum(r['written'] for r in ranks) == 28  # nothing twice
    expected = sorted(
        osp.join(root, osp.basename(p)) for p in glob.glob(images + '/*'))
    assert masks_in(root) == expected  # nothing missing


def test_changed_settings_are_stale(demo_data, tmp_path):
    images = osp.join(demo_data, 'test', 'gt')
    root = str(tmp_path / 'masks')
    base = [sys.executable, TOOL, images, root, '--generator', 'felzenszwalb']
    run_tool(base)
    with pytest.raises(AssertionError, match='--overwrite'):
        run_tool(base + ['--options', 'scale=300'])
    result = run_tool(base + ['--options', 'scale=300', '--overwrite'])
    assert summary(result.stdout)[0]['written'] == 8
    assert read_sidecar(root)['scale'] == 300


def test_dataset_config_input_mirrors_the_image_folder(demo_data, tmp_path):
    config = tiny_nafnet_config(tmp_path, demo_data)
    root = str(tmp_path / 'masks')
    result = run_tool([
        sys.executable, TOOL, '--dataset-config', config, '--key', 'gt', root,
        '--generator', 'slic'
    ])
    assert "image_key='gt'" in result.stdout
    names = sorted(os.listdir(osp.join(demo_data, 'train', 'gt')))
    assert [osp.basename(p) for p in masks_in(root)] == names
    shutil.rmtree(root)


def test_bad_masks_are_verified_and_redone(demo_data, tmp_path):
    images = osp.join(demo_data, 'test', 'gt')
    root = str(tmp_path / 'masks')
    args = [sys.executable, TOOL, images, root, '--generator', 'felzenszwalb']
    run_tool(args)
    masks = masks_in(root)
    truncated, wrong_size, flipped = masks[:3]
    data_ = open(truncated, 'rb').read()
    open(truncated, 'wb').write(data_[:len(data_) // 2])
    cv2.imwrite(wrong_size, np.zeros((16, 16), np.uint16))
    # a flipped byte inside the pixel data: header, size and end look fine
    data_ = bytearray(open(flipped, 'rb').read())
    data_[len(data_) // 2] ^= 0xFF
    open(flipped, 'wb').write(bytes(data_))
    result = run_tool(args)
    assert summary(result.stdout) == [dict(images=8, written=2, skipped=6)]
    assert '2 of them repaired' in result.stdout
    assert read_label_map(truncated).shape == (64, 64)
    assert read_label_map(wrong_size).shape == (64, 64)
    result = run_tool(args + ['--verify'])  # decodes every mask
    assert summary(result.stdout) == [dict(images=8, written=1, skipped=7)]
    assert '1 of them repaired' in result.stdout
    assert read_label_map(flipped).shape == (64, 64)
    assert summary(run_tool(args + ['--verify']).stdout)[0]['written'] == 0


def test_a_corrupt_sidecar_names_the_file_and_the_fix(demo_data, tmp_path):
    images = osp.join(demo_data, 'test', 'gt')
    root = str(tmp_path / 'masks')
    args = [sys.executable, TOOL, images, root, '--generator', 'felzenszwalb']
    run_tool(args)
    with open(osp.join(root, 'sam_masks.json'), 'w') as f:
        f.write('{"source": "felz')
    with pytest.raises(AssertionError) as error:
        run_tool(args)
    assert 'sam_masks.json is not valid JSON' in str(error.value)
    assert '--overwrite' in str(error.value)
    assert summary(run_tool(args + ['--overwrite']).stdout)[0][
        'written'] == 8
    assert read_sidecar(root)['source'] == 'felzenszwalb'


def test_runs_side_by_side_share_the_images(tmp_path):
    """An image claimed by a live run is left to it; a dead run's claim is
    taken over."""
    from mmsamdistill.data_preparation import generate_mask_cache
    from mmsamdistill.data_preparation.mask_cache import claim_path
    from mmsamdistill.utils import host_name

    class Flat:

        def generate_batch(self, images):
            return [np.ones(i.shape[:2], np.uint16) for i in images]

    images = tmp_path / 'images'
    images.mkdir()
    for i in range(3):
        cv2.imwrite(str(images / f'{i}.png'), np.zeros((8, 8, 3), np.uint8))
    paths = sorted(glob.glob(f'{images}/*.png'))
    root = str(tmp_path / 'masks')
    other = subprocess.Popen([sys.executable, '-c',
                              'import time; time.sleep(120)'])
    try:
        os.makedirs(root)
        claim = claim_path(osp.join(root, '1.png'))
        with open(claim, 'w') as f:
            f.write(f'{host_name()} {other.pid}\n')
        counts = generate_mask_cache(Flat(), dict(source='flat'), paths,
                                     root, str(images), progress=False)
        assert counts['written'] == 2 and counts['busy'] == 1
        assert not osp.exists(osp.join(root, '1.png'))
        assert osp.exists(claim)  # still the other run's
    finally:
        other.kill()
        other.wait()
    counts = generate_mask_cache(Flat(), dict(source='flat'), paths, root,
                                 str(images), progress=False)
    assert counts['written'] == 1 and counts['skipped'] == 2
    assert osp.isfile(osp.join(root, '1.png'))
    assert not glob.glob(osp.join(root, '.*'))  # claims are gone


def test_load_sam_mask_errors_name_the_repair(tmp_path):
    import warnings

    from mmsamdistill.datasets import LoadSAMMask, write_label_map
    masks = tmp_path / 'masks'
    write_label_map(str(masks / 'a.png'), np.ones((8, 8), np.uint16))
    write_label_map(str(masks / 'b.png'), np.ones((4, 4), np.uint16))
    (masks / 'c.png').write_bytes(b'\x89PNG\r\n\x1a\n broken')

    def results(name):
        return dict(gt_path=str(tmp_path / 'images' / f'{name}.png'),
                    gt=np.zeros((8, 8, 3), np.uint8))

    strict = LoadSAMMask(mask_root=str(masks),
                         image_root=str(tmp_path / 'images'))
    assert strict(results('a'))['sam_mask'].shape == (8, 8, 1)
    with pytest.raises(ValueError, match='generate_sam_masks.py.*--verify'):
        strict(results('c'))
    with pytest.raises(ValueError, match='redoes masks whose size differs'):
        strict(results('b'))
    with pytest.raises(FileNotFoundError, match='generate_sam_masks.py'):
        strict(results('missing'))
    lenient = LoadSAMMask(mask_root=str(masks), on_missing='empty',
                          image_root=str(tmp_path / 'images'))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        for _ in range(3):  # corrupt = missing, warned once
            assert not lenient(results('c'))['sam_mask'].any()
        assert not lenient(results('missing'))['sam_mask'].any()
    assert len([w for w in caught if 'corrupt' in str(w.message)]) == 1


def test_segmenter_generator_writes_a_cache(demo_data, tmp_path):
    images = osp.join(demo_data, 'test', 'gt')
    root = str(tmp_path / 'masks')
    result = run_tool([
        sys.executable, TOOL, images, root, '--generator', 'segmenter',
        '--options', 'form=classes_by_segments', 'input_size=129'
    ])
    assert summary(result.stdout) == [dict(images=8, written=8, skipped=0)]
    written = masks_in(root)
    assert len(written) == 8
    assert all(read_label_map(path).shape == (64, 64) for path in written)
    sidecar = read_sidecar(root)
    assert sidecar['source'] == 'segmenter'
    assert sidecar['form'] == 'classes_by_segments'
    assert sidecar['input_size'] == 129
    assert sidecar['checkpoint'] == 'deeplabv3_mnv2_pascal_quant.tflite'
    assert len(sidecar['checkpoint_sha256']) == 64
