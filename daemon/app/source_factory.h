// The production composition of the source seam: each source library's factory registered by
// source type, for the engine (the daemon and `slamon eval`). Thread-safe once built.
#pragma once

#include "sources/metric_source.h"

namespace slamon {

namespace snmp {
class SnmpService;
}

// Prometheus sources over HTTP, and SNMP sources answered from `snmp`'s sample history (which
// must outlive the factory and its sources; nullptr: SNMP sources are not available).
SourceFactory production_source_factory(snmp::SnmpService* snmp);

}  // namespace slamon
