#pragma once
// Reading a JSON file a command was given (a profile, a cost model), with the file named in
// the one-line error when it cannot be read or parsed.
#include <nlohmann/json.hpp>
#include <string>

namespace cli {

// `flag` says which flag or argument named the file ("--resume", "profile"), for the message.
nlohmann::json read_json_file(const std::string& path, const std::string& flag);

}  // namespace cli
