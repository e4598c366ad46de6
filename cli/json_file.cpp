#include "cli/json_file.h"

#include <fstream>

#include "ir/error.h"

namespace cli {

nlohmann::json read_json_file(const std::string& path, const std::string& flag) {
  std::ifstream in(path);
  if (!in) throw ir::Error(ir::ErrorKind::file, path + ": " + flag + ": cannot read the file");
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception&) {
    throw ir::Error(ir::ErrorKind::file, path + ": " + flag + ": not JSON");
  }
}

}  // namespace cli
