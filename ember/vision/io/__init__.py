"""torchvision.io: images from and to files and bytes as (C, H, W) tensors (`read_image`, `decode_image`, ...).

Video (`read_video`, `VideoReader`, ...) raises RuntimeError: ember does not decode video.
"""
from .image import (
    ImageReadMode,
    decode_avif,
    decode_gif,
    decode_heic,
    decode_image,
    decode_jpeg,
    decode_png,
    decode_webp,
    encode_jpeg,
    encode_png,
    read_file,
    read_image,
    write_file,
    write_jpeg,
    write_png,
)
from .video import VideoReader, read_video, read_video_timestamps, write_video

__all__ = ["ImageReadMode", "VideoReader", "decode_avif", "decode_gif", "decode_heic", "decode_image", "decode_jpeg",
           "decode_png", "decode_webp", "encode_jpeg", "encode_png", "read_file", "read_image", "read_video",
           "read_video_timestamps", "write_file", "write_jpeg", "write_png", "write_video"]
