#pragma once
// Where an export is written: a staging folder beside DIR, swapped into place when complete,
// so a failure leaves no half-written export and an earlier export is replaced only whole.
// DIR itself is guarded: it may not be ".", "..", the root, or hold the current folder or the
// files the export reads; an existing non-empty DIR is replaced only when it is an earlier
// export (manifest.json of schema partplan.export/1) and holds nothing that export did not write.
#include <filesystem>
#include <string>
#include <vector>

namespace exporter {

class ExportFolder {
 public:
  // `inputs`: files the export reads (the plan, the model), which DIR may not contain.
  // Throws ir::Error(usage) naming DIR for a refused folder, ir::Error(file) when it cannot
  // be made.
  ExportFolder(const std::string& dir, const std::vector<std::string>& inputs);
  ~ExportFolder();
  ExportFolder(const ExportFolder&) = delete;
  ExportFolder& operator=(const ExportFolder&) = delete;

  // A path inside the staging folder (its parent folders made).
  std::string path(const std::string& relative) const;
  void make_folder(const std::string& relative) const;
  // Puts the staging folder in DIR's place: an earlier export is moved aside first and
  // removed after, or moved back when the swap fails.
  void commit();

 private:
  std::filesystem::path dir_, staging_;
  bool committed_ = false;
};

// Names that become file or folder names (devices, the ensemble): letters, digits, '_', '-',
// '.', not "." or "..". Throws ir::Error(usage) naming `what`.
void check_file_name(const std::string& name, const std::string& what);

}  // namespace exporter
