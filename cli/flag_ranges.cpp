#include "cli/flag_ranges.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>

namespace cli {

CLI::Validator integer_in(int64_t low, int64_t high) {
  return CLI::Validator(
      [low, high](std::string& text) -> std::string {
        int64_t value = 0;
        auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (ec != std::errc() || ptr != text.data() + text.size() || value < low || value > high)
          return fmt::format("must be an integer from {} to {}, got '{}'", low, high, text);
        return {};
      },
      fmt::format("INT in [{},{}]", low, high));
}

CLI::Validator number_in(double low, double high, bool above_low) {
  return CLI::Validator(
      [low, high, above_low](std::string& text) -> std::string {
        char* end = nullptr;
        const double value = std::strtod(text.c_str(), &end);
        const bool parsed = !text.empty() && end == text.c_str() + text.size();
        if (!parsed || !std::isfinite(value) || value > high || (above_low ? value <= low : value < low))
          return fmt::format("must be a finite number {} {:g} and at most {:g}, got '{}'", above_low ? "above" : "from", low, high, text);
        return {};
      },
      fmt::format("NUMBER in {}{:g},{:g}]", above_low ? "(" : "[", low, high));
}

}  // namespace cli
