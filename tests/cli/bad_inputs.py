#!/usr/bin/env python3
"""Bad-input tests for `partplan inspect MODEL [--json OUT]`.

Usage: python tests/cli/bad_inputs.py PARTPLAN_BINARY

Every fixture is built here, in a temp dir, with onnx.helper. For each case the binary is run
with a 10 s timeout (a hang is a failure) and checked for:
  * the documented exit code: 0 ok, 2 usage, 3 file, 4 model, 5 shape (ir/error.h);
  * stderr is exactly one line, starts with "partplan:", and names the model file (file, model
    and shape errors) plus the case's own expected substrings (flag names, node names, ...);
  * no crash: exit code < 128 and no sanitizer / terminate / segfault text;
  * on failure, no output: the --json OUT file does not exist and no ".OUT.tmp.*" is left
    beside it. On success (exit 0) the case's own check inspects stdout and the JSON.
Prints `ok   NAME` or `FAIL NAME: why` per case, then `N passed, M failed`; exits 1 on failure.
BAD_INPUTS_VERBOSE=1 also prints each error case's stderr line, to review the messages.
"""
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

USAGE, FILE, MODEL, SHAPE = 2, 3, 4, 5
TIMEOUT_S = 10
CRASH_WORDS = ("Sanitizer", "terminate", "Segmentation", "Aborted", "core dumped", "internal error")
BIG = 2**62  # times 8 overflows int64
MEMORY_LIMIT = 4 << 30  # address-space cap per run, so a runaway allocation fails fast instead of eating the machine

# ----------------------------------------------------------------------------- model helpers


def vi(name, shape, dtype=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, dtype, shape)


def make(nodes, inputs, outputs, inits=(), opset=17, ir=8, extra_opsets=(), sparse=()):
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(inits), sparse_initializer=list(sparse))
    opsets = ([helper.make_opsetid("", opset)] if opset is not None else []) + [helper.make_opsetid(d, v) for d, v in extra_opsets]
    m = helper.make_model(graph, opset_imports=opsets)
    m.ir_version = ir  # set after make_model: helper would not accept every value we want
    return m


def save(m, d, name="model.onnx"):
    """Writes the proto as-is (no checker: most fixtures are invalid on purpose)."""
    path = os.path.join(d, name)
    with open(path, "wb") as f:
        f.write(m.SerializeToString())
    return path


def i64(name, values):
    return numpy_helper.from_array(np.array(values, dtype=np.int64), name)


def relu_model(shape=(2, 3), **kw):
    return make([helper.make_node("Relu", ["x"], ["y"], name="relu")], [vi("x", list(shape))], [vi("y", None)], **kw)


def external_tensor(name, dims, location, offset=None, length=None):
    t = TensorProto()
    t.name = name
    t.data_type = TensorProto.FLOAT
    t.dims.extend(dims)
    t.data_location = TensorProto.EXTERNAL
    for key, value in (("location", location), ("offset", offset), ("length", length)):
        if value is not None:
            entry = t.external_data.add()
            entry.key, entry.value = key, str(value)
    return t


def external_model(location, **kw):
    """y = x + w, w (4 floats = 16 bytes) stored externally at `location`."""
    return make([helper.make_node("Add", ["x", "w"], ["y"], name="add")], [vi("x", [4])], [vi("y", None)],
                inits=[external_tensor("w", [4], location, **kw)])


