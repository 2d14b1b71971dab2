#include "app/source_factory.h"

#include "prometheus/prometheus_source.h"
#include "snmp/snmp_service.h"

namespace slamon {

SourceFactory production_source_factory(snmp::SnmpService* snmp) {
  SourceRegistry registry;
  registry.add(SourceType::prometheus, make_prometheus_source);
  if (snmp != nullptr) registry.add(SourceType::snmp, snmp->source_factory());
  return registry.factory();
}

}  // namespace slamon
