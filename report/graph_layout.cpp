#include "report/graph_layout.h"

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include <memory>
#include <mutex>

#include "ir/error.h"

namespace report {

std::string dot_to_svg(const std::string& dot) {
  // Graphviz keeps global state (the graph reader's lexer): one layout at a time.
  static std::mutex one_at_a_time;
  const std::lock_guard<std::mutex> lock(one_at_a_time);
  std::unique_ptr<GVC_t, int (*)(GVC_t*)> context(gvContext(), gvFreeContext);
  if (!context) throw ir::Error(ir::ErrorKind::internal, "Graphviz: no context");
  std::unique_ptr<Agraph_t, int (*)(Agraph_t*)> graph(agmemread(dot.c_str()), agclose);
  if (!graph) throw ir::Error(ir::ErrorKind::internal, "Graphviz could not read the plan's DOT");
  if (gvLayout(context.get(), graph.get(), "dot") != 0) throw ir::Error(ir::ErrorKind::internal, "Graphviz could not lay the plan out (its 'dot' plugin is missing?)");
  char* data = nullptr;
  unsigned int length = 0;
  const int rendered = gvRenderData(context.get(), graph.get(), "svg", &data, &length);
  std::string svg = rendered == 0 && data != nullptr ? std::string(data, length) : std::string();
  if (data != nullptr) gvFreeRenderData(data);
  gvFreeLayout(context.get(), graph.get());
  if (svg.empty()) throw ir::Error(ir::ErrorKind::internal, "Graphviz could not draw the plan as SVG");
  if (const auto at = svg.find("<svg"); at != std::string::npos) svg.erase(0, at);
  return svg;
}

}  // namespace report
