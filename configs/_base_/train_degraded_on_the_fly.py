# The training part for test-only configs whose test inputs are degraded on
# the fly (MMagic's Gaussian-denoising and JPEG test configs, e.g.
# restormer_official_dfwb-color-sigma15.py, restormer_official_gaussian_*):
# only clean images are needed. As MMagic's DFWB training pipelines do, each
# clean image is loaded as both `img` and `gt`, cropped, flipped and
# transposed, and then `img` alone is degraded with a fresh draw per sample
# (MMagic's RandomNoise / RandomJPEGCompression). Inherit it after the stock
# config, name the folder of clean images and pick the pipeline:
#     _base_ = [
#         'mmagic::restormer/restormer_official_dfwb-color-sigma15.py',
#         '<path to mmsamdistill>/configs/_base_/train_degraded_on_the_fly.py']
#     train_dataloader = dict(dataset=dict(
#         data_root='data/DFWB',
#         pipeline=_base_.train_pipeline_gaussian_noise))
# Pipelines: train_pipeline_gaussian_noise (sigma `noise_sigma` on the 0-255
# scale, 15 here) and train_pipeline_jpeg (quality `jpeg_quality`, 10 here),
# each with a `_gray` variant for one-channel models. Another level, e.g.:
#     [t.params.update(gaussian_sigma=[25, 25])
#      for t in _base_.train_pipeline_gaussian_noise
#      if t.type == 'RandomNoise']
# Schedule and loader: ./train_paired_images.py (the Restormer paper's).
_base_ = ['./train_paired_images.py']

noise_sigma = 15
jpeg_quality = 10
gaussian_noise = dict(
    type='RandomNoise',
    params=dict(noise_type=['gaussian'], noise_prob=[1],
                gaussian_sigma=[noise_sigma, noise_sigma],
                gaussian_gray_noise_prob=0),
    keys=['img'])
jpeg_compression = dict(
    type='RandomJPEGCompression',
    params=dict(quality=[jpeg_quality, jpeg_quality]),
    color_type='color',
    keys=['img'])

# The paired pipeline (load img and gt, crop, flips, transpose, pack) with
# the degradation of img inserted before packing; img and gt read one file.
train_pipeline_gaussian_noise = (
    _base_.train_pipeline[:-1] + [gaussian_noise] +
    _base_.train_pipeline[-1:])
train_pipeline_jpeg = (
    _base_.train_pipeline[:-1] + [jpeg_compression] +
    _base_.train_pipeline[-1:])
train_pipeline_gaussian_noise_gray = [
    dict(t, color_type='grayscale') if t['type'] == 'LoadImageFromFile' else t
    for t in train_pipeline_gaussian_noise
]
train_pipeline_jpeg_gray = [
    dict(t, color_type='grayscale')
    if t['type'] in ('LoadImageFromFile', 'RandomJPEGCompression') else t
    for t in train_pipeline_jpeg
]
train_dataloader = dict(
    dataset=dict(
        data_prefix=dict(img='', gt=''),  # the clean images, twice
        pipeline=train_pipeline_gaussian_noise))
