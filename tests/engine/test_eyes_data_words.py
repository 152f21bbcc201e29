"""Words the data sets show a learner. An unreadable file in an image folder is named once, in words
a learner can act on (the window showed 'could not use the image …/broken.png: Cannot read
…/broken.png as an image (cannot identify image file <_io.BufferedReader name=13>). — fix or remove it')."""
import numpy as np
from PIL import Image

from engine.data.folder import load_folder


def test_a_file_that_is_no_picture_is_named_once_with_a_plain_reason(tmp_path):
    for name in ("cat", "dog"):
        (tmp_path / name).mkdir()
        for i in range(3):
            Image.fromarray(np.full((8, 8), 40 * i, dtype=np.uint8)).save(tmp_path / name / f"{i}.png")
    broken = tmp_path / "cat" / "broken.png"
    broken.write_bytes(b"not a png")
    data = load_folder(tmp_path, input_shape=(1, 8, 8))
    [message] = data.skipped
    assert message.count(str(broken)) == 1
    assert "BufferedReader" not in message and "not a picture format" in message
    assert message.endswith("fix or remove it") and ". —" not in message


def test_the_xor_set_is_spelled_as_the_course_spells_it():
    from engine.data.info import dataset_info

    assert dataset_info("xor").title == "XOR"  # the picker read "Xor"
    assert dataset_info("moons").title == "Moons"


def test_a_folder_that_needs_another_head_is_called_the_image_folder(tmp_path):
    import engine
    from engine.fitting import fit_report

    for name in ("cat", "dog", "owl"):
        (tmp_path / name).mkdir()
        for i in range(2):
            Image.fromarray(np.full((8, 8), 60 * i, dtype=np.uint8)).save(tmp_path / name / f"{i}.png")
    data = load_folder(tmp_path, input_shape=(1, 28, 28))
    report = fit_report(engine.templates.load("lenet5"), data, "cross_entropy", "Image folder")
    assert not report.ok and "one per class of the image folder" in report.message  # was "of folder"
