"""Install mmsamdistill, an MMagic extension that distills SAM's semantic priors
into image-restoration models (CVPR 2024, "Distilling Semantic Priors from SAM
to Efficient Image Restoration Models")."""
import os.path as osp
import re

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


def read_requirements(name: str) -> list:
    """Requirement lines of ``requirements/<name>.txt`` without comments."""
    lines = []
    with open(osp.join(HERE, 'requirements', name), encoding='utf-8') as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if line and not line.startswith('-'):
                lines.append(line)
    return lines


def read_version() -> str:
    with open(osp.join(HERE, 'mmsamdistill', 'version.py'), encoding='utf-8') as f:
        return re.search(r"__version__ = '([^']+)'", f.read()).group(1)


setup(
    name='mmsamdistill',
    version=read_version(),
    description='Distill SAM semantic priors into MMagic image-restoration '
    'models at zero inference cost',
    long_description=open(osp.join(HERE, 'README.md'), encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    license='Apache License 2.0',
    packages=find_packages(exclude=('configs', 'tools', 'tests')),
    include_package_data=True,
    python_requires='>=3.9',
    install_requires=read_requirements('runtime.txt') +
    read_requirements('openmmlab.txt'),
    extras_require={'tests': read_requirements('tests.txt')},
    classifiers=[
        'Programming Language :: Python :: 3',
        'Topic :: Scientific/Engineering :: Image Processing',
    ],
    zip_safe=False,
)
