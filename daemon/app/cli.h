// The `slamon` command line (SPEC §1): run, check config, eval --once, backtest, version.
// Parses arguments and dispatches; returns the process exit code. Not thread-safe (call once,
// from main).
#pragma once

namespace slamon {

int run_cli(int argc, char** argv);

}  // namespace slamon
