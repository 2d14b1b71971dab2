#!/usr/bin/env python3
"""Keeps the runbook_url annotations of the shipped Prometheus rules pointing at docs/runbooks.md.

Every `runbook_url` of every rules file named must be `<base>#<anchor>`, where

  * `<base>` is one and the same string in every rule of every file (so one `sed` re-points all
    of them at an operator's own copy, docs/runbooks.md "Pointing runbook_url at your copy"), an
    absolute http(s) URL;
  * `<anchor>` is the anchor of a heading of docs/runbooks.md, computed as GitHub renders
    Markdown headings (lower case; punctuation other than `-` and `_` dropped; spaces become
    `-`; a repeated heading gets `-1`, `-2`, ...).

Files named with --require must in addition give every alert a `summary`, a `description` and a
`runbook_url` whose anchor is the alert's name in lower case (its section's heading).

Run by ctest (tests/rules/CMakeLists.txt); by hand:
    python3 tests/rules/check_runbook_urls.py --source-dir . \
        --rules rules/prometheus/slamon-slo-alerts.yml --require rules/prometheus/slamon-alerts.yml
    python3 tests/rules/check_runbook_urls.py --self-test
Python 3 standard library only: the rules files are read line by line, which is enough for
the `- alert:` / `annotations:` layout promtool accepts and these files use.
"""

import argparse
import pathlib
import re
import sys
import tempfile

RUNBOOKS = "docs/runbooks.md"

ALERT_RE = re.compile(r"^\s*-\s+alert:\s*(\S+)\s*$")
RECORD_RE = re.compile(r"^\s*-\s+record:\s*(\S+)\s*$")
ANNOTATION_RE = re.compile(r"^\s*(summary|description|runbook_url):\s*(.*?)\s*$")
FENCE_RE = re.compile(r"^\s*(```|~~~)")
HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def unquote(value):
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def github_anchors(markdown):
    """The anchors GitHub gives the headings of a Markdown text (fenced code skipped)."""
    anchors = set()
    seen = {}
    in_fence = False
    for line in markdown.splitlines():
        if FENCE_RE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        match = HEADING_RE.match(line)
        if not match:
            continue
        text = re.sub(r"`|\*\*|__", "", match.group(2))
        text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # [link](target) -> link
        slug = re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def read_alerts(path):
    """[(alert, line, {annotation: (value, line)})] of a rules file, in file order."""
    alerts = []
    current = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.lstrip().startswith("#"):
            continue
        match = ALERT_RE.match(line)
        if match:
            current = (match.group(1), number, {})
            alerts.append(current)
            continue
        if RECORD_RE.match(line):
            current = None
            continue
        match = ANNOTATION_RE.match(line)
        if match and current is not None:
            current[2][match.group(1)] = (unquote(match.group(2)), number)
    return alerts


def check(runbooks_path, optional_files, required_files):
    """Returns the list of problems, each `FILE:LINE: message`."""
    problems = []
    if not runbooks_path.is_file():
        return [f"{runbooks_path}: missing"]
    anchors = github_anchors(runbooks_path.read_text(encoding="utf-8"))
    bases = {}  # base -> first place it was seen
    for path, required in [(p, False) for p in optional_files] + [(p, True) for p in required_files]:
        if not path.is_file():
            problems.append(f"{path}: missing")
            continue
        alerts = read_alerts(path)
        if required and not alerts:
            problems.append(f"{path}: no alert found")
        for name, line, annotations in alerts:
            if required:
                for key in ("summary", "description", "runbook_url"):
                    if key not in annotations or not annotations[key][0]:
                        problems.append(f"{path}:{line}: alert {name} has no {key} annotation")
            if "runbook_url" not in annotations:
                continue
            url, url_line = annotations["runbook_url"]
            where = f"{path}:{url_line}"
            if "{{" in url:
                problems.append(f"{where}: alert {name}: runbook_url must be a plain URL, not a template")
                continue
            base, hash_sign, anchor = url.partition("#")
            if not hash_sign or not anchor:
                problems.append(f"{where}: alert {name}: runbook_url {url} has no #anchor")
                continue
            if not re.match(r"^https?://[^/\s]+/", base):
                problems.append(f"{where}: alert {name}: runbook_url {url} is not an absolute http(s) URL")
            bases.setdefault(base, where)
            if anchor not in anchors:
                problems.append(
                    f"{where}: alert {name}: #{anchor} is not a heading of {RUNBOOKS}")
            if required and anchor != name.lower():
                problems.append(
                    f"{where}: alert {name}: anchor #{anchor} should be #{name.lower()} "
                    f"(the alert's own section)")
    if len(bases) > 1:
        listed = "; ".join(f"{base} ({where})" for base, where in bases.items())
        problems.append(f"runbook_url bases differ, so one sed cannot re-point them: {listed}")
    return problems


