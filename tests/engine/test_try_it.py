"""Predicting on your own pictures with an image network (issue 20, item 7): files read the way the
training folder was read, the picture resized and normalized with the project's recorded recipe, the
top classes by name, "unsure" only from a fitted calibration (else "uncalibrated"), and `predict` on
the command line. Tiny pictures written by the tests; a tiny network trained here in a second."""
import json

import numpy as np
import pytest
import torch
from PIL import Image

import engine
from engine.data.folder import load_folder
from engine.image_files import ImageError
from engine.inference import predict, preprocess_for, read_picture, resize_size
from engine.photo import MAX_PHOTO_SIDE, load_photo, preprocess_photo
from engine.session import dataset_meta
from engine.training import TrainConfig, train
from engine.training.calibration import Calibration, calibration_entry
from tests.engine.hostile_images import png_declaring

SHAPE = (3, 8, 8)
COLOURS = {"blue": (20, 40, 230), "green": (30, 200, 40), "red": (230, 30, 20)}


def _picture(colour, size=(12, 10), seed=0) -> Image.Image:
    noise = np.random.default_rng(seed).integers(-25, 26, (size[1], size[0], 3))
    return Image.fromarray(np.clip(np.array(colour) + noise, 0, 255).astype(np.uint8))


@pytest.fixture(scope="module")
def colours(tmp_path_factory):
    """A folder of three colour classes, a tiny MLP trained on it with its calibration, saved as a project."""
    root = tmp_path_factory.mktemp("colours")
    for name, colour in COLOURS.items():
        (root / "data" / name).mkdir(parents=True)
        for i in range(16):
            _picture(colour, seed=i).save(root / "data" / name / f"{i}.png")
    dataset = load_folder(root / "data", input_shape=SHAPE)
    torch.manual_seed(0)
    graph = engine.templates.load("mlp", SHAPE, 3)
    module = engine.build_module(graph)
    config = TrainConfig(epochs=8, batch_size=8, device="cpu", cpu_threads=1, val_split=0.25, lr=0.01)
    assert list(train(module, dataset, config))[-1].status == "completed"
    meta = {**dataset_meta(dataset), "calibration": calibration_entry(module, dataset, config.val_split, 0)}
    path = engine.save(graph, root / "colours.nwproj", weights=module, meta=meta)
    return root, path, module.eval(), meta, dataset


def test_a_picture_is_read_resized_and_normalized_exactly_like_the_training_folder(colours, tmp_path):
    root, _, _, meta, dataset = colours
    file = root / "data" / "red" / "3.png"
    picture = read_picture(str(file), meta, SHAPE)
    assert picture.dtype == np.uint8 and picture.shape == (10, 12, 3)
    pre = preprocess_for(picture, meta, SHAPE)
    trained = load_folder(root / "data", input_shape=SHAPE)  # the same read, the same uint8 pixels
    resized = pre.steps[1].image  # (H, W, 3) in 0..1: the colour picture the network sees, before normalizing
    assert resized.shape == (8, 8, 3) and pre.steps[2].image.shape == (8, 8, 3)
    originals = (trained.x_train.float() / 255).permute(0, 2, 3, 1).numpy()  # (N, C, H, W) -> (N, H, W, C)
    originals = np.concatenate([originals, (trained.x_test.float() / 255).permute(0, 2, 3, 1).numpy()])
    assert min(np.abs(o - resized).max() for o in originals) < 1e-6  # one of the training images, bit for bit
    mean, std = np.array(dataset.mean), np.array(dataset.std)
    expected = torch.from_numpy(((resized - mean) / std).transpose(2, 0, 1)).float()
    assert torch.allclose(pre.tensor[0], expected, atol=1e-5)


