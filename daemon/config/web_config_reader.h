// The reader of --web.config.file, the exporter-toolkit file that puts slamon's whole HTTP
// listener behind TLS and/or basic auth (SPEC §1, §8). It reads the file strictly — unknown
// keys and exporter-toolkit keys slamon does not implement are errors with FILE:LINE:COL — and
// loads the certificate, key and client CA files it names, so a broken file is reported when
// the configuration is loaded, not at the first handshake. The result is the plain
// http::WebConfig the HTTP server applies. Stateless; thread-safe.
#pragma once

#include <string>

#include "common/result.h"
#include "http/web_config.h"

namespace slamon {

// Reads and checks `path`. On failure the message holds every problem, one per line, as
// "FILE:LINE:COL: PATH: message".
Result<http::WebConfig> load_web_config(const std::string& path);

}  // namespace slamon
