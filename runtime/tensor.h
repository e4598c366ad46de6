#pragma once
// A tensor at run time: dtype, concrete shape, and a pointer into memory that a device
// allocator owns (or that a weight in the ir::Graph owns). Copies share the memory.
#include <cstdint>
#include <memory>
#include <vector>

#include "ir/dtype.h"
#include "runtime/layout.h"

namespace runtime {

struct Tensor {
  ir::DType dtype = ir::DType::undefined;
  std::vector<int64_t> shape;  // logical (ONNX) dims, whatever the layout
  Layout layout = Layout::plain;
  void* data = nullptr;
  std::shared_ptr<void> storage;  // keeps `data` alive; empty for borrowed memory

  int64_t element_count() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
  }
  int64_t size_bytes() const { return element_count() * static_cast<int64_t>(ir::dtype_size_bytes(dtype)); }
  template <typename T>
  T* as() const {
    return static_cast<T*>(data);
  }
};

}  // namespace runtime
