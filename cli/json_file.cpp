#include "cli/json_file.h"

#include <filesystem>
#include <fstream>

#include "ir/error.h"
#include "ir/field_checks.h"

namespace cli {

nlohmann::json read_json_file(const std::string& path, const std::string& flag) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw ir::Error(ir::ErrorKind::file, path + ": " + flag + ": is a folder, not a JSON file");
  std::ifstream in(path);
  if (!in) throw ir::Error(ir::ErrorKind::file, path + ": " + flag + ": cannot read the file");
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw ir::Error(ir::ErrorKind::file, path + ": " + flag + ": not JSON (" + ir::json_problem(e.what()) + ")");
  } catch (const std::ios_base::failure& e) {
    throw ir::Error(ir::ErrorKind::file, path + ": " + flag + ": cannot read the file");
  }
}

std::string output_beside(const std::string& input, const std::string& suffix) {
  const std::filesystem::path p(input);
  return (p.parent_path() / (p.stem().string() + suffix)).string();
}

}  // namespace cli
