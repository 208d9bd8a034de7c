# The framework defaults of mmsamdistill, spelled out: they are
# CascadeDistillRestorer's own constructor defaults, so a config needs neither
# this file nor any path into this repo --
#     _base_ = 'mmagic::<algo>/<stock>.py'
#     custom_imports = dict(imports=['mmsamdistill'])
#     model = dict(type='CascadeDistillRestorer')
# keeps the stock generator, pixel_loss and data_preprocessor. Inherit this
# file to change a default by name:
#     model = dict(type='CascadeDistillRestorer', **_base_.sam_distill)

sam_mask_key = 'sam_mask'
vgg16 = dict(
    type='VGGFeatureExtractor',
    arch='vgg16',
    layer='relu4_3',
    pretrained='torchvision://vgg16')
sam_distill = dict(
    teacher_generator=None,  # IR2: a copy of the stock generator (same-size
    # for super-resolution); it starts as the identity on IR1's output
    teacher_init='auto',
    init_teacher_from_student=True,  # load_from a stock checkpoint sets both
    spf=dict(type='SemanticPriorFusion', fusion_points='auto'),
    # Scale-free weights: each term pulls IR1 with a fixed fraction of the
    # pixel loss's gradient, whatever the pixel loss and value range.
    spd_loss=dict(type='SPDLoss', loss_weight=1.0, beta=1.0, gate='pixel'),
    sgr_loss=dict(type='SGRLoss', loss_weight=1.0, pooling='avg', network=vgg16),
    feature_loss=None,
    view_loss=None,  # dict(type='ViewDistillLoss'): distil on new views
    teacher_ema=None,  # e.g. 0.999: targets from an EMA of the teacher
    distill_weights=dict(
        start_iter=0,  # set > 0 to let the teacher overtake IR1 first
        ramp_iters=0,
        grad_fraction=dict(spd=0.1, sgr=0.05),
        interval=10),
    num_masks=16,
    mask_source='cache',
    mask_key=sam_mask_key,
    teacher_input_grad=False)

# The paper's literal weights (lambda_1 = 0.005 on a mean smooth-L1 of [0, 1]
# images, lambda_2 = 200), ungated, from the first iteration. Next to a PSNR
# loss, SPD at 0.005 pulls with ~1e-7 of the pixel loss's gradient (README).
sam_distill_paper = dict(
    sam_distill,
    spd_loss=dict(type='SPDLoss', loss_weight=0.005, beta=1.0),
    sgr_loss=dict(type='SGRLoss', loss_weight=200.0, pooling='avg', network=vgg16),
    distill_weights=dict(start_iter=0, ramp_iters=0, grad_fraction=None))
