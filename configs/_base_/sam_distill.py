# Framework defaults of mmsamdistill, inherited next to a stock MMagic config:
#     _base_ = ['mmagic::<algo>/<stock>.py', '../_base_/sam_distill.py']
#     custom_imports = dict(imports=['mmsamdistill'])
#     model = dict(type='CascadeDistillRestorer', **_base_.sam_distill)
# custom_imports stays in the child: two bases may not both define a key, and
# your own bases may import other extensions.
# Resumes and load_from-s mmengine checkpoints under torch >= 2.6.
runner_type = 'mmagic.TrustedResumeRunner'

sam_mask_key = 'sam_mask'
sam_distill = dict(
    teacher_generator=None,  # IR2 = a separate copy of the stock generator
    spf=dict(type='SemanticPriorFusion', fusion_points='auto'),
    spd_loss=dict(type='SPDLoss', loss_weight=0.005, beta=1.0),  # lambda_1
    sgr_loss=dict(
        type='SGRLoss',
        loss_weight=200.0,  # lambda_2
        pooling='avg',
        vgg=dict(
            type='VGGFeatureExtractor',
            arch='vgg16',
            layer='relu4_3',
            pretrained='torchvision://vgg16')),
    num_masks=16,
    mask_source='cache',
    mask_key=sam_mask_key,
    teacher_input_grad=False)
