// ChildProcess: a program run by an integration test (the real `slamon` binary), with stdin
// from /dev/null and stdout / stderr captured to files. The process is killed (SIGKILL) and
// reaped when the object goes away unless it already ended, so no test path leaves it running;
// it also gets PR_SET_PDEATHSIG, so it dies with the thread that started it if the test itself
// crashes. run_to_completion() runs a short command (check config, eval, version) the same way.
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

namespace slamon::integration {

// How a child ended, from waitpid's status.
struct ExitStatus {
  int raw = 0;

  bool exited() const;
  int code() const;              // the exit code; -1 when killed by a signal
  std::string describe() const;  // "exited with status 1", "killed by signal 9"
};

class ChildProcess {
 public:
  // Starts `argv` (argv[0] is a path, not looked up in PATH) in `working_dir`.
  static Result<std::unique_ptr<ChildProcess>> spawn(const std::vector<std::string>& argv,
                                                     const std::filesystem::path& stdout_file,
                                                     const std::filesystem::path& stderr_file,
                                                     const std::filesystem::path& working_dir);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool send_signal(int signal) const;
  // The exit status once the process ended (reaping it), without blocking.
  std::optional<ExitStatus> poll_exit();
  // Waits until the process ends or `deadline` passes.
  std::optional<ExitStatus> wait_exit(std::chrono::milliseconds deadline);

  std::string stdout_text() const;
  std::string stderr_text() const;

 private:
  ChildProcess() = default;

  pid_t pid_ = -1;
  std::optional<ExitStatus> exit_;
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

std::string read_text_file(const std::filesystem::path& path);

}  // namespace slamon::integration
