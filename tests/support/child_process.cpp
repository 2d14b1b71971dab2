#include "support/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace slamon::testing {

bool ExitStatus::exited() const {
  return WIFEXITED(raw);
}

int ExitStatus::code() const {
  return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
}

bool ExitStatus::succeeded() const {
  return code() == 0;
}

std::string ExitStatus::describe() const {
  if (WIFEXITED(raw)) return "exited with status " + std::to_string(WEXITSTATUS(raw));
  if (WIFSIGNALED(raw)) return "killed by signal " + std::to_string(WTERMSIG(raw));
  return "ended with wait status " + std::to_string(raw);
}

std::string read_text_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string tail_text(const std::string& text, std::size_t max_bytes) {
  return text.size() <= max_bytes ? text : "..." + text.substr(text.size() - max_bytes);
}

std::vector<std::string> environment_with(const std::vector<std::string>& overrides) {
  std::vector<std::string> result;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const auto name = text.substr(0, text.find('=') + 1);
    const bool replaced = std::any_of(overrides.begin(), overrides.end(),
                                      [&](const std::string& o) { return o.starts_with(name); });
    if (!replaced) result.emplace_back(text);
  }
  result.insert(result.end(), overrides.begin(), overrides.end());
  return result;
}

Result<std::unique_ptr<ChildProcess>> ChildProcess::spawn(const std::vector<std::string>& argv,
                                                          const ChildOptions& options) {
  if (argv.empty()) return fail("no program to run");
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  std::vector<char*> environment;
  if (options.environment) {
    for (const auto& entry : *options.environment) {
      environment.push_back(const_cast<char*>(entry.c_str()));
    }
    environment.push_back(nullptr);
  }
  char** const child_environment = options.environment ? environment.data() : environ;
  const auto path_or_null = [](const std::filesystem::path& path) {
    return path.empty() ? std::string("/dev/null") : path.string();
  };
  const std::string out_path = path_or_null(options.stdout_file);
  const std::string err_path = path_or_null(options.stderr_file);
  const bool shared_output = out_path == err_path;
  const int output_flags = O_WRONLY | O_CREAT | (options.append ? O_APPEND : O_TRUNC);
  const std::string dir = options.working_dir.string();
  const pid_t parent = getpid();

  std::unique_ptr<ChildProcess> child(new ChildProcess());
  child->stdout_file_ = options.stdout_file;
  child->stderr_file_ = options.stderr_file;
  const pid_t pid = fork();
  if (pid < 0) return fail("fork failed: " + std::string(std::strerror(errno)));
  if (pid == 0) {
    // Only async-signal-safe calls from here on. The caller blocks no signals the child relies
    // on, but gtest or a previous child might have: start from an empty mask.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    if (setpgid(0, 0) != 0) _exit(126);
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) _exit(126);
    const int in = open("/dev/null", O_RDONLY);
    const int out = open(out_path.c_str(), output_flags, 0644);
    const int err = shared_output ? out : open(err_path.c_str(), output_flags, 0644);
    if (in < 0 || out < 0 || err < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) {
      _exit(126);
    }
    if (!dir.empty() && chdir(dir.c_str()) != 0) _exit(126);
    syscall(SYS_close_range, 3U, ~0U, 0U);
    execve(args[0], args.data(), child_environment);
    _exit(127);
  }
  child->pid_ = pid;
  return child;
}

Result<std::unique_ptr<ChildProcess>> ChildProcess::spawn(
    const std::vector<std::string>& argv, const std::filesystem::path& stdout_file,
    const std::filesystem::path& stderr_file, const std::filesystem::path& working_dir) {
  return spawn(argv, ChildOptions{.stdout_file = stdout_file,
                                  .stderr_file = stderr_file,
                                  .working_dir = working_dir});
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !poll_exit()) {
    kill(-pid_, SIGKILL);
    reap(0);
  }
}

bool ChildProcess::send_signal(int signal) const {
  return !exit_ && kill(pid_, signal) == 0;
}

std::optional<ExitStatus> ChildProcess::reap(int options) {
  if (exit_) return exit_;
  int status = 0;
  rusage usage{};
  for (;;) {
    const pid_t done = wait4(pid_, &status, options, &usage);
    if (done == pid_) {
      exit_ = ExitStatus{status};
      peak_rss_kib_ = usage.ru_maxrss;
      return exit_;
    }
    if (done == 0) return std::nullopt;
    if (errno != EINTR) {
      // Not our child any more (cannot happen with one owner); treat it as gone.
      exit_ = ExitStatus{-1};
      return exit_;
    }
  }
}

std::optional<ExitStatus> ChildProcess::poll_exit() {
  return reap(WNOHANG);
}

std::optional<ExitStatus> ChildProcess::wait_exit(std::chrono::milliseconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    if (auto status = poll_exit()) return status;
    if (std::chrono::steady_clock::now() >= until) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

ExitStatus ChildProcess::wait() {
  return *reap(0);
}

ExitStatus ChildProcess::stop(std::chrono::milliseconds grace) {
  if (send_signal(SIGTERM)) {
    if (auto status = wait_exit(grace)) return *status;
    kill(-pid_, SIGKILL);
  }
  return wait();
}

std::string ChildProcess::stdout_text() const {
  return read_text_file(stdout_file_);
}

std::string ChildProcess::stderr_text() const {
  return read_text_file(stderr_file_);
}

Result<CompletedRun> run_to_completion(const std::vector<std::string>& argv,
                                       const std::filesystem::path& dir, const std::string& name,
                                       std::chrono::milliseconds deadline) {
  auto child = ChildProcess::spawn(argv, dir / (name + ".stdout"), dir / (name + ".stderr"), dir);
  if (!child) return std::unexpected(child.error());
  const auto status = (*child)->wait_exit(deadline);
  if (!status) {
    return fail(name + ": did not end within " + std::to_string(deadline.count()) +
                " ms; stderr so far:\n" + (*child)->stderr_text());
  }
  return CompletedRun{*status, (*child)->stdout_text(), (*child)->stderr_text()};
}

}  // namespace slamon::testing
