#pragma once
// A plan's DAG in Graphviz's DOT language: nodes filled by device, edges along the activation
// tensors, edges between devices drawn heavy (where copies or hand-offs happen).
#include <string>

#include "planner/plan.h"

namespace report {

// One colour per device index, shared by every drawing of a plan (DOT, HTML).
const char* device_colour(size_t device);

// Throws ir::Error(usage) naming the file when the plan lists no tensors (written before
// plan files had them).
std::string plan_dot(const planner::Plan& plan, const std::string& path);

}  // namespace report
