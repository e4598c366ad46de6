#include "ir/output_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>

#include "ir/error.h"

namespace fs = std::filesystem;

namespace ir {

namespace {

// Paths to unlink when a signal ends the process: temporary files being written and lock files.
// Fixed storage, so the handler does nothing but unlink(), which is async-signal-safe.
constexpr int kSlots = 32;
constexpr size_t kPathMax = 4096;
char g_paths[kSlots][kPathMax];
std::atomic<bool> g_used[kSlots];

int register_for_signals(const std::string& path) {
  if (path.size() >= kPathMax) return -1;
  for (int i = 0; i < kSlots; ++i) {
    bool expected = false;
    if (g_used[i].load() || !g_used[i].compare_exchange_strong(expected, true)) continue;
    std::memcpy(g_paths[i], path.c_str(), path.size() + 1);
    return i;
  }
  return -1;  // all slots busy: the file is still removed on every failure but a signal
}

void unregister_for_signals(int slot) {
  if (slot >= 0) g_used[slot].store(false);
}

extern "C" void remove_and_reraise(int signal_number) {
  for (int i = 0; i < kSlots; ++i)
    if (g_used[i].load()) ::unlink(g_paths[i]);
  std::signal(signal_number, SIG_DFL);
  std::raise(signal_number);
}

// The file a path finally names: symlinks followed, a dangling one's target included (it is
// where a write through the link lands).
fs::path final_target(const std::string& path) {
  fs::path p = fs::absolute(path);
  for (int hops = 0; hops < 40; ++hops) {
    std::error_code ec;
    if (!fs::is_symlink(fs::symlink_status(p, ec))) break;
    const fs::path link = fs::read_symlink(p, ec);
    if (ec) break;
    p = link.is_absolute() ? link : p.parent_path() / link;
  }
  std::error_code ec;
  const fs::path canonical = fs::weakly_canonical(p, ec);
  return ec ? p.lexically_normal() : canonical;
}

bool same_file(const fs::path& a, const fs::path& b) {
  struct stat sa {}, sb {};
  if (::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0) return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
  return a == b;
}

bool inside(const fs::path& file, const fs::path& folder) {
  const std::string f = file.string(), d = folder.string();
  return f.size() > d.size() && f.compare(0, d.size(), d) == 0 && (d.ends_with('/') || f[d.size()] == '/');
}

std::string quoted(const std::string& s) { return "'" + s + "'"; }

}  // namespace

OutputGuard::~OutputGuard() {
  for (const Lock& lock : locks_) {
    ::unlink(lock.path.c_str());  // before close: a waiter then finds the path gone and retries
    ::close(lock.fd);
    unregister_for_signals(lock.signal_slot);
  }
}

void OutputGuard::input(const std::string& path, const std::string& what) {
  if (!path.empty()) inputs_.push_back({path, what});
}

void OutputGuard::input_folder(const std::string& path, const std::string& what) {
  if (!path.empty()) input_folders_.push_back({path, what});
}

void OutputGuard::output(const std::string& path, const std::string& flag) {
  if (path.empty()) throw Error(ErrorKind::usage, flag + ": the output path is empty");
  const fs::path target = final_target(path);
  struct stat st {};
  const bool exists = ::stat(target.c_str(), &st) == 0;
  auto unwritable = [&](const std::string& why) { throw Error(ErrorKind::file, path + ": " + flag + ": cannot write: " + why); };
  if (exists && S_ISDIR(st.st_mode)) unwritable("it is a folder, not a file");
  if (exists && S_ISSOCK(st.st_mode)) unwritable("it is a socket (partplan writes files, devices and pipes)");
  for (const Entry& in : inputs_)
    if (same_file(target, final_target(in.path)))
      throw Error(ErrorKind::usage, flag + " " + quoted(path) + " is " + in.what + " (" + in.path + "): partplan never writes over a file it reads");
  for (const Entry& folder : input_folders_)
    if (inside(target, final_target(folder.path)))
      throw Error(ErrorKind::usage, flag + " " + quoted(path) + " lies inside " + folder.what + " (" + folder.path + "), which partplan reads");
  for (const Entry& out : outputs_)
    if (same_file(target, final_target(out.path)))
      throw Error(ErrorKind::usage, flag + " and " + out.what + " name the same file (" + path + "): give each output its own");
  outputs_.push_back({path, flag});
  if (exists && !S_ISREG(st.st_mode)) return;  // a device or FIFO is written in place: no folder, no lock

  const fs::path folder = target.parent_path();
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) unwritable("the folder " + folder.string() + " does not exist");
  if (::access(folder.c_str(), W_OK | X_OK) != 0) unwritable(folder.string() + ": " + std::strerror(errno));

