#pragma once
// What a cut edge between two CPU devices costs in a replay: not a copy (they share memory)
// but everything a tensor crossing cores pays there — the producer's driver telling the
// consumer's (which may have gone to sleep), the consumer picking the node up, the data moving
// between the cores' caches, nodes that ran hot in one device's loop now waiting between
// turns. Measured on the model itself on the real drivers: its nodes replayed alternating
// between the two devices (node k on the first when k is even), against the model all on the
// first; the extra latency over the edges that alternation cuts is the cut's cost (link kind
// "cut"), which the planner charges each tensor crossing. A lower bound where the model has
// branches the alternation overlaps.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "ir/graph.h"
#include "profiler/profile.h"
#include "runtime/device.h"

namespace profiler {

// Per ordered pair of CPU devices on disjoint pinned cores: the cost per cut edge for `graph`
// (shapes resolved), appended to `per_pair` (one value per batch). `timed_us` grows by the
// time spent.
// The replays themselves go to `alternating`.
void measure_cut_edges(const ir::Graph& graph, const std::vector<runtime::Device*>& devices, std::map<std::pair<std::string, std::string>, std::vector<double>>& per_pair,
                       std::vector<BatchProfile::Alternating>& alternating, double& timed_us);

// The links of `per_pair`: the median of each pair's values.
std::vector<LinkProfile> cut_links(const std::map<std::pair<std::string, std::string>, std::vector<double>>& per_pair);

}  // namespace profiler
