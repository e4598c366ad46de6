#pragma once
// Whether a thread with nothing to do may spin for a while before it sleeps.
//
// Spinning saves the tens of microseconds a wake-up costs, but only while the spinner has a
// core of its own. On a loaded machine (other processes, more threads than cores) a spinning
// thread takes time slices from the threads doing the work: a pipelined replay sharing two
// cores with two busy processes ran at 532 requests/s with its drivers spinning, 1,260 without
// spinning and 1,700-1,950 with this gate (6,100 unloaded either way). The kernel tells a
// thread when it was switched out while runnable (an involuntary context switch, which a
// sched_yield that found another runnable thread also counts). A kernel thread does that now
// and then on an idle machine too, so one such spin is not enough: when several of the last
// spins saw one, the gate stays shut for a while, then lets the thread try again.
#include <chrono>

namespace runtime {

class SpinGate {
 public:
  using Clock = std::chrono::steady_clock;
  explicit SpinGate(Clock::duration shut_after_contention = std::chrono::milliseconds(20)) : shut_for_(shut_after_contention) {}

  bool open(Clock::time_point now) const { return now >= shut_until_; }
  // Around one spin: the thread's involuntary switches before it, then whether it saw any.
  long before_spin() const;
  void after_spin(long switches_before, Clock::time_point now);
  // The same, told directly whether the spin was switched out (for tests).
  void record(bool contended, Clock::time_point now);

 private:
  static constexpr int contended_of_last_16 = 2;  // spins that saw a switch, to shut the gate
  Clock::duration shut_for_;
  unsigned recent_ = 0;  // one bit per spin, the latest lowest: it saw a switch
  Clock::time_point shut_until_{};
};

// The calling thread's involuntary context switches so far (getrusage RUSAGE_THREAD).
long involuntary_switches();

}  // namespace runtime
