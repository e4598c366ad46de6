#!/usr/bin/env python3
"""Pre- and post-processing graphs for the sample models (`partplan ... --pre/--post`), with
reference data for the composition computed by onnxruntime.

    python sample_models/generate_processing.py [--out sample_models/processing]

preprocess.onnx (opset 17): `image` uint8 [batch,40,40,3] (HWC, as decoded) -> Cast to float
-> Transpose to NCHW -> Resize (linear, 0.8x: 40 -> 32) -> subtract the per-channel mean,
multiply by 1/std -> `input` [batch,3,32,32] (resnet_small's, mobile_cnn's and inception's
input). postprocess.onnx (opset 17): `logits` [batch,10] (resnet_small's output) -> Softmax
-> TopK 3 -> `scores` [batch,3] and `classes` int64 [batch,3].

resnet_small_e2e/test_data_set_0: a random image and what onnxruntime computes for
preprocess -> resnet_small -> postprocess merged into one model (onnx.compose), the reference
`partplan run sample_models/resnet_small.onnx --pre ... --post ...` is checked against.
"""
import argparse
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from generate import Builder, finish, run_ort, vinfo, write_bytes  # noqa: E402

OPSET, IR = 17, 8


def preprocess():
    b = Builder(3001)
    x = b.node("Cast", ["image"], to=TensorProto.FLOAT)
    x = b.node("Transpose", [x], perm=[0, 3, 1, 2])
    scales = b.init("resize.scales", np.array([1.0, 1.0, 0.8, 0.8], dtype=np.float32))
    x = b.node("Resize", [x, "", scales], mode="linear", coordinate_transformation_mode="half_pixel")
    mean = b.init("normalize.mean", np.array([123.7, 116.3, 103.5], dtype=np.float32).reshape(1, 3, 1, 1))
    inv_std = b.init("normalize.inv_std", (1.0 / np.array([58.4, 57.1, 57.4], dtype=np.float32)).reshape(1, 3, 1, 1))
    b.node("Mul", [b.node("Sub", [x, mean]), inv_std], out="input")
    return finish(b, "preprocess", [vinfo("image", TensorProto.UINT8, ["batch", 40, 40, 3])],
                  [vinfo("input", TensorProto.FLOAT, ["batch", 3, 32, 32])], ir=IR, opset=OPSET)


def postprocess():
    b = Builder(3002)
    p = b.node("Softmax", ["logits"], axis=-1)
    k = b.init("topk.k", np.array([3], dtype=np.int64))
    b.node("TopK", [p, k], n_out=2, out=["scores", "classes"], axis=-1, largest=1, sorted=1)
    return finish(b, "postprocess", [vinfo("logits", TensorProto.FLOAT, ["batch", 10])],
                  [vinfo("scores", TensorProto.FLOAT, ["batch", 3]), vinfo("classes", TensorProto.INT64, ["batch", 3])],
                  ir=IR, opset=OPSET)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(here, "processing"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    pre, post = preprocess(), postprocess()
    for name, model in (("preprocess", pre), ("postprocess", post)):
        write_bytes(os.path.join(args.out, name + ".onnx"), model.SerializeToString(deterministic=True))
        print(f"{name}.onnx: {len(model.graph.node)} nodes: {' '.join(n.op_type for n in model.graph.node)}")

    # The reference: the three merged into one model, run by onnxruntime at batch 2.
    net = onnx.load(os.path.join(here, "resnet_small.onnx"))
    merged = onnx.compose.merge_models(pre, net, io_map=[("input", "input")], prefix1="pre/", prefix2="")
    merged = onnx.compose.merge_models(merged, post, io_map=[("logits", "logits")], prefix1="", prefix2="post/")
    image = np.random.default_rng(4001).integers(0, 256, [2, 40, 40, 3]).astype(np.uint8)
    names, outs = run_ort(merged.SerializeToString(), {"pre/image": image})
    ddir = os.path.join(args.out, "resnet_small_e2e", "test_data_set_0")
    os.makedirs(ddir, exist_ok=True)
    write_bytes(os.path.join(ddir, "input_0.pb"), numpy_helper.from_array(image, name="image").SerializeToString())
    for k, (name, arr) in enumerate(zip(names, outs)):
        write_bytes(os.path.join(ddir, f"output_{k}.pb"), numpy_helper.from_array(arr, name=name.removeprefix("post/")).SerializeToString())
        print(f"reference {name.removeprefix('post/')}: {arr.shape} {arr.dtype}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
