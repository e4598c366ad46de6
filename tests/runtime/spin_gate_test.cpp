// SpinGate: shut after several contended spins among the last 16, open again later.
#include <doctest/doctest.h>

#include "runtime/spin_gate.h"

using runtime::SpinGate;
using namespace std::chrono_literals;

TEST_CASE("spin gate: one contended spin is noise, two shut it for a while") {
  SpinGate gate(20ms);
  const SpinGate::Clock::time_point t0{};
  CHECK(gate.open(t0));
  gate.record(true, t0);
  for (int i = 0; i < 20; ++i) gate.record(false, t0);
  CHECK(gate.open(t0));  // the contended spin has left the window of 16
  gate.record(true, t0);
  gate.record(false, t0);
  CHECK(gate.open(t0));
  gate.record(true, t0 + 1ms);
  CHECK_FALSE(gate.open(t0 + 1ms));
  CHECK_FALSE(gate.open(t0 + 20ms));
  CHECK(gate.open(t0 + 21ms));
  gate.record(true, t0 + 21ms);  // the history was cleared when it shut
  CHECK(gate.open(t0 + 21ms));
}

TEST_CASE("spin gate: a thread's involuntary switches are counted") {
  const long before = runtime::involuntary_switches();
  CHECK(before >= 0);
  CHECK(runtime::involuntary_switches() >= before);
}
