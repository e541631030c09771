"""Helpers for writing v2 transforms: the PIL image type and the common size of the images in a sample."""
from ...._tensor import Tensor
from .. import functional_pil as FP
from .functional import get_dimensions

PIL_TYPES = () if FP.Image is None else (FP.Image.Image,)  # Pillow is optional


def query_chw(flat_inputs: list) -> tuple[int, int, int]:
    """(channels, height, width) shared by the images (PIL images and tensors) in `flat_inputs`."""
    chws = {tuple(get_dimensions(inpt)) for inpt in flat_inputs if isinstance(inpt, (Tensor, *PIL_TYPES))}
    if not chws:
        raise TypeError("No image was found in the sample")
    if len(chws) > 1:
        raise ValueError(f"Found multiple CxHxW dimensions in the sample: {sorted(chws)}")
    return chws.pop()


def query_size(flat_inputs: list) -> tuple[int, int]:
    """(height, width) shared by the images in `flat_inputs`."""
    return query_chw(flat_inputs)[1:]
