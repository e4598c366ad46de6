#pragma once
// Reading a JSON file a command was given (a profile, a cost model), with the file named in
// the one-line error when it cannot be read or parsed; where a command's output goes by default.
#include <nlohmann/json.hpp>
#include <string>

namespace cli {

// `flag` says which flag or argument named the file ("--resume", "profile"), for the message.
nlohmann::json read_json_file(const std::string& path, const std::string& flag);

// The default output of a command reading `input`: beside it, its stem plus `suffix`
// (model.onnx, ".plan.json" -> model.plan.json).
std::string output_beside(const std::string& input, const std::string& suffix);

}  // namespace cli
