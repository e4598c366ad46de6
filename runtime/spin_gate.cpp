#include "runtime/spin_gate.h"

#include <sys/resource.h>

#include <bit>

namespace runtime {

long involuntary_switches() {
  rusage usage{};
  if (getrusage(RUSAGE_THREAD, &usage) != 0) return 0;
  return usage.ru_nivcsw;
}

long SpinGate::before_spin() const { return involuntary_switches(); }

void SpinGate::after_spin(long switches_before, Clock::time_point now) { record(involuntary_switches() > switches_before, now); }

void SpinGate::record(bool contended, Clock::time_point now) {
  recent_ = ((recent_ << 1) | (contended ? 1u : 0u)) & 0xFFFFu;
  if (std::popcount(recent_) >= contended_of_last_16) {
    shut_until_ = now + shut_for_;
    recent_ = 0;
  }
}

}  // namespace runtime
