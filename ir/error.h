#pragma once
// User-facing failures. Each kind maps to one documented exit code (docs/cli.md);
// cli/main.cpp catches them once and prints the message on one line.
#include <stdexcept>
#include <string>

namespace ir {

enum class ErrorKind {
  usage = 2,        // a bad flag or flag value
  file = 3,         // cannot read the file, not an ONNX model, external data missing or refused
  model = 4,        // structurally invalid: cycle, dangling input, duplicate name, IR/opset out of range
  shape = 5,        // shape resolution failed: unbound dim, mismatch, overflow, over the size limit
  unsupported = 6,  // valid ONNX that partplan cannot run (an op, attribute value or dtype)
  mismatch = 7,     // outputs differ from the reference beyond the tolerance
  resources = 8,    // the machine ran out: memory (a user's size or load, not a bug)
  internal = 70,    // a bug in partplan
  interrupted = 130,  // Ctrl-C (SIGINT): what was measured is kept, the work can resume
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }
  int exit_code() const { return static_cast<int>(kind_); }

 private:
  ErrorKind kind_;
};

}  // namespace ir
