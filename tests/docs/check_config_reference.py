#!/usr/bin/env python3
"""Keeps docs/configuration-reference.md true to the configuration readers.

The keys slamon accepts are not listed here: they are read out of the code's own key tables,
the `constexpr std::array kXxxKeys{"a"sv, ...}` arrays that the strict readers hand to
`MapReader` (daemon/config/yaml_reader.h) or to web_config.cpp's `check_keys`. Every such table
must be documented by a section of the reference that carries a marker naming it,

    <!-- keys: daemon/config/sources_reader.cpp:kTlsKeys -->

followed by a Markdown table whose first column holds one key per row, in backticks. The check
fails when

  * a key table in the code has no section (a new map was added to the configuration);
  * a section lacks a key of its table (a key was added to the code, not to the docs);
  * a section lists a key its table does not hold (stale docs), unless the row's type column is
    `reserved` (a key refused with "not supported ... yet", or an exporter-toolkit key slamon
    refuses by name); the tables' own reserved keys (MapReader's `later` list, web_config's
    Unsupported lists) must be listed that way;
  * a row is marked `reserved` although the code now accepts the key;
  * a marker names a table that no longer exists;
  * the code holds a MapReader (or check_keys call) whose list of keys this script cannot
    resolve: then teach DYNAMIC_TABLES below where those keys come from.

Run by ctest (tests/docs/CMakeLists.txt); by hand:
    python3 tests/docs/check_config_reference.py --source-dir .
    python3 tests/docs/check_config_reference.py --source-dir . --self-test
Python 3 standard library only.
"""

import argparse
import pathlib
import re
import sys

REFERENCE = "docs/configuration-reference.md"
CODE_ROOT = "daemon"

# Key lists that are not a constexpr array of the reading file: (file, argument) -> where the
# keys are, as (file, table name, regular expression whose group 1 is a key). The table name is
# what the reference's marker uses.
DYNAMIC_TABLES = {
    ("daemon/config/policy_parser.cpp", "keys"): (
        "daemon/model/model.cpp",
        "kSpecs",
        r'\{\s*"([A-Za-z0-9_]+)"\s*,\s*Metric::',
    ),
}

# Helpers other than MapReader that check a map's keys against a table: function name ->
# (index of the argument holding the accepted keys, index of the reserved keys or None).
KEY_CHECKERS = {"check_keys": (2, 3)}

HOW_TO_FIX = """
How to fix: every map of the configuration is documented in {ref} by a section
holding a marker `<!-- keys: FILE:TABLE -->` and, right below it, a table with one row per key
(| `key` | type | default | SPEC | meaning |). Add or remove rows so that the table lists exactly
the keys of the code's table; a key the code refuses as "not supported yet" gets the type
`reserved`. The format is described at the top of {ref}.
"""


class Problem(Exception):
    pass


def line_of(text, offset):
    return text.count("\n", 0, offset) + 1


def balanced_args(text, open_paren):
    """Splits the argument list starting at text[open_paren] == '(' on top-level commas."""
    depth = 0
    args, current = [], []
    i = open_paren
    in_string = False
    while i < len(text):
        c = text[i]
        if in_string:
            current.append(c)
            if c == "\\":
                current.append(text[i + 1])
                i += 1
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
            current.append(c)
        elif c in "([{":
            depth += 1
            if depth > 1:
                current.append(c)
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                args.append("".join(current).strip())
                return args, i
            current.append(c)
        elif c == "," and depth == 1:
            args.append("".join(current).strip())
            current = []
        else:
            current.append(c)
        i += 1
    raise Problem("unbalanced parentheses")


ARRAY_RE = re.compile(
    r"constexpr\s+std::array(?:\s*<[^;{]*?>)?\s+(k\w+)\s*=?\s*\{(.*?)\}\s*;", re.DOTALL)
STRING_VIEW_RE = re.compile(r'"((?:[^"\\]|\\.)*)"sv')
STRUCT_FIRST_STRING_RE = re.compile(r'\w+\s*\{\s*"((?:[^"\\]|\\.)*)"')


def parse_arrays(text):
    """constexpr arrays of a file: name -> (keys, line). Keys are the `"x"sv` items, or for an
    array of structs the first string of each item (Unsupported{"key", "advice"})."""
    arrays = {}
    for m in ARRAY_RE.finditer(text):
        body = m.group(2)
        keys = STRING_VIEW_RE.findall(body)
        if not keys:
            keys = STRUCT_FIRST_STRING_RE.findall(body)
        if keys:
            arrays[m.group(1)] = (keys, line_of(text, m.start()))
    return arrays


