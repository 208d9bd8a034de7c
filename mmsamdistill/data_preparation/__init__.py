"""Offline data preparation: what is written once, before training.

Converters of the paper's released datasets and of Cityscapes-syn into
MMagic's paired folders, the SAM mask cache, and the demo data. The training
pipeline (:mod:`mmsamdistill.datasets`) reads what these write and never
imports this package.
"""
from .cityscapes_syn import list_cityscapes_syn, prepare_cityscapes_syn
from .demo_data import (DEMO_TEST_PHOTOS, DEMO_TRAIN_PHOTOS, SKIMAGE_PHOTOS,
                        build_demo_data, load_skimage_photo)
from .mask_cache import generate_mask_cache, list_images, read_rgb
from .paper_dataset_converters import (PAPER_DATASETS, PaperDataset,
                                       prepare_paper_dataset)

__all__ = [
    'DEMO_TEST_PHOTOS', 'DEMO_TRAIN_PHOTOS', 'PAPER_DATASETS', 'PaperDataset',
    'SKIMAGE_PHOTOS', 'build_demo_data', 'generate_mask_cache',
    'list_cityscapes_syn', 'list_images', 'load_skimage_photo',
    'prepare_cityscapes_syn', 'prepare_paper_dataset', 'read_rgb'
]
