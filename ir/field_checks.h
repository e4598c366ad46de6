#pragma once
// Physical sense of what partplan reads back from its own JSON files (profiles, cost models,
// plans): a hand-edited or corrupted file is refused in one line naming the file, the field and
// the rule (exit 3), before any of it reaches a planner or a kernel, so no internal error can be
// reached from a file's contents.
#include <cstdint>
#include <set>
#include <string>

namespace ir {

// The JSON library's message without its "[json.exception.type_error.302] " prefix: "key 'flops'
// not found", "type must be number, but is string". (Its JSON_DIAGNOSTICS mode, which would add
// the field's JSON pointer, trips GCC 12's -Warray-bounds inside libstdc++'s map.)
std::string json_problem(const char* what);

class FieldChecks {
 public:
  // `path`: the file; `kind`: what it should be ("partplan.profile/1").
  FieldChecks(std::string path, std::string kind) : path_(std::move(path)), kind_(std::move(kind)) {}

  // Each returns its value, or throws Error(file): "PATH: FIELD = VALUE: RULE".
  double time(double v, const std::string& field) const;      // finite, >= 0 (µs, s)
  double positive(double v, const std::string& field) const;  // finite, > 0
  double finite(double v, const std::string& field) const;
  int64_t count(int64_t v, const std::string& field) const;     // >= 0
  int64_t at_least_one(int64_t v, const std::string& field) const;
  // A name seen once in `seen` (the set is the caller's, per scope).
  void unique(std::set<std::string>& seen, const std::string& name, const std::string& field) const;
  void non_empty(bool empty, const std::string& field) const;  // a list or name with nothing in it
  // A reference to something the file does not define.
  void known(bool found, const std::string& field, const std::string& name, const std::string& what) const;
  [[noreturn]] void fail(const std::string& field, const std::string& rule) const;

 private:
  std::string path_, kind_;
};

}  // namespace ir
