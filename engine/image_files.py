"""Opening image files without trusting them: the one door for `predict`, the Draw view and folder datasets.

Owns `ImageError` and `open_image`, which reads the header, refuses pictures over MAX_PIXELS
before any pixel is decoded (a 50 kB PNG can declare 100,000×100,000 pixels), lets JPEGs
decode at a reduced scale, and turns whatever a damaged or hostile file makes PIL raise
into an ImageError with a message fit for a user; and `as_network_mode`, the one way a picture
becomes a network's kind of image (upright by its EXIF orientation, "L" or "RGB") for training
folders and Try it alike. Must not import Qt, pyqtgraph or torch.
"""
from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PIL import Image, ImageOps

from .file_kinds import SpecialFileError, open_regular

MAX_PIXELS = 50_000_000  # a 50-megapixel photo; decoded as RGBA that is 200 MB
DRAFT_SIDE = 2048  # JPEGs decode at 1/2, 1/4 or 1/8 scale while staying at least this large


class ImageError(ValueError):
    """An image file or array that cannot be used; the message is fit to show a user."""


@contextmanager
def open_image(path: str | Path, mode: str | None = None) -> Iterator[Image.Image]:
    """The image at `path`, checked and loaded (first frame only); ImageError for anything wrong.

    `mode` lets a JPEG decode straight to "L" or "RGB" at a reduced scale.
    """
    try:
        fh = open_regular(path)  # a FIFO named img.png would otherwise block for ever
    except FileNotFoundError as exc:
        raise ImageError(f"Image file not found: {path}") from exc
    except SpecialFileError as exc:  # a folder, a FIFO, a device, a socket
        raise ImageError(str(exc)) from None
    except OSError as exc:
        raise ImageError(f"Cannot read {path} ({exc.strerror or exc})") from None
    with fh:
        yield from _checked(fh, path, mode)


def _checked(fh, path: str | Path, mode: str | None) -> Iterator[Image.Image]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(fh)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError(_too_large(path)) from None
    except Exception as exc:  # PIL raises many kinds on damaged files; none may escape
        raise ImageError(f"Cannot read {path} as an image ({_reason(exc)}).") from exc
    with image:
        width, height = image.size
        if width < 1 or height < 1:
            raise ImageError(f"{path} declares an empty picture ({width}×{height} pixels); the file is damaged")
        if width * height > MAX_PIXELS:
            raise ImageError(_too_large(path, width, height))
        try:
            if mode is not None and image.format == "JPEG":
                image.draft(mode, (DRAFT_SIDE, DRAFT_SIDE))
            image.load()
        except Exception as exc:
            raise ImageError(f"Cannot read {path} as an image ({_reason(exc)}).") from exc
        yield image


def as_network_mode(image: Image.Image, mode: str) -> Image.Image:
    """`image` upright (EXIF orientation, as phones store photos) in `mode` ("L" or "RGB"): how a
    training folder's images and a picture to classify are both read, so they match."""
    try:
        return ImageOps.exif_transpose(image).convert(mode)
    except Exception as exc:  # a hostile EXIF block or a mode PIL cannot convert
        raise ImageError(f"Cannot convert the picture to {mode} ({_reason(exc)}).") from exc


def _too_large(path: str | Path, width: int = 0, height: int = 0) -> str:
    size = f" ({width:,}×{height:,} pixels)" if width and height else ""
    return (f"{path} is too large to open safely{size}: at most {MAX_PIXELS // 1_000_000} megapixels — "
            "scale it down first")


def _reason(exc: BaseException) -> str:
    if isinstance(exc, Image.UnidentifiedImageError):  # its text names a file object: <_io.BufferedReader name=13>
        return "not a picture format Pillow knows, or a damaged file"
    text = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
    return text or type(exc).__name__
