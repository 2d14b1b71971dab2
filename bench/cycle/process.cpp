#include "process.h"

#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "support/child_process.h"

namespace slamon::bench {

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
    const std::string stat = testing::read_text_file(entry.path() / "stat");
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

}  // namespace slamon::bench
