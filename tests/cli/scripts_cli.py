#!/usr/bin/env python3
"""The README's commands stop at the first failure: scripts/build, scripts/demo and scripts/test.

Usage: python tests/cli/scripts_cli.py SOURCE_DIR

The repository's own scripts/build, scripts/demo, scripts/test and scripts/lib/ are copied into a
scratch project whose CMakeLists.txt is tiny (one C++ file builds build/cli/partplan) and whose
scripts/setup installs nothing (scripts/fresh-check proves the real one). Then, in order:
- a configure that fails (a find_package of a package that is not there) makes scripts/build
  exit non-zero with CMake's error and a line naming the step; once the cause is gone, the next
  scripts/build configures again and builds (the old script kept the failed CMakeCache.txt and
  never configured again, then returned 0);
- a configure interrupted before it wrote its Makefile is redone; a finished one is not;
- a compile error makes scripts/build, scripts/demo and scripts/test exit non-zero, with the
  compiler's error and one line naming the failed step, and the demo never runs the binary that
  an earlier build left behind;
- fixed again, scripts/demo runs every step and exits 0 (so the checks above can tell).
Prints `ok NAME` / `FAIL NAME: why`; exits 1 on any failure.
"""
import os
import shutil
import subprocess
import sys
import tempfile

from cli_checks import Tally

CMAKELISTS = """cmake_minimum_required(VERSION 3.25)
project(tiny LANGUAGES CXX)
option(PARTPLAN_WERROR "" OFF)
option(PARTPLAN_SANITIZE "" OFF)
option(PARTPLAN_FUZZ "" OFF)
option(PARTPLAN_CUDA "" OFF)
if(EXISTS ${CMAKE_SOURCE_DIR}/configure_fails)
  find_package(PartplanMissingPackage REQUIRED)
endif()
add_executable(partplan cli/main.cpp)
set_target_properties(partplan PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/cli)
"""

# What the binary prints is split in the source, so a compiler error quoting the line never shows it.
RAN = "tiny-partplan-ran"
GOOD_MAIN = '#include <cstdio>\nint main() { std::puts("tiny-partplan" "-ran"); return 0; }\n'
BAD_MAIN = '#include <cstdio>\nint main() { std::puts("tiny-partplan" "-ran") return 0; }\n'  # missing ';'


def main():
    source = sys.argv[1]
    tally = Tally()
    check = tally.check

    with tempfile.TemporaryDirectory() as project:
        os.makedirs(os.path.join(project, "scripts"))
        for name in ("build", "demo", "test"):
            shutil.copy2(os.path.join(source, "scripts", name), os.path.join(project, "scripts", name))
        shutil.copytree(os.path.join(source, "scripts", "lib"), os.path.join(project, "scripts", "lib"))
        setup = os.path.join(project, "scripts", "setup")
        with open(setup, "w") as f:
            f.write("#!/usr/bin/env bash\necho 'setup: nothing to install (scratch project)'\n")
        os.chmod(setup, 0o755)
        with open(os.path.join(project, "CMakeLists.txt"), "w") as f:
            f.write(CMAKELISTS)
        os.makedirs(os.path.join(project, "cli"))
        main_cpp = os.path.join(project, "cli", "main.cpp")
        binary = os.path.join(project, "build", "cli", "partplan")
        marker = os.path.join(project, "configure_fails")

        def write_main(text):
            with open(main_cpp, "w") as f:
                f.write(text)

        def script(name):
            env = {k: v for k, v in os.environ.items() if not k.startswith(("ASAN_", "UBSAN_", "LSAN_"))}
            p = subprocess.run([os.path.join(project, "scripts", name)], capture_output=True, text=True, timeout=600, env=env)
            return p.returncode, p.stdout, p.stderr

        def last_line(text):
            lines = [l for l in text.strip().splitlines() if l]
            return lines[-1] if lines else ""

        # 1. A failed configure, then the same command once its cause is gone.
        write_main(GOOD_MAIN)
        open(marker, "w").close()
        rc, out, err = script("build")
        check("failed_configure_exits_nonzero", rc != 0, f"exit {rc}")
        check("failed_configure_shows_cmake_error", "PartplanMissingPackage" in err, err[-400:])
        check("failed_configure_names_step", last_line(err).startswith("build: FAILED configuring build/"), last_line(err))
        os.remove(marker)
        rc, out, err = script("build")
        check("configures_again_after_failure", rc == 0 and "build: configuring build/" in out and os.access(binary, os.X_OK),
              f"exit {rc}: {err[-400:]}")
        rc, out, err = script("build")
        check("finished_configure_reused", rc == 0 and "configuring" not in out, f"exit {rc}: {out[-300:]}")

        # 2. A configure interrupted before its end: a cache, but no Makefile and no stamp.
        os.remove(os.path.join(project, "build", "Makefile"))
        os.remove(os.path.join(project, "build", ".partplan-configured"))
        rc, out, err = script("build")
        check("interrupted_configure_redone", rc == 0 and "build: configuring build/" in out, f"exit {rc}: {err[-400:]}")

        # 3. A compile error, with a binary from the last good build still there.
        write_main(BAD_MAIN)
        rc, out, err = script("build")
        both = out + err
        check("compile_error_build_exits_nonzero", rc != 0, f"exit {rc}")
        check("compile_error_shown", "error:" in both and "main.cpp" in both, both[-400:])
        check("compile_error_names_step", last_line(err).startswith("build: FAILED building build/"), last_line(err))
        rc, out, err = script("demo")
        check("compile_error_demo_exits_nonzero", rc != 0, f"exit {rc}")
        check("compile_error_demo_names_step",
              last_line(err).startswith("demo: FAILED at step 2/") and "scripts/build" in last_line(err), last_line(err))
        check("demo_never_runs_stale_binary", "$ partplan" not in out and RAN not in out, out[-300:])
        rc, out, err = script("test")
        check("compile_error_test_exits_nonzero", rc != 0, f"exit {rc}")
        check("compile_error_test_names_step",
              last_line(err).startswith("test: FAILED at step 2/") and "scripts/build" in last_line(err), last_line(err))

        # 4. Fixed: the demo goes through every step (the checks above can tell a pass).
        write_main(GOOD_MAIN)
        rc, out, err = script("demo")
        steps = [l for l in out.splitlines() if l.startswith("demo: [")]
        total = steps[0].split("/")[1].split("]")[0] if steps else "?"
        check("demo_runs_every_step_when_build_works",
              rc == 0 and RAN in out and total.isdigit() and len(steps) == int(total), f"exit {rc}, {len(steps)} steps of {total}: {err[-300:]}")
    return tally.exit_code()


if __name__ == "__main__":
    sys.exit(main())
