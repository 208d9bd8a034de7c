"""The declared requirements fit an existing MMagic environment.

``setup.py`` declares ranges (requirements/runtime.txt, openmmlab.txt): they
must cover what the package imports, never pin torch exactly, accept the
torch and mmcv builds MMagic users have, and be met by the exact tested set
(requirements/constraints.txt) that tools/setup_env.sh installs.
"""
import ast
import os
import os.path as osp
import sys
from importlib.metadata import packages_distributions

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.helpers import REPO

# Imported modules that are not installed in the test environment (optional
# features): module -> distribution.
NOT_INSTALLED = {'mmseg': 'mmsegmentation', 'sam2': 'sam2'}


def read_requirements(name: str) -> list:
    """The requirements of ``requirements/<name>``, as setup.py reads them."""
    requirements = []
    with open(osp.join(REPO, 'requirements', name), encoding='utf-8') as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if line and not line.startswith('-'):
                requirements.append(Requirement(line))
    return requirements


def declared() -> dict:
    """canonical name -> Requirement of install_requires."""
    return {canonicalize_name(r.name): r
            for r in read_requirements('runtime.txt') +
            read_requirements('openmmlab.txt')}


def third_party_imports(folder: str) -> dict:
    """top-level module -> {'module': files importing it at module level,
    'lazy': files importing it inside a function or class}."""
    found = {}
    for root, _, files in os.walk(osp.join(REPO, folder)):
        for name in files:
            if not name.endswith('.py'):
                continue
            path = osp.join(root, name)
            tree = ast.parse(open(path, encoding='utf-8').read())
            module_level = {id(node) for node in tree.body}
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom):
                    if node.level:
                        continue
                    modules = [node.module]
                elif isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                else:
                    continue
                for module in modules:
                    top = module.split('.')[0]
                    if top in sys.stdlib_module_names or top in (
                            'mmsamdistill', 'mmsamdistill_demo', 'tests'):
                        continue
                    where = 'module' if id(node) in module_level else 'lazy'
                    found.setdefault(top, dict(module=set(), lazy=set()))
                    found[top][where].add(osp.relpath(path, REPO))
    return found


def distributions_of(module: str) -> set:
    names = packages_distributions().get(module) or [NOT_INSTALLED[module]]
    return {canonicalize_name(name) for name in names}


@pytest.mark.parametrize('folder', [
    'mmsamdistill',
    'tools/demo/mmsamdistill_demo',  # installed too (setup.py)
])
def test_every_import_of_the_installed_packages_is_declared(folder):
    required = set(declared())
    optional = {canonicalize_name(r.name)
                for r in read_requirements('optional.txt')}
    imports = third_party_imports(folder)
    assert {'torch', 'mmengine', 'cv2'} <= set(imports)
    for module, where in imports.items():
        dists = distributions_of(module)
        if dists & required:
            continue
        assert dists & optional, (
            f'{module} (distribution {sorted(dists)}) is imported by '
            f'{sorted(where["module"] | where["lazy"])} but not declared in '
            'requirements/runtime.txt or openmmlab.txt')
        # optional features import their package only when used
        assert not where['module'], (
            f'the optional {module} is imported at module level by '
            f'{sorted(where["module"])}: import it where it is used')


def test_every_runtime_requirement_is_used():
    imported = set()
    for folder in ('mmsamdistill', 'tools'):
        for module in third_party_imports(folder):
            imported |= distributions_of(module)
    for name in map(canonicalize_name,
                    (r.name for r in read_requirements('runtime.txt'))):
        assert name in imported, f'{name} is declared but never imported'


@pytest.mark.parametrize('name', ['torch', 'torchvision', 'mmcv'])
def test_no_exact_pin_of_the_compiled_stack(name):
    requirement = declared()[name]
    assert not any(s.operator in ('==', '===', '~=')
                   for s in requirement.specifier), requirement


def test_ranges_keep_the_builds_mmagic_users_have():
    requirements = declared()
    # torch builds with the weights-only allow-list (>= 2.4), CUDA or not
    for version in ('2.4.1', '2.5.1+cu121', '2.14.1'):
        assert requirements['torch'].specifier.contains(Version(version))
    # MMagic 1.2 asserts 2.0.0 <= mmcv < 2.2.0: its prebuilt CUDA wheels
    for version in ('2.0.1', '2.1.0'):
        assert requirements['mmcv'].specifier.contains(Version(version))
    assert not requirements['mmcv'].specifier.contains(Version('2.2.0'))
    assert requirements['mmagic'].specifier.contains(Version('1.2.0'))
    assert requirements['mmengine'].specifier.contains(Version('0.10.7'))


def test_the_tested_set_meets_the_declared_ranges():
    """tools/setup_env.sh installs the declared ranges under the constraint
    file: every range must admit the tested version, so the env stays the
    same."""
    pins = {}
    with open(osp.join(REPO, 'requirements', 'constraints.txt'),
              encoding='utf-8') as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if line:
                pin = Requirement(line)
                pins[canonicalize_name(pin.name)] = Version(
                    next(iter(pin.specifier)).version)
    for name, requirement in declared().items():
        assert name in pins, f'{name} is not in requirements/constraints.txt'
        assert requirement.specifier.contains(pins[name]), (
            f'the tested {name}=={pins[name]} is outside {requirement}')
