#include "exporter/export_folder.h"

#include <fmt/format.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "ir/error.h"

namespace exporter {

namespace fs = std::filesystem;

namespace {

// `inner` is `outer` or inside it (both made absolute and normal, symlinks resolved where they exist).
bool contains(const fs::path& outer, const fs::path& inner) {
  std::error_code error;
  const fs::path a = fs::weakly_canonical(outer, error), b = fs::weakly_canonical(inner, error);
  auto ai = a.begin(), bi = b.begin();
  for (; ai != a.end() && !ai->empty(); ++ai, ++bi)
    if (bi == b.end() || *ai != *bi) return false;
  return true;
}

// What an earlier export wrote, from its manifest; throws when DIR is not one.
std::set<std::string> earlier_export(const fs::path& dir, const std::string& shown) {
  std::ifstream in(dir / "manifest.json");
  nlohmann::json manifest;
  try {
    if (in) manifest = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception&) {
    manifest = nullptr;
  }
  if (!manifest.is_object() || !manifest.contains("schema") || manifest["schema"] != "partplan.export/1" || !manifest.contains("parts") ||
      !manifest["parts"].is_array())
    throw ir::Error(ir::ErrorKind::usage, shown + ": the folder exists and is not an earlier partplan export (no partplan.export/1 manifest.json); choose another");
  std::set<std::string> written = {"manifest.json"};
  for (const auto& part : manifest["parts"]) {
    if (!part.is_object()) continue;
    for (const char* key : {"file", "name"})
      if (part.contains(key) && part[key].is_string()) written.insert(part[key].get<std::string>());
  }
  if (manifest.contains("ensemble") && manifest["ensemble"].is_string()) written.insert(manifest["ensemble"].get<std::string>());
  return written;
}

}  // namespace

void check_file_name(const std::string& name, const std::string& what) {
  bool ok = !name.empty() && name != "." && name != "..";
  for (char c : name) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.');
  if (!ok) throw ir::Error(ir::ErrorKind::usage, what + " '" + name + "' cannot name a file: use letters, digits, '_', '-' and '.'");
}

ExportFolder::ExportFolder(const std::string& dir, const std::vector<std::string>& inputs) : dir_(fs::path(dir).lexically_normal()) {
  if (!dir_.empty() && dir_.filename().empty()) dir_ = dir_.parent_path();  // "out/" -> "out"
  const std::string name = dir_.filename().string();
  std::error_code error;
  if (dir_.empty() || name == "." || name == ".." || dir_ == dir_.root_path() || contains(dir_, fs::current_path(error)))
    throw ir::Error(ir::ErrorKind::usage, dir + ": not a folder an export may replace (it is '.', '..', the root or holds the current folder); name a new folder");
  for (const std::string& input : inputs)
    if (!input.empty() && contains(dir_, input))
      throw ir::Error(ir::ErrorKind::usage, dir + ": holds " + input + ", which the export reads; choose another folder");
  if (fs::exists(dir_, error)) {
    if (!fs::is_directory(dir_, error)) throw ir::Error(ir::ErrorKind::usage, dir + ": exists and is not a folder");
    if (!fs::is_empty(dir_, error)) {
      const std::set<std::string> written = earlier_export(dir_, dir);
      for (const auto& entry : fs::directory_iterator(dir_, error))
        if (!written.count(entry.path().filename().string()))
          throw ir::Error(ir::ErrorKind::usage, dir + ": holds " + entry.path().filename().string() +
                                                    ", which the earlier export did not write; move it away or choose another folder");
    }
  }
  staging_ = dir_;
  staging_ += fmt::format(".partial-{}", getpid());
  fs::remove_all(staging_, error);
  if (!fs::create_directories(staging_, error) || error)
    throw ir::Error(ir::ErrorKind::file, dir + ": cannot make the folder " + staging_.string() + " (" + error.message() + ")");
}

ExportFolder::~ExportFolder() {
  if (committed_) return;
  std::error_code error;
  fs::remove_all(staging_, error);
}

std::string ExportFolder::path(const std::string& relative) const {
  const fs::path p = staging_ / relative;
  std::error_code error;
  fs::create_directories(p.parent_path(), error);
  if (error) throw ir::Error(ir::ErrorKind::file, p.parent_path().string() + ": cannot make the folder (" + error.message() + ")");
  return p.string();
}

void ExportFolder::make_folder(const std::string& relative) const {
  std::error_code error;
  fs::create_directories(staging_ / relative, error);
  if (error) throw ir::Error(ir::ErrorKind::file, (staging_ / relative).string() + ": cannot make the folder (" + error.message() + ")");
}

void ExportFolder::commit() {
  std::error_code error;
  fs::path aside;
  if (fs::exists(dir_, error)) {
    aside = dir_;
    aside += fmt::format(".old-{}", getpid());
    fs::remove_all(aside, error);
    fs::rename(dir_, aside, error);
    if (error) throw ir::Error(ir::ErrorKind::file, dir_.string() + ": cannot move the earlier export aside (" + error.message() + ")");
  }
  fs::rename(staging_, dir_, error);
  if (error) {
    std::error_code ignored;
    if (!aside.empty()) fs::rename(aside, dir_, ignored);  // the earlier export back in place
    throw ir::Error(ir::ErrorKind::file, dir_.string() + ": cannot move the export into place (" + error.message() + ")");
  }
  committed_ = true;
  if (!aside.empty()) fs::remove_all(aside, error);
}

}  // namespace exporter
