#include "sources/metric_source.h"

namespace slamon {

SourceRegistry& SourceRegistry::add(SourceType type, SourceFactory factory) {
  factories_[type] = std::move(factory);
  return *this;
}

MetricSourcePtr SourceRegistry::create(const SourceConfig& config) const {
  const auto it = factories_.find(config.type);
  if (it == factories_.end() || !it->second) return nullptr;
  return it->second(config);
}

SourceFactory SourceRegistry::factory() const {
  return [registry = *this](const SourceConfig& config) { return registry.create(config); };
}

}  // namespace slamon
