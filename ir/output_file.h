#pragma once
// Every file a command writes goes through here, so that no output can destroy an input, lose
// another run's result or leave half a file behind (docs/cli.md, "Outputs").
//
// OutputGuard: a command names its inputs and its outputs before any long work starts; an
// output is refused when it resolves, symlinks followed, to one of the inputs or to another
// output (exit 2, naming the flag), or when it is a folder or a socket or its folder is missing
// or not writable (exit 3, "cannot write"). An output that is a regular file (or will be one) is locked for the guard's life
// (an advisory lock beside it), so a second partplan writing the same path is refused at start
// (exit 3) instead of silently replacing the first one's result.
//
// write_output_file: a regular file is written whole or not at all: into a temporary file beside
// the target (removed on failure and on SIGINT/SIGTERM/SIGHUP), with the target's mode kept, then
// renamed over it. A symlink is written through, to its target. A device or FIFO (/dev/null,
// /dev/stdout, a pipe) is written in place, never replaced. A full disk is a one-line error.
#include <string>
#include <vector>

namespace ir {

class OutputGuard {
 public:
  OutputGuard() = default;
  ~OutputGuard();
  OutputGuard(const OutputGuard&) = delete;
  OutputGuard& operator=(const OutputGuard&) = delete;

  // A file the command reads (a missing one is ignored: reading it will report that). `what`
  // names it for the message ("the model", "--costmodel").
  void input(const std::string& path, const std::string& what);
  // A folder whose files the command reads (`--inputs DIR`): no output may lie inside it.
  void input_folder(const std::string& path, const std::string& what);
  // An output named by `flag`, checked at once against every input and output named so far
  // (name inputs first). Throws ir::Error(usage) for a conflict, ir::Error(file) for a path it
  // cannot write or whose lock another partplan holds.
  void output(const std::string& path, const std::string& flag);
  // A folder an output's files go into (`--save-outputs DIR`), made when missing: refused when
  // it is a file, is or holds or lies in an input folder, or it or the folder it would be made
  // in is not writable.
  void output_folder(const std::string& path, const std::string& flag);

 private:
  struct Entry {
    std::string path, what;
  };
  std::vector<Entry> inputs_, input_folders_, outputs_;
  struct Lock {
    int fd, signal_slot;
    std::string path;
  };
  std::vector<Lock> locks_;
};

// Throws ir::Error(file) naming `path` and the reason (no space left, permission, a folder).
void write_output_file(const std::string& path, const std::string& contents);

// Installs the SIGINT/SIGTERM/SIGHUP handlers that remove a temporary file being written and
// the guards' lock files, then end the process as the signal would. Called once by main().
void remove_temporaries_on_signals();

}  // namespace ir
