#pragma once
// A DOT graph laid out and drawn as SVG by Graphviz's library (libgvc, `dot` layout): the
// layered drawing of a DAG is a solved problem, and Graphviz draws it better than a hand-rolled
// layering would. For inlining in HTML, the XML prolog and DOCTYPE are dropped.
#include <string>

namespace report {

// Throws ir::Error(internal) when Graphviz cannot read or lay out the graph.
std::string dot_to_svg(const std::string& dot);

}  // namespace report
