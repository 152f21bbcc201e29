"""Lints: per code, a network that fires it and a near miss that does not; each fix clears its
warning and leaves a valid network; every template is clean except for its lesson; dismissals."""
import pytest

import engine
from engine import templates
from engine.lint import CODES, apply_fix, dismissals, lint
from engine.templates.base import Net


def chain(shape, *layers):
    """A straight network: each layer is (layer id, params) or a layer id."""
    net = Net(shape)
    for i, item in enumerate(layers, start=1):
        layer, params = (item, {}) if isinstance(item, str) else item
        net.add(layer, f"n{i}_{layer}", **params)
    return net.graph


def codes(graph, **kwargs):
    return {(w.node, w.code) for w in lint(graph, **kwargs)}


LIN = ("linear", {"out_features": 16})
OUT10 = ("linear", {"out_features": 10})
CONV = ("conv2d", {"out_channels": 8, "kernel_size": 3, "padding": "same"})

# code -> (firing graph, lint kwargs, node expected), (near-miss graph, kwargs)
CASES = {
    "no_activation": ((chain((20,), LIN, OUT10), {}, "n2_linear"),
                      (chain((20,), LIN, "relu", OUT10), {})),
    "double_softmax": ((chain((4,), ("linear", {"out_features": 3}), "softmax"), {}, "n2_softmax"),
                       (chain((4,), ("linear", {"out_features": 3}), "softmax", OUT10), {})),
    "sigmoid_with_ce": ((chain((4,), ("linear", {"out_features": 3}), "sigmoid"), {}, "n2_sigmoid"),
                        (chain((4,), ("linear", {"out_features": 3}), "sigmoid", OUT10), {})),
    "softmax_with_bce": ((chain((4,), ("linear", {"out_features": 1}), "softmax"), {"loss": "bce"}, "n2_softmax"),
                         (chain((4,), ("linear", {"out_features": 1})), {"loss": "bce"})),
    "loss_output_mismatch": ((chain((4,), ("linear", {"out_features": 5})), {"num_classes": 10}, "n1_linear"),
                             (chain((4,), OUT10), {"num_classes": 10})),
    "vanishing_gradients": ((templates.load("deep_sigmoid"), {}, "act1"),
                            (chain((20,), *[x for _ in range(5) for x in (LIN, "sigmoid")], OUT10), {})),
    "param_explosion": ((chain((1, 28, 28), ("conv2d", {"out_channels": 32, "kernel_size": 3, "padding": 1}),
                               "relu", "flatten", OUT10), {}, "n4_linear"),
                        (templates.load("mlp"), {})),
    "dropout_at_output": ((chain((20,), LIN, "relu", OUT10, "dropout"), {}, "n4_dropout"),
                          (chain((20,), LIN, "relu", "dropout", OUT10), {})),
    "batchnorm_after_output": ((chain((20,), LIN, "relu", OUT10, "batchnorm1d"), {}, "n4_batchnorm1d"),
                               (chain((20,), LIN, "batchnorm1d", "relu", OUT10), {})),
    "activation_before_output": ((chain((20,), LIN, "relu", OUT10, "relu"), {}, "n4_relu"),
                                 (chain((20,), LIN, "relu", OUT10), {})),
    "no_downsampling": ((chain((1, 28, 28), CONV, "relu", CONV, "relu", "flatten", OUT10), {}, "n3_conv2d"),
                        (chain((1, 28, 28), CONV, "relu", ("maxpool2d", {"kernel_size": 2}), CONV, "relu",
                               "flatten", OUT10), {})),
    "huge_kernel": ((chain((1, 28, 28), ("conv2d", {"kernel_size": 25}), "relu", "flatten", OUT10), {}, "n1_conv2d"),
                    (chain((1, 28, 28), ("conv2d", {"kernel_size": 7}), "relu", "flatten", OUT10), {})),
}


def test_every_code_has_a_case():
    assert set(CASES) == set(CODES)


@pytest.mark.parametrize("code", sorted(CASES))
def test_lint_fires(code):
    (graph, kwargs, node), _ = CASES[code]
    assert engine.analyze(graph).valid
    found = [w for w in lint(graph, **kwargs) if w.code == code]
    assert [w.node for w in found] == [node]
    warning = found[0]
    assert node in warning.message and len(warning.reason) > 60


@pytest.mark.parametrize("code", sorted(CASES))
def test_lint_near_miss_is_quiet(code):
    _, (graph, kwargs) = CASES[code]
    assert engine.analyze(graph).valid
    assert code not in {w.code for w in lint(graph, **kwargs)}


