#include "ir/einsum_equation.h"

#include <algorithm>

namespace ir {

EinsumEquation parse_einsum_equation(std::string equation) {
  equation.erase(std::remove(equation.begin(), equation.end(), ' '), equation.end());
  EinsumEquation parsed;
  const auto arrow = equation.find("->");
  if (arrow != std::string::npos) parsed.output = equation.substr(arrow + 2);
  const std::string lhs = equation.substr(0, arrow);
  for (size_t start = 0;;) {
    const auto comma = lhs.find(',', start);
    parsed.operands.push_back(lhs.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return parsed;
}

}  // namespace ir
