#include "process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace slamon::bench {
namespace {

std::string describe_exit(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "ended";
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::optional<long> proc_status_kib(pid_t pid, std::string_view field) {
  const std::string path =
      pid == 0 ? "/proc/self/status" : "/proc/" + std::to_string(pid) + "/status";
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.starts_with(field) || line.size() <= field.size() || line[field.size()] != ':') {
      continue;
    }
    std::string_view rest(line);
    rest.remove_prefix(field.size() + 1);
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
    long kib = 0;
    if (std::from_chars(rest.data(), rest.data() + rest.size(), kib).ec != std::errc()) break;
    return kib;
  }
  return std::nullopt;
}

bool reset_peak_rss() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  return static_cast<bool>(out.flush());
}

std::optional<pid_t> child_named(std::string_view name) {
  const pid_t self = getpid();
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", error)) {
    const std::string pid_text = entry.path().filename().string();
    pid_t pid = 0;
    if (std::from_chars(pid_text.data(), pid_text.data() + pid_text.size(), pid).ec !=
        std::errc()) {
      continue;
    }
    // /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces, so split at the last ')'.
    const std::string stat = read_text(entry.path() / "stat");
    const std::size_t close = stat.rfind(')');
    const std::size_t open = stat.find('(');
    if (open == std::string::npos || close == std::string::npos || close + 4 > stat.size()) {
      continue;
    }
    if (std::string_view(stat).substr(open + 1, close - open - 1) != name) continue;
    std::istringstream rest(stat.substr(close + 2));
    char state = 0;
    pid_t parent = 0;
    if (rest >> state >> parent && parent == self) return pid;
  }
  return std::nullopt;
}

Result<std::unique_ptr<ChildProcess>> ChildProcess::start(
    const std::vector<std::string>& argv, const std::filesystem::path& log,
    const std::vector<std::string>& extra_environment) {
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  std::vector<char*> environment;
  for (char** variable = environ; *variable != nullptr; ++variable) {
    environment.push_back(*variable);
  }
  for (const auto& variable : extra_environment) {
    environment.push_back(const_cast<char*>(variable.c_str()));
  }
  environment.push_back(nullptr);
  const std::string log_path = log.string();
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) return fail("fork failed: " + std::string(std::strerror(errno)));
  if (pid == 0) {
    // Only async-signal-safe calls from here on.
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) _exit(126);
    const int out = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int in = open("/dev/null", O_RDONLY);
    if (out < 0 || in < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0) _exit(126);
    syscall(SYS_close_range, 3U, ~0U, 0U);
    execve(args[0], args.data(), environment.data());
    _exit(127);
  }
  return std::unique_ptr<ChildProcess>(new ChildProcess(pid, log));
}

void ChildProcess::reap(int options) {
  if (status_) return;
  int status = 0;
  rusage usage{};
  for (;;) {
    const pid_t done = wait4(pid_, &status, options, &usage);
    if (done == pid_) {
      status_ = status;
      peak_rss_kib_ = usage.ru_maxrss;
      return;
    }
    if (done == 0 || errno != EINTR) return;
  }
}

bool ChildProcess::running() {
  reap(WNOHANG);
  return !status_;
}

std::string ChildProcess::log() const {
  return read_text(log_);
}

std::string ChildProcess::stop(std::chrono::milliseconds grace) {
  if (running()) {
    kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + grace;
    while (running() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (running()) kill(pid_, SIGKILL);
  }
  return wait();
}

std::string ChildProcess::wait() {
  reap(0);
  return status_ ? describe_exit(*status_) : "lost";
}

ChildProcess::~ChildProcess() {
  if (running()) {
    kill(pid_, SIGKILL);
    reap(0);
  }
}

}  // namespace slamon::bench
