from mmagic.datasets.transforms import Flip

from mmsamdistill.utils import type_name


def test_type_name_drops_the_scope_and_names_classes():
    assert type_name(dict(type='Flip')) == 'Flip'
    assert type_name(dict(type='mmagic.Flip')) == 'Flip'
    assert type_name(dict(type=Flip)) == 'Flip'
