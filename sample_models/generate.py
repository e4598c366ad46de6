#!/usr/bin/env python3
"""Generate partplan's small sample ONNX models and their reference data.

Run with a Python that has onnx, onnxruntime and numpy:

    python sample_models/generate.py [--out sample_models] [--only NAME ...]

Writes <out>/<name>.onnx and <out>/<name>/test_data_set_0/{input,output}_K.pb
(ONNX test-data layout). Everything is seeded, and models are serialised
deterministically, so re-running gives byte-identical .onnx files. Reference
outputs come from onnxruntime's CPU provider on one thread at batch 1.
Every model input and output has a symbolic leading dim named "batch".
Scalar constants are Constant nodes (not initializers), so the only float
initializers are weights: a model's parameter count is the element count of
its float initializers.
"""
import argparse
import math
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

PRODUCER = "partplan.sample_models.generate"
PRODUCER_VERSION = "1"
MAX_FILE_BYTES = 2 * 1024 * 1024


class Builder:
    """Accumulates nodes and initializers for one graph; seeded weights."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.nodes = []
        self.inits = []
        self.counts = {}

    def _uid(self, prefix):
        n = self.counts.get(prefix, 0)
        self.counts[prefix] = n + 1
        return f"{prefix}_{n}"

    def init(self, name, arr):
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name=name))
        return name

    def node(self, op, inputs, n_out=1, out=None, **attrs):
        """Adds one node; returns its output name (or list when n_out > 1)."""
        name = self._uid(op)
        if out is None:
            outs = [f"{name}_out{i}" if n_out > 1 else f"{name}_out" for i in range(n_out)]
        else:
            outs = list(out) if isinstance(out, (list, tuple)) else [out]
        self.nodes.append(helper.make_node(op, list(inputs), outs, name=name, **attrs))
        return outs if len(outs) > 1 else outs[0]

    def const(self, value, dtype=np.float32):
        """Scalar/array constant as a Constant node (not an initializer)."""
        arr = np.array(value, dtype=dtype)
        name = self._uid("const")
        self.nodes.append(helper.make_node(
            "Constant", [], [name], name=name + "_node",
            value=numpy_helper.from_array(arr, name=name)))
        return name

    # ---- weights -------------------------------------------------------
    def he(self, shape, fan_in, name):
        w = self.rng.standard_normal(shape) * math.sqrt(2.0 / fan_in)
        return self.init(name, w.astype(np.float32))

    def uniform(self, shape, bound, name):
        return self.init(name, self.rng.uniform(-bound, bound, shape).astype(np.float32))

    def small(self, shape, name, scale=0.05):
        return self.init(name, (self.rng.standard_normal(shape) * scale).astype(np.float32))

    # ---- layers ---------------------------------------------------------
    def conv(self, x, cin, cout, k, name, stride=1, pad=None, group=1, bias=True):
        pad = k // 2 if pad is None else pad
        w = self.he([cout, cin // group, k, k], cin // group * k * k, name + ".weight")
        ins = [x, w] + ([self.small([cout], name + ".bias")] if bias else [])
        return self.node("Conv", ins, kernel_shape=[k, k], strides=[stride, stride],
                         pads=[pad] * 4, group=group, dilations=[1, 1])

    def bn(self, x, c, name):
        r = self.rng
        s = self.init(name + ".scale", r.uniform(0.8, 1.2, [c]).astype(np.float32))
        b = self.small([c], name + ".bias")
        m = self.small([c], name + ".mean")
        v = self.init(name + ".var", r.uniform(0.8, 1.2, [c]).astype(np.float32))
        return self.node("BatchNormalization", [x, s, b, m, v], epsilon=1e-5, momentum=0.9)

    def gemm(self, x, k, n, name, gain=2.0):
        w = self.init(name + ".weight",
                      (self.rng.standard_normal([n, k]) * math.sqrt(gain / k)).astype(np.float32))
        b = self.small([n], name + ".bias")
        return self.node("Gemm", [x, w, b], alpha=1.0, beta=1.0, transB=1)

    def linear(self, x, k, n, name, gain=1.0):
        """MatMul + Add (torch's export of nn.Linear on 3-D input)."""
        w = self.init(name + ".weight",
                      (self.rng.standard_normal([k, n]) * math.sqrt(gain / k)).astype(np.float32))
        b = self.small([n], name + ".bias")
        return self.node("Add", [self.node("MatMul", [x, w]), b])


def vinfo(name, elem, shape):
    return helper.make_tensor_value_info(name, elem, shape)


def finish(b, name, inputs, outputs, ir, opset):
    graph = helper.make_graph(b.nodes, name, inputs, outputs, initializer=b.inits,
                              doc_string=f"partplan sample model '{name}'")
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                              ir_version=ir, producer_name=PRODUCER,
                              producer_version=PRODUCER_VERSION,
                              doc_string=f"partplan sample model '{name}' (generated, random weights)")
    model.model_version = 1
    onnx.checker.check_model(model, full_check=True)
    return model


