"""The built package: installs beside the user's torch, carries its configs.

Builds the wheel from a copy of the repository (offline, no build
isolation), then checks its metadata, resolves it with pip against this
environment (a dry run with no index: anything it asked to replace or add
would fail or show), and installs it with ``--no-deps`` into a scratch
folder to read its packaged configs the ways mim and mmengine do.
"""
import glob
import json
import os.path as osp
import shutil
import subprocess
import sys
import textwrap
import zipfile

import pytest
import yaml

from tests.helpers import REPO, run_tool

NAFNET_CONFIG = ('nafnet/nafnet_c64eb11128mb1db1111_8xb8-lr1e-3-400k_gopro_'
                 'samdistill.py')
RCDNET_CONFIG = 'rcdnet/rcdnet_1xb8-200e_rain200l.py'


@pytest.fixture(scope='module')
def wheel(tmp_path_factory):
    """The wheel of a clean copy of the repository."""
    tmp = tmp_path_factory.mktemp('wheel')
    source = str(tmp / 'src')
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(
        '.git', '.venv', 'work_dirs', 'data', 'build', '*.egg-info', '.mim',
        '__pycache__', '.pytest_cache'))
    run_tool([
        sys.executable, '-m', 'pip', 'wheel', '--no-deps',
        '--no-build-isolation', '--disable-pip-version-check', '-q', '-w',
        str(tmp / 'dist'), source
    ], timeout=600)
    return glob.glob(str(tmp / 'dist' / 'mmsamdistill-*.whl'))[0]


def test_metadata_declares_ranges_and_mim_files(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = next(archive.read(n).decode() for n in names
                        if n.endswith('.dist-info/METADATA'))
    requires = [line.split(':', 1)[1].strip()
                for line in metadata.splitlines()
                if line.startswith('Requires-Dist:') and 'extra ==' not in
                line]
    torch = [r for r in requires if r.split('>')[0].split('=')[0] in (
        'torch', 'torchvision')]
    assert torch and not any('==' in r for r in torch), torch
    assert 'mmsamdistill/.mim/model-index.yml' in names
    assert f'mmsamdistill/.mim/configs/{NAFNET_CONFIG}' in names
    assert 'mmsamdistill/.mim/configs/_base_/sam_distill.py' in names
    assert 'mmsamdistill/.mim/tools/train.py' in names
    assert 'mmsamdistill/.mim/tools/slurm_train.sh' in names
    # the bundled networks, found there by bundled_weights once installed
    assert 'mmsamdistill/.mim/weights/deeplabv3_mnv2_pascal_quant.tflite' \
        in names
    assert not any('__pycache__' in n for n in names)


def test_pip_keeps_this_environments_torch(wheel):
    """What `pip install mmsamdistill` would do here: nothing but add it."""
    result = subprocess.run([
        sys.executable, '-m', 'pip', 'install', '--dry-run', '--no-index',
        '--disable-pip-version-check', '--report', '-', '-q', wheel
    ], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    planned = [item['metadata']['name'] for item in report['install']]
    assert planned == ['mmsamdistill'], planned


def test_installed_configs_resolve_for_mim_and_mmengine(wheel, tmp_path):
    site = str(tmp_path / 'site')
    run_tool([
        sys.executable, '-m', 'pip', 'install', '--no-deps', '--no-index',
        '--disable-pip-version-check', '-q', '--target', site, wheel
    ])
    mim = osp.join(site, 'mmsamdistill', '.mim')
    index = yaml.safe_load(open(osp.join(mim, 'model-index.yml')))
    for metafile in index['Import']:
        for model in yaml.safe_load(open(osp.join(mim, metafile)))['Models']:
            assert osp.isfile(osp.join(mim, model['Config'])), model
    # a user's config inheriting packaged ones by scope; mmengine marks
    # their dicts `_scope_='mmsamdistill'`, which the package's registries
    # of that scope resolve (built as a Runner builds, from mmengine's root)
    for base, model in ((NAFNET_CONFIG, 'CascadeDistillRestorer'),
                        (RCDNET_CONFIG, 'BaseEditModel')):
        child = tmp_path / 'child.py'
        child.write_text(textwrap.dedent(f"""
            _base_ = 'mmsamdistill::{base}'
            train_cfg = dict(max_iters=10)
            """))
        script = textwrap.dedent(f"""
            import mmsamdistill
            from mmengine import Config
            from mmengine.registry import MODELS, DefaultScope
            assert mmsamdistill.__file__.startswith({site!r})
            cfg = Config.fromfile({str(child)!r})
            print(cfg.model.type, cfg.train_cfg.max_iters)
            if cfg.model.type == 'BaseEditModel':
                DefaultScope.get_instance('t', scope_name=cfg.default_scope)
                model = MODELS.build(cfg.model)
                print(cfg.model._scope_, type(model).__name__)
            """)
        result = run_tool([sys.executable, '-c', script], cwd=str(tmp_path),
                          env=dict(PYTHONPATH=site))
        expected = [model, '10']
        if model == 'BaseEditModel':
            expected += ['mmsamdistill', model]
        assert result.stdout.split()[-len(expected):] == expected


def test_model_index_lists_every_config():
    """mim's model index names each shipped config once, with its metafile
    in the config's folder."""
    index = yaml.safe_load(open(osp.join(REPO, 'model-index.yml')))
    listed = []
    for metafile in index['Import']:
        meta = yaml.safe_load(open(osp.join(REPO, metafile)))
        collections = {c['Name'] for c in meta['Collections']}
        for model in meta['Models']:
            assert model['In Collection'] in collections
            assert osp.dirname(model['Config']) == osp.dirname(metafile)
            assert model['Name'] == osp.splitext(
                osp.basename(model['Config']))[0]
            listed.append(model['Config'])
    shipped = sorted(
        osp.relpath(path, REPO)
        for path in glob.glob(osp.join(REPO, 'configs', '*', '*.py'))
        if '/_base_/' not in path)
    assert sorted(listed) == shipped
