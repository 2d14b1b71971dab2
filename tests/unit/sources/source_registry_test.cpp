// SourceRegistry: each source library registers its factory by source type; the engine gets
// one composed factory and never names a concrete source.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "sources/metric_source.h"

namespace slamon {
namespace {

class NamedSource final : public MetricSource {
 public:
  explicit NamedSource(std::string name) : name_(std::move(name)) {}
  const std::string& name() const override { return name_; }
  Result<QueryResult> query(const MetricQuery&, WallTime) override { return QueryResult{}; }

 private:
  std::string name_;
};

SourceConfig source(const std::string& name, SourceType type) {
  SourceConfig config;
  config.name = name;
  config.type = type;
  return config;
}

SourceFactory named_factory(const std::string& prefix) {
  return [prefix](const SourceConfig& config) -> MetricSourcePtr {
    return std::make_shared<NamedSource>(prefix + config.name);
  };
}

TEST(SourceRegistry, CreatesEachSourceWithItsTypesFactory) {
  SourceRegistry registry;
  registry.add(SourceType::prometheus, named_factory("prom:"))
      .add(SourceType::snmp, named_factory("snmp:"));
  EXPECT_EQ(registry.create(source("a", SourceType::prometheus))->name(), "prom:a");
  EXPECT_EQ(registry.create(source("b", SourceType::snmp))->name(), "snmp:b");
}

TEST(SourceRegistry, ATypeWithoutFactoryHasNoSource) {
  SourceRegistry registry;
  registry.add(SourceType::prometheus, named_factory("prom:"));
  EXPECT_EQ(registry.create(source("b", SourceType::snmp)), nullptr);
  registry.add(SourceType::snmp, nullptr);
  EXPECT_EQ(registry.create(source("b", SourceType::snmp)), nullptr);
}

TEST(SourceRegistry, FactoryIsASnapshotOfTheRegistry) {
  SourceRegistry registry;
  registry.add(SourceType::prometheus, named_factory("prom:"));
  const SourceFactory factory = registry.factory();
  registry.add(SourceType::snmp, named_factory("snmp:"));
  EXPECT_EQ(factory(source("a", SourceType::prometheus))->name(), "prom:a");
  EXPECT_EQ(factory(source("b", SourceType::snmp)), nullptr);
}

}  // namespace
}  // namespace slamon
