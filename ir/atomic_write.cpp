#include "ir/atomic_write.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "ir/error.h"

namespace ir {

void write_file_atomically(const std::string& path, const std::string& contents) {
  const std::filesystem::path target(path);
  const std::string temp = (target.parent_path() / ("." + target.filename().string() + ".tmp." + std::to_string(::getpid()))).string();
  auto fail = [&](const std::string& why) {
    std::remove(temp.c_str());
    throw Error(ErrorKind::file, path + ": cannot write: " + why);
  };
  std::FILE* f = std::fopen(temp.c_str(), "wb");
  if (f == nullptr) throw Error(ErrorKind::file, path + ": cannot write: " + std::strerror(errno));
  const bool written = std::fwrite(contents.data(), 1, contents.size(), f) == contents.size();
  const bool flushed = std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0;
  const int saved_errno = errno;
  if (std::fclose(f) != 0 || !written || !flushed) fail(std::strerror(saved_errno));
  if (std::rename(temp.c_str(), path.c_str()) != 0) fail(std::strerror(errno));
}

}  // namespace ir
