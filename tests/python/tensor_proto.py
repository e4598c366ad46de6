"""Read an ONNX TensorProto file written with raw_data (as `partplan run --save-outputs` writes
them) into a numpy array, with numpy alone: the GPU machine has no onnx package. bfloat16 comes back
as float32 (exactly), as the exported expected values do.

Only the fields partplan writes are read: dims (1), data_type (2), name (8), raw_data (9).
"""
import numpy as np

DTYPES = {1: np.float32, 2: np.uint8, 3: np.int8, 4: np.uint16, 5: np.int16, 6: np.int32, 7: np.int64,
          9: np.bool_, 10: np.float16, 11: np.float64, 12: np.uint32, 13: np.uint64}


def _varint(buf, pos):
    value = shift = 0
    while True:
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos


def read_tensor(path):
    with open(path, "rb") as f:
        buf = f.read()
    dims, dtype, raw, pos = [], None, b"", 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
            if field == 1:
                dims.append(value)
            elif field == 2:
                dtype = value
        elif wire == 2:
            length, pos = _varint(buf, pos)
            chunk = buf[pos:pos + length]
            pos += length
            if field == 1:  # packed dims
                p = 0
                while p < len(chunk):
                    value, p = _varint(chunk, p)
                    dims.append(value)
            elif field == 9:
                raw = chunk
        elif wire == 1:
            pos += 8
        elif wire == 5:
            pos += 4
        else:
            raise ValueError(f"{path}: unexpected wire type {wire}")
    if dtype == 16:  # bfloat16, which numpy lacks: the upper half of a float32, widened exactly
        bits = np.frombuffer(raw, dtype=np.uint16).astype(np.uint32) << 16
        return bits.view(np.float32).reshape(dims).copy()
    if dtype not in DTYPES:
        raise ValueError(f"{path}: data type {dtype} is not one partplan writes")
    return np.frombuffer(raw, dtype=DTYPES[dtype]).reshape(dims).copy()
