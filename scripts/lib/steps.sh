# Sourced by the README's commands (scripts/demo, scripts/test) and scripts/fresh-check.
# `step NAME CMD...` says what it is doing, runs CMD, and on failure stops the script with one
# line that names the step (the failing tool's own error is already above it).
# The caller sets step_script (its name, for the messages) and step_total; step_times prints
# how long each step took.
step_index=0
step_seconds=()
step() {
  local name=$1 rc=0 started=$SECONDS
  shift
  step_index=$((step_index + 1))
  echo "${step_script}: [${step_index}/${step_total}] ${name}"
  "$@" || rc=$?
  step_seconds+=("$(printf '%6d s  %s' $((SECONDS - started)) "$name")")
  if (( rc != 0 )); then
    echo "${step_script}: FAILED at step ${step_index}/${step_total} '${name}' (exit ${rc})" >&2
    exit "$rc"
  fi
}
step_times() {
  printf '%s: time per step\n' "$step_script"
  printf '  %s\n' "${step_seconds[@]}"
}
