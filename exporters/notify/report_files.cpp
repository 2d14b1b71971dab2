#include "notify/report_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <utility>

#include "notify/text.h"

namespace slamon::notify {
namespace {

using Kind = FileProblem::Kind;

constexpr std::size_t kMaxReportIdBytes = 64;
constexpr std::size_t kMaxSlugBytes = 40;  // keeps the Content-Disposition line within 78
constexpr std::string_view kChartFileName = "daily-compliance.png";

// Lower-case ASCII letters and digits; every other run of bytes (spaces, punctuation, UTF-8
// letters) one '-'.
std::string slug(std::string_view text) {
  std::string out;
  for (const char raw : text) {
    const auto c = static_cast<unsigned char>(raw);
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      out += static_cast<char>(c);
    } else if (c >= 'A' && c <= 'Z') {
      out += static_cast<char>(c - 'A' + 'a');
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
    if (out.size() >= kMaxSlugBytes) break;
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

std::string size_words(std::uint64_t bytes) {
  constexpr std::uint64_t kMebibyte = 1024 * 1024;
  if (bytes < kMebibyte) return std::to_string((bytes + 1023) / 1024) + " KiB";
  return format_number(static_cast<double>(bytes * 10 / kMebibyte) / 10.0) + " MiB";
}

}  // namespace

bool is_report_file_id(std::string_view id) {
  return !id.empty() && id.size() <= kMaxReportIdBytes &&
         std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
         });
}

std::string_view report_content_type(std::string_view format) {
  if (format == "pdf") return "application/pdf";
  if (format == "csv") return "text/csv; charset=utf-8";
  return {};
}

std::string report_attachment_name(const ReportView& report) {
  std::string name = "sla-report";
  if (const std::string title = slug(report.title); !title.empty()) name += '-' + title;
  // The date is the local one slamon wrote ("2026-11-01"); checked anyway, it goes in a header.
  const bool date_ok = report.period_start_date.size() == 10 &&
                       std::all_of(report.period_start_date.begin(), report.period_start_date.end(),
                                   [](char c) { return (c >= '0' && c <= '9') || c == '-'; });
  if (date_ok) name += '-' + report.period_start_date;
  return name + '.' + (report.format == "csv" ? "csv" : "pdf");
}

std::expected<FileContent, FileProblem> read_bounded_file(const std::filesystem::path& path,
                                                          std::uint64_t max_bytes) {
  // O_NONBLOCK: opening a FIFO planted under the name must not hang the lane; it is refused
  // below as not a regular file.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    const int error = errno;
    if (error == ENOENT) return std::unexpected(FileProblem{Kind::missing, "no such file"});
    if (error == ELOOP) return std::unexpected(FileProblem{Kind::refused, "a symbolic link"});
    return std::unexpected(FileProblem{Kind::failed, std::strerror(error)});
  }
  // The stream owns the descriptor from here on and closes it.
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(::fdopen(fd, "rb"), &std::fclose);
  if (!file) {
    const int error = errno;
    ::close(fd);
    return std::unexpected(FileProblem{Kind::failed, std::strerror(error)});
  }
  struct stat status {};
  if (::fstat(fd, &status) != 0) {
    return std::unexpected(FileProblem{Kind::failed, std::strerror(errno)});
  }
  if (!S_ISREG(status.st_mode)) {
    return std::unexpected(FileProblem{Kind::refused, "not a regular file"});
  }
  FileContent content;
  content.size = static_cast<std::uint64_t>(status.st_size);
  if (content.size > max_bytes) {
    content.too_large = true;
    return content;
  }
  content.bytes.resize(static_cast<std::size_t>(content.size));
  // A file that shrank while being read gives what is there.
  const std::size_t filled = std::fread(content.bytes.data(), 1, content.bytes.size(), file.get());
  if (std::ferror(file.get()) != 0) {
    return std::unexpected(FileProblem{Kind::failed, "a read error"});
  }
  content.bytes.resize(filled);
  return content;
}

std::expected<ReportMailParts, ReportMailProblem> read_report_mail_parts(
    const ReportView& report, const std::filesystem::path& reports_dir) {
  if (!is_report_file_id(report.report_id)) {
    return std::unexpected(
        ReportMailProblem{true, "the report id is not a plain [a-z0-9-] token; nothing read"});
  }
  const std::string_view content_type = report_content_type(report.format);
  if (content_type.empty()) {
    return std::unexpected(ReportMailProblem{true, "the report format is neither pdf nor csv"});
  }
  ReportMailParts parts;
  if (reports_dir.empty()) return parts;

  auto file = read_bounded_file(reports_dir / (report.report_id + '.' + report.format),
                                kMaxReportAttachmentBytes);
  if (!file) {
    if (file.error().kind == FileProblem::Kind::missing) {
      return std::unexpected(ReportMailProblem{true, "the report file no longer exists"});
    }
    // A link or a device where slamon wrote a file: someone swapped it; it is never mailed.
    return std::unexpected(
        ReportMailProblem{file.error().kind == FileProblem::Kind::refused,
                          "the report file cannot be read: " + file.error().detail});
  }
  const std::string name = report_attachment_name(report);
  if (file->too_large) {
    parts.note = "The report (" + size_words(file->size) +
                 ") is not attached: it is larger than the " +
                 size_words(kMaxReportAttachmentBytes) + " a mail may carry.";
  } else {
    parts.note = "The report is attached as " + name + '.';
    parts.attachment = MailAttachment{name, std::string(content_type), std::move(file->bytes)};
  }
  if (auto chart =
          read_bounded_file(reports_dir / (report.report_id + "-chart.png"), kMaxChartBytes);
      chart && !chart->too_large && !chart->bytes.empty()) {
    parts.chart = InlineImage{std::string(kChartFileName), std::move(chart->bytes)};
  }
  return parts;
}

}  // namespace slamon::notify
