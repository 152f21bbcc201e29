"""preprocess_image: MNIST framing, ink polarity, photos, colour, empty input, files, shapes."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw

from engine.digits import ImageError, load_image_file, make_digits, preprocess_image
from engine.digits.framing import centre_of_mass
from engine.digits.synth import SynthStyle

MEAN, STD = 0.1307, 0.3081
STEP_NAMES = ("input", "grayscale", "cropped", "fitted 20×20", "centred 28×28", "normalized")


def drawn_one(size: int = 280, at: tuple[int, int] = (200, 60), width: int = 18) -> np.ndarray:
    """A thick slanted '1' drawn off-centre: uint8, white ink on black."""
    img = Image.new("L", (size, size), 0)
    x, y = at
    ImageDraw.Draw(img).line([(x, y), (x - 30, y + 160)], fill=255, width=width)
    return np.asarray(img)


def drawn_seven() -> np.ndarray:
    img = Image.new("L", (280, 280), 0)
    ImageDraw.Draw(img).line([(60, 50), (210, 45), (120, 240)], fill=255, width=20, joint="curve")
    return np.asarray(img)


def centred(result) -> np.ndarray:
    return result.steps[4].image


def test_off_centre_one_is_centred_fitted_and_normalized() -> None:
    result = preprocess_image(drawn_one())
    assert not result.empty
    assert tuple(s.name for s in result.steps) == STEP_NAMES
    assert result.tensor.shape == (1, 1, 28, 28) and result.tensor.dtype == torch.float32
    field = centred(result)
    cy, cx = centre_of_mass(field)
    assert abs(cy - 14) <= 1 and abs(cx - 14) <= 1
    rows, cols = np.flatnonzero(field.any(axis=1)), np.flatnonzero(field.any(axis=0))
    assert rows[-1] - rows[0] + 1 <= 20 and cols[-1] - cols[0] + 1 <= 20
    assert rows[-1] - rows[0] + 1 >= 19  # the long side fills the box
    expected = (torch.from_numpy(field) - MEAN) / STD
    torch.testing.assert_close(result.tensor[0, 0], expected)
    assert all(s.image.dtype == np.float32 and s.image.ndim == 2 for s in result.steps)


def test_black_on_white_equals_white_on_black() -> None:
    white_ink = drawn_seven()
    a = preprocess_image(white_ink)
    b = preprocess_image(255 - white_ink)
    torch.testing.assert_close(a.tensor, b.tensor, atol=1e-4, rtol=0)


@pytest.mark.parametrize("ink", ["light", "dark"])
def test_forced_polarity(ink: str) -> None:
    image = drawn_seven() if ink == "light" else 255 - drawn_seven()
    forced = preprocess_image(image, ink=ink)
    torch.testing.assert_close(forced.tensor, preprocess_image(drawn_seven()).tensor, atol=1e-4, rtol=0)


def test_invalid_ink_mode_raises() -> None:
    with pytest.raises(ValueError):
        preprocess_image(drawn_seven(), ink="blue")  # type: ignore[arg-type]


def test_rgb_and_rgba_inputs() -> None:
    reference = preprocess_image(drawn_seven()).tensor
    ink = drawn_seven()[..., None] > 0
    paper = np.array([250, 245, 235], np.uint8)
    blue_pen = np.array([20, 40, 140], np.uint8)
    rgb = np.where(ink, blue_pen, paper).astype(np.uint8)  # (H, W, 3) dark blue ink on cream paper
    result = preprocess_image(rgb)
    assert not result.empty
    assert (result.tensor - reference).abs().mean() < 0.02
    rgba = np.zeros((*ink.shape[:2], 4), np.uint8)  # black strokes on a transparent canvas
    rgba[..., 3] = np.where(ink[..., 0], 255, 0)
    torch.testing.assert_close(preprocess_image(rgba).tensor, reference, atol=1e-4, rtol=0)


def test_float_inputs_in_either_range() -> None:
    reference = preprocess_image(drawn_seven()).tensor
    unit = drawn_seven().astype(np.float64) / 255.0
    torch.testing.assert_close(preprocess_image(unit).tensor, reference, atol=1e-4, rtol=0)
    torch.testing.assert_close(preprocess_image(unit * 255.0).tensor, reference, atol=1e-4, rtol=0)


@pytest.mark.parametrize("value", [0, 255, 128])
def test_blank_canvas_is_empty(value: int) -> None:
    result = preprocess_image(np.full((280, 280), value, np.uint8))
    assert result.empty
    torch.testing.assert_close(result.tensor, torch.full((1, 1, 28, 28), (0 - MEAN) / STD))
    assert len(result.steps) == len(STEP_NAMES)


def test_blank_noisy_shaded_paper_is_empty() -> None:
    rng = np.random.default_rng(0)
    xx = np.mgrid[:400, :400][1]
    paper = 0.55 + 0.35 * xx / 400 + rng.normal(0, 0.03, (400, 400))
    assert preprocess_image(np.clip(paper, 0, 1)).empty


def test_photo_with_shading_noise_and_speck_matches_clean_drawing() -> None:
    big = Image.fromarray(drawn_seven()).resize((560, 560), Image.Resampling.BILINEAR)
    ink = np.asarray(big, np.float64) / 255.0
    yy, xx = np.mgrid[:560, :560]
    paper = 0.55 + 0.35 * xx / 560 + 0.05 * np.sin(yy / 40)  # light from one side, wavy page
    photo = paper * (1 - 0.8 * ink) + np.random.default_rng(1).normal(0, 0.03, paper.shape)
    photo[30:34, 520:524] = 0.1  # a speck of dust far from the digit
    rgb = np.clip(np.stack([photo, photo * 0.95, photo * 0.9], axis=-1) * 255, 0, 255).astype(np.uint8)
    result = preprocess_image(rgb)
    clean = centred(preprocess_image(drawn_seven()))
    assert not result.empty
    assert np.abs(centred(result) - clean).mean() < 0.05
    assert ((centred(result) > 0.5) == (clean > 0.5)).mean() > 0.97


def test_already_framed_digit_passes_through() -> None:
    digit = np.zeros((28, 28), np.float32)
    digit[4:24, 12:16] = 1.0  # a 20 px tall bar, centred by mass
    np.testing.assert_allclose(centred(preprocess_image(digit)), digit, atol=1e-6)


def test_mnist_style_digits_pass_through_nearly_unchanged() -> None:
    images, _ = make_digits(20, seed=3, style=SynthStyle(bleed=0.0))  # crisp rims, like MNIST's
    shifts = [(0, 0), (1, 0), (-1, 0), (0, 1), (0, -1)]  # a centre of mass near .5 may round the other way
    for image in images:
        again = centred(preprocess_image(image))
        assert min(np.abs(np.roll(again, s, axis=(0, 1)) - image / 255.0).mean() for s in shifts) < 0.01


@pytest.mark.parametrize("shape", [(1, 32, 32), (3, 32, 32)])
def test_other_input_shapes(shape: tuple[int, int, int]) -> None:
    result = preprocess_image(drawn_one(), input_shape=shape)
    assert result.tensor.shape == (1, *shape)
    assert [s.name for s in result.steps][3:5] == ["fitted 23×23", "centred 32×32"]
    field = centred(result)
    cy, cx = centre_of_mass(field)
    assert abs(cy - 16) <= 1 and abs(cx - 16) <= 1
    rows = np.flatnonzero(field.any(axis=1))
    assert rows[-1] - rows[0] + 1 == 23
    for c in range(shape[0]):
        torch.testing.assert_close(result.tensor[0, c], (torch.from_numpy(field) - MEAN) / STD)


def test_per_channel_mean_and_std() -> None:
    mean, std = (0.5, 0.4, 0.3), (0.2, 0.25, 0.3)
    result = preprocess_image(drawn_one(), input_shape=(3, 28, 28), mean=mean, std=std)
    field = torch.from_numpy(centred(result))
    for c in range(3):
        torch.testing.assert_close(result.tensor[0, c], (field - mean[c]) / std[c])
    with pytest.raises(ValueError):
        preprocess_image(drawn_one(), input_shape=(3, 28, 28), mean=(0.1, 0.2))


@pytest.mark.parametrize("bad", [np.zeros((5, 5, 2)), np.zeros((4,)), np.zeros((0, 10)), np.array([["a"]])])
def test_unusable_arrays_raise_image_error(bad: np.ndarray) -> None:
    with pytest.raises(ImageError):
        preprocess_image(bad)


def test_load_image_file_png_and_jpeg(tmp_path) -> None:
    Image.fromarray(drawn_seven()).save(tmp_path / "seven.png")
    Image.fromarray(255 - drawn_seven()).convert("RGB").save(tmp_path / "seven.jpg", quality=90)
    png = load_image_file(tmp_path / "seven.png")
    jpg = load_image_file(tmp_path / "seven.jpg")
    assert png.dtype == np.uint8 and png.shape == (280, 280)
    assert jpg.shape == (280, 280, 3)
    assert np.abs(centred(preprocess_image(png)) - centred(preprocess_image(jpg))).mean() < 0.02


def test_load_image_file_16_bit_palette_and_exif_rotation(tmp_path) -> None:
    seven = drawn_seven()
    Image.fromarray(seven.astype(np.uint16) * 257).save(tmp_path / "deep.png")  # 16-bit gray
    np.testing.assert_array_equal(load_image_file(tmp_path / "deep.png"), seven)
    Image.fromarray(seven).convert("P").save(tmp_path / "palette.png")
    assert load_image_file(tmp_path / "palette.png").shape == (280, 280, 3)
    rotated = Image.fromarray(seven).rotate(90, expand=True)  # stored sideways, EXIF says turn back
    exif = Image.Exif()
    exif[0x0112] = 6
    rotated.save(tmp_path / "phone.jpg", exif=exif, quality=95)
    upright = load_image_file(tmp_path / "phone.jpg")
    assert np.abs(upright.astype(float) - seven).mean() < 3


def test_corrupt_and_missing_files_raise_image_error(tmp_path) -> None:
    corrupt = tmp_path / "digit.png"
    corrupt.write_bytes(b"\x89PNG\r\n\x1a\n" + b"not really a png" * 10)
    with pytest.raises(ImageError, match="digit.png"):
        load_image_file(corrupt)
    truncated = tmp_path / "cut.png"
    Image.fromarray(drawn_seven()).save(truncated)
    truncated.write_bytes(truncated.read_bytes()[:200])
    with pytest.raises(ImageError):
        load_image_file(truncated)
    with pytest.raises(ImageError, match="not found"):
        load_image_file(tmp_path / "missing.png")
    assert issubclass(ImageError, ValueError)


def _dot(diameter: int, size: int = 280) -> np.ndarray:
    img = Image.new("L", (size, size), 0)
    ImageDraw.Draw(img).ellipse((100, 120, 100 + diameter, 120 + diameter), fill=255)
    return np.asarray(img)


def _ink_side(field: np.ndarray) -> int:
    rows, cols = np.flatnonzero(field.max(axis=1) > 0.5), np.flatnonzero(field.max(axis=0) > 0.5)
    return max(rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1) if rows.size else 0


def test_a_tiny_mark_stays_tiny() -> None:
    """MNIST scales a digit's longer side to 20 px; a dot is not a digit and is not blown up to 20×20."""
    from engine.digits.framing import MIN_DIGIT_SHARE

    dot = centred(preprocess_image(_dot(23)))  # a pen-tip dot on the pad
    assert 0 < _ink_side(dot) <= 10
    big = MIN_DIGIT_SHARE * 280
    assert _ink_side(centred(preprocess_image(_dot(12)))) < _ink_side(dot)  # smaller stays smaller
    assert _ink_side(centred(preprocess_image(_dot(round(big) + 10)))) >= 19  # digit-sized: MNIST's 20 px
    assert _ink_side(centred(preprocess_image(drawn_one()))) >= 19  # digits drawn on the pad are unchanged


def test_the_fitted_step_shows_a_tiny_mark_small_in_its_box() -> None:
    fitted = preprocess_image(_dot(23)).steps[3]
    assert fitted.name == "fitted 20×20" and fitted.image.shape == (20, 20) and _ink_side(fitted.image) <= 10