IDENT_RE = re.compile(r"^(?:[A-Za-z_]\w*::)*([A-Za-z_]\w*)$")


def is_any_key(arg):
    return re.fullmatch(r"std::array\s*\{\s*(?:\w+::)*kAnyKey\s*\}", arg) is not None


class CodeTable:
    def __init__(self, file, name, keys, line):
        self.file, self.name, self.line = file, name, line
        self.keys = list(keys)
        self.reserved = []
        self.uses = []  # lines of the MapReader / check_keys using it

    @property
    def id(self):
        return f"{self.file}:{self.name}"


def extract_code_tables(root, files=None):
    """Finds every key table the readers use. Returns (tables by id, free-form map count)."""
    tables = {}
    free_form = 0
    errors = []
    if files is None:
        files = {}
        for path in sorted((root / CODE_ROOT).rglob("*.cpp")):
            files[path.relative_to(root).as_posix()] = path.read_text(encoding="utf-8")
    for rel, text in files.items():
        if "MapReader" not in text:
            continue
        readers = 0
        arrays = parse_arrays(text)
        calls = [(m, "MapReader", 2, 3) for m in re.finditer(r"\bMapReader\s+\w+\s*\(", text)]
        for name, (allowed_at, reserved_at) in KEY_CHECKERS.items():
            calls += [(m, name, allowed_at, reserved_at)
                      for m in re.finditer(r"\b" + name + r"\s*\(", text)]
        for m, what, allowed_at, reserved_at in calls:
            line = line_of(text, m.start())
            try:
                args, _ = balanced_args(text, m.end() - 1)
            except Problem as e:
                errors.append(f"{rel}:{line}: cannot read the arguments of {what}: {e}")
                continue
            if what != "MapReader" and all(" " in a or "&" in a for a in args):
                continue  # the helper's own definition
            if len(args) <= allowed_at:
                errors.append(f"{rel}:{line}: {what} with {len(args)} arguments: cannot tell "
                              "which list holds its keys")
                continue
            readers += 1
            allowed = args[allowed_at]
            if is_any_key(allowed):
                free_form += 1
                continue
            ident = IDENT_RE.match(allowed)
            table = None
            if ident and ident.group(1) in arrays:
                name = ident.group(1)
                keys, defined = arrays[name]
                table = tables.setdefault(f"{rel}:{name}", CodeTable(rel, name, keys, defined))
            elif (rel, allowed) in DYNAMIC_TABLES:
                source, name, pattern = DYNAMIC_TABLES[(rel, allowed)]
                source_text = files.get(source)
                if source_text is None:
                    source_text = (root / source).read_text(encoding="utf-8")
                keys = re.findall(pattern, source_text)
                if not keys:
                    errors.append(f"{rel}:{line}: the keys of `{allowed}` are expected in "
                                  f"{source} (table {name}) but none were found there; update "
                                  "DYNAMIC_TABLES in tests/docs/check_config_reference.py")
                    continue
                first = re.search(pattern, source_text)
                table = tables.setdefault(
                    f"{source}:{name}",
                    CodeTable(source, name, keys, line_of(source_text, first.start())))
            else:
                errors.append(
                    f"{rel}:{line}: {what} reads its keys from `{allowed}`, which is not a "
                    "`constexpr std::array kName{\"key\"sv, ...}` of this file. Declare the keys "
                    "that way, or teach DYNAMIC_TABLES in tests/docs/check_config_reference.py "
                    "where they come from.")
                continue
            table.uses.append(line)
            if len(args) > reserved_at and args[reserved_at]:
                reserved = IDENT_RE.match(args[reserved_at])
                if not reserved or reserved.group(1) not in arrays:
                    errors.append(f"{rel}:{line}: cannot read the reserved keys "
                                  f"`{args[reserved_at]}` of {what}")
                    continue
                for key in arrays[reserved.group(1)][0]:
                    if key not in table.reserved:
                        table.reserved.append(key)
        if readers == 0 and re.search(r"\bMapReader\s+\w+\s*\(", text):
            errors.append(f"{rel}: uses MapReader but no reader could be parsed")
    if errors:
        raise Problem("\n".join(errors))
    return tables, free_form


MARKER_RE = re.compile(r"^\s*<!--\s*keys:\s*(.*?)\s*-->\s*$")


