#!/usr/bin/env python3
"""Checks that includes run one way: from outputs and tools down to the core, never up and
never from one output to another (docs/ARCHITECTURE.md, "Who may include whom").

Every folder under daemon/ and exporters/ is a component with a layer; a file may include a
component of a lower layer, or its own. Outputs are one layer and may not include each other,
except that the notification pipeline (notify <- routing <- delivery) is one output. A folder
that is not in LAYERS fails the check, so a new component has to be placed on purpose.

  check_layers.py --source-dir DIR             check the tree
  check_layers.py --source-dir DIR --self-test check that the rules catch what they should
"""
import argparse
import os
import re
import sys

# Lower number: lower layer. Components of one layer may not include each other unless the
# pair is listed in ALLOWED_SIDEWAYS.
LAYERS = {
    "common": 0,
    "model": 1,
    "sla": 2,
    "http": 2,  # a plain WebConfig struct in; config/ reads the YAML
    "config": 3,
    "auth": 4,
    "store": 4,
    "httpclient": 4,
    "history": 5,
    "maintenance": 6,
    "sources": 6,  # the seam: MetricSource, the typed query, the factory type
    "prometheus": 7,
    "snmp": 7,
    "engine": 8,
    "slaview": 9,  # the SLA read model
    # outputs
    "metrics": 10,
    "api": 10,
    "status": 10,
    "notify": 10,
    "routing": 10,
    "delivery": 10,
    "reports": 10,
    # tools and wiring
    "backtest": 11,
    "app": 12,
}

OUTPUTS = {name for name, layer in LAYERS.items() if layer == 10}

# Sideways includes that are one piece of the flow: the notification pipeline.
ALLOWED_SIDEWAYS = {
    ("routing", "notify"),
    ("delivery", "notify"),
    ("delivery", "routing"),
}

# Concrete sources sit behind the seam: only the wiring (app, backtest) creates them, and
# /metrics shows the SNMP pollers' own target status.
CONCRETE_SOURCES = {"prometheus", "snmp"}
MAY_NAME_CONCRETE_SOURCES = {"app", "backtest", "metrics"}

# What an output may read of the engine: its published values, never its internals.
ENGINE_PUBLISHED = {"engine/engine.h", "engine/snapshot.h"}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def component_of_path(relative):
    """'sources/prometheus/x.h' -> 'sources/prometheus'; 'api/x.h' -> 'api'."""
    parts = relative.split("/")
    if len(parts) >= 3 and "/".join(parts[:2]) in LAYERS:
        return "/".join(parts[:2])
    return parts[0]


def problems_of(source_component, include):
    """Why `source_component` may not include `include`, or None."""
    if "/" not in include:
        return None  # a generated or same-folder header
    target = component_of_path(include)
    if target not in LAYERS:
        return None  # a system or third-party header spelled with quotes
    if target == source_component:
        return None
    if source_component in OUTPUTS and target == "engine" and include not in ENGINE_PUBLISHED:
        return f"an output includes the engine's internals ({include})"
    if target in CONCRETE_SOURCES and source_component not in CONCRETE_SOURCES | MAY_NAME_CONCRETE_SOURCES:
        return f"only the wiring names a concrete source ({include})"
    if (source_component, target) in ALLOWED_SIDEWAYS:
        return None
    src, dst = LAYERS[source_component], LAYERS[target]
    if source_component in OUTPUTS and target in OUTPUTS:
        return f"one output includes another ({include})"
    if dst >= src:
        return f"a lower or equal layer includes a higher one ({include})"
    return None


def check_tree(source_dir):
    failures = []
    for root_name in ("daemon", "exporters"):
        root = os.path.join(source_dir, root_name)
        for folder, _, files in os.walk(root):
            relative = os.path.relpath(folder, root)
            if relative == ".":
                continue
            component = component_of_path(relative.replace(os.sep, "/") + "/x")
            if component not in LAYERS:
                if any(f.endswith((".h", ".cpp")) for f in files):
                    failures.append(f"{root_name}/{relative}: not placed in a layer "
                                    "(add it to LAYERS in tests/docs/check_layers.py)")
                continue
            for name in files:
                if not name.endswith((".h", ".cpp", ".h.in")):
                    continue
                path = os.path.join(folder, name)
                with open(path, encoding="utf-8", errors="replace") as handle:
                    for number, line in enumerate(handle, 1):
                        match = INCLUDE.match(line)
                        if not match:
                            continue
                        why = problems_of(component, match.group(1))
                        if why:
                            shown = os.path.relpath(path, source_dir)
                            failures.append(f"{shown}:{number}: {component}: {why}")
    return failures


def self_test():
    cases = [
        ("engine", "snmp/snmp_service.h", False),
        ("engine", "sources/metric_source.h", True),
        ("engine", "prometheus/prometheus_source.h", False),
        ("api", "delivery/delivery_service.h", False),
        ("status", "api/api.h", False),
        ("api", "engine/engine.h", True),
        ("api", "engine/maintenance.h", False),
        ("delivery", "notify/notifier.h", True),
        ("http", "config/config.h", False),
        ("store", "history/history.h", False),
        ("app", "status/routes.h", True),
        ("api", "slaview/sla_view.h", True),
        ("slaview", "api/api.h", False),
        ("common", "common/clock.h", True),
    ]
    wrong = []
    for source, include, allowed in cases:
        if (problems_of(source, include) is None) != allowed:
            wrong.append(f"{source} -> {include}: expected {'allowed' if allowed else 'refused'}")
    return wrong


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--source-dir", required=True)
    parser.add_argument("--self-test", action="store_true")
    args = parser.parse_args()
    failures = self_test() if args.self_test else check_tree(args.source_dir)
    for failure in failures:
        print(failure)
    if failures:
        print(f"check_layers: {len(failures)} problem(s)")
        return 1
    print("check_layers: every include runs down the layers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