@pytest.mark.parametrize("code", sorted(CASES))
def test_fix_clears_the_warning_and_keeps_the_network_valid(code):
    (graph, kwargs, node), _ = CASES[code]
    warning = next(w for w in lint(graph, **kwargs) if w.code == code)
    if warning.fix is None:
        pytest.skip(f"{code} has no one-click fix here")
    fixed = apply_fix(graph, warning.fix)
    assert engine.analyze(fixed).valid
    assert code not in {w.code for w in lint(fixed, **kwargs)}
    assert len(graph) == len(engine.analyze(graph).rows)  # the original is untouched


def test_no_activation_looks_through_dropout_and_fix_goes_right_after_the_first_layer():
    graph = chain((20,), LIN, "dropout", OUT10)
    warning = next(w for w in lint(graph) if w.code == "no_activation")
    assert "n2_dropout" in warning.message
    step = warning.fix.steps[0]
    assert (step.action, step.layer, step.src, step.dst) == ("insert", "relu", "n1_linear", "n2_dropout")


def test_loss_mismatch_without_known_classes_only_flags_what_is_always_wrong():
    one = chain((4,), ("linear", {"out_features": 1}))
    assert not lint(one)  # one output: training would pick binary cross-entropy
    assert {w.code for w in lint(one, loss="cross_entropy")} == {"loss_output_mismatch"}
    assert {w.code for w in lint(chain((4,), ("linear", {"out_features": 1}), "sigmoid"), loss="bce")} \
        == {"loss_output_mismatch"}  # bce applies the sigmoid itself


def test_vanishing_gradients_stops_at_normalization():
    layers = []
    for i in range(10):
        layers += [LIN, "batchnorm1d", "sigmoid"] if i % 3 == 0 else [LIN, "sigmoid"]
    assert "vanishing_gradients" not in {w.code for w in lint(chain((20,), *layers, OUT10))}


def test_nodes_with_errors_are_not_linted():
    graph = chain((20,), LIN, ("linear", {"out_features": 0}), OUT10)
    assert engine.analyze(graph).errors
    assert "no_activation" not in {w.code for w in lint(graph) if w.node == "n2_linear"}


TEMPLATE_SHAPES = [((1, 28, 28), 10), ((3, 32, 32), 10), ((2,), 2)]


@pytest.mark.parametrize("name", templates.names())
def test_templates_are_clean_except_for_their_lesson(name):
    for shape, classes in TEMPLATE_SHAPES + [(templates.get(name).default_input, None)]:
        try:
            graph = templates.load(name, shape, classes)
        except (templates.TemplateError, ValueError):
            continue  # a CNN cannot take 2-D points
        if not engine.analyze(graph).valid:
            continue  # e.g. a CNN on 2-D points: an error, not a lint
        found = {w.code for w in lint(graph)}
        assert found == set(templates.get(name).lesson_lints), (name, shape, found)


def test_dismissed_warnings_are_filtered_and_saved_with_the_project(tmp_path):
    graph, kwargs, node = CASES["no_activation"][0]
    section = dismissals.with_dismissal(None, node, "no_activation")
    assert not lint(graph, dismissed=dismissals.dismissed(section))
    path = engine.save(graph, tmp_path / "p.json", sections={"lint": section})
    project = engine.load(path)
    assert project.sections["lint"] == {"dismissed": {node: ["no_activation"]}}
    from engine.lint import lint_project
    assert not lint_project(project)
    back = dismissals.with_dismissal(project.sections["lint"], node, "no_activation", dismiss=False)
    assert back == {} and lint(graph, dismissed=dismissals.dismissed(back))


def test_damaged_dismissals_are_ignored_not_fatal():
    assert dismissals.dismissed({"dismissed": {"a": "no_activation", "b": [1, "huge_kernel"], 3: []}}) \
        == {"b": frozenset({"huge_kernel"})}
    assert dismissals.dismissed({"dismissed": []}) == {}


def test_no_output_lint_while_a_layer_below_has_an_error():
    """LeNet-5 on 8×8 inputs: conv2 cannot run, so nothing after relu1 has known parameters;
    relu1 must not be called an activation on the class scores."""
    from engine import analyze, templates
    from engine.lint import lint

    graph = templates.load("lenet5", (1, 8, 8), 10)
    assert analyze(graph).row("conv2").error
    assert not [w for w in lint(graph) if w.code == "activation_before_output"]


def conv(out, k=1, **params):
    return ("conv2d", {"out_channels": out, "kernel_size": k, **params})


