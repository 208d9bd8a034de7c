"""tools/slurm_{train,test}.sh hand srun MMagic's arguments and the tool."""
import os
import os.path as osp
import stat
import subprocess

import pytest

from tests.helpers import REPO


@pytest.fixture
def fake_srun(tmp_path):
    """An `srun` on PATH that records its arguments and environment."""
    record = tmp_path / 'srun.txt'
    srun = tmp_path / 'bin' / 'srun'
    srun.parent.mkdir()
    srun.write_text('#!/usr/bin/env bash\n'
                    f'printf "%s\\n" "$@" > {record}\n'
                    f'echo "MASTER_PORT=$MASTER_PORT" >> {record}\n'
                    f'echo "PYTHONPATH=$PYTHONPATH" >> {record}\n')
    srun.chmod(srun.stat().st_mode | stat.S_IEXEC)
    env = dict(os.environ, PATH=f'{srun.parent}:{os.environ["PATH"]}',
               PYTHON='/opt/py/bin/python')
    return record, env


def run_script(name, args, env):
    return subprocess.run(['bash', osp.join(REPO, 'tools', name), *args],
                          env=env, capture_output=True, text=True,
                          timeout=60)


def test_train_asks_for_one_task_per_gpu(fake_srun):
    record, env = fake_srun
    env.update(GPUS='16', GPUS_PER_NODE='8', CPUS_PER_TASK='4',
               SRUN_ARGS='--quotatype=auto --time=1:00:00')
    result = run_script('slurm_train.sh', [
        'gpu', 'job1', 'configs/x.py', 'work_dirs/x', '--amp',
        '--cfg-options', 'a=1'
    ], env)
    assert result.returncode == 0, result.stderr
    args = record.read_text().splitlines()
    assert args[:8] == [
        '--partition=gpu', '--job-name=job1', '--gres=gpu:8',
        '--ntasks=16', '--ntasks-per-node=8', '--cpus-per-task=4',
        '--kill-on-bad-exit=1', '--quotatype=auto'
    ]
    assert args[8] == '--time=1:00:00'
    assert args[9:17] == [
        '/opt/py/bin/python', '-u',
        osp.join(REPO, 'tools', 'train.py'), 'configs/x.py',
        '--work-dir=work_dirs/x', '--launcher=slurm', '--amp',
        '--cfg-options'
    ]
    assert args[17] == 'a=1'
    port = int(args[18].split('=')[1])
    assert 20000 <= port < 40000
    assert args[19].startswith(f'PYTHONPATH={REPO}')


def test_test_passes_the_checkpoint_and_fewer_gpus(fake_srun):
    record, env = fake_srun
    env['GPUS'] = '2'  # one node with 2 GPUs
    result = run_script('slurm_test.sh', [
        'gpu', 'eval', 'configs/x.py', 'student.pth', '--out', 'm.json'
    ], env)
    assert result.returncode == 0, result.stderr
    args = record.read_text().splitlines()
    assert '--gres=gpu:2' in args and '--ntasks=2' in args
    tool = args.index(osp.join(REPO, 'tools', 'test.py'))
    assert args[tool + 1:tool + 6] == [
        'configs/x.py', 'student.pth', '--launcher=slurm', '--out', 'm.json'
    ]


@pytest.mark.parametrize('name', ['slurm_train.sh', 'slurm_test.sh'])
def test_missing_arguments_print_the_usage(name, fake_srun):
    record, env = fake_srun
    result = run_script(name, ['gpu', 'job'], env)
    assert result.returncode == 2 and 'PARTITION JOB_NAME CONFIG' in (
        result.stderr)
    assert not record.exists()
