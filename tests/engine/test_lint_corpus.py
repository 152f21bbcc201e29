"""The classics are the lints' test set: every lint over every torchvision classification model that
imports (and, in test_lint.py, over every template). A warning on a published architecture stays
only if it is in ALLOWED with the reason we would give in front of the course; a new warning fails,
and so does an allowed one that stopped firing (the list must stay true).

The graphs come from tests/engine/goldens/torchvision_graphs.json.gz (written by
`python bench/lint_corpus.py --write-fixture`, architecture only, nothing downloaded): importing all
73 models takes minutes on a 2-core machine, linting the stored graphs a few seconds. A handful are
re-imported here to prove the fixture is what the importer makes today.
"""
import sys
from functools import lru_cache
from pathlib import Path

import pytest

from engine.lint import lint
from engine.serialize import graph_from_dict

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import lint_corpus  # noqa: E402  (bench/lint_corpus.py: the fixture's reader and writer)

CONVNEXT_LAST_STAGE = (
    "True, and ConvNeXt accepts it: it uses one 7×7 depthwise kernel in all four stages (Liu et al. 2022 "
    "chose 7×7 by the whole network's ImageNet accuracy), and at the 224×224 input torchvision builds it for "
    "the last stage's map is 7×7, so there each kernel spans the whole map and 43 % of its multiplications "
    "read padding. It stays cheap because it is depthwise (49 weights per channel against 8·C² in the "
    "block's 1×1 layers); at the paper's 384×384 fine-tuning size the map is 12×12 and the warning goes away.")
SQUEEZENET_RELU = (
    "True: SqueezeNet ends conv10 → ReLU → global average pool, so its class scores are never negative. It "
    "still trains, because softmax only needs the right score far above the others, but a class whose "
    "conv10 outputs are all negative for an image gets no gradient from it. The published design, kept "
    "as the course's example of the quirk.")
MOBILENET_V3_SMALL_FIRST_BLOCK = (
    "True: MobileNetV3-Small's first bottleneck has expansion ratio 1 (16 → 16), so its linear 1×1 "
    "projection feeds the next block's linear 1×1 expansion (16 → 72) with only batch norm between: the "
    "pair is one 16 → 72 map, 1,408 weights where 1,152 do. The paper applies its block template uniformly; "
    "this one instance neither narrows nor saves (256 redundant weights, 0.01 % of the model).")

# (model, node, code) -> why the warning is right, or why the design accepts what it says.
ALLOWED = {
    **{(model, f"features_7_{i}_block_0", "huge_kernel"): CONVNEXT_LAST_STAGE
       for model in ("convnext_tiny", "convnext_small", "convnext_base", "convnext_large") for i in range(3)},
    ("squeezenet1_0", "classifier_2", "activation_before_output"): SQUEEZENET_RELU,
    ("squeezenet1_1", "classifier_2", "activation_before_output"): SQUEEZENET_RELU,
    ("mobilenet_v3_small", "features_2_block_0_0", "no_activation"): MOBILENET_V3_SMALL_FIRST_BLOCK,
}
# Cheap to import (about a second each) and between them every rule's trouble spot of old.
RECHECKED = ("mobilenet_v2", "inception_v3", "convnext_tiny", "shufflenet_v2_x0_5", "squeezenet1_1")


@lru_cache(maxsize=1)
def fixture() -> dict:
    return lint_corpus.load_fixture()


@lru_cache(maxsize=None)
def warnings_of(model: str) -> frozenset:
    return frozenset((w.node, w.code) for w in lint(graph_from_dict(fixture()["models"][model])))


def test_the_fixture_holds_every_torchvision_model_that_imports():
    from engine.importer.sources import classification_models

    data = fixture()
    assert set(data["models"]) | set(data["refused"]) == set(classification_models())
    assert len(data["models"]) >= 73 and not set(data["models"]) & set(data["refused"])


@pytest.mark.parametrize("model", RECHECKED)
def test_the_fixture_is_what_the_importer_makes_today(model):
    from engine.importer import import_source

    result, _ = import_source(f"torchvision:{model}")
    assert lint_corpus.compact(result.graph) == fixture()["models"][model], \
        "the importer changed: rewrite the fixture with python bench/lint_corpus.py --write-fixture"


def test_every_warning_on_a_published_architecture_is_one_we_defend():
    found = {(model, node, code) for model in fixture()["models"] for node, code in warnings_of(model)}
    assert found - set(ALLOWED) == set(), "new warnings on torchvision models: fix the rule or defend them"
    assert set(ALLOWED) - found == set(), "allowed warnings that no longer fire: drop them from ALLOWED"
    assert all(len(reason) > 150 for reason in ALLOWED.values())


@pytest.mark.parametrize("model,expect_quiet", [
    ("mobilenet_v2", "no_activation"),  # linear bottlenecks: 1×1 projection, then the next 1×1 expansion
    ("shufflenet_v2_x1_0", "no_activation"),  # depthwise 3×3 → pointwise 1×1
    ("efficientnet_b0", "no_activation"),
    ("inception_v3", "huge_kernel"),  # 1×7 / 7×1 factorized kernels on 17×17 maps
])
def test_the_classic_designs_the_old_rules_got_wrong_are_quiet(model, expect_quiet):
    assert expect_quiet not in {code for _, code in warnings_of(model)}
