"""A model's layers named for a learner: what each is, and what its operation does. No Qt.

The inside view and ``digitcanvas inspect`` list a model's layers. The names in the graph
("node_Conv_82", "node_mul_70") say how an exporter numbered its nodes, not what they
are, so each layer gets a title from its operator, its output and its weights: "Conv 1 ·
32 filters 3×3", "ReLU", "Max pool 2×2", "Dense 1 · 128 units", and a sentence on what the
operation does. Operators not listed here keep their ONNX name, with a generic sentence.
"""

from __future__ import annotations

from dataclasses import dataclass

from digitcanvas.model.shapes import NUM_CLASSES

CONV_FAMILY = frozenset({"Conv", "ConvInteger", "QLinearConv", "ConvTranspose"})
DENSE_FAMILY = frozenset({"Gemm", "MatMul", "MatMulInteger", "QLinearMatMul"})
POOL_FAMILY = frozenset({"MaxPool", "AveragePool", "LpPool"})

# operator: (short name, what it does). A learner's words, one sentence each.
OPERATIONS: dict[str, tuple[str, str]] = {
    "Relu": ("ReLU", "keeps positive values and sets negative ones to 0"),
    "LeakyRelu": ("Leaky ReLU", "keeps positive values and shrinks negative ones"),
    "PRelu": ("PReLU", "keeps positive values and scales negative ones by a learned factor"),
    "Elu": ("ELU", "keeps positive values and bends negative ones smoothly towards −1"),
    "Selu": ("SELU", "a scaled ELU: keeps the values' spread steady from layer to layer"),
    "Gelu": ("GELU", "a smooth ReLU: lets small negative values through, a little"),
    "Sigmoid": ("Sigmoid", "squeezes every value into 0 to 1"),
    "HardSigmoid": ("Hard sigmoid", "squeezes every value into 0 to 1, in straight lines"),
    "Tanh": ("Tanh", "squeezes every value into −1 to 1"),
    "Clip": ("Clip", "cuts values off at a lower and an upper limit (ReLU6 is one)"),
    "MaxPool": ("Max pool", "keeps the largest value of each patch: smaller maps, the strongest responses"),
    "AveragePool": ("Average pool", "averages each patch: smaller, smoother maps"),
    "LpPool": ("Lp pool", "a norm of each patch: smaller maps"),
    "GlobalAveragePool": ("Global average pool", "averages each map to one value: one number per channel"),
    "GlobalMaxPool": ("Global max pool", "keeps each map's largest value: one number per channel"),
    "ReduceMean": ("Mean", "averages each map to one value (global average pooling)"),
    "ReduceMax": ("Max", "keeps each map's largest value (global max pooling)"),
    "BatchNormalization": ("Batch norm", "rescales each channel with statistics learned in training"),
    "InstanceNormalization": ("Instance norm", "rescales each map to a mean of 0 and a spread of 1"),
    "LayerNormalization": ("Layer norm", "rescales the values to a mean of 0 and a spread of 1"),
    "LRN": ("Local response norm", "damps a value where its neighbouring channels are strong"),
    "Dropout": ("Dropout", "does nothing when reading: it only drops values at random in training"),
    "Identity": ("Identity", "passes its input on unchanged"),
    "Flatten": ("Flatten", "lays the maps out as one long row of values for the dense layers"),
    "Reshape": ("Reshape", "lays the values out in another shape (often one long row); they stay the same"),
    "Squeeze": ("Squeeze", "drops axes of size 1; the values stay the same"),
    "Unsqueeze": ("Unsqueeze", "adds an axis of size 1; the values stay the same"),
    "Transpose": ("Transpose", "reorders the axes (channels first or last); the values stay the same"),
    "Concat": ("Concat", "joins several layers' outputs into one"),
    "Slice": ("Slice", "keeps a part of its input"),
    "Pad": ("Pad", "adds a border of zeros around each map"),
    "Cast": ("Cast", "changes the number type; the values stay the same"),
    "Softmax": ("Softmax", "turns the scores into probabilities that add up to 1"),
    "LogSoftmax": ("Log softmax", "turns the scores into log-probabilities"),
    "Add": ("Add", "adds a learned bias, or another layer's output (a skip connection)"),
    "Sub": ("Subtract", "subtracts a constant or another layer's output (often a mean, to centre the input)"),
    "Mul": ("Multiply", "multiplies by a constant or by another layer's output"),
    "Div": ("Divide", "divides by a constant or by another layer's output (often a spread, to normalise)"),
    "Sqrt": ("Square root", "takes the square root of every value"),
    "Exp": ("Exp", "raises e to every value"),
    "QuantizeLinear": ("Quantize", "rounds the values to 8-bit integers (a quantised model)"),
    "DequantizeLinear": ("Dequantize", "turns 8-bit integers back into numbers with decimals"),
}
CONV_WORDS = "slides {filters} learned {kernel} filters over its input: each map shows where one filter's pattern is"
DENSE_WORDS = "each of its {units} units adds up every input value, each with a learned weight"
SCORES_WORDS = "each of the ten digits' scores adds up every input value, each with a learned weight"
SCALE_WORDS = "multiplies every value by one constant number"
TEMPERATURE_WORDS = (
    "multiplies the ten scores by one learned number: a temperature, which makes the model's "
    "confidence honest without changing which digit wins"
)
OTHER_WORDS = "the ONNX operation {op}"


