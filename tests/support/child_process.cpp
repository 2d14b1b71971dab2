#include "integration/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace slamon::integration {

bool ExitStatus::exited() const {
  return WIFEXITED(raw);
}

int ExitStatus::code() const {
  return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
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

Result<std::unique_ptr<ChildProcess>> ChildProcess::spawn(
    const std::vector<std::string>& argv, const std::filesystem::path& stdout_file,
    const std::filesystem::path& stderr_file, const std::filesystem::path& working_dir) {
  if (argv.empty()) return fail("no program to run");
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  const std::string out_path = stdout_file.string();
  const std::string err_path = stderr_file.string();
  const std::string dir = working_dir.string();
  const pid_t parent = getpid();

  std::unique_ptr<ChildProcess> child(new ChildProcess());
  child->stdout_file_ = stdout_file;
  child->stderr_file_ = stderr_file;
  const pid_t pid = fork();
  if (pid < 0) return fail("fork failed: " + std::string(std::strerror(errno)));
  if (pid == 0) {
    // Only async-signal-safe calls from here on. The test blocks no signals the daemon relies
    // on, but gtest or a previous child might have: start from an empty mask.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) _exit(126);
    const int in = open("/dev/null", O_RDONLY);
    const int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || out < 0 || err < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) {
      _exit(126);
    }
    if (chdir(dir.c_str()) != 0) _exit(126);
    syscall(SYS_close_range, 3U, ~0U, 0U);
    execv(args[0], args.data());
    _exit(127);
  }
  child->pid_ = pid;
  return child;
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !exit_) {
    kill(pid_, SIGKILL);
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
}

bool ChildProcess::send_signal(int signal) const {
  return !exit_ && kill(pid_, signal) == 0;
}

std::optional<ExitStatus> ChildProcess::poll_exit() {
  if (exit_) return exit_;
  int status = 0;
  for (;;) {
    const pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      exit_ = ExitStatus{status};
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

std::optional<ExitStatus> ChildProcess::wait_exit(std::chrono::milliseconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    if (auto status = poll_exit()) return status;
    if (std::chrono::steady_clock::now() >= until) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
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

}  // namespace slamon::integration