class DocSection:
    def __init__(self, ids, line):
        self.ids, self.line = ids, line
        self.keys = {}  # key -> (line, reserved)


def clean_cell(cell):
    return cell.strip().strip("*_ ").strip()


def parse_reference(text, ref_name):
    sections = []
    errors = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = MARKER_RE.search(lines[i])
        if not m:
            i += 1
            continue
        ids = [x.strip() for x in m.group(1).split(",") if x.strip()]
        section = DocSection(ids, i + 1)
        sections.append(section)
        j = i + 1
        while j < len(lines) and not lines[j].lstrip().startswith("|"):
            if MARKER_RE.search(lines[j]) or lines[j].startswith("#"):
                break
            j += 1
        if j >= len(lines) or not lines[j].lstrip().startswith("|"):
            errors.append(f"{ref_name}:{i + 1}: the marker is not followed by a table")
            i += 1
            continue
        rows = 0
        while j < len(lines) and lines[j].lstrip().startswith("|"):
            cells = [c for c in re.split(r"(?<!\\)\|", lines[j].strip())[1:-1]]
            rows += 1
            if rows <= 2:  # header and separator
                j += 1
                continue
            key_cell = cells[0].strip() if cells else ""
            km = re.fullmatch(r"`([^`]+)`", key_cell)
            if not km:
                errors.append(f"{ref_name}:{j + 1}: the first cell must be one key in "
                              f"backticks, got {key_cell!r}")
            else:
                key = km.group(1)
                reserved = len(cells) > 1 and clean_cell(cells[1]).lower() == "reserved"
                if key in section.keys:
                    errors.append(f"{ref_name}:{j + 1}: `{key}` is listed twice in this table")
                section.keys[key] = (j + 1, reserved)
            j += 1
        i = j
    return sections, errors


def check(root, reference_text, ref_name=REFERENCE, files=None):
    """Returns a list of problems (empty when the reference is complete and true)."""
    try:
        tables, _ = extract_code_tables(root, files)
    except Problem as e:
        return [str(e)]
    sections, errors = parse_reference(reference_text, ref_name)
    documented = set()
    for section in sections:
        expected, reserved_in_code = [], []
        unknown = [x for x in section.ids if x not in tables]
        for table_id in unknown:
            errors.append(
                f"{ref_name}:{section.line}: the marker names {table_id}, but the code has no "
                "such key table (renamed or removed?). Point the marker at the table the "
                "readers use now, or remove the section if the map is gone.")
        for table_id in section.ids:
            if table_id in tables:
                documented.add(table_id)
                expected += [k for k in tables[table_id].keys if k not in expected]
                reserved_in_code += tables[table_id].reserved
        if unknown:
            continue
        origin = ", ".join(f"{tables[t].file}:{tables[t].line} ({tables[t].name})"
                           for t in section.ids)
        for key in expected:
            if key not in section.keys:
                errors.append(
                    f"{ref_name}:{section.line}: key `{key}` is accepted by the code "
                    f"({origin}) but missing from this table: add a row for it.")
            elif section.keys[key][1]:
                errors.append(
                    f"{ref_name}:{section.keys[key][0]}: `{key}` is marked reserved, but the "
                    f"code accepts it now ({origin}): document it as a real key.")
        for key in reserved_in_code:
            if key not in section.keys:
                errors.append(
                    f"{ref_name}:{section.line}: `{key}` is refused by the code as not "
                    f"supported ({origin}); list it with the type `reserved` so users learn "
                    "what the error means.")
        for key, (line, reserved) in section.keys.items():
            if key not in expected and not reserved:
                errors.append(
                    f"{ref_name}:{line}: `{key}` is documented, but the code does not accept "
                    f"it ({origin}): remove the row, or give it the type `reserved` if it is "
                    "kept for a later release.")
    for table_id, table in sorted(tables.items()):
        if table_id not in documented:
            errors.append(
                f"{table.file}:{table.line}: key table {table.name} (keys: "
                f"{', '.join(table.keys)}; read at line(s) "
                f"{', '.join(map(str, table.uses))}) is not documented in {ref_name}: add a "
                f"section with `<!-- keys: {table_id} -->` and a row per key.")
    return errors


