#include "report/chrome_trace.h"

#include <map>

#include "ir/error.h"

namespace report {

namespace {

using json = nlohmann::json;

// Tracks of one process: a thread id per name, in the order first asked for.
class Tracks {
 public:
  Tracks(json& events, int pid) : events_(events), pid_(pid) {}
  int operator()(const std::string& name) {
    auto [it, added] = ids_.emplace(name, static_cast<int>(ids_.size()) + 1);
    if (added) {
      events_.push_back({{"ph", "M"}, {"name", "thread_name"}, {"pid", pid_}, {"tid", it->second}, {"args", {{"name", name}}}});
      events_.push_back({{"ph", "M"}, {"name", "thread_sort_index"}, {"pid", pid_}, {"tid", it->second}, {"args", {{"sort_index", it->second}}}});
    }
    return it->second;
  }

 private:
  json& events_;
  int pid_;
  std::map<std::string, int> ids_;
};

void name_process(json& events, int pid, const std::string& name) {
  events.push_back({{"ph", "M"}, {"name", "process_name"}, {"pid", pid}, {"tid", 0}, {"args", {{"name", name}}}});
  events.push_back({{"ph", "M"}, {"name", "process_sort_index"}, {"pid", pid}, {"tid", 0}, {"args", {{"sort_index", pid}}}});
}

json complete(int pid, int tid, const std::string& name, const std::string& category, double start_us, double end_us, json args) {
  return {{"ph", "X"}, {"pid", pid}, {"tid", tid}, {"name", name}, {"cat", category}, {"ts", start_us}, {"dur", std::max(0.0, end_us - start_us)}, {"args", std::move(args)}};
}

}  // namespace

json chrome_trace(const ReportInputs& inputs) {
  json events = json::array();
  int pid = 0;
  // Shapes and predictions by node name, from the first plan, for the measured processes.
  std::map<std::string, const planner::PlannedNode*> planned;
  if (!inputs.plans.empty())
    for (const planner::PlannedNode& n : inputs.plans.front().value.nodes) planned[n.name] = &n;

  for (const Named<planner::Plan>& named : inputs.plans) {
    const planner::Plan& p = named.value;
    name_process(events, ++pid, "predicted: " + named.path + " (" + p.objective + ")");
    Tracks tracks(events, pid);
    for (const planner::PlannedDevice& d : p.devices) tracks(d.name + " (" + d.description + ")");
    std::map<std::string, std::string> track_of;
    for (const planner::PlannedDevice& d : p.devices) track_of[d.name] = d.name + " (" + d.description + ")";
    for (const planner::PlannedNode& n : p.nodes)
      events.push_back(complete(pid, tracks(track_of[n.device]), n.name, n.op_type, n.start_us, n.end_us,
                                {{"op_type", n.op_type},
                                 {"device", n.device},
                                 {"predicted_us", n.end_us - n.start_us},
                                 {"source", n.source},
                                 {"input_shapes", n.input_shapes},
                                 {"output_shapes", n.output_shapes}}));
    for (const planner::PlannedCopy& c : p.copies)
      events.push_back(complete(pid, tracks("copy " + c.from + " -> " + c.to), c.tensor, "copy", c.start_us, c.end_us,
                                {{"bytes", c.bytes}, {"from", c.from}, {"to", c.to}, {"predicted_us", c.end_us - c.start_us}}));
  }
  for (const Named<RunSummary>& named : inputs.runs) {
    const RunSummary& r = named.value;
    if (r.timeline.empty()) continue;
    name_process(events, ++pid, "measured: " + named.path + " (a request of median latency)");
    Tracks tracks(events, pid);
    std::map<std::string, const RunNode*> nodes;
    for (const RunNode& n : r.nodes) nodes[n.name] = &n;
    for (const RunDevice& d : r.devices) tracks(d.name + " (" + d.description + ")");
    std::map<std::string, std::string> track_of;
    for (const RunDevice& d : r.devices) track_of[d.name] = d.name + " (" + d.description + ")";
    for (const TimelineSpan& s : r.timeline) {
      json args = {{"device", s.device}, {"measured_us", s.end_us - s.start_us}};
      std::string op_type = "?";
      if (auto it = nodes.find(s.name); it != nodes.end()) {
        op_type = it->second->op_type;
        if (it->second->median_us) args["median_us"] = *it->second->median_us;
        if (it->second->predicted_us) args["predicted_us"] = *it->second->predicted_us;
      }
      args["op_type"] = op_type;
      if (auto it = planned.find(s.name); it != planned.end()) {
        args["input_shapes"] = it->second->input_shapes;
        args["output_shapes"] = it->second->output_shapes;
      }
      events.push_back(complete(pid, tracks(track_of.count(s.device) ? track_of[s.device] : s.device), s.name, op_type, s.start_us, s.end_us, std::move(args)));
    }
    for (const CopyTimelineSpan& c : r.timeline_copies)
      events.push_back(complete(pid, tracks("copy " + c.from + " -> " + c.to), c.tensor, "copy", c.start_us, c.end_us,
                                {{"bytes", c.bytes}, {"from", c.from}, {"to", c.to}, {"measured_us", c.end_us - c.start_us}}));
  }
  if (pid == 0) throw ir::Error(ir::ErrorKind::usage, "--trace: nothing to draw; give a plan file or a run --plan file");
  return {{"traceEvents", events}, {"displayTimeUnit", "ms"}, {"otherData", {{"model", inputs.model_path}, {"sha256", inputs.model_sha256}}}};
}

}  // namespace report