def test_grayscale_and_colour_pictures_are_converted_to_the_networks_channels(tmp_path):
    Image.new("L", (30, 20), 200).save(tmp_path / "gray.png")
    _picture(COLOURS["red"]).convert("RGBA").save(tmp_path / "rgba.png")
    assert load_photo(tmp_path / "gray.png", 3).shape == (20, 30, 3)  # grey becomes RGB, as training reads it
    assert load_photo(tmp_path / "rgba.png", 3).shape == (10, 12, 3)  # transparency dropped, as training does
    gray = load_photo(tmp_path / "rgba.png", 1)
    assert gray.shape == (10, 12) and gray.dtype == np.uint8
    pre = preprocess_photo(load_photo(tmp_path / "gray.png", 3), SHAPE, (0.5,) * 3, (0.25,) * 3)
    assert pre.tensor.shape == (1, 3, 8, 8)


def test_huge_and_unreadable_pictures_get_one_clear_message_and_big_ones_are_shrunk_first(tmp_path):
    (tmp_path / "bomb.png").write_bytes(png_declaring(60_000, 60_000))
    with pytest.raises(ImageError, match="too large to open safely"):
        load_photo(tmp_path / "bomb.png")
    (tmp_path / "notes.png").write_bytes(b"not a picture")
    with pytest.raises(ImageError, match="Cannot read"):
        load_photo(tmp_path / "notes.png")
    with pytest.raises(ImageError, match="not found"):
        load_photo(tmp_path / "missing.jpg")
    Image.new("RGB", (3000, 600), (10, 20, 30)).save(tmp_path / "wide.jpg")
    wide = load_photo(tmp_path / "wide.jpg")
    assert max(wide.shape[:2]) <= MAX_PHOTO_SIDE and wide.shape[1] > 4 * wide.shape[0]  # shape kept


def test_pretrained_weights_resize_the_shorter_side_then_crop_the_centre():
    picture = np.zeros((100, 200, 3), np.uint8)
    picture[:, 75:125] = 255  # a white band in the middle
    meta = {"dataset": "imagenet", "mean": [0.0] * 3, "std": [1.0] * 3, "resize_size": 16}
    assert resize_size(meta, (3, 14, 14)) == 16 and resize_size({**meta, "resize_size": 1000}, (3, 14, 14)) is None
    cropped = preprocess_for(picture, meta, (3, 14, 14))
    whole = preprocess_for(picture, {**meta, "resize_size": None}, (3, 14, 14))
    assert cropped.steps[1].name == "16 px, centre 14×14" and whole.steps[1].name == "resized 14×14"
    assert cropped.tensor[0, 0].mean() > 2 * whole.tensor[0, 0].mean()  # the band fills more of a centre crop


def test_top_classes_by_name_and_the_calibration_decides_unsure(colours):
    root, _, module, meta, _ = colours
    picture = np.asarray(_picture(COLOURS["green"], seed=99))
    pred = predict(module, picture, meta)
    assert pred.calibrated and pred.name == "green" and not pred.unsure
    top = pred.top(2)
    assert [name for name, _ in top][0] == "green" and len(top) == 2 and top[0][1] >= top[1][1]
    assert sum(p for _, p in pred.top(10)) == pytest.approx(1.0, abs=1e-5) and len(pred.top(10)) == 3
    # image folders: energy, feature distance and contrast (engine.training.novelty), threshold on validation
    assert Calibration.from_meta(meta).method == "novelty"
    strict = {**meta, "calibration": {**meta["calibration"], "threshold": -1e9}}
    assert predict(module, picture, strict).unsure  # above the threshold: unsure
    bare = predict(module, picture, {k: v for k, v in meta.items() if k != "calibration"})
    assert not bare.calibrated and not bare.unsure  # no calibration: never a verdict it cannot back


