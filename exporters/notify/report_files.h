// The files of a rendered report that the SMTP notifier mails with an sla.report.ready event
// (SPEC §10): the report itself, `<reports dir>/<report id>.<pdf|csv>`, and its daily-compliance
// chart, `<reports dir>/<report id>-chart.png`. File names are made from the report's id and
// format only (never from the event's file_name), the id must be a plain [a-z0-9-] token, and
// files are opened without following a symbolic link, so an event cannot make slamon mail any
// other file. Functions over the file system; thread-safe.
#pragma once

#include <cstdint>
#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "notify/message.h"

namespace slamon::notify {

// A report file above this is not attached: the mail says so and gives the link instead.
// Mail servers commonly refuse messages over 10 to 25 MB, and base64 adds a third.
inline constexpr std::uint64_t kMaxReportAttachmentBytes = 10 * 1024 * 1024;
// A chart is a few tens of kilobytes; anything far larger is not the chart slamon drew.
inline constexpr std::uint64_t kMaxChartBytes = 4 * 1024 * 1024;

// True for an id slamon may build a file name from: 1 to 64 of [a-z0-9-] (a UUID or a slug).
bool is_report_file_id(std::string_view id);

// "application/pdf" for "pdf", "text/csv; charset=utf-8" for "csv", "" for anything else.
std::string_view report_content_type(std::string_view format);

// The name a recipient sees for the attachment, generated and ASCII only:
// "sla-report-<slug of the title>-<first day of the period>.<format>", e.g.
// "sla-report-monthly-sla-report-2026-11-01.pdf".
std::string report_attachment_name(const ReportView& report);

struct FileContent {
  bool too_large = false;  // over the limit: not read, `bytes` empty
  std::uint64_t size = 0;  // the file's size
  std::string bytes;
};

// Why a file was not read: there is none; it is not what slamon writes there (a symbolic
// link, a FIFO, a directory), so it must never be read; or reading it failed.
struct FileProblem {
  enum class Kind { missing, refused, failed };
  Kind kind = Kind::failed;
  std::string detail;  // "no such file", "a symbolic link", "Permission denied", ...
};

// Reads the regular file at `path` unless it is larger than `max_bytes`. Opened with
// O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK: a symbolic link or a FIFO is refused, never read.
std::expected<FileContent, FileProblem> read_bounded_file(const std::filesystem::path& path,
                                                          std::uint64_t max_bytes);

struct MailAttachment {
  std::string file_name;     // report_attachment_name()
  std::string content_type;  // report_content_type()
  std::string bytes;
};

struct InlineImage {
  std::string file_name;  // "daily-compliance.png"
  std::string bytes;      // a PNG
};

// What a report mail carries beside its text.
struct ReportMailParts {
  std::optional<MailAttachment> attachment;
  std::optional<InlineImage> chart;
  // One sentence for the body about the attachment ("The report is attached as …", "… is not
  // attached: it is larger than 10 MiB."); "" when nothing needs saying.
  std::string note;
};

// Why a report mail cannot be sent now (`permanent`: never, the delivery is dead).
struct ReportMailProblem {
  bool permanent = true;
  std::string detail;
};

// Reads the files of `report` from `reports_dir`. An id that is not a plain token, a format
// other than pdf or csv, and a missing or refused report file are permanent problems; another
// read error (an I/O error) is worth a retry. A missing or unreadable chart only leaves the
// picture out. An empty `reports_dir` attaches nothing (the mail carries the link only).
std::expected<ReportMailParts, ReportMailProblem> read_report_mail_parts(
    const ReportView& report, const std::filesystem::path& reports_dir);

}  // namespace slamon::notify