@dataclass(frozen=True)
class LayerFacts:
    """What names a layer: its operator, its output for one image, what it reads."""

    op: str
    shape: tuple[int, ...]  # one image's output as shown: (C, H, W) or (K,)
    kernel: tuple[int, ...] = ()  # a convolution's or a pool's window (kH, kW); () when it has none
    parameters: int = 0  # the weights and biases it reads


def _size(kernel: tuple[int, ...]) -> str:
    return "×".join(str(k) for k in kernel)


def layer_title(facts: LayerFacts, number: int) -> str:
    """A learner's name for a layer: "Conv 1 · 32 filters 3×3", "Dense 2 · 10 outputs", "ReLU".

    ``number``: the layer's place among the convolutions (or among the dense layers), 1 first.
    """
    op, shape = facts.op, facts.shape
    if op in CONV_FAMILY:
        kernel = f" {_size(facts.kernel)}" if facts.kernel else ""
        filters = shape[0] if shape else 0
        return f"Conv {number} · {filters} filter{'s' * (filters != 1)}{kernel}"
    if op in DENSE_FAMILY:
        units = shape[-1] if shape else 0
        return f"Dense {number} · " + (f"{units} outputs" if units == NUM_CLASSES else f"{units} units")
    name = OPERATIONS.get(op, (op, ""))[0]
    if op in POOL_FAMILY and facts.kernel:
        return f"{name} {_size(facts.kernel)}"
    if op == "Mul" and facts.parameters == 1:
        return "Scale"
    return name


def layer_explanation(facts: LayerFacts) -> str:
    """What the layer's operation does, in one sentence (no full stop)."""
    op = facts.op
    if op in CONV_FAMILY:
        kernel = _size(facts.kernel) if facts.kernel else "small"
        return CONV_WORDS.format(filters=facts.shape[0] if facts.shape else 0, kernel=kernel)
    if op in DENSE_FAMILY:
        units = facts.shape[-1] if facts.shape else 0
        return SCORES_WORDS if units == NUM_CLASSES else DENSE_WORDS.format(units=units)
    if op == "Mul" and facts.parameters == 1:
        return TEMPERATURE_WORDS if facts.shape == (NUM_CLASSES,) else SCALE_WORDS
    if op in OPERATIONS:
        return OPERATIONS[op][1]
    return OTHER_WORDS.format(op=op)


def layer_numbers(ops: list[str]) -> list[int]:
    """Each layer's place among its kind, 1 first: convolutions and dense layers are counted
    apart ("Conv 1", "Conv 2", "Dense 1"); other layers get 0."""
    counts = {"conv": 0, "dense": 0}
    numbers = []
    for op in ops:
        family = "conv" if op in CONV_FAMILY else "dense" if op in DENSE_FAMILY else None
        if family is None:
            numbers.append(0)
            continue
        counts[family] += 1
        numbers.append(counts[family])
    return numbers


def plural(count: int, noun: str) -> str:
    """ "1 layer", "16 layers", "1,610 parameters"."""
    return f"{count:,} {noun}{'s' * (count != 1)}"
