"""make_digits: shapes, balance, determinism, and that every digit is MNIST-framed ink."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from engine.digits import make_digits
from engine.digits.framing import centre_of_mass
from engine.digits.strokes import DIGIT_STROKES, stroke_model


@pytest.fixture(scope="module")
def digits() -> tuple[np.ndarray, np.ndarray]:
    return make_digits(203, seed=7)


def test_shapes_and_dtypes(digits: tuple[np.ndarray, np.ndarray]) -> None:
    images, labels = digits
    assert images.shape == (203, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (203,) and labels.dtype == np.int64


def test_labels_balanced_and_shuffled(digits: tuple[np.ndarray, np.ndarray]) -> None:
    _, labels = digits
    counts = np.bincount(labels, minlength=10)
    assert counts.size == 10 and counts.max() - counts.min() <= 1
    assert not np.array_equal(labels[:20], np.arange(20) % 10)


def test_same_seed_same_digits_other_seed_other_digits() -> None:
    a_images, a_labels = make_digits(30, seed=1)
    b_images, b_labels = make_digits(30, seed=1)
    c_images, _ = make_digits(30, seed=2)
    assert np.array_equal(a_images, b_images) and np.array_equal(a_labels, b_labels)
    assert not np.array_equal(a_images, c_images)


def test_every_digit_has_ink_and_is_centred_in_a_20px_box(digits: tuple[np.ndarray, np.ndarray]) -> None:
    images, _ = digits
    for image in images:
        assert image.max() >= 200  # solid ink, white on black
        cy, cx = centre_of_mass(image.astype(np.float64))
        assert abs(cy - 14) <= 1 and abs(cx - 14) <= 1
        rows, cols = np.flatnonzero(image.any(axis=1)), np.flatnonzero(image.any(axis=0))
        height, width = rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1
        assert max(height, width) in (19, 20) and min(height, width) >= 2


def test_ink_amount_is_mnist_like(digits: tuple[np.ndarray, np.ndarray]) -> None:
    images, labels = digits
    mean = images.astype(np.float64).mean() / 255.0
    assert 0.09 < mean < 0.18  # real MNIST: 0.13
    ones = images[labels == 1].astype(np.float64).mean() / 255.0
    eights = images[labels == 8].astype(np.float64).mean() / 255.0
    assert ones < eights


def test_zero_and_tiny_counts() -> None:
    images, labels = make_digits(0)
    assert images.shape == (0, 28, 28) and labels.shape == (0,)
    images, labels = make_digits(3, seed=0)
    assert len(set(labels.tolist())) == 3
    with pytest.raises(ValueError):
        make_digits(-1)


def test_stroke_basis_passes_through_control_points() -> None:
    """Catmull-Rom interpolates: each control point lies on the precomputed path."""
    for variants in DIGIT_STROKES.values():
        for _, strokes in variants:
            for stroke in strokes:
                model = stroke_model(stroke, 0.04)
                np.testing.assert_allclose(model.basis.sum(axis=1), 1.0, atol=1e-9)
                path = model.basis @ model.points
                gaps = np.linalg.norm(path[None, :, :] - model.points[:, None, :], axis=2).min(axis=1)
                assert gaps.max() < 1e-9


def test_digits_package_imports_no_qt() -> None:
    code = (
        "import sys, engine.digits, engine.digits.synth, engine.digits.preprocess\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'gui')]\n"
        "assert not bad, bad\n"
    )
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root)


def test_progress_is_reported_between_chunks() -> None:
    from engine.digits.synth import PROGRESS_EVERY

    done: list[int] = []
    make_digits(2 * PROGRESS_EVERY + 5, seed=0, progress=done.append)
    assert done == [PROGRESS_EVERY, 2 * PROGRESS_EVERY, 2 * PROGRESS_EVERY + 5]


def test_an_exception_from_progress_stops_the_drawing() -> None:
    from engine.digits.synth import PROGRESS_EVERY

    class Stop(Exception):
        pass

    def stop(done: int) -> None:
        raise Stop(done)

    with pytest.raises(Stop) as caught:
        make_digits(100 * PROGRESS_EVERY, seed=0, progress=stop)
    assert caught.value.args == (PROGRESS_EVERY,)  # stopped after the first chunk, not at the end
