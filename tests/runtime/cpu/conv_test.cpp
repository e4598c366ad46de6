// Unit cases for runtime/cpu/conv.cpp: odd shapes (size-1 dims, broadcasting, negative axes,
// empty tensors where ONNX allows), values worked out by hand or from the ONNX spec.
#include "tests/runtime/cpu/kernel_test_util.h"
