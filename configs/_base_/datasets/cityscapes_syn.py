# Cityscapes-syn (paper Table 2): Cityscapes with rendered rain (Halder et
# al., ICCV 2019), made per intensity by
#     python tools/dataset_converters/prepare_cityscapes_syn.py --intensity I
# train = Cityscapes train, test = Cityscapes val (where the paper scores).
# Test metrics: PSNR/SSIM on Y as MMagic's deraining configs, FID, and PA /
# IoU / DICE of an HRNet-W48 pre-trained on Cityscapes segmenting the
# restored images (needs `pip install "mmsegmentation>=1.2,<1.3"`). Validation
# during training keeps PSNR/SSIM only: HRNet and Inception on 500 full-size
# images at every validation would cost minutes; use
# `val_evaluator = _base_.test_evaluator` to track them all. 64 x 64 patches,
# as the other deraining bases (RCDNet's training patch); the paper gives none.
_base_ = './deraining.py'
num_train_images = 2975
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
val_dataloader = dict(dataset=dict(
    data_prefix=dict(gt_seg='seg'), pipeline=test_pipeline))
test_dataloader = val_dataloader

test_evaluator = _base_.val_evaluator + [
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
