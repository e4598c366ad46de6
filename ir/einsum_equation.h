#pragma once
// Einsum's equation split into its parts ("bij, bjk -> bik" -> {"bij","bjk"}, "bik"); shared
// by the shape function, the FLOP count and the CPU kernel so they read it alike.
#include <optional>
#include <string>
#include <vector>

namespace ir {

struct EinsumEquation {
  std::vector<std::string> operands;  // one term per input, spaces removed
  std::optional<std::string> output;  // absent for the implicit form (no "->")
};

EinsumEquation parse_einsum_equation(std::string equation);

}  // namespace ir
