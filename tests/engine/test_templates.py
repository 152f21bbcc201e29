"""Templates: faithful ones equal torchvision exactly; classroom ones are valid and run."""
import pytest
import torch
import torchvision

import engine
from engine import templates

FAITHFUL = {
    "alexnet": (61_100_840, lambda: torchvision.models.alexnet()),
    "vgg16": (138_357_544, lambda: torchvision.models.vgg16()),
    "googlenet": (6_624_904, lambda: torchvision.models.googlenet(aux_logits=False, init_weights=False)),
    "resnet18": (11_689_512, lambda: torchvision.models.resnet18()),
    "resnet152": (60_192_808, lambda: torchvision.models.resnet152()),
}


@pytest.mark.parametrize("name", FAITHFUL)
def test_faithful_template_matches_torchvision(name):
    count, make = FAITHFUL[name]
    graph = templates.load(name, (3, 224, 224), 1000)
    analysis = engine.analyze(graph)
    assert analysis.valid
    assert analysis.total_params == count
    with torch.device("meta"):  # real shapes, no real weights
        reference = make().eval()
        ours = engine.build_module(graph).eval()
        x = torch.empty(1, 3, 224, 224)
        assert ours(x).shape == reference(x).shape == (1, 1000)
    assert sum(p.numel() for p in reference.parameters()) == count
    assert sum(p.numel() for p in ours.parameters()) == count


def test_lenet5_has_61706_parameters():
    assert engine.analyze(templates.load("lenet5")).total_params == 61_706


@pytest.mark.parametrize("name", templates.names())
@pytest.mark.parametrize("shape,classes", [((1, 28, 28), 10), ((3, 32, 32), 10)])
def test_classroom_templates_are_valid_and_run(name, shape, classes):
    graph = templates.load(name, shape, classes)
    analysis = engine.analyze(graph)
    assert analysis.valid, analysis.errors
    assert analysis.output_shape == (classes,)
    module = engine.build_module(graph).eval()
    with torch.no_grad():
        out = module(torch.randn(2, *shape))
    assert out.shape == (2, classes)
    assert sum(p.numel() for p in module.parameters()) == analysis.total_params
    assert analysis.total_params < 2_000_000  # sized to train on a CPU


@pytest.mark.parametrize("name", templates.names())
def test_every_template_has_a_note_and_paper(name):
    t = templates.get(name)
    assert len(t.note) > 150 and t.paper and t.summary and t.title


def test_perceptron_on_toy_points():
    analysis = engine.analyze(templates.load("perceptron", (2,), 2))
    assert analysis.valid and analysis.total_params == 6


def test_googlenet_inception_has_four_branches():
    graph = templates.load("googlenet")
    assert len(graph.inputs_of("inc3a")) == 4
    assert engine.analyze(graph).row("inc3a").output_shape == (256, 28, 28)


def test_resnet_blocks_have_skip_connections_and_projections():
    graph = templates.load("resnet18")
    assert set(graph.inputs_of("layer1_0_add")) == {"layer1_0_bn2", "maxpool"}
    assert set(graph.inputs_of("layer2_0_add")) == {"layer2_0_bn2", "layer2_0_down_bn"}


def test_unknown_template_and_bad_sizes_are_clear_errors():
    with pytest.raises(templates.TemplateError, match="unknown template"):
        templates.load("nope")
    with pytest.raises(templates.TemplateError):
        templates.load("lenet5", (0, 28, 28), 10)