  // The lock file beside the target; after locking it, make sure it is still the one at that
  // path (an earlier holder unlinks it on its way out).
  const std::string lock_path = (folder / ("." + target.filename().string() + ".partplan-lock")).string();
  for (int attempt = 0; attempt < 20; ++attempt) {
    const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) throw Error(ErrorKind::file, path + ": cannot make its lock file " + lock_path + " (" + std::strerror(errno) + ")");
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd);
      throw Error(ErrorKind::file, path + ": another partplan is writing this file now; wait for it to finish or choose another output");
    }
    struct stat held {}, named {};
    if (::fstat(fd, &held) == 0 && ::stat(lock_path.c_str(), &named) == 0 && held.st_ino == named.st_ino && held.st_dev == named.st_dev) {
      locks_.push_back({fd, register_for_signals(lock_path), lock_path});
      return;
    }
    ::close(fd);
  }
  throw Error(ErrorKind::file, path + ": could not take its lock " + lock_path);
}

void OutputGuard::output_folder(const std::string& path, const std::string& flag) {
  if (path.empty()) throw Error(ErrorKind::usage, flag + ": the folder path is empty");
  const fs::path target = final_target(path);
  std::error_code ec;
  auto unwritable = [&](const std::string& why) { throw Error(ErrorKind::file, path + ": " + flag + ": cannot write: " + why); };
  if (fs::exists(target, ec) && !fs::is_directory(target, ec)) unwritable("it is a file, not a folder");
  for (const Entry& folder : input_folders_) {
    const fs::path in = final_target(folder.path);
    if (target == in || inside(target, in) || inside(in, target))
      throw Error(ErrorKind::usage, flag + " " + quoted(path) + " overlaps " + folder.what + " (" + folder.path + "), which partplan reads");
  }
  fs::path existing = target;
  while (!existing.empty() && !fs::exists(existing, ec) && existing != existing.parent_path()) existing = existing.parent_path();
  if (!fs::is_directory(existing, ec)) unwritable(existing.string() + " is not a folder");
  if (::access(existing.c_str(), W_OK | X_OK) != 0) unwritable(existing.string() + ": " + std::strerror(errno));
}

void write_output_file(const std::string& path, const std::string& contents) {
  const fs::path target = final_target(path);
  auto fail = [&](const std::string& why) { throw Error(ErrorKind::file, path + ": cannot write: " + why); };
  auto write_all = [&](int fd) {
    size_t done = 0;
    while (done < contents.size()) {
      const ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
    }
    return true;
  };

  struct stat st {};
  const bool exists = ::stat(target.c_str(), &st) == 0;
  if (exists && S_ISDIR(st.st_mode)) fail("it is a folder");
  if (exists && !S_ISREG(st.st_mode)) {
    // A device or FIFO: written in place, never replaced by a regular file.
    const int fd = ::open(target.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) fail(std::strerror(errno));
    const bool ok = write_all(fd);
    const int saved = errno;
    ::close(fd);
    if (!ok) fail(std::strerror(saved));
    return;
  }

  static std::atomic<int> counter{0};
  const std::string temp =
      (target.parent_path() / ("." + target.filename().string() + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++))).string();
  const mode_t mode = exists ? (st.st_mode & 07777) : 0666;
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) fail(std::strerror(errno));
  const int slot = register_for_signals(temp);
  auto abandon = [&](int error_number) {
    ::close(fd);
    ::unlink(temp.c_str());
    unregister_for_signals(slot);
    fail(std::strerror(error_number));
  };
  if (exists) {
    if (::fchmod(fd, mode) != 0) abandon(errno);  // the target's mode, whatever the umask
    if (::geteuid() == 0) (void)!::fchown(fd, st.st_uid, st.st_gid);  // root keeps the owner too
  }
  if (!write_all(fd)) abandon(errno);
  if (::fsync(fd) != 0) abandon(errno);
  if (::close(fd) != 0) {
    const int saved = errno;
    ::unlink(temp.c_str());
    unregister_for_signals(slot);
    fail(std::strerror(saved));
  }
  if (::rename(temp.c_str(), target.c_str()) != 0) {
    const int saved = errno;
    ::unlink(temp.c_str());
    unregister_for_signals(slot);
    fail(std::strerror(saved));
  }
  unregister_for_signals(slot);
}

void remove_temporaries_on_signals() {
  for (int s : {SIGINT, SIGTERM, SIGHUP}) std::signal(s, remove_and_reraise);
}

}  // namespace ir
