"""Layers in words and the recipes: parsing, the plan's shapes and counts, the limits."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digitcanvas.training.layers import (
    MAX_FILTERS,
    MAX_LAYERS,
    MAX_PARAMETERS,
    MAX_UNITS,
    Layer,
    LayerError,
    LayerKind,
    format_layers,
    parse_layers,
    plan_network,
)
from digitcanvas.training.recipes import (
    MAX_BATCH_VALUES,
    MAX_EPOCHS,
    RECIPES,
    RECIPES_BY_KEY,
    Optimizer,
    Recipe,
    RecipeError,
)


def test_layers_are_read_as_a_notebook_stacks_them() -> None:
    layers = parse_layers("conv 32 3  # a comment\n\nbatchnorm, RELU\nmaxpool 2, dropout 0.25\ndense 64, tanh, sigmoid")
    assert layers == (
        Layer(LayerKind.CONV, 32, 3),
        Layer(LayerKind.BATCH_NORM),
        Layer(LayerKind.RELU),
        Layer(LayerKind.MAX_POOL, 2),
        Layer(LayerKind.DROPOUT, rate=0.25),
        Layer(LayerKind.DENSE, 64),
        Layer(LayerKind.TANH),
        Layer(LayerKind.SIGMOID),
    )
    assert parse_layers(format_layers(layers)) == layers
    assert parse_layers("pool 2, bn, linear 8") == (
        Layer(LayerKind.MAX_POOL, 2),
        Layer(LayerKind.BATCH_NORM),
        Layer(LayerKind.DENSE, 8),
    )


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("dense", "'dense UNITS'"),
        ("dense 12 4", "'dense UNITS'"),
        ("conv 32", "'conv FILTERS SIDE'"),
        ("dropout half", "with numbers"),
        ("dense -3", "with numbers"),
        ("softmax", "unknown layer 'softmax'"),
    ],
)
def test_a_layer_written_wrong_is_refused_with_how_to_write_it(text: str, words: str) -> None:
    with pytest.raises(LayerError, match=words):
        parse_layers(text)


def test_the_plan_counts_parameters_and_shapes_as_keras_would() -> None:
    # Keras's summary of Dense(128), Dense(128), Dense(10) on 784 inputs: 118,282 parameters.
    assert plan_network(parse_layers("dense 128, relu, dense 128, relu")).parameters == 118_282
    # Three Conv2D(64, 3, padding="same") + MaxPool(2), then Dense(10): 640 + 36,928 + 36,928 + 5,770.
    cnn = plan_network(
        parse_layers("conv 64 3, relu, maxpool 2, conv 64 3, relu, maxpool 2, conv 64 3, relu, maxpool 2")
    )
    assert cnn.parameters == 80_266
    assert [step.output for step in cnn.steps if step.layer.kind == LayerKind.MAX_POOL] == [
        (64, 14, 14),
        (64, 7, 7),
        (64, 3, 3),
    ]
    assert cnn.steps[-1].flattens and cnn.steps[-1].input == (64, 3, 3) and cnn.steps[-1].output == (10,)
    # The first convolution: 28 × 28 positions, 64 filters of 3 × 3 × 1.
    assert cnn.steps[0].mult_adds == 28 * 28 * 64 * 9
    assert plan_network(parse_layers("dense 100, batchnorm")).parameters == 784 * 100 + 100 + 200 + 100 * 10 + 10
    assert plan_network(()).parameters == 7_850  # no hidden layer: logistic regression


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("dense 10, conv 8 3", "layer 2 .*before the first dense layer"),
        ("dense 10, maxpool 2", "before the first dense layer"),
        ("conv 8 4", "side is one of 1, 3, 5, 7"),
        ("conv 0 3", f"1 to {MAX_FILTERS} filters"),
        (f"dense {MAX_UNITS + 1}", f"1 to {MAX_UNITS} units"),
        ("maxpool 5", "one of 2, 3, 4"),
        ("maxpool 4, maxpool 4, maxpool 2", "only 1 × 1 here"),
        ("dropout 0.95", "from 0 to 0.9"),
        (", ".join(["relu"] * (MAX_LAYERS + 1)), f"at most {MAX_LAYERS}"),
        ("dense 4096, dense 4096", f"at most {MAX_PARAMETERS:,}"),
    ],
)
def test_a_network_that_cannot_be_built_is_refused_naming_the_rule(text: str, words: str) -> None:
    with pytest.raises(LayerError, match=words):
        plan_network(parse_layers(text))


_layer = st.one_of(
    st.builds(lambda n: Layer(LayerKind.DENSE, n), st.integers(1, 64)),
    st.builds(lambda n, k: Layer(LayerKind.CONV, n, k), st.integers(1, 8), st.sampled_from([1, 3, 5])),
    st.builds(lambda k: Layer(LayerKind.MAX_POOL, k), st.sampled_from([2, 3])),
    st.builds(lambda r: Layer(LayerKind.DROPOUT, rate=r), st.sampled_from([0.0, 0.1, 0.5])),
    st.sampled_from(
        [Layer(kind) for kind in (LayerKind.BATCH_NORM, LayerKind.RELU, LayerKind.SIGMOID, LayerKind.TANH)]
    ),
)


@given(st.lists(_layer, max_size=8))
def test_any_layer_list_is_planned_or_refused_with_a_layer_error(layers: list[Layer]) -> None:
    assert parse_layers(format_layers(layers)) == tuple(layers)
    try:
        plan = plan_network(layers)
    except LayerError:
        return
    assert plan.steps[-1].output == (10,)
    assert plan.parameters >= 10 and all(step.values > 0 for step in plan.steps)
    for before, after in zip(plan.steps, plan.steps[1:], strict=False):
        assert before.output == after.input


def test_every_recipe_can_be_trained_and_round_trips_through_json() -> None:
    assert {r.key for r in RECIPES} == {"scratch", "dense", "dropout", "cnn", "small-cnn"}
    for recipe in RECIPES:
        plan = recipe.check()
        assert plan.parameters > 0
        back = Recipe.from_json(recipe.to_json())
        assert (back.layers, back.epochs, back.batch_size, back.learning_rate) == (
            recipe.layers,
            recipe.epochs,
            recipe.batch_size,
            recipe.learning_rate,
        )
        assert (back.optimizer, back.input, back.key, back.name) == (
            recipe.optimizer,
            recipe.input,
            recipe.key,
            recipe.name,
        )
    scratch = RECIPES_BY_KEY["scratch"]
    assert scratch.optimizer == Optimizer.SGD and all(layer.size in (0, 28) for layer in scratch.layers)


def test_changing_the_layers_makes_the_recipe_ones_own() -> None:
    dense = RECIPES_BY_KEY["dense"]
    assert dense.changed(epochs=2).key == "dense"
    custom = dense.changed(layers=parse_layers("dense 64, relu"))
    assert custom.key == "custom-dense" and "changed" in custom.name
    assert custom.changed(layers=parse_layers("dense 32")).key == "custom-dense"


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"epochs": 0}, f"1 to {MAX_EPOCHS}"),
        ({"epochs": MAX_EPOCHS + 1}, f"1 to {MAX_EPOCHS}"),
        ({"batch_size": 0}, "batch size: 0"),
        ({"learning_rate": 0.0}, "learning rate"),
        ({"input": "sideways"}, "input: unknown input setting"),
        ({"layers": parse_layers("conv 512 3, conv 16 3"), "batch_size": 2048}, f"{MAX_BATCH_VALUES:,}"),
    ],
)
def test_settings_out_of_their_range_are_refused_naming_the_limit(changes: dict[str, object], words: str) -> None:
    with pytest.raises(RecipeError, match=words):
        RECIPES_BY_KEY["dense"].changed(**changes).check()


def test_a_recipe_in_json_that_is_not_one_is_refused() -> None:
    for text in ("{}", "[1]", '{"key": "x", "name": "x", "layers": "dense", "epochs": 1}', "not json"):
        with pytest.raises(RecipeError, match="not a recipe"):
            Recipe.from_json(text)
