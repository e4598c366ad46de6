#pragma once
// The documented range of every numeric flag (docs/cli.md), as CLI11 validators: a value out of
// range, NaN or infinite is a usage error naming the flag and the range, never silently replaced
// or left to grow memory or time without bound.
#include <CLI/CLI.hpp>
#include <cstdint>

namespace cli {

// An integer from `low` to `high`.
CLI::Validator integer_in(int64_t low, int64_t high);
// A finite number from `low` to `high`; with `above_low`, strictly above `low` (a rate, a time).
CLI::Validator number_in(double low, double high, bool above_low = false);

}  // namespace cli
