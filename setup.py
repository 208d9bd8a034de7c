"""Install mmsamdistill, an MMagic extension that distills SAM's semantic priors
into image-restoration models (CVPR 2024, "Distilling Semantic Priors from SAM
to Efficient Image Restoration Models")."""
import os
import os.path as osp
import re
import shutil
import sys

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))
# What `mim` and mmengine's `mmsamdistill::` config lookup read from the
# installed package (mmsamdistill/.mim/), as MMagic and MMDetection ship them.
MIM_FILES = ('configs', 'tools', 'weights', 'model-index.yml')
# The plumbing of the demo and the analysis tools: a package of its own,
# kept with the tools (it runs them), so that the scripts and the tests
# import it like the library instead of editing ``sys.path``.
DEMO_PACKAGE = 'mmsamdistill_demo'
DEMO_SOURCE = 'tools/demo/mmsamdistill_demo'


def read_requirements(name: str) -> list:
    """Requirement lines of ``requirements/<name>.txt`` without comments."""
    lines = []
    with open(osp.join(HERE, 'requirements', name), encoding='utf-8') as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if line and not line.startswith('-'):
                lines.append(line)
    return lines


def add_mim_extension() -> None:
    """Put the configs, tools, weights and model index into the package.

    An editable install links them (``mmsamdistill/.mim/configs ->
    ../../configs``), so edits show at once; a wheel or sdist copies them.
    Other setup.py commands leave ``.mim`` alone.
    """
    if {'develop', 'editable_wheel'} & set(sys.argv):
        mode = 'symlink'
    elif {'sdist', 'bdist_wheel', 'build', 'build_py'} & set(sys.argv):
        mode = 'copy'
    else:
        return
    mim_path = osp.join(HERE, 'mmsamdistill', '.mim')
    os.makedirs(mim_path, exist_ok=True)
    for name in MIM_FILES:
        src = osp.join(HERE, name)
        if not osp.exists(src):
            continue
        dst = osp.join(mim_path, name)
        if osp.islink(dst) or osp.isfile(dst):
            os.remove(dst)
        elif osp.isdir(dst):
            shutil.rmtree(dst)
        if mode == 'symlink':
            try:
                os.symlink(osp.relpath(src, mim_path), dst)
                continue
            except OSError:  # no symlinks (Windows without privilege)
                pass
        if osp.isdir(src):
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns(
                '__pycache__', '*.pyc'))
        else:
            shutil.copyfile(src, dst)


def read_version() -> str:
    with open(osp.join(HERE, 'mmsamdistill', 'version.py'), encoding='utf-8') as f:
        return re.search(r"__version__ = '([^']+)'", f.read()).group(1)


add_mim_extension()
setup(
    name='mmsamdistill',
    version=read_version(),
    description='Distill SAM semantic priors into MMagic image-restoration '
    'models at zero inference cost',
    long_description=open(osp.join(HERE, 'README.md'), encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    license='Apache License 2.0',
    packages=find_packages(include=('mmsamdistill', 'mmsamdistill.*')) +
    [DEMO_PACKAGE],
    package_dir={DEMO_PACKAGE: DEMO_SOURCE},
    include_package_data=True,
    python_requires='>=3.9',
    install_requires=read_requirements('runtime.txt') +
    read_requirements('openmmlab.txt'),
    extras_require={
        'tests': read_requirements('tests.txt'),
        'optional': read_requirements('optional.txt'),
    },
    classifiers=[
        'License :: OSI Approved :: Apache Software License',
        'Programming Language :: Python :: 3',
        'Topic :: Scientific/Engineering :: Image Processing',
    ],
    zip_safe=False,
)