def write_bytes(path, n):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(bytes(range(256)) * (n // 256) + bytes(range(n % 256)))
    return path


# ----------------------------------------------------------------------------- fixture builders
# Each takes the case's own folder and returns the model path (or None where no model applies).


def fx_valid(d):
    return save(relu_model(), d, "valid.onnx")


def fx_symbolic(d):
    return save(relu_model(("N", 3)), d, "symbolic.onnx")


def fx_missing(d):
    return os.path.join(d, "does_not_exist.onnx")


def fx_directory(d):
    path = os.path.join(d, "dir_model.onnx")
    os.mkdir(path)
    return path


def fx_empty(d):
    path = os.path.join(d, "empty.onnx")
    open(path, "wb").close()
    return path


def fx_random(d):
    path = os.path.join(d, "random.onnx")
    with open(path, "wb") as f:
        f.write(np.random.default_rng(1234).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    return path


def fx_truncated(d):
    w = numpy_helper.from_array(np.ones(1000, dtype=np.float32), "w")
    m = make([helper.make_node("Add", ["x", "w"], ["y"], name="add")], [vi("x", [1000])], [vi("y", None)], inits=[w])
    data = m.SerializeToString()
    path = os.path.join(d, "truncated.onnx")
    with open(path, "wb") as f:
        f.write(data[: len(data) // 2])  # cut inside the initializer's raw data
    return path


def fx_ext_dotdot(d):
    write_bytes(os.path.join(d, "x.bin"), 16)  # exists: the refusal must come from the path alone
    sub = os.path.join(d, "m")
    os.mkdir(sub)
    return save(external_model("../x.bin"), sub, "ext_dotdot.onnx")


def fx_ext_absolute(d):
    target = write_bytes(os.path.join(d, "outside", "x.bin"), 16)
    sub = os.path.join(d, "m")
    os.mkdir(sub)
    return save(external_model(os.path.abspath(target)), sub, "ext_abs.onnx")


def fx_ext_symlink_file(d):
    target = write_bytes(os.path.join(d, "outside", "x.bin"), 16)
    sub = os.path.join(d, "m")
    os.mkdir(sub)
    os.symlink(os.path.abspath(target), os.path.join(sub, "link.bin"))
    return save(external_model("link.bin"), sub, "ext_symlink.onnx")


def fx_ext_symlink_dir(d):
    write_bytes(os.path.join(d, "outside", "x.bin"), 16)
    sub = os.path.join(d, "m")
    os.mkdir(sub)
    os.symlink(os.path.abspath(os.path.join(d, "outside")), os.path.join(sub, "data"))
    return save(external_model("data/x.bin"), sub, "ext_symlink_dir.onnx")


def fx_ext_missing(d):
    return save(external_model("nothere.bin"), d, "ext_missing.onnx")


def fx_ext_short(d):
    write_bytes(os.path.join(d, "short.bin"), 10)  # needs 16
    return save(external_model("short.bin"), d, "ext_short.onnx")


def fx_ext_offset_past_end(d):
    write_bytes(os.path.join(d, "w.bin"), 16)
    return save(external_model("w.bin", offset=8), d, "ext_offset.onnx")  # 8 bytes left, needs 16


def fx_ext_dir_as_file(d):
    os.mkdir(os.path.join(d, "w.bin"))
    return save(external_model("w.bin"), d, "ext_dir.onnx")


def fx_ext_length_mismatch(d):
    write_bytes(os.path.join(d, "w.bin"), 16)
    return save(external_model("w.bin", length=8), d, "ext_length.onnx")  # the tensor needs 16


def fx_ext_offset_not_number(d):
    write_bytes(os.path.join(d, "w.bin"), 16)
    return save(external_model("w.bin", offset="zero"), d, "ext_offset_nan.onnx")


def fx_ext_no_location(d):
    m = external_model("w.bin")
    del m.graph.initializer[0].external_data[:]
    return save(m, d, "ext_no_location.onnx")


def fx_json_target_is_dir(d):
    os.mkdir(os.path.join(d, "out_dir"))
    return fx_valid(d)


def fx_ir(version):
    return lambda d: save(relu_model(ir=version), d, f"ir{version}.onnx")


def fx_opset(version):
    return lambda d: save(relu_model(opset=version), d, f"opset{version}.onnx")


def fx_no_default_opset(d):
    return save(relu_model(opset=None, extra_opsets=[("com.example", 1)]), d, "no_opset.onnx")


def fx_no_graph(d):
    m = onnx.ModelProto()
    m.ir_version = 8
    m.opset_import.add().version = 17
    return save(m, d, "no_graph.onnx")


def fx_cycle(d):
    nodes = [helper.make_node("Add", ["x", "b"], ["a"], name="cyc_add"),
             helper.make_node("Relu", ["a"], ["b"], name="cyc_relu")]
    return save(make(nodes, [vi("x", [2])], [vi("b", None)]), d, "cycle.onnx")


def fx_self_loop(d):
    nodes = [helper.make_node("Add", ["x", "a"], ["a"], name="self_add")]
    return save(make(nodes, [vi("x", [2])], [vi("a", None)]), d, "self_loop.onnx")


def fx_dangling(d):
    nodes = [helper.make_node("Add", ["x", "ghost"], ["y"], name="dangle_add")]
    return save(make(nodes, [vi("x", [2])], [vi("y", None)]), d, "dangling.onnx")


def fx_two_producers(d):
    nodes = [helper.make_node("Relu", ["x"], ["y"], name="first"), helper.make_node("Sigmoid", ["x"], ["y"], name="second")]
    return save(make(nodes, [vi("x", [2])], [vi("y", None)]), d, "two_producers.onnx")


def fx_output_shadows_input(d):
    nodes = [helper.make_node("Relu", ["x"], ["x"], name="shadow")]
    return save(make(nodes, [vi("x", [2])], [vi("x", None)]), d, "shadow_input.onnx")


def fx_output_shadows_init(d):
    nodes = [helper.make_node("Relu", ["x"], ["w"], name="shadow_w")]
    w = numpy_helper.from_array(np.ones(2, dtype=np.float32), "w")
    return save(make(nodes, [vi("x", [2])], [vi("w", None)], inits=[w]), d, "shadow_init.onnx")


def fx_dup_initializer(d):
    w1 = numpy_helper.from_array(np.ones(2, dtype=np.float32), "w")
    w2 = numpy_helper.from_array(np.zeros(2, dtype=np.float32), "w")
    nodes = [helper.make_node("Add", ["x", "w"], ["y"], name="add")]
    return save(make(nodes, [vi("x", [2])], [vi("y", None)], inits=[w1, w2]), d, "dup_init.onnx")


def fx_dup_graph_input(d):
    nodes = [helper.make_node("Add", ["x", "x"], ["y"], name="add")]
    return save(make(nodes, [vi("x", [2]), vi("x", [2])], [vi("y", None)]), d, "dup_input.onnx")


def fx_dup_node_name(d):
    nodes = [helper.make_node("Relu", ["x"], ["a"], name="twin"), helper.make_node("Relu", ["a"], ["y"], name="twin")]
    return save(make(nodes, [vi("x", [2])], [vi("y", None)]), d, "dup_node.onnx")


def fx_dangling_output(d):
    return save(make([helper.make_node("Relu", ["x"], ["y"], name="relu")], [vi("x", [2])], [vi("y", None), vi("nobody", None)]),
                d, "dangling_output.onnx")


def fx_sequence_input(d):
    seq = helper.make_tensor_sequence_value_info("s", TensorProto.FLOAT, [2])
    nodes = [helper.make_node("Relu", ["x"], ["y"], name="relu")]
    return save(make(nodes, [vi("x", [2]), seq], [vi("y", None)]), d, "seq_input.onnx")


def fx_raw_size_mismatch(d):
    w = numpy_helper.from_array(np.ones(3, dtype=np.float32), "w")
    w.dims[:] = [4]  # 12 bytes of data, shape says 16
    nodes = [helper.make_node("Add", ["x", "w"], ["y"], name="add")]
    return save(make(nodes, [vi("x", [4])], [vi("y", None)], inits=[w]), d, "raw_mismatch.onnx")


def fx_sparse_init(d):
    values = numpy_helper.from_array(np.ones(1, dtype=np.float32), "sp")
    indices = i64("sp_idx", [0])
    sparse = helper.make_sparse_tensor(values, indices, [4])
    nodes = [helper.make_node("Relu", ["x"], ["y"], name="relu")]
    return save(make(nodes, [vi("x", [4])], [vi("y", None)], sparse=[sparse]), d, "sparse.onnx")


def fx_unbound_second_dim(d):
    return save(relu_model(("N", "M")), d, "two_syms.onnx")


def fx_no_declared_shape(d):
    return save(make([helper.make_node("Relu", ["x"], ["y"], name="relu")], [vi("x", None)], [vi("y", None)]), d, "no_shape.onnx")


def fx_constant_of_shape_overflow(d):
    nodes = [helper.make_node("ConstantOfShape", ["s"], ["y"], name="cos_big")]
    return save(make(nodes, [], [vi("y", None)], inits=[i64("s", [BIG, 8])]), d, "cos_overflow.onnx")


def fx_constant_of_shape_input_overflow(d):
    # The shape arrives through a graph input (x) + Shape; the big dim only comes from --shape.
    nodes = [helper.make_node("Shape", ["x"], ["s"], name="shape_of_x"),
             helper.make_node("ConstantOfShape", ["s"], ["y"], name="cos_from_x")]
    return save(make(nodes, [vi("x", ["N", 4])], [vi("y", None)]), d, "cos_input.onnx")


def fx_reshape_overflow(d):
    nodes = [helper.make_node("Reshape", ["x", "s"], ["y"], name="reshape_big")]
    return save(make(nodes, [vi("x", [2, 3])], [vi("y", None)], inits=[i64("s", [BIG, 8])]), d, "reshape_overflow.onnx")


def fx_expand_overflow(d):
    nodes = [helper.make_node("Expand", ["x", "s"], ["y"], name="expand_big")]
    return save(make(nodes, [vi("x", [1, 1])], [vi("y", None)], inits=[i64("s", [BIG, 8])]), d, "expand_overflow.onnx")


def fx_init_dims_overflow(d):
    t = TensorProto()
    t.name, t.data_type = "w", TensorProto.FLOAT
    t.dims.extend([BIG, 8])
    nodes = [helper.make_node("Add", ["x", "w"], ["y"], name="add")]
    return save(make(nodes, [vi("x", [1])], [vi("y", None)], inits=[t]), d, "init_overflow.onnx")


def fx_symbolic_n4(d):
    return save(relu_model(("N", 4)), d, "sym_n4.onnx")


def fx_big_input(d):
    return save(relu_model((1000, 1000)), d, "big_input.onnx")  # 4 MB of float32


def fx_big_intermediate(d):
    nodes = [helper.make_node("Expand", ["x", "s"], ["y"], name="expand_4mb")]
    return save(make(nodes, [vi("x", [1, 1])], [vi("y", None)], inits=[i64("s", [1000, 1000])]), d, "big_mid.onnx")


def fx_split_huge_num_outputs(d):
    # num_outputs = 2**40 with one output: must be refused, not looped over.
    nodes = [helper.make_node("Split", ["x"], ["y"], name="split_huge", axis=0, num_outputs=2**40)]
    return save(make(nodes, [vi("x", [4])], [vi("y", None)], opset=18), d, "split_huge.onnx")


def fx_concat_dim_overflow(d):
    # Zero-element inputs may carry huge dims; 4 x 2**62 along the axis wraps to 0 in int64.
    nodes = [helper.make_node("Concat", ["a", "a", "a", "a"], ["y"], name="concat_wrap", axis=1)]
    return save(make(nodes, [vi("a", [0, BIG])], [vi("y", None)]), d, "concat_wrap.onnx")


def fx_pool_kernel(k):
    def build(d):
        nodes = [helper.make_node("MaxPool", ["x"], ["y"], name="pool_bad_kernel", kernel_shape=[k])]
        return save(make(nodes, [vi("x", [1, 1, 4])], [vi("y", None)]), d, f"pool_k{k}.onnx")
    return build


def fx_matmul_mismatch(d):
    nodes = [helper.make_node("MatMul", ["a", "b"], ["y"], name="mm_bad")]
    return save(make(nodes, [vi("a", [2, 3]), vi("b", [4, 5])], [vi("y", None)]), d, "matmul.onnx")


def fx_add_mismatch(d):
    nodes = [helper.make_node("Add", ["a", "b"], ["y"], name="add_bad")]
    return save(make(nodes, [vi("a", [2, 3]), vi("b", [4, 5])], [vi("y", None)]), d, "add.onnx")


def fx_negative_input_dim(d):
    return save(relu_model((-3, 2)), d, "neg_dim.onnx")


def fx_custom_op(d):
    nodes = [helper.make_node("MyCustomOp", ["x"], ["c"], name="my_custom", domain="com.example"),
             helper.make_node("Relu", ["c"], ["y"], name="after_custom")]
    return save(make(nodes, [vi("x", [2, 3])], [vi("y", None)], extra_opsets=[("com.example", 1)]), d, "custom.onnx")


def fx_if(d):
    def branch(name, value):
        const = helper.make_node("Constant", [], [name], name=name + "_const",
                                 value=numpy_helper.from_array(np.array([value], dtype=np.float32)))
        return helper.make_graph([const], name, [], [vi(name, [1])])

    nodes = [helper.make_node("If", ["cond"], ["y"], name="my_if", then_branch=branch("t", 1.0), else_branch=branch("e", 0.0))]
    return save(make(nodes, [vi("cond", [], TensorProto.BOOL)], [vi("y", None)]), d, "if.onnx")


def mlp_model():
    """y = x @ w + b: 4*3 + 3 = 15 parameters."""
    w = numpy_helper.from_array(np.arange(12, dtype=np.float32).reshape(4, 3), "w")
    b = numpy_helper.from_array(np.ones(3, dtype=np.float32), "b")
    nodes = [helper.make_node("MatMul", ["x", "w"], ["h"], name="mm"), helper.make_node("Add", ["h", "b"], ["y"], name="bias")]
    return make(nodes, [vi("x", [1, 4])], [vi("y", None)], inits=[w, b])


def fx_external_ok(d):
    path = os.path.join(d, "ext_ok.onnx")
    onnx.save_model(mlp_model(), path, save_as_external_data=True, all_tensors_to_one_file=True, location="weights.bin",
                    size_threshold=0)
    assert os.path.getsize(os.path.join(d, "weights.bin")) == 15 * 4
    return path


def fx_external_subdir_ok(d):
    path = os.path.join(d, "ext_sub_ok.onnx")
    os.mkdir(os.path.join(d, "data"))
    onnx.save_model(mlp_model(), path, save_as_external_data=True, all_tensors_to_one_file=True, location="data/weights.bin",
                    size_threshold=0)
    return path


# ----------------------------------------------------------------------------- success checks
# Each gets (stdout, json document or None) and returns None when fine, else why not.


def listed_unsupported(node, op_type):
    def check(stdout, doc):
        lines = stdout.splitlines()
        start = next((i for i, line in enumerate(lines) if line.startswith("unsupported")), None)
        if start is None:
            return "table has no 'unsupported' section"
        if not any(line.strip().startswith(node + ":") for line in lines[start + 1:]):
            return f"table's unsupported section does not list node '{node}'"
        entries = doc.get("unsupported", []) if doc else []
        if not any(e.get("name") == node and e.get("op_type") == op_type for e in entries):
            return f"json 'unsupported' lacks {node} ({op_type}): {entries}"
        return None
    return check


def param_count(expected):
    def check(stdout, doc):
        got = doc["totals"]["param_count"] if doc else None
        return None if got == expected else f"param_count {got}, want {expected}"
    return check


# ----------------------------------------------------------------------------- the cases
# (name, fixture, args, expected exit code, substrings stderr must contain | success check)
# args: "{model}" is the fixture's path, "{model_name}" its basename, "{dir}" the case's folder,
# which is also the working directory the binary runs in. Every case also gets `--json OUT` appended (OUT in an
# empty folder of its own) unless args already hold a --json. Error cases must name the model
# file's basename too (file, model and shape errors) unless listed in NO_MODEL_NAME.
M = "{model}"
CASES = [
    # usage: 2
    ("usage_unknown_flag", fx_valid, [M, "--bogus"], USAGE, ["--bogus"]),
    ("usage_no_model_arg", None, [], USAGE, ["model"]),
    ("usage_shape_no_such_input", fx_valid, [M, "--shape", "nope:2x3"], USAGE, ["--shape", "nope", "x"]),
    ("usage_shape_malformed_dims", fx_valid, [M, "--shape", "x:1xa"], USAGE, ["--shape", "1xa"]),
    ("usage_shape_no_colon", fx_valid, [M, "--shape", "2x3"], USAGE, ["--shape"]),
    ("usage_shape_empty_name", fx_valid, [M, "--shape", ":2x3"], USAGE, ["--shape"]),
    ("usage_shape_negative_dim", fx_symbolic, [M, "--shape", "x:-1x3"], USAGE, ["--shape"]),
    ("usage_shape_trailing_x", fx_symbolic, [M, "--shape", "x:2x"], USAGE, ["--shape"]),
    ("usage_shape_dim_too_big", fx_symbolic, [M, "--shape", "x:99999999999999999999x3"], USAGE, ["--shape"]),
    ("usage_shape_given_twice", fx_symbolic, [M, "--shape", "x:2x3", "--shape", "x:4x3"], USAGE, ["--shape", "twice"]),
    ("usage_shape_wrong_rank", fx_symbolic, [M, "--shape", "x:2x3x4"], USAGE, ["--shape", "rank"]),
    ("usage_shape_fixed_dim_differs", fx_symbolic, [M, "--shape", "x:2x7"], USAGE, ["--shape", "fixed"]),
    ("usage_shape_bad_before_missing_file", fx_missing, [M, "--shape", "x:1xa"], USAGE, ["--shape"]),
    ("usage_batch_zero", fx_symbolic, [M, "--batch", "0"], USAGE, ["--batch", "positive"]),
    ("usage_batch_negative", fx_symbolic, [M, "--batch=-2"], USAGE, ["--batch", "positive"]),
    ("usage_batch_not_number", fx_symbolic, [M, "--batch", "two"], USAGE, ["--batch", "two"]),
    ("usage_batch_fraction", fx_symbolic, [M, "--batch", "2.5"], USAGE, ["--batch"]),
    ("usage_max_tensor_bytes_zero", fx_valid, [M, "--max-tensor-bytes", "0"], USAGE, ["--max-tensor-bytes", "positive"]),
    ("usage_json_no_value", fx_valid, [M, "--json"], USAGE, ["--json"]),
    # file: 3
    ("file_missing", fx_missing, [M], FILE, ["no such file"]),
    ("file_directory", fx_directory, [M], FILE, ["directory"]),
    ("file_empty", fx_empty, [M], FILE, ["empty"]),
    ("file_random_bytes", fx_random, [M], FILE, ["not an ONNX model"]),
    ("file_truncated", fx_truncated, [M], FILE, ["not an ONNX model"]),
    ("file_ext_dotdot", fx_ext_dotdot, [M], FILE, ["../x.bin", "'w'"]),
    ("file_ext_absolute", fx_ext_absolute, [M], FILE, ["absolute", "'w'"]),
    ("file_ext_symlink_outside", fx_ext_symlink_file, [M], FILE, ["link.bin", "outside"]),
    ("file_ext_symlinked_dir_outside", fx_ext_symlink_dir, [M], FILE, ["data/x.bin", "outside"]),
    ("file_ext_missing", fx_ext_missing, [M], FILE, ["nothere.bin", "missing"]),
    ("file_ext_too_short", fx_ext_short, [M], FILE, ["short.bin", "too short"]),
    ("file_ext_offset_past_end", fx_ext_offset_past_end, [M], FILE, ["w.bin", "too short"]),
    ("file_ext_is_directory", fx_ext_dir_as_file, [M], FILE, ["w.bin"]),
    ("file_json_unwritable", fx_valid, [M, "--json", "{dir}/no/such/dir/out.json"], FILE, ["out.json", "cannot write"]),
    ("file_json_target_is_directory", fx_json_target_is_dir, [M, "--json", "{dir}/out_dir"], FILE, ["out_dir", "cannot write"]),
    # model: 4
    ("model_ext_length_mismatch", fx_ext_length_mismatch, [M], MODEL, ["'w'", "length 8"]),
    ("model_ext_offset_not_number", fx_ext_offset_not_number, [M], MODEL, ["'w'", "zero"]),
    ("model_ext_no_location", fx_ext_no_location, [M], MODEL, ["'w'", "location"]),
    ("model_ir_version_2", fx_ir(2), [M], MODEL, ["IR version 2"]),
    ("model_ir_version_11", fx_ir(11), [M], MODEL, ["IR version 11"]),
    ("model_opset_9", fx_opset(9), [M], MODEL, ["opset 9"]),
    ("model_opset_22", fx_opset(22), [M], MODEL, ["opset 22"]),
    ("model_no_default_opset", fx_no_default_opset, [M], MODEL, ["opset"]),
    ("model_no_graph", fx_no_graph, [M], MODEL, ["no graph"]),
    ("model_cycle", fx_cycle, [M], MODEL, ["cycle", "cyc_"]),
    ("model_self_loop", fx_self_loop, [M], MODEL, ["self_add"]),
    ("model_dangling_input", fx_dangling, [M], MODEL, ["dangling", "dangle_add", "ghost"]),
    ("model_two_producers", fx_two_producers, [M], MODEL, ["duplicate tensor name 'y'", "second"]),
    ("model_node_output_is_graph_input", fx_output_shadows_input, [M], MODEL, ["duplicate tensor name 'x'", "shadow"]),
    ("model_node_output_is_initializer", fx_output_shadows_init, [M], MODEL, ["duplicate tensor name 'w'", "shadow_w"]),
    ("model_duplicate_initializer", fx_dup_initializer, [M], MODEL, ["duplicate tensor name 'w'"]),
    ("model_duplicate_graph_input", fx_dup_graph_input, [M], MODEL, ["duplicate", "'x'"]),
    ("model_duplicate_node_name", fx_dup_node_name, [M], MODEL, ["duplicate node name 'twin'"]),
    ("model_output_produced_by_nothing", fx_dangling_output, [M], MODEL, ["nobody"]),
    ("model_sequence_input", fx_sequence_input, [M], MODEL, ["'s'", "not a tensor"]),
    ("model_raw_data_size_mismatch", fx_raw_size_mismatch, [M], MODEL, ["'w'", "12 bytes"]),
    ("model_sparse_initializer", fx_sparse_init, [M], MODEL, ["sparse"]),
    # shape: 5
    ("shape_unbound_symbolic_dim", fx_symbolic, [M], SHAPE, ["'x'", "'N'", "--shape x:"]),
    ("shape_unbound_dim_despite_batch", fx_unbound_second_dim, [M, "--batch", "2"], SHAPE, ["'x'", "'M'", "--shape x:"]),
    ("shape_input_declares_no_shape", fx_no_declared_shape, [M], SHAPE, ["'x'", "--shape x:"]),
    ("shape_overflow_constant_of_shape", fx_constant_of_shape_overflow, [M], SHAPE, ["cos_big", "overflows"]),
    ("shape_overflow_reshape", fx_reshape_overflow, [M], SHAPE, ["reshape_big"]),
    ("shape_overflow_expand", fx_expand_overflow, [M], SHAPE, ["expand_big", "overflows"]),
    ("shape_overflow_initializer_dims", fx_init_dims_overflow, [M], SHAPE, ["'w'", "overflows"]),
    ("shape_overflow_bound_input", fx_symbolic_n4, [M, "--shape", f"x:{BIG}x4"], SHAPE, ["'x'", "overflows"]),
    ("shape_overflow_via_shape_op", fx_constant_of_shape_input_overflow, [M, "--shape", f"x:{BIG}x4"], SHAPE, ["overflows"]),
    ("shape_input_over_max_bytes", fx_big_input, [M, "--max-tensor-bytes", "1000000"], SHAPE, ["'x'", "--max-tensor-bytes"]),
    ("shape_intermediate_over_max_bytes", fx_big_intermediate, [M, "--max-tensor-bytes", "1000000"], SHAPE,
     ["expand_4mb", "--max-tensor-bytes"]),
    ("shape_split_huge_num_outputs", fx_split_huge_num_outputs, [M], SHAPE, ["split_huge"]),
    ("shape_concat_dim_overflow", fx_concat_dim_overflow, [M], SHAPE, ["concat_wrap"]),
    ("shape_pool_kernel_zero", fx_pool_kernel(0), [M], SHAPE, ["pool_bad_kernel", "kernel"]),
    ("shape_pool_kernel_negative", fx_pool_kernel(-100), [M], SHAPE, ["pool_bad_kernel", "kernel"]),
    ("shape_matmul_mismatch", fx_matmul_mismatch, [M], SHAPE, ["mm_bad", "MatMul"]),
    ("shape_add_broadcast_mismatch", fx_add_mismatch, [M], SHAPE, ["add_bad", "broadcast"]),
    # A negative dim_value reads as unknown (old exporters write -1 for a dynamic dim): unbound.
    ("shape_negative_declared_dim", fx_negative_input_dim, [M], SHAPE, ["'x'", "--shape x:"]),
    # not failures: 0
    ("ok_unknown_custom_op", fx_custom_op, [M], 0, listed_unsupported("my_custom", "MyCustomOp")),
    ("ok_if_with_subgraphs", fx_if, [M], 0, listed_unsupported("my_if", "If")),
    ("ok_plain_control", fx_valid, [M], 0, param_count(0)),
    ("ok_external_data_in_folder", fx_external_ok, [M], 0, param_count(15)),
    ("ok_external_data_in_subfolder", fx_external_subdir_ok, [M], 0, param_count(15)),
    ("ok_external_data_relative_model_path", fx_external_ok, ["{model_name}"], 0, param_count(15)),
    ("ok_batch_binds_leading_dim", fx_symbolic, [M, "--batch", "2"], 0, None),
]
NO_MODEL_NAME = {"file_json_unwritable", "file_json_target_is_directory"}  # these name the OUT path instead
MAX_MESSAGE_CHARS = 500  # one readable line, not a dump

# ----------------------------------------------------------------------------- runner


LIMIT_MEMORY = None  # set in main(): a preexec_fn, or None for sanitizer builds (they reserve terabytes)


def memory_limiter(binary):
    with open(binary, "rb") as f:
        image = f.read()
    if b"__asan_init" in image or b"__tsan_init" in image or b"__msan_init" in image:
        return None
    return lambda: resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def stray_temp_files(folder, out_name):
    if not os.path.isdir(folder):
        return []
    return [f for f in os.listdir(folder) if f.startswith("." + out_name + ".tmp.")]


def run_case(binary, root, name, fixture, args, code, expect):
    case_dir = os.path.join(root, name)
    os.mkdir(case_dir)
    model = fixture(case_dir) if fixture else None
    out_dir = os.path.join(case_dir, "out")
    os.mkdir(out_dir)
    out = os.path.join(out_dir, "result.json")
    model_name = os.path.basename(model) if model else ""
    argv = [a.replace("{model_name}", model_name).replace("{model}", model or "").replace("{dir}", case_dir) for a in args]
    if "--json" in argv:
        i = argv.index("--json")
        if i + 1 < len(argv):
            out = argv[i + 1]
    else:
        argv += ["--json", out]
    out_existed = os.path.exists(out)
    try:
        proc = subprocess.run([binary, "inspect"] + argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT_S,
                              cwd=case_dir, preexec_fn=LIMIT_MEMORY)
    except subprocess.TimeoutExpired:
        return f"hung: no exit within {TIMEOUT_S} s"
    stdout = proc.stdout.decode("utf-8", "replace")
    stderr = proc.stderr.decode("utf-8", "replace")
    rc = proc.returncode
    shown = stderr.strip().replace("\n", " | ")[:400]
    if rc < 0 or rc >= 128:
        return f"crashed: exit {rc} ({shown})"
    for word in CRASH_WORDS:
        if word in stderr:
            return f"stderr mentions '{word}': {shown}"
    if rc != code:
        return f"exit {rc}, want {code}; stderr: {shown}"

    out_folder = os.path.dirname(out) or "."
    strays = stray_temp_files(out_folder, os.path.basename(out))
    if strays:
        return f"temp files left beside OUT: {strays}"
    if code == 0:
        doc = None
        if not os.path.isfile(out):
            return "exit 0 but --json wrote no file"
        try:
            with open(out, encoding="utf-8") as f:
                doc = json.load(f)
        except ValueError as e:
            return f"--json output is not JSON: {e}"
        return expect(stdout, doc) if expect else None

    if os.path.exists(out) and not out_existed:
        return "--json OUT exists after a failure"
    lines = stderr.splitlines()
    if len(lines) != 1 or not stderr.endswith("\n"):
        return f"stderr is {len(lines)} lines, want exactly 1: {shown}"
    if len(stderr) > MAX_MESSAGE_CHARS:
        return f"stderr line is {len(stderr)} chars, over {MAX_MESSAGE_CHARS}: {shown}"
    if not stderr.startswith("partplan:"):
        return f"stderr does not start with 'partplan:': {shown}"
    wanted = list(expect)
    if code in (FILE, MODEL, SHAPE) and model and name not in NO_MODEL_NAME:
        wanted.append(os.path.basename(model))
    missing = [w for w in wanted if w not in stderr]
    if missing:
        return f"stderr lacks {missing}: {shown}"
    if os.environ.get("BAD_INPUTS_VERBOSE"):
        print(f"     {name}: {stderr.strip()}")
    return None


def run_preexisting_out(binary, root):
    """A failure must leave an OUT that already exists untouched (atomic write)."""
    case_dir = os.path.join(root, "preexisting_out")
    os.mkdir(case_dir)
    model = fx_cycle(case_dir)
    out = os.path.join(case_dir, "old.json")
    with open(out, "w") as f:
        f.write("old\n")
    try:
        proc = subprocess.run([binary, "inspect", model, "--json", out], capture_output=True, timeout=TIMEOUT_S,
                              preexec_fn=LIMIT_MEMORY)
    except subprocess.TimeoutExpired:
        return "hung"
    if proc.returncode != MODEL:
        return f"exit {proc.returncode}, want {MODEL}"
    with open(out) as f:
        if f.read() != "old\n":
            return "the existing OUT was changed by a failed run"
    strays = stray_temp_files(case_dir, "old.json")
    return f"temp files left: {strays}" if strays else None


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: bad_inputs.py PARTPLAN_BINARY")
    binary = os.path.abspath(sys.argv[1])
    if not os.access(binary, os.X_OK):
        sys.exit(f"{binary}: not an executable")
    global LIMIT_MEMORY
    LIMIT_MEMORY = memory_limiter(binary)
    names = [c[0] for c in CASES]
    assert len(names) == len(set(names)), "case names must be unique"
    root = tempfile.mkdtemp(prefix="partplan_bad_inputs_")
    passed = failed = 0
    try:
        results = []
        for name, fixture, args, code, expect in CASES:
            try:
                why = run_case(binary, root, name, fixture, args, code, expect)
            except Exception as e:  # a broken fixture is a failure of this script, reported per case
                why = f"test error: {type(e).__name__}: {e}"
            results.append((name, why))
        try:
            why = run_preexisting_out(binary, root)
        except Exception as e:
            why = f"test error: {type(e).__name__}: {e}"
        results.append(("model_error_keeps_existing_out", why))
        for name, why in results:
            if why is None:
                passed += 1
                print(f"ok   {name}")
            else:
                failed += 1
                print(f"FAIL {name}: {why}")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
