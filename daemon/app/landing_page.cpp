#include "app/landing_page.h"

#include "slamon/build_info.h"

namespace slamon {

std::string render_landing_page(const std::string& /*external_url*/) {
  // Relative links work behind a reverse proxy with a path prefix, which external_url names.
  std::string page = R"(<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>slamon</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:48rem;color:#222}code{background:#f3f3f3;padding:0 .2rem}</style>
</head>
<body>
<h1>slamon</h1>
<p>SLA monitoring for network and device fleets.</p>
<p>Version <code>)";
  page += build::kVersion;
  page += "</code>, revision <code>";
  page += build::kRevision;
  page += "</code>, built ";
  page += build::kDate;
  page += R"(.</p>
<ul>
<li><a href="metrics">Metrics</a> (Prometheus exposition)</li>
<li><a href="-/healthy">Health</a></li>
<li><a href="-/ready">Readiness</a></li>
</ul>
</body>
</html>
)";
  return page;
}

}  // namespace slamon