def test_predict_command_classifies_photos_with_names_top_k_and_calibration(cli, colours, tmp_path):
    _, project, _, _, _ = colours
    # A larger photo of the same kind: its grain as coarse as the training pictures' (shrunk, a photo of
    # fine grain is flat, unlike every noisy training picture, and rightly unsure: see the last assertion)
    _picture(COLOURS["red"], seed=5).resize((300, 200), Image.Resampling.NEAREST).save(tmp_path / "red.jpg")
    _picture(COLOURS["red"], size=(300, 200), seed=5).save(tmp_path / "flat.jpg")
    Image.new("L", (40, 40), 80).convert("L").save(tmp_path / "gray.png")
    result = cli("predict", project, "red.jpg", "gray.png", "--json", "--top", "2", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert {"image", "label", "class", "probabilities", "unsure", "empty", "top", "calibrated"} <= set(rows[0])
    assert rows[0]["class"] == "red" and set(rows[0]["probabilities"]) == set(COLOURS)
    assert [t["class"] for t in rows[0]["top"]][0] == "red" and len(rows[0]["top"]) == 2
    assert rows[0]["calibrated"] is True and rows[1]["image"] == "gray.png"
    text = cli("predict", project, "red.jpg", cwd=tmp_path)
    assert text.returncode == 0 and text.stdout.startswith("red.jpg: red (") and "uncalibrated" not in text.stdout
    assert cli("predict", project, "red.jpg", "--top", "0", cwd=tmp_path).returncode == 2
    flat = cli("predict", project, "flat.jpg", "--json", cwd=tmp_path)
    assert json.loads(flat.stdout)[0]["unsure"] is True  # no grain: unlike any training picture


def test_predict_says_uncalibrated_and_rejects_huge_files(cli, colours, tmp_path):
    _, project, _, _, _ = colours
    loaded = engine.load(project)
    meta = {k: v for k, v in loaded.meta.items() if k != "calibration"}
    bare = engine.save(loaded.graph, tmp_path / "bare.nwproj", weights=loaded.weights, meta=meta)
    _picture(COLOURS["blue"]).save(tmp_path / "blue.png")
    (tmp_path / "bomb.png").write_bytes(png_declaring(60_000, 60_000))
    result = cli("predict", bare, "blue.png", "bomb.png", cwd=tmp_path)
    assert result.returncode == 2 and "blue.png: blue (" in result.stdout and "uncalibrated" in result.stdout
    assert "too large to open safely" in result.stderr and "Traceback" not in result.stderr


def test_which_networks_take_digits_from_the_pad():
    from engine.inference import takes_digits

    assert takes_digits({"dataset": "mnist"}, (1, 28, 28)) and takes_digits({"dataset": "digits"}, (1, 28, 28))
    assert takes_digits({}, (1, 28, 28))  # saved before meta recorded a dataset: as before, the pad
    assert not takes_digits({}, (3, 224, 224))  # a colour network imported with its weights: photos
    assert not takes_digits({"dataset": "folder"}, (1, 28, 28)) and not takes_digits({"dataset": "cifar10"}, SHAPE)


def test_predict_says_what_unsure_promises_from_the_stored_calibration(cli, colours, tmp_path):
    from engine.training.false_alarms import false_alarms_of

    _, project, _, meta, _ = colours
    promise = false_alarms_of(meta)
    samples = meta["calibration"]["validation_samples"]
    assert promise is not None and promise.samples == samples >= 10
    _picture(COLOURS["red"], size=(300, 200), seed=5).save(tmp_path / "flat.jpg")  # rightly unsure (see above)
    _picture(COLOURS["red"], seed=5).save(tmp_path / "red.png")
    rows = json.loads(cli("predict", project, "flat.jpg", "red.png", "--json", cwd=tmp_path).stdout)
    assert rows[0]["unsure"] and rows[0]["unsure_promise"]["validation_samples"] == samples
    assert rows[0]["unsure_promise"]["false_alarms_on_average_at_most"] == pytest.approx(1 / (samples + 1), abs=1e-4)
    assert rows[1]["unsure_promise"] == rows[0]["unsure_promise"]  # one project, one promise
    text = cli("predict", project, "flat.jpg", "red.png", cwd=tmp_path).stdout
    unsure, sure = text.split("red.png:")
    assert "unsure" in unsure and f"{samples} validation pictures" in unsure and "9 runs out of 10" in unsure
    assert "validation pictures" not in sure  # a confident answer needs no footnote
    twice = cli("predict", project, "flat.jpg", "flat.jpg", cwd=tmp_path).stdout
    assert twice.count("unsure —") == 2 and twice.count("9 runs out of 10") == 1  # said once, not per picture
