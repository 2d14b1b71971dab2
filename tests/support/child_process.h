// ChildProcess: a program run by a test or a benchmark (the real `slamon` binary, Prometheus,
// promtool, snmpd, a peer server), with stdin from /dev/null and stdout / stderr sent to files
// (or /dev/null). The child leads its own process group; when the object goes away a child
// still running is killed (SIGKILL to the whole group, so whatever it started goes too) and
// reaped, so no path leaves it running. It also gets PR_SET_PDEATHSIG, so it dies with the
// thread that started it if the test itself crashes. run_to_completion() runs a short command
// (check config, eval, version, promtool) the same way.
// Not thread-safe (one owner); create and destroy it on the same thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace slamon::testing {

// How a child ended, from waitpid's status.
struct ExitStatus {
  int raw = 0;

  bool exited() const;
  int code() const;              // the exit code; -1 when killed by a signal
  bool succeeded() const;        // exited with status 0
  std::string describe() const;  // "exited with status 1", "killed by signal 9"
};

// Every field has a default member initializer, so designated initializers may leave any out.
struct ChildOptions {
  // Where the child's stdout and stderr go; empty is /dev/null. The same path for both puts
  // them in one file.
  std::filesystem::path stdout_file{};
  std::filesystem::path stderr_file{};
  bool append = false;                  // add to the files rather than starting them empty
  std::filesystem::path working_dir{};  // empty: this process's
  // The child's whole environment ("NAME=value"); nullopt: this process's. See environment_with.
  std::optional<std::vector<std::string>> environment{};
};

class ChildProcess {
 public:
  // Starts `argv` (argv[0] is a path, not looked up in PATH).
  static Result<std::unique_ptr<ChildProcess>> spawn(const std::vector<std::string>& argv,
                                                     const ChildOptions& options);
  // Output in two files, started in `working_dir`.
  static Result<std::unique_ptr<ChildProcess>> spawn(const std::vector<std::string>& argv,
                                                     const std::filesystem::path& stdout_file,
                                                     const std::filesystem::path& stderr_file,
                                                     const std::filesystem::path& working_dir);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  // Sends `signal` to the child itself (not its group); false once it has ended.
  bool send_signal(int signal) const;
  // The exit status once the process ended (reaping it), without blocking.
  std::optional<ExitStatus> poll_exit();
  // Waits until the process ends or `deadline` passes.
  std::optional<ExitStatus> wait_exit(std::chrono::milliseconds deadline);
  // Waits as long as the process runs.
  ExitStatus wait();
  // SIGTERM, then SIGKILL to the group when it has not ended after `grace`.
  ExitStatus stop(std::chrono::milliseconds grace);
  // The child's peak resident set over its whole life (ru_maxrss, KiB), once it has ended.
  std::optional<long> peak_rss_kib() const { return peak_rss_kib_; }

  std::string stdout_text() const;
  std::string stderr_text() const;

 private:
  ChildProcess() = default;
  std::optional<ExitStatus> reap(int options);

  pid_t pid_ = -1;
  std::optional<ExitStatus> exit_;
  std::optional<long> peak_rss_kib_;
  std::filesystem::path stdout_file_;
  std::filesystem::path stderr_file_;
};

struct CompletedRun {
  ExitStatus status;
  std::string out;
  std::string err;
};

// Runs `argv` to its end, capturing its output in files named after `name` in `dir`. Fails
// when the program cannot start or has not ended within `deadline` (it is then killed).
Result<CompletedRun> run_to_completion(
    const std::vector<std::string>& argv, const std::filesystem::path& dir, const std::string& name,
    std::chrono::milliseconds deadline = std::chrono::seconds(30));

// This process's environment with `overrides` ("NAME=value") replacing same-named entries.
std::vector<std::string> environment_with(const std::vector<std::string>& overrides);

std::string read_text_file(const std::filesystem::path& path);
// The last `max_bytes` of `text` (a log in a failure message), marked "..." when cut.
std::string tail_text(const std::string& text, std::size_t max_bytes = 4000);

}  // namespace slamon::testing