def self_test():
    """Shows the check catches what it is for, on made-up files."""
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        root = pathlib.Path(tmp)
        runbooks = root / "runbooks.md"
        runbooks.write_text("# Runbooks\n## SlamonA\ntext\n```\n## SlamonFenced\n```\n"
                            "## `SlamonB` again\n## SlamonA\n", encoding="utf-8")
        base = "https://example.org/docs/runbooks.md"

        def rules(name, body):
            path = root / name
            path.write_text("groups:\n  - name: g\n    rules:\n" + body, encoding="utf-8")
            return path

        def alert(name, url, summary=True):
            text = f"      - alert: {name}\n        expr: up == 0\n        annotations:\n"
            if summary:
                text += f"          summary: \"s\"\n"
            text += "          description: \"d\"\n"
            if url is not None:
                text += f"          runbook_url: \"{url}\"\n"
            return text

        cases = [
            ("good", [rules("good.yml", alert("SlamonA", f"{base}#slamona"))], [], 0),
            ("duplicate heading anchor", [], [rules("dup.yml", alert("SlamonA", f"{base}#slamona-1"))], 1),
            ("backticks dropped", [rules("bt.yml", alert("X", f"{base}#slamonb-again"))], [], 0),
            ("missing anchor", [rules("miss.yml", alert("SlamonC", f"{base}#slamonc"))], [], 1),
            ("heading inside a fence", [rules("fence.yml", alert("X", f"{base}#slamonfenced"))], [], 1),
            ("no anchor", [rules("noanchor.yml", alert("SlamonA", base))], [], 1),
            ("relative URL", [rules("rel.yml", alert("SlamonA", "docs/runbooks.md#slamona"))], [], 1),
            ("two bases", [rules("b1.yml", alert("SlamonA", f"{base}#slamona")),
                           rules("b2.yml", alert("SlamonA", "https://other.example/r.md#slamona"))], [], 1),
            ("optional file without runbook_url", [rules("none.yml", alert("SlamonA", None))], [], 0),
            ("required file without runbook_url", [], [rules("req.yml", alert("SlamonA", None))], 1),
            ("required file without summary", [], [rules("nosum.yml", alert("SlamonA", f"{base}#slamona", summary=False))], 1),
            ("template URL", [rules("tpl.yml", alert("SlamonA", "{{ $externalURL }}#slamona"))], [], 1),
        ]
        for name, optional, required, expected in cases:
            got = check(runbooks, optional, required)
            if len(got) != expected:
                failures.append(f"{name}: expected {expected} problem(s), got {got}")
    for failure in failures:
        print(f"self-test: {failure}", file=sys.stderr)
    print(f"self-test: {len(cases) - len(failures)} of {len(cases)} cases behave as expected")
    return 1 if failures else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source-dir", type=pathlib.Path, default=pathlib.Path("."))
    parser.add_argument("--rules", action="append", default=[],
                        help="rules file whose runbook_urls (if any) are checked")
    parser.add_argument("--require", action="append", default=[],
                        help="rules file every alert of which must have a runbook_url")
    parser.add_argument("--self-test", action="store_true")
    args = parser.parse_args()
    if args.self_test:
        return self_test()
    root = args.source_dir
    optional = [root / p for p in args.rules]
    required = [root / p for p in args.require]
    if not optional and not required:
        parser.error("name at least one rules file (--rules or --require)")
    problems = check(root / RUNBOOKS, optional, required)
    for problem in problems:
        print(problem, file=sys.stderr)
    checked = sum(len(read_alerts(p)) for p in optional + required if p.is_file())
    if problems:
        print(f"{len(problems)} problem(s) in the runbook links of {checked} alerts", file=sys.stderr)
        return 1
    print(f"runbook links of {checked} alerts resolve to headings of {RUNBOOKS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
