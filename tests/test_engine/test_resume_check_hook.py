"""ResumeCheckHook: --resume with a changed config says what changed and
refuses what cannot work."""
import pytest
import torch

from mmsamdistill.engine import ResumeCheckHook, ResumeMismatchError
from tests.test_engine.run_fixtures import config_in, log_text, runner_of


@pytest.fixture(scope='module')
def run(tmp_path_factory, demo_data):
    folder = tmp_path_factory.mktemp('resume_check')
    config = config_in(folder / 'cfg', demo_data, max_iters=2)
    runner_of(config, folder / 'work').train()
    return dict(config=config, checkpoint=str(folder / 'work' / 'iter_2.pth'),
                data=demo_data, folder=folder)


def resume(config, checkpoint, work_dir, **changes):
    runner = runner_of(config, work_dir, resume=True, load_from=checkpoint,
                       **changes)
    runner.register_hook(ResumeCheckHook())
    runner.train()
    return runner


def test_a_longer_schedule_resumes_and_reports_it(run, tmp_path):
    runner = resume(run['config'], run['checkpoint'], tmp_path,
                    **{'train_cfg.max_iters': 3,
                       'optim_wrapper.optimizer.lr': 5e-4})
    assert runner.iter == 3
    log = log_text(tmp_path)
    assert 'with a changed schedule' in log
    assert 'train_cfg.max_iters: 2 -> 3' in log
    assert 'optim_wrapper.optimizer.lr' in log and 'keep its values' in log


def test_a_changed_model_is_refused(run, tmp_path):
    with pytest.raises(ResumeMismatchError) as error:
        resume(run['config'], run['checkpoint'], tmp_path,
               **{'train_cfg.max_iters': 4,
                  'model.generator.mid_channels': 16})
    assert run['checkpoint'] in str(error.value)
    assert 'of another shape' in str(error.value)


def test_a_changed_optimizer_is_refused(run, tmp_path):
    with pytest.raises(ResumeMismatchError,
                       match='optim_wrapper.optimizer.type'):
        resume(run['config'], run['checkpoint'], tmp_path,
               **{'train_cfg.max_iters': 4,
                  'optim_wrapper.optimizer.type': 'Adam'})


def test_a_finished_schedule_is_refused(run, tmp_path):
    with pytest.raises(ResumeMismatchError, match='nothing left to train'):
        resume(run['config'], run['checkpoint'], tmp_path)


def test_a_changed_dataset_is_reported(run, tmp_path):
    resume(run['config'], run['checkpoint'], tmp_path,
           **{'train_cfg.max_iters': 3,
              'train_dataloader.batch_size': 1})
    assert 'with a changed data: train_dataloader.batch_size: 2 -> 1' in \
        log_text(tmp_path)


def test_weights_without_training_state_cannot_resume(run, tmp_path):
    weights = str(tmp_path / 'weights.pth')
    state = torch.load(run['checkpoint'], weights_only=False)['state_dict']
    torch.save(dict(state_dict=state), weights)
    with pytest.raises(ResumeMismatchError,
                       match='not a training checkpoint.*load_from'):
        resume(run['config'], weights, tmp_path / 'work',
               **{'train_cfg.max_iters': 4})
