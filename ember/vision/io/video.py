"""torchvision.io's video API: ember does not decode or encode video, and every entry point says so.

Differs from torchvision: `read_video`, `read_video_timestamps`, `write_video` and `VideoReader` raise RuntimeError.
"""

__all__ = ["VideoReader", "read_video", "read_video_timestamps", "write_video"]

_NO_VIDEO = ("ember does not decode or encode video (torchvision.io.{} needs PyAV/FFmpeg); decode the frames with "
             "another library (e.g. PyAV or imageio) and pass them to ember as (T, H, W, C) uint8 tensors")


def read_video(*args, **kwargs):
    """Not supported: ember does not decode video (RuntimeError)."""
    raise RuntimeError(_NO_VIDEO.format("read_video"))


def read_video_timestamps(*args, **kwargs):
    """Not supported: ember does not decode video (RuntimeError)."""
    raise RuntimeError(_NO_VIDEO.format("read_video_timestamps"))


def write_video(*args, **kwargs):
    """Not supported: ember does not encode video (RuntimeError)."""
    raise RuntimeError(_NO_VIDEO.format("write_video"))


class VideoReader:
    """Not supported: ember does not decode video (RuntimeError on construction)."""

    def __init__(self, *args, **kwargs) -> None:
        raise RuntimeError(_NO_VIDEO.format("VideoReader"))