F32 = TensorProto.FLOAT


# ---- models ---------------------------------------------------------------

def mlp():
    b = Builder(1001)
    x = b.node("Flatten", ["input"], axis=1)
    h = b.node("Relu", [b.gemm(x, 128, 256, "fc1")])
    h = b.node("Dropout", [h], ratio=0.1)
    h = b.node("Relu", [b.gemm(h, 256, 64, "fc2")])
    b.node("Sigmoid", [b.gemm(h, 64, 10, "fc3", gain=1.0)], out="output")
    return finish(b, "mlp", [vinfo("input", F32, ["batch", 128])],
                  [vinfo("output", F32, ["batch", 10])], ir=6, opset=11)


def resnet_small():
    b = Builder(1002)

    def cbr(x, cin, cout, k, name, stride=1, relu=True):
        y = b.bn(b.conv(x, cin, cout, k, name + ".conv", stride=stride, bias=False), cout, name + ".bn")
        return b.node("Relu", [y]) if relu else y

    def block(x, cin, cout, stride, name):
        y = cbr(x, cin, cout, 3, name + ".a", stride=stride)
        y = cbr(y, cout, cout, 3, name + ".b", relu=False)
        skip = x if (cin == cout and stride == 1) else cbr(x, cin, cout, 1, name + ".proj", stride=stride, relu=False)
        return b.node("Relu", [b.node("Add", [y, skip])])

    x = cbr("input", 3, 16, 3, "stem")                                   # 16x32x32
    x = b.node("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])  # 16x16x16
    x = block(x, 16, 16, 1, "stage1.0")
    x = block(x, 16, 16, 1, "stage1.1")
    x = block(x, 16, 32, 2, "stage2.0")                                  # 32x8x8, strided 1x1 projection
    x = block(x, 32, 64, 2, "stage3.0")                                  # 64x4x4
    x = block(x, 64, 64, 1, "stage3.1")
    x = b.node("Flatten", [b.node("GlobalAveragePool", [x])], axis=1)
    b.gemm(x, 64, 10, "fc", gain=1.0)
    b.nodes[-1].output[0] = "logits"
    return finish(b, "resnet_small", [vinfo("input", F32, ["batch", 3, 32, 32])],
                  [vinfo("logits", F32, ["batch", 10])], ir=8, opset=17)


def mobile_cnn():
    b = Builder(1003)
    lo, hi = b.const(0.0), b.const(6.0)   # Clip-11+: min/max are inputs

    def relu6(x):
        return b.node("Clip", [x, lo, hi])

    x = b.node("HardSwish", [b.conv("input", 3, 16, 3, "stem", stride=2)])        # 16x16x16
    # depthwise-separable block 1
    x = relu6(b.conv(x, 16, 16, 3, "dw1", group=16))
    x = relu6(b.conv(x, 16, 32, 1, "pw1"))
    # depthwise-separable block 2 (strided) with squeeze-excite
    x = b.node("HardSwish", [b.conv(x, 32, 32, 3, "dw2", stride=2, group=32)])   # 32x8x8
    s = b.node("GlobalAveragePool", [x])
    s = b.node("Relu", [b.conv(s, 32, 8, 1, "se.reduce")])
    s = b.node("HardSigmoid", [b.conv(s, 8, 32, 1, "se.expand")], alpha=1.0 / 6.0, beta=0.5)
    x = b.node("Mul", [x, s])
    x = relu6(b.conv(x, 32, 64, 1, "pw2"))
    # block 3: depthwise + pointwise with residual add
    y = relu6(b.conv(x, 64, 64, 3, "dw3", group=64))
    y = b.conv(y, 64, 64, 1, "pw3")
    x = b.node("Add", [x, y])
    x = b.node("Flatten", [b.node("GlobalAveragePool", [x])], axis=1)
    b.gemm(x, 64, 10, "classifier", gain=1.0)
    b.nodes[-1].output[0] = "logits"
    return finish(b, "mobile_cnn", [vinfo("input", F32, ["batch", 3, 32, 32])],
                  [vinfo("logits", F32, ["batch", 10])], ir=7, opset=14)


def inception():
    b = Builder(1004)

    def cr(x, cin, cout, k, name):
        return b.node("Relu", [b.conv(x, cin, cout, k, name)])

    def block(x, cin, c1, c3r, c3, c5r, c5, cp, name):
        b1 = cr(x, cin, c1, 1, name + ".b1")
        b2 = cr(cr(x, cin, c3r, 1, name + ".b2r"), c3r, c3, 3, name + ".b2")
        b3 = cr(cr(x, cin, c5r, 1, name + ".b3r"), c5r, c5, 5, name + ".b3")
        p = b.node("AveragePool", [x], kernel_shape=[3, 3], strides=[1, 1], pads=[1, 1, 1, 1],
                   count_include_pad=0)
        b4 = cr(p, cin, cp, 1, name + ".b4")
        return b.node("Concat", [b1, b2, b3, b4], axis=1), c1 + c3 + c5 + cp

    x = cr("input", 3, 32, 3, "stem")                                            # 32x32x32
    x, c = block(x, 32, 16, 16, 24, 8, 8, 8, "mixed1")                           # 56x32x32
    x = b.node("MaxPool", [x], kernel_shape=[2, 2], strides=[2, 2])              # 56x16x16
    x, c = block(x, c, 32, 24, 48, 8, 16, 16, "mixed2")                          # 112x16x16
    x = b.node("Flatten", [b.node("GlobalAveragePool", [x])], axis=1)
    b.gemm(x, c, 10, "fc", gain=1.0)
    b.nodes[-1].output[0] = "logits"
    return finish(b, "inception", [vinfo("input", F32, ["batch", 3, 32, 32])],
                  [vinfo("logits", F32, ["batch", 10])], ir=8, opset=17)


def lstm_seq():
    b = Builder(1005)
    seq, feat, h1, h2, ncls = 16, 32, 48, 32, 10
    x = b.node("Transpose", ["input"], perm=[1, 0, 2])                           # [seq,batch,32]
    k1 = 1.0 / math.sqrt(h1)
    w1 = b.uniform([1, 4 * h1, feat], k1, "lstm1.W")
    r1 = b.uniform([1, 4 * h1, h1], k1, "lstm1.R")
    bb1 = b.uniform([1, 8 * h1], k1, "lstm1.B")
    y1 = b.node("LSTM", [x, w1, r1, bb1], hidden_size=h1, direction="forward")   # [seq,1,batch,48]
    y1 = b.node("Squeeze", [y1, b.init("squeeze_axes", np.array([1], np.int64))])  # axes input (opset 13)
    k2 = 1.0 / math.sqrt(h2)
    w2 = b.uniform([2, 4 * h2, h1], k2, "lstm2.W")
    r2 = b.uniform([2, 4 * h2, h2], k2, "lstm2.R")
    bb2 = b.uniform([2, 8 * h2], k2, "lstm2.B")
    y2, _, _ = b.node("LSTM", [y1, w2, r2, bb2, ""], n_out=3, hidden_size=h2,
                      direction="bidirectional")                                 # [seq,2,batch,32]
    y2 = b.node("Transpose", [y2], perm=[2, 0, 1, 3])                            # [batch,seq,2,32]
    y2 = b.node("Reshape", [y2, b.init("reshape_shape", np.array([0, 0, 2 * h2], np.int64))])
    b.linear(y2, 2 * h2, ncls, "head")
    b.nodes[-1].output[0] = "output"
    return finish(b, "lstm_seq", [vinfo("input", F32, ["batch", seq, feat])],
                  [vinfo("output", F32, ["batch", seq, ncls])], ir=7, opset=13)


def gru_seq():
    b = Builder(1006)
    feat, hid = 24, 40
    x = b.node("Transpose", ["input"], perm=[1, 0, 2])                           # [12,batch,24]
    k = 1.0 / math.sqrt(hid)
    w = b.uniform([1, 3 * hid, feat], k, "gru.W")
    r = b.uniform([1, 3 * hid, hid], k, "gru.R")
    bb = b.uniform([1, 6 * hid], k, "gru.B")
    name = b._uid("GRU")
    b.nodes.append(helper.make_node("GRU", [x, w, r, bb], ["", "gru_h"], name=name,
                                    hidden_size=hid, linear_before_reset=1))    # Y omitted
    h = b.node("Squeeze", ["gru_h", b.const([0], np.int64)])                      # [batch,40]
    h = b.node("Relu", [b.gemm(h, hid, 16, "head1")])
    h = b.gemm(h, 16, 5, "head2", gain=1.0)
    b.node("Softmax", [h], axis=-1, out="probs")
    return finish(b, "gru_seq", [vinfo("input", F32, ["batch", 12, feat])],
                  [vinfo("probs", F32, ["batch", 5])], ir=10, opset=21)


def transformer_encoder():
    b = Builder(1007)
    vocab, seq, d, heads, ff = 100, 16, 64, 4, 128
    dh = d // heads
    emb = b.init("embed.weight", (b.rng.standard_normal([vocab, d]) * 0.5).astype(np.float32))
    pos = b.init("pos.weight", (b.rng.standard_normal([seq, d]) * 0.1).astype(np.float32))
    x = b.node("Add", [b.node("Gather", [emb, "tokens"], axis=0), pos])         # [batch,16,64]
    c_heads = b.init("c_heads", np.array([heads], np.int64))
    c_dh = b.init("c_head_dim", np.array([dh], np.int64))
    c_d = b.init("c_d_model", np.array([d], np.int64))
    idx0, idx1 = b.const(0, np.int64), b.const(1, np.int64)
    ax0 = b.init("c_axes0", np.array([0], np.int64))
    scale = b.const(math.sqrt(dh))
    sqrt2, half, one = b.const(math.sqrt(2.0)), b.const(0.5), b.const(1.0)

    def layer_norm(x, name):
        s = b.init(name + ".scale", b.rng.uniform(0.9, 1.1, [d]).astype(np.float32))
        return b.node("LayerNormalization", [x, s, b.small([d], name + ".bias")], axis=-1, epsilon=1e-5)

    for i in range(2):
        p = f"layer{i}"
        # shape subgraph, as torch exports it: Shape -> Gather -> Unsqueeze -> Concat
        shp = b.node("Shape", [x])
        bs = b.node("Unsqueeze", [b.node("Gather", [shp, idx0], axis=0), ax0])
        sl = b.node("Unsqueeze", [b.node("Gather", [shp, idx1], axis=0), ax0])
        split_shape = b.node("Concat", [bs, sl, c_heads, c_dh], axis=0)        # [batch,16,4,16]
        merge_shape = b.node("Concat", [bs, sl, c_d], axis=0)                  # [batch,16,64]

        def heads_of(t, perm):
            return b.node("Transpose", [b.node("Reshape", [t, split_shape])], perm=perm)

        q = heads_of(b.linear(x, d, d, p + ".q"), [0, 2, 1, 3])                  # [b,h,s,dh]
        kT = heads_of(b.linear(x, d, d, p + ".k"), [0, 2, 3, 1])                 # [b,h,dh,s]
        v = heads_of(b.linear(x, d, d, p + ".v"), [0, 2, 1, 3])                  # [b,h,s,dh]
        att = b.node("Softmax", [b.node("Div", [b.node("MatMul", [q, kT]), scale])], axis=-1)
        ctx = b.node("Transpose", [b.node("MatMul", [att, v])], perm=[0, 2, 1, 3])
        ctx = b.node("Reshape", [ctx, merge_shape])
        x = layer_norm(b.node("Add", [x, b.linear(ctx, d, d, p + ".out")]), p + ".ln1")
        h = b.linear(x, d, ff, p + ".ff1", gain=2.0)
        gelu = b.node("Mul", [b.node("Mul", [h, b.node("Add", [b.node("Erf", [b.node("Div", [h, sqrt2])]), one])]), half])
        h = b.linear(gelu, ff, d, p + ".ff2")
        x = layer_norm(b.node("Add", [x, h]), p + ".ln2")
    b.nodes[-1].output[0] = "hidden"
    b.node("ReduceMean", ["hidden"], axes=[1], keepdims=0, out="pooled")        # axes attribute (opset < 18)
    return finish(b, "transformer_encoder", [vinfo("tokens", TensorProto.INT64, ["batch", seq])],
                  [vinfo("hidden", F32, ["batch", seq, d]), vinfo("pooled", F32, ["batch", d])],
                  ir=8, opset=17)


def cnn_lstm():
    """Two branches meant for two devices: a small CNN over an image and an LSTM over a
    sequence, joined by a classifier (the issue's CNN + LSTM replay model)."""
    b = Builder(1008)

    def cr(x, cin, cout, k, name, stride=1):
        return b.node("Relu", [b.conv(x, cin, cout, k, name, stride=stride)])

    x = cr("image", 3, 32, 3, "conv1")                                           # 32x32x32
    x = cr(x, 32, 64, 3, "conv2", stride=2)                                      # 64x16x16
    x = cr(x, 64, 64, 3, "conv3", stride=2)                                      # 64x8x8
    image_features = b.node("Flatten", [b.node("GlobalAveragePool", [x])], axis=1)  # [batch,64]
    seq, feat, hidden = 16, 32, 64
    s = b.node("Transpose", ["sequence"], perm=[1, 0, 2])                        # [seq,batch,32]
    k = 1.0 / math.sqrt(hidden)
    w = b.uniform([1, 4 * hidden, feat], k, "lstm.W")
    r = b.uniform([1, 4 * hidden, hidden], k, "lstm.R")
    bias = b.uniform([1, 8 * hidden], k, "lstm.B")
    _, last, _ = b.node("LSTM", [s, w, r, bias, ""], n_out=3, hidden_size=hidden, direction="forward")  # Y_h [1,batch,64]
    sequence_features = b.node("Squeeze", [last, b.init("squeeze_axes", np.array([0], np.int64))])   # [batch,64]
    joined = b.node("Concat", [image_features, sequence_features], axis=1)      # [batch,128]
    hidden_layer = b.node("Relu", [b.gemm(joined, 128, 64, "fc1")])
    b.gemm(hidden_layer, 64, 10, "fc2", gain=1.0)
    b.nodes[-1].output[0] = "logits"
    return finish(b, "cnn_lstm", [vinfo("image", F32, ["batch", 3, 32, 32]), vinfo("sequence", F32, ["batch", seq, feat])],
                  [vinfo("logits", F32, ["batch", 10])], ir=8, opset=17)


MODELS = {
    "mlp": mlp,
    "resnet_small": resnet_small,
    "mobile_cnn": mobile_cnn,
    "inception": inception,
    "lstm_seq": lstm_seq,
    "gru_seq": gru_seq,
    "transformer_encoder": transformer_encoder,
    "cnn_lstm": cnn_lstm,
}


# ---- reference data ----------------------------------------------------------

def make_inputs(model, seed):
    rng = np.random.default_rng(seed)
    feeds = {}
    init_names = {t.name for t in model.graph.initializer}
    for vi in model.graph.input:
        if vi.name in init_names:
            continue
        tt = vi.type.tensor_type
        shape = [d.dim_value if d.HasField("dim_value") else 1 for d in tt.shape.dim]  # batch 1
        if tt.elem_type == TensorProto.INT64:
            feeds[vi.name] = rng.integers(0, 100, shape).astype(np.int64)
        else:
            feeds[vi.name] = rng.standard_normal(shape).astype(np.float32)
    return feeds


def run_ort(model_bytes, feeds):
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(model_bytes, so, providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    return names, sess.run(names, feeds)


def write_bytes(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--only", nargs="*", choices=sorted(MODELS), help="generate only these models")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    ok = True
    for i, (name, fn) in enumerate(MODELS.items()):
        if args.only and name not in args.only:
            continue
        model = fn()
        data = model.SerializeToString(deterministic=True)
        path = os.path.join(args.out, name + ".onnx")
        write_bytes(path, data)
        feeds = make_inputs(model, 2000 + i)
        out_names, outs = run_ort(data, feeds)
        ddir = os.path.join(args.out, name, "test_data_set_0")
        os.makedirs(ddir, exist_ok=True)
        for k, vi in enumerate(vi for vi in model.graph.input if vi.name in feeds):
            write_bytes(os.path.join(ddir, f"input_{k}.pb"),
                        numpy_helper.from_array(feeds[vi.name], name=vi.name).SerializeToString())
        for k, (oname, arr) in enumerate(zip(out_names, outs)):
            if not np.all(np.isfinite(arr)):
                print(f"error: {name}: output {oname} is not finite", file=sys.stderr)
                ok = False
            write_bytes(os.path.join(ddir, f"output_{k}.pb"),
                        numpy_helper.from_array(arr, name=oname).SerializeToString())
        size = len(data)
        if size >= MAX_FILE_BYTES:
            print(f"error: {name}: {size} bytes >= 2 MB", file=sys.stderr)
            ok = False
        ops = sorted({n.op_type for n in model.graph.node})
        nparams = sum(int(np.prod(t.dims)) for t in model.graph.initializer
                      if t.data_type in (TensorProto.FLOAT, TensorProto.FLOAT16, TensorProto.BFLOAT16,
                                         TensorProto.DOUBLE))
        print(f"{path}: {size} bytes, ir {model.ir_version}, opset {model.opset_import[0].version}, "
              f"{len(model.graph.node)} nodes, {nparams} params, "
              f"outputs " + ", ".join(f"{n}{list(a.shape)} |max|={np.abs(a).max():.3g}"
                                      for n, a in zip(out_names, outs)))
        print(f"  ops: {' '.join(ops)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
