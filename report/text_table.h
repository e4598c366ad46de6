#pragma once
// An aligned text table for the terminal: columns sized to their widest cell, numbers right-
// aligned, and colour (ANSI) applied after padding so escape codes never skew the widths.
#include <string>
#include <vector>

namespace report {

enum class Tint { none, bold, good, bad, dim };

struct Cell {
  std::string text;
  Tint tint = Tint::none;
};

class TextTable {
 public:
  // `right`: per column, right-aligned (numbers); missing entries are left-aligned.
  TextTable(std::vector<std::string> header, std::vector<bool> right) : header_(std::move(header)), right_(std::move(right)) {}
  void add(std::vector<Cell> row) { rows_.push_back(std::move(row)); }
  bool empty() const { return rows_.empty(); }
  // Each line starts with `indent`; colour only when `colour`.
  std::string render(bool colour, const std::string& indent = "  ") const;

 private:
  std::vector<std::string> header_;
  std::vector<bool> right_;
  std::vector<std::vector<Cell>> rows_;
};

// `text` in the tint's ANSI colour, or as it is without colour.
std::string paint(const std::string& text, Tint tint, bool colour);

// Whether to colour: stdout is a terminal and NO_COLOR is unset or empty (no-color.org).
bool colour_wanted();

}  // namespace report
