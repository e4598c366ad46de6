#include "report/text_table.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>

namespace report {

namespace {

// Display width of UTF-8 text: code points, not bytes (the tables print µs and ×).
size_t width_of(const std::string& text) {
  size_t width = 0;
  for (unsigned char c : text) width += (c & 0xC0) != 0x80 ? 1 : 0;
  return width;
}

}  // namespace

std::string paint(const std::string& text, Tint tint, bool colour) {
  if (!colour || tint == Tint::none || text.empty()) return text;
  const char* code = tint == Tint::bold ? "1" : tint == Tint::good ? "32" : tint == Tint::bad ? "31" : "2";
  return std::string("\033[") + code + "m" + text + "\033[0m";
}

bool colour_wanted() {
  const char* no_colour = std::getenv("NO_COLOR");
  return isatty(STDOUT_FILENO) && (no_colour == nullptr || *no_colour == '\0');
}

std::string TextTable::render(bool colour, const std::string& indent) const {
  std::vector<size_t> widths(header_.size(), 0);
  for (size_t c = 0; c < header_.size(); ++c) widths[c] = width_of(header_[c]);
  for (const auto& row : rows_)
    for (size_t c = 0; c < row.size() && c < widths.size(); ++c) widths[c] = std::max(widths[c], width_of(row[c].text));
  auto line = [&](const std::vector<Cell>& cells) {
    std::string out = indent;
    for (size_t c = 0; c < widths.size(); ++c) {
      const Cell cell = c < cells.size() ? cells[c] : Cell{};
      const std::string pad(widths[c] - width_of(cell.text), ' ');
      const bool right = c < right_.size() && right_[c];
      const std::string painted = paint(cell.text, cell.tint, colour);
      out += right ? pad + painted : painted + (c + 1 < widths.size() ? pad : "");
      if (c + 1 < widths.size()) out += "  ";
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::vector<Cell> head;
  for (const std::string& h : header_) head.push_back({h, Tint::bold});
  std::string out = line(head);
  for (const auto& row : rows_) out += line(row);
  return out;
}

}  // namespace report
