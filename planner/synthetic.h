#pragma once
// Random planning problems with known structure, for the planner's tests and benchmarks (one
// definition of the cost regimes that the optimality gaps and speeds in bench/README.md are
// measured on).
#include <random>

#include "planner/problem.h"

namespace planner {

// `n` nodes over cpu0, cpu1 (half cpu0's speed) and, with `gpu`, gpu2 behind a link of
// 8 us + 2 bytes/us; each node reads 1-2 earlier nodes' outputs; times 5-100 us, tensors
// 16-400 bytes. `gpu_speedup` scales the GPU's times down; one node in six cannot run there.
Problem random_dag(std::mt19937& rng, int n, bool gpu, double gpu_speedup);

// A large model-like DAG: each node reads one to three of the 20 nodes before it (branches
// and joins, as in a CNN with skip connections or a transformer), on cpu0 (2 threads), cpu1
// (1 thread) and a GPU that runs 5 of 6 node kinds, 4x faster, behind a 10 us + 25 GB/s link
// (tensors of 1 KiB-1 MiB, times 2-200 us).
Problem synthetic_dag(int n, unsigned seed);

// `n` nodes in order on cpu0, cpu1 and a GPU behind a 5 us + 4 bytes/us link, each reading the
// one before; with `dag`, a node may also read an earlier node's output (crossing several cuts).
// For the pipeline DP against brute force.
Problem random_pipeline_problem(std::mt19937& rng, int n, bool dag);

}  // namespace planner
