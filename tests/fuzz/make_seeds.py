#!/usr/bin/env python3
"""Writes the fuzzer's small seed models into tests/fuzz/corpus (committed; rerun to refresh).

Seeds reach the loader's less common paths: Constant nodes of each attribute form, a
shape-computing chain, an If node with subgraphs, external data, typed (non-raw) weights.
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def save(name, graph, opset=17, ir=8):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="partplan-seeds")
    model.ir_version = ir
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(model.SerializeToString())


def main():
    os.makedirs(OUT, exist_ok=True)
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4, 8])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    # Shape chain with Constant nodes in several forms.
    nodes = [
        helper.make_node("Shape", ["x"], ["s"]),
        helper.make_node("Constant", [], ["i0"], value_int=0),
        helper.make_node("Gather", ["s", "i0"], ["b"]),
        helper.make_node("Constant", [], ["ax"], value_ints=[0]),
        helper.make_node("Unsqueeze", ["b", "ax"], ["u"]),
        helper.make_node("Constant", [], ["tail"], value=numpy_helper.from_array(np.array([-1], np.int64))),
        helper.make_node("Concat", ["u", "tail"], ["t"], axis=0),
        helper.make_node("Reshape", ["x", "t"], ["r"]),
        helper.make_node("Constant", [], ["half"], value_float=0.5),
        helper.make_node("Mul", ["r", "half"], ["y"]),
    ]
    save("shape_chain.onnx", helper.make_graph(nodes, "chain", [x], [y]))
    # Typed weights (float_data, int64_data) instead of raw_data, and a Gemm.
    w = helper.make_tensor("w", TensorProto.FLOAT, [8, 3], [0.1] * 24)
    a = helper.make_tensor_value_info("a", TensorProto.FLOAT, [2, 8])
    save("typed_weights.onnx", helper.make_graph([helper.make_node("Gemm", ["a", "w"], ["y"])], "typed", [a], [y], [w]), opset=11, ir=6)
    # If with subgraphs.
    c = helper.make_tensor_value_info("c", TensorProto.BOOL, [])
    branch = helper.make_graph([helper.make_node("Identity", ["a"], ["o"])], "b", [], [helper.make_tensor_value_info("o", TensorProto.FLOAT, [2, 8])])
    save("if_subgraph.onnx", helper.make_graph([helper.make_node("If", ["c"], ["y"], then_branch=branch, else_branch=branch)], "if", [c, a], [y]))
    # External data reference (the fuzzer's folder has no such file: must fail cleanly).
    ext = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[8, 3])
    ext.data_location = TensorProto.EXTERNAL
    for k, v in (("location", "weights.bin"), ("offset", "0"), ("length", "96")):
        entry = ext.external_data.add()
        entry.key, entry.value = k, v
    save("external_data.onnx", helper.make_graph([helper.make_node("MatMul", ["a", "w"], ["y"])], "ext", [a], [y], [ext]))


if __name__ == "__main__":
    main()
