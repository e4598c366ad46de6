#pragma once
// The checkout's sample models: PARTPLAN_SOURCE_DIR in the environment overrides the build's
// (the GPU machine runs the tests from a bundle in another folder).
#include <cstdlib>
#include <string>

namespace test {

inline std::string sample_model(const std::string& name) {
  const char* root = std::getenv("PARTPLAN_SOURCE_DIR");
  return std::string(root ? root : PARTPLAN_SOURCE_DIR) + "/sample_models/" + name + ".onnx";
}

}  // namespace test