def self_test(root, reference_text):
    """Proves that the check catches what it is meant to catch, on the real code."""
    failures = []

    def expect(name, text, needle, files=None):
        problems = check(root, text, files=files)
        if not any(needle in p for p in problems):
            failures.append(f"{name}: expected a problem containing {needle!r}, got "
                            f"{problems or 'none'}")

    if check(root, reference_text):
        failures.append("the real reference has problems; run without --self-test first")
    lines = reference_text.split("\n")
    sections, _ = parse_reference(reference_text, REFERENCE)
    rows = [(line - 1, lines[line - 1]) for s in sections for line, reserved in s.keys.values()
            if not reserved]
    if not rows:
        return ["no key rows found in the reference"]
    # A key the code accepts is removed from the docs.
    index, row = rows[len(rows) // 2]
    key = re.match(r"\|\s*`([^`]+)`", row).group(1)
    expect("missing key", "\n".join(lines[:index] + lines[index + 1:]),
           f"key `{key}` is accepted by the code")
    # A key the code does not accept is documented.
    stale = lines[:index] + ["| `no_such_key_zz` | string | — | §2 | stale |"] + lines[index:]
    expect("stale key", "\n".join(stale), "`no_such_key_zz` is documented, but the code does not")
    # The same key marked reserved is fine, ...
    ok = lines[:index] + ["| `no_such_key_zz` | reserved | — | §2 | later |"] + lines[index:]
    problems = check(root, "\n".join(ok))
    if problems:
        failures.append(f"reserved row: expected no problem, got {problems}")
    # ... but a real key marked reserved is not.
    cells = row.split("|")
    cells[2] = " reserved "
    expect("real key marked reserved", "\n".join(lines[:index] + ["|".join(cells)] +
                                                lines[index + 1:]), "is marked reserved")
    # A whole table undocumented.
    marker_index = next(i for i, l in enumerate(lines) if MARKER_RE.search(l))
    marker_id = MARKER_RE.search(lines[marker_index]).group(1).split(",")[0].strip()
    without = lines[:marker_index] + ["<!-- keys: daemon/config/loader.cpp:kNoSuchTable -->"] + \
        lines[marker_index + 1:]
    expect("undocumented table", "\n".join(without), f"{marker_id.split(':')[1]} ")
    expect("stale marker", "\n".join(without), "kNoSuchTable, but the code has no such")
    # Extraction from code shaped like the readers: multi-line arrays, a `later` list, free-form
    # maps, a helper's definition, and an argument it cannot resolve.
    sample = {
        "daemon/config/sample.cpp": '''
constexpr std::array kSampleKeys{"alpha"sv,
                                 "beta"sv};
constexpr std::array kLater{"gamma"sv};
void f() {
  const MapReader map(r, Field::root(*document), kSampleKeys, kLater);
  MapReader labels(r_, *f, std::array{config_detail::kAnyKey});
}
''',
    }
    tables, free_form = extract_code_tables(root, sample)
    table = tables.get("daemon/config/sample.cpp:kSampleKeys")
    if not table or table.keys != ["alpha", "beta"] or table.reserved != ["gamma"] or free_form != 1:
        failures.append(f"extraction of a sample reader went wrong: {tables} {free_form}")
    bad = {"daemon/config/bad.cpp": "void f() { MapReader m(r, f, computed_keys()); }"}
    try:
        extract_code_tables(root, bad)
        failures.append("an unresolvable MapReader argument was not reported")
    except Problem as e:
        if "computed_keys()" not in str(e):
            failures.append(f"unexpected message for an unresolvable argument: {e}")
    return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source-dir", required=True, type=pathlib.Path)
    parser.add_argument("--self-test", action="store_true",
                        help="check that the checker itself catches missing and stale keys")
    args = parser.parse_args()
    root = args.source_dir.resolve()
    reference = root / REFERENCE
    try:
        text = reference.read_text(encoding="utf-8")
    except OSError as e:
        print(f"{REFERENCE}: cannot read: {e}", file=sys.stderr)
        return 1
    if args.self_test:
        failures = self_test(root, text)
        for f in failures:
            print(f"self-test: {f}", file=sys.stderr)
        print("self-test: " + ("FAILED" if failures else "ok"))
        return 1 if failures else 0
    problems = check(root, text)
    if problems:
        for p in problems:
            print(p, file=sys.stderr)
        print(HOW_TO_FIX.format(ref=REFERENCE), file=sys.stderr)
        print(f"{len(problems)} problem(s): {REFERENCE} is not in step with the code.",
              file=sys.stderr)
        return 1
    tables, free_form = extract_code_tables(root)
    keys = sum(len(t.keys) for t in tables.values())
    print(f"{REFERENCE}: all {keys} keys of {len(tables)} key tables are documented "
          f"({free_form} free-form maps not checked)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
