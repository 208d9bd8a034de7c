# Cityscapes-syn 100 mm (paper Table 2): Cityscapes with 100 mm/h rendered
# rain (Halder et al., ICCV 2019), made by
#     python tools/dataset_converters/prepare_cityscapes_syn.py --intensity 100
# train = Cityscapes train, test = Cityscapes val (where the paper scores).
# Test metrics: PSNR/SSIM on Y as MMagic's deraining configs, FID, and PA /
# IoU / DICE of an HRNet-W48 pre-trained on Cityscapes segmenting the
# restored images (needs `pip install "mmsegmentation>=1.2,<1.3"`). Validation
# during training keeps PSNR/SSIM only: HRNet and Inception on 500 full-size
# images at every validation would cost minutes; use
# `val_evaluator = _base_.test_evaluator` to track them all.
data_root = './data/cityscapes_syn_100mm'
num_train_images = 2975
# 64 x 64 patches, as the other deraining bases (RCDNet's training patch);
# the paper gives none. Changing it in a child means rebuilding the pipelines.
crop_size = 64

train_pipeline = [
    dict(type='LoadImageFromFile', key='img', color_type='color',
         channel_order='rgb', imdecode_backend='cv2'),
    dict(type='LoadImageFromFile', key='gt', color_type='color',
         channel_order='rgb', imdecode_backend='cv2'),
    dict(type='SetValues', dictionary=dict(scale=1)),
    dict(type='PairedRandomCrop', gt_patch_size=crop_size),
    dict(type='Flip', keys=['img', 'gt'], flip_ratio=0.5,
         direction='horizontal'),
    dict(type='Flip', keys=['img', 'gt'], flip_ratio=0.5,
         direction='vertical'),
    dict(type='RandomTransposeHW', keys=['img', 'gt'], transpose_ratio=0.5),
    dict(type='PackInputs')
]
sam_train_pipeline = [
    dict(type='LoadImageFromFile', key='img', color_type='color',
         channel_order='rgb', imdecode_backend='cv2'),
    dict(type='LoadImageFromFile', key='gt', color_type='color',
         channel_order='rgb', imdecode_backend='cv2'),
    dict(type='SetValues', dictionary=dict(scale=1)),
    dict(type='LoadSAMMask', key='sam_mask',
         mask_root=f'{data_root}/train/sam_masks',
         image_root=f'{data_root}/train/gt', image_key='gt'),
    dict(type='PairedRandomCropWithMasks', gt_patch_size=crop_size),
    dict(type='Flip', keys=['img', 'gt', 'sam_mask'], flip_ratio=0.5,
         direction='horizontal'),
    dict(type='Flip', keys=['img', 'gt', 'sam_mask'], flip_ratio=0.5,
         direction='vertical'),
    dict(type='RandomTransposeHW', keys=['img', 'gt', 'sam_mask'],
         transpose_ratio=0.5),
    dict(type='PackInputs', data_keys=['sam_mask'])
]
# the Cityscapes trainId label map travels with each test sample as `gt_seg`
test_pipeline = [
    dict(type='LoadImageFromFile', key='img', color_type='color',
         channel_order='rgb', imdecode_backend='cv2'),
    dict(type='LoadImageFromFile', key='gt', color_type='color',
         channel_order='rgb', imdecode_backend='cv2'),
    dict(type='LoadImageFromFile', key='gt_seg', color_type='unchanged',
         imdecode_backend='cv2'),
    dict(type='PackInputs', data_keys=['gt_seg'])
]

train_dataloader = dict(
    num_workers=8,
    batch_size=8,
    persistent_workers=False,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type='BasicImageDataset',
        metainfo=dict(dataset_type='cityscapes_syn_100mm',
                      task_name='deraining'),
        data_root=f'{data_root}/train',
        data_prefix=dict(img='lq', gt='gt'),
        pipeline=train_pipeline))
test_dataloader = dict(
    num_workers=4,
    persistent_workers=False,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='BasicImageDataset',
        metainfo=dict(dataset_type='cityscapes_syn_100mm',
                      task_name='deraining'),
        data_root=f'{data_root}/test',
        data_prefix=dict(img='lq', gt='gt', gt_seg='seg'),
        pipeline=test_pipeline))
val_dataloader = test_dataloader

val_evaluator = [
    dict(type='PSNR', convert_to='Y'),
    dict(type='SSIM', convert_to='Y'),
]
test_evaluator = val_evaluator + [
    dict(type='PairedFID'),  # pytorch-fid's Inception weights
    dict(
        type='DownstreamSegmentationMetric',
        # mmseg 1.x HRNetV2-W48 FCN, 80k iterations, 79.93 mIoU on val
        segmenter=dict(
            config='mmseg::hrnet/fcn_hr48_4xb2-80k_cityscapes-512x1024.py',
            checkpoint='https://download.openmmlab.com/mmsegmentation/v0.5/'
            'hrnet/fcn_hr48_512x1024_80k_cityscapes/'
            'fcn_hr48_512x1024_80k_cityscapes_20200601_202606-58ea95d6.pth')),
]
