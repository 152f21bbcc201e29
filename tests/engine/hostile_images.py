"""A corpus of hostile image files, generated on demand: name -> (expected outcome, maker).

"error": engine's image loading raises ImageError (the CLI exits 2 with one line); "ok": the
picture loads (decoded, small) and classifies. Decompression bombs are hand-made headers
that declare huge pictures in a few bytes. Used by test_hostile_images.py.
"""
from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(width: int, height: int, mode: int = 0) -> bytes:
    """A PNG header for a width×height grayscale picture with a few bytes of data."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, mode, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(b"\x00" * 64))
            + _chunk(b"IEND", b""))


def png_with_text_bomb() -> bytes:
    small = io.BytesIO()
    Image.new("L", (4, 4)).save(small, "PNG")
    data = small.getvalue()
    bomb = _chunk(b"zTXt", b"k\x00\x00" + zlib.compress(b"a" * (64 * 2**20), 9))
    return data[:33] + bomb + data[33:]  # after the signature and IHDR


def gif_declaring(width: int, height: int) -> bytes:
    return (b"GIF89a" + struct.pack("<HH", width, height) + b"\x00\x00\x00" + b"\x2c"
            + struct.pack("<HHHH", 0, 0, width, height) + b"\x00\x02\x02\x44\x01\x00\x3b")


def bmp_declaring(width: int, height: int) -> bytes:
    header = struct.pack("<2sIHHI", b"BM", 54 + 16, 0, 0, 54)
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, 16, 2835, 2835, 0, 0)
    return header + info + bytes(16)


def jpeg_declaring(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (8, 8), 128).save(buffer, "JPEG")
    data = bytearray(buffer.getvalue())
    at = data.find(b"\xff\xc0")  # start of frame: precision, height, width
    struct.pack_into(">HH", data, at + 5, height, width)
    return bytes(data)


def saved(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def digit(mode: str = "L", size: int = 28) -> Image.Image:
    pixels = np.zeros((size, size), dtype=np.uint8)
    pixels[size // 4:3 * size // 4, size // 2 - 1:size // 2 + 2] = 255  # a "1"
    return Image.fromarray(pixels).convert(mode)


def float_tiff(fill: float) -> bytes:
    values = np.asarray(digit(), dtype=np.float32)
    values[0, 0] = fill
    return saved(Image.fromarray(values, mode="F"), "TIFF")


def animated_gif(frames: int) -> bytes:
    images = [digit("P") for _ in range(frames)]
    return saved(images[0], "GIF", save_all=True, append_images=images[1:])


def with_exif_orientation(value: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = value
    return saved(digit("RGB"), "JPEG", exif=exif.tobytes())


def damaged_exif() -> bytes:
    data = bytearray(with_exif_orientation(6))
    at = data.find(b"Exif\x00\x00")
    data[at + 6:at + 30] = b"\xff" * 24  # the TIFF header inside the EXIF block
    return bytes(data)


def write(make):
    return lambda path: path.write_bytes(make())


def folder(path: Path) -> None:
    path.mkdir()


def _cases() -> dict:
    ok, err = "ok", "error"
    return {
        "text named .png": (err, write(lambda: b"not an image at all")),
        "empty file": (err, write(lambda: b"")),
        "truncated PNG": (err, write(lambda: saved(digit(), "PNG")[:60])),
        "SVG text": (err, write(lambda: b"<svg xmlns='http://www.w3.org/2000/svg'/>")),
        "folder named .png": (err, folder),
        "PNG declaring 100,000×100,000": (err, write(lambda: png_declaring(100_000, 100_000))),
        "PNG declaring 10,000×6,000 (under PIL's limit)": (err, write(lambda: png_declaring(10_000, 6_000))),
        "PNG declaring 0 pixels wide": (err, write(lambda: png_declaring(0, 10))),
        "GIF declaring 65,535×65,535": (err, write(lambda: gif_declaring(65_535, 65_535))),
        "BMP declaring 60,000×60,000": (err, write(lambda: bmp_declaring(60_000, 60_000))),
        "JPEG declaring 65,000×65,000": (err, write(lambda: jpeg_declaring(65_000, 65_000))),
        "PNG with a 64 MB text bomb": (err, write(png_with_text_bomb)),
        "1×1 PNG": (ok, write(lambda: saved(Image.new("L", (1, 1), 200), "PNG"))),
        "blank white page": (ok, write(lambda: saved(Image.new("L", (28, 28), 255), "PNG"))),
        "1×5000 strip": (ok, write(lambda: saved(Image.new("L", (1, 5000), 30), "PNG"))),
        "16-bit PNG": (ok, write(lambda: saved(digit().convert("I;16"), "PNG"))),
        "float TIFF with NaN": (ok, write(lambda: float_tiff(float("nan")))),
        "float TIFF with infinity": (ok, write(lambda: float_tiff(float("inf")))),
        "float TIFF all negative": (ok, write(lambda: saved(Image.fromarray(-np.ones((8, 8), np.float32), "F"), "TIFF"))),
        "palette PNG with transparency": (ok, write(lambda: saved(digit("P"), "PNG", transparency=0))),
        "grayscale with alpha": (ok, write(lambda: saved(digit("LA"), "PNG"))),
        "CMYK JPEG": (ok, write(lambda: saved(digit("CMYK"), "JPEG"))),
        "1-bit picture": (ok, write(lambda: saved(digit("1"), "PNG"))),
        "animated GIF of 50 frames": (ok, write(lambda: animated_gif(50))),
        "EXIF orientation 99": (ok, write(lambda: with_exif_orientation(99))),
        "EXIF orientation 8": (ok, write(lambda: with_exif_orientation(8))),
        "damaged EXIF block": (ok, write(damaged_exif)),
        "3000×2000 photo (downscaled)": (ok, write(lambda: saved(digit("RGB", 2000).resize((3000, 2000)), "JPEG"))),
    }


CASES = _cases()
