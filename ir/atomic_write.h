#pragma once
// Writes a whole file or nothing: the text goes to a temporary file beside the target,
// which is renamed over it only after a successful write and flush.
#include <string>

namespace ir {

// Throws ir::Error(file) naming `path` when the folder is missing or the write fails.
void write_file_atomically(const std::string& path, const std::string& contents);

}  // namespace ir
