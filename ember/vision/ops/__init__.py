"""ember.vision.ops: torchvision.ops' layers (Conv2dNormActivation, SqueezeExcitation, MLP, FrozenBatchNorm2d,
StochasticDepth, DropBlock), sigmoid_focal_loss and box operations (IoU family, conversion, NMS in NumPy).
Not in ember: the detection kernels (roi_align, roi_pool, ps_roi_*, deform_conv2d), MultiScaleRoIAlign,
FeaturePyramidNetwork, the box-IoU losses and rotated boxes."""
from .boxes import (
    batched_nms,
    box_area,
    box_convert,
    box_iou,
    clip_boxes_to_image,
    complete_box_iou,
    distance_box_iou,
    generalized_box_iou,
    masks_to_boxes,
    nms,
    remove_small_boxes,
)
from .drop_block import DropBlock2d, DropBlock3d, drop_block2d, drop_block3d
from .focal_loss import sigmoid_focal_loss
from .misc import MLP, Conv2dNormActivation, Conv3dNormActivation, FrozenBatchNorm2d, Permute, SqueezeExcitation
from .stochastic_depth import StochasticDepth, stochastic_depth

__all__ = ["Conv2dNormActivation", "Conv3dNormActivation", "DropBlock2d", "DropBlock3d", "FrozenBatchNorm2d", "MLP",
           "Permute", "SqueezeExcitation", "StochasticDepth", "batched_nms", "box_area", "box_convert", "box_iou",
           "clip_boxes_to_image", "complete_box_iou", "distance_box_iou", "drop_block2d", "drop_block3d",
           "generalized_box_iou", "masks_to_boxes", "nms", "remove_small_boxes", "sigmoid_focal_loss",
           "stochastic_depth"]