@pytest.mark.parametrize("layers,why", [
    ((conv(16), "batchnorm2d", conv(96)), "bottleneck: 32 → 16 → 96 (MobileNetV2's linear bottleneck)"),
    ((conv(32, 3, padding=1, groups=32), "batchnorm2d", conv(64)), "depthwise → pointwise"),
    ((conv(32), conv(32, 3, padding=1, groups=32)), "pointwise → depthwise"),
    ((("linear", {"out_features": 4}), "dropout", ("linear", {"out_features": 20})), "linear bottleneck 20 → 4 → 20"),
])
def test_no_activation_is_quiet_on_a_pair_that_narrows_or_saves_parameters(layers, why):
    shape = (20,) if layers[0][0] == "linear" else (32, 8, 8)
    graph = chain(shape, *layers, "relu", *(["flatten"] if shape != (20,) else []), OUT10)
    assert "no_activation" not in {w.code for w in lint(graph)}, why


def test_no_activation_states_what_the_pair_costs_against_the_layer_it_equals():
    graph = chain((8, 8, 8), conv(16), "batchnorm2d", conv(32), "relu", "flatten", OUT10)
    warning = next(w for w in lint(graph) if w.code == "no_activation")
    assert warning.node == "n3_conv2d"
    assert "one 1×1 convolution, 8 → 32 channels" in warning.message
    assert "288 parameters against the pair's 688" in warning.message and "(8 → 16 → 32)" in warning.message


def test_no_activation_is_quiet_when_a_skip_connection_also_reads_the_first_layer():
    net = Net((16,))
    net.add("linear", "fc1", out_features=16)
    net.add("linear", "fc2", out_features=16)
    net.add("add", "sum", after=["fc1", "fc2"])
    net.add("relu", "act")
    net.add("linear", "out", out_features=10)
    assert "no_activation" not in {w.code for w in lint(net.graph)}


def test_huge_kernel_is_judged_by_area_not_by_one_side():
    strip = chain((8, 17, 17), conv(8, (1, 7), padding=(0, 3)), "relu", conv(8, (7, 1), padding=(3, 0)), "relu",
                  "flatten", OUT10)
    assert "huge_kernel" not in {w.code for w in lint(strip)}  # Inception-v3's factorized 7×7
    whole = chain((8, 7, 7), conv(8, 7, padding=3, groups=8), "relu", "flatten", OUT10)
    warning = next(w for w in lint(whole) if w.code == "huge_kernel")
    assert "covers 100 % of its 7×7 input's area" in warning.message
    assert "43 % of its multiplications read padding" in warning.reason
    fixed = apply_fix(whole, warning.fix)
    assert engine.analyze(fixed).total_params < engine.analyze(whole).total_params  # never a bigger kernel


def test_no_downsampling_counts_in_ordinals():
    layers = [x for _ in range(3) for x in (CONV, "relu")]
    warning = next(w for w in lint(chain((1, 28, 28), *layers, "flatten", OUT10)) if w.code == "no_downsampling")
    assert "is the 3rd convolution in a row" in warning.message
    graph, _, _ = CASES["no_downsampling"][0]
    assert "is the 2nd convolution" in next(w for w in lint(graph) if w.code == "no_downsampling").message


def test_two_convolutions_without_activation_are_judged_by_what_they_equal():
    """Two 3×3 convolutions equal one 5×5. Widening 1 → 32 → 64 they cost 18,816 parameters where the 5×5
    needs 1,664: the pitfall. Keeping 8 channels they cost 1,168 against its 1,608: a cheaper 5×5 (a
    factorization, as VGG's stacks are), not a collapse that adds parameters."""
    three = {"kernel_size": 3, "padding": 1}
    widening = chain((1, 8, 8), conv(32, **three), conv(64, **three), "relu", "flatten", OUT10)
    warning = next(w for w in lint(widening) if w.code == "no_activation")
    assert "one 5×5 convolution, 1 → 64 channels, which needs 1,664 parameters against the pair's 18,816" \
        in warning.message
    same = chain((8, 8, 8), conv(8, **three), conv(8, **three), "relu", "flatten", OUT10)
    assert "no_activation" not in {w.code for w in lint(same)}


def test_no_activation_says_the_middle_is_no_narrower_than_both_ends():
    """'does not narrow in the middle (64 → 10 → 10)' read as a contradiction: 64 → 10 narrows."""
    from engine import templates
    from engine.lint import lint

    graph = templates.load("mlp", (1, 28, 28), 10)
    graph.add_node("linear", {"out_features": 10}, node_id="extra")
    graph.connect("out", "extra")
    text = next(w.message for w in lint(graph) if w.code == "no_activation")
    assert "its middle is no narrower than both ends (64 → 10 → 10)" in text, text
