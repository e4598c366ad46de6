#include "ir/field_checks.h"

#include <cmath>
#include <cstdio>
#include <cstring>

#include "ir/error.h"

namespace ir {

namespace {
std::string show(double v) {
  char text[64];
  std::snprintf(text, sizeof text, "%.9g", v);
  return text;
}
}  // namespace

std::string json_problem(const char* what) {
  std::string s = what;
  if (s.starts_with("[json.exception.")) {
    const size_t end = s.find("] ");
    if (end != std::string::npos) s = s.substr(end + 2);
  }
  return s;
}

void FieldChecks::fail(const std::string& field, const std::string& rule) const {
  throw Error(ErrorKind::file, path_ + ": " + kind_ + ": " + field + ": " + rule);
}

double FieldChecks::finite(double v, const std::string& field) const {
  if (!std::isfinite(v)) fail(field, show(v) + " is not a finite number");
  return v;
}

double FieldChecks::time(double v, const std::string& field) const {
  if (!(finite(v, field) >= 0)) fail(field, show(v) + " is negative (times and sizes are >= 0)");
  return v;
}

double FieldChecks::positive(double v, const std::string& field) const {
  if (!(finite(v, field) > 0)) fail(field, show(v) + " must be positive");
  return v;
}

int64_t FieldChecks::count(int64_t v, const std::string& field) const {
  if (v < 0) fail(field, std::to_string(v) + " is negative (counts are >= 0)");
  return v;
}

int64_t FieldChecks::at_least_one(int64_t v, const std::string& field) const {
  if (v < 1) fail(field, std::to_string(v) + " must be at least 1");
  return v;
}

void FieldChecks::unique(std::set<std::string>& seen, const std::string& name, const std::string& field) const {
  if (!seen.insert(name).second) fail(field, "'" + name + "' appears twice (names are unique)");
}

void FieldChecks::non_empty(bool empty, const std::string& field) const {
  if (empty) fail(field, "is empty");
}

void FieldChecks::known(bool found, const std::string& field, const std::string& name, const std::string& what) const {
  if (!found) fail(field, "'" + name + "' is not one of the file's " + what);
}

}  // namespace ir
