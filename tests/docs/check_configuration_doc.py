#!/usr/bin/env python3
"""docs/configuration.md against the code and the real daemon.

Usage: check_configuration_doc.py SOURCE_DIR VOUCHD

Fails, naming each problem, when:
  - a (section, key) of config/config.cpp's fields() table has no row in that section's
    table of docs/configuration.md, or the row lacks the key's VOUCH_<SECTION>_<KEY>
    variable (or documents a key the code does not have);
  - vouchd itself reports different keys than the table parsed from config/config.cpp
    (so this parser cannot silently miss an entry);
  - a documented default differs from the default in config/config.hpp, or a secret key
    is not marked **secret** (or a plain key is);
  - the documented example values are not all accepted by `vouchd --check`;
  - the complete example (the last ```toml block) does not set every key, does not keep
    every key at its default as the page says, or is not accepted by `vouchd --check`;
  - packaging/vouch.toml is not accepted by `vouchd --check`.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

failures: list[str] = []


def fail(message: str) -> None:
    failures.append(message)


# -- the code -------------------------------------------------------------------------

FIELD_RE = re.compile(
    r'\{\s*("(?P<section>\w+)"|(?P<ident>\w+))\s*,\s*"(?P<key>\w+)"\s*,\s*'
    r"kind::(?P<kind>\w+)\s*,\s*(?P<secret>true|false)\s*,\s*"
    r'(?P<expect>(?:"(?:[^"\\]|\\.)*"\s*)+|\w+)'
)


def read_fields(config_cpp: str) -> dict[tuple[str, str], dict]:
    """Every (section, key) of fields(), with its kind, secret flag and expect text."""
    retry_sections = re.findall(r'retry_fields\(\s*"(\w+)"', config_cpp)
    fields: dict[tuple[str, str], dict] = {}
    for m in FIELD_RE.finditer(config_cpp):
        entry = {
            "kind": m["kind"],
            "secret": m["secret"] == "true",
            "expect": m["expect"],
        }
        if m["section"]:
            sections = [m["section"]]
        elif m["ident"] == "section":  # inside retry_fields(section, ...)
            sections = retry_sections
        else:
            fail(f"config/config.cpp: cannot read the table entry {m.group(0)!r}; teach this test")
            continue
        for section in sections:
            fields[(section, m["key"])] = entry
    return fields


UNIT_MS = {"milliseconds": 1, "seconds": 1000, "minutes": 60_000, "hours": 3_600_000}


def eval_int(expr: str) -> int:
    expr = re.sub(r"u?int\d+_t\{(\d+)\}", r"\1", expr.strip())
    if not re.fullmatch(r"[\d\s*+<()-]+", expr):
        raise ValueError(expr)
    return int(eval(expr, {"__builtins__": {}}))  # digits and operators only, checked above


def eval_default(ctype: str, init: str | None):
    """The value a struct member starts with, normalised: ms for durations, int, float, str."""
    if init is None:
        if ctype == "std::string":
            return ""
        if ctype in ("int", "int64_t", "uint64_t", "double"):
            return 0
        raise ValueError(f"{ctype} without initialiser")
    init = init.strip()
    if ctype == "std::string":
        m = re.fullmatch(r'"((?:[^"\\]|\\.)*)"', init)
        if not m:
            raise ValueError(init)
        return m.group(1)
    if ctype == "std::chrono::milliseconds":
        m = re.fullmatch(r"std::chrono::(\w+)\{(.*)\}", init)
        if not m or m.group(1) not in UNIT_MS:
            raise ValueError(init)
        return UNIT_MS[m.group(1)] * eval_int(m.group(2))
    if ctype == "double":
        return float(init)
    return eval_int(init)


MEMBER_RE = re.compile(
    r"^\s*(?P<type>[\w:]+)\s+(?P<name>\w+)\s*(?:=\s*(?P<eq>[^;]+)|\{(?P<brace>.*)\})?\s*;",
)


def read_defaults(config_hpp: str) -> dict[tuple[str, str], object]:
    """(section, key) -> default, from the member initialisers of config/config.hpp."""
    # Comments: whole lines, and the rest of a line after a member's ";" (not "//" in URLs).
    text = re.sub(r"(^|;)[ \t]*//.*$", r"\1", config_hpp, flags=re.M)
    structs: dict[str, list[tuple[str, str, str | None]]] = {}
    for m in re.finditer(r"struct (\w+) \{(.*?)\n\};", text, re.S):
        members = []
        for line in m.group(2).splitlines():
            mm = MEMBER_RE.match(line)
            if mm:
                init = mm["eq"] if mm["eq"] is not None else mm["brace"]
                members.append((mm["type"], mm["name"], init))
        structs[m.group(1)] = members
    defaults: dict[tuple[str, str], object] = {}
    for ctype, section, _ in structs.get("config", []):
        for mtype, name, init in structs.get(ctype, []):
            if mtype in structs:  # a nested struct (retry_config retry): its keys join the section
                for ntype, nname, ninit in structs[mtype]:
                    try:
                        defaults[(section, nname)] = eval_default(ntype, ninit)
                    except ValueError as e:
                        fail(f"config/config.hpp: cannot read the default of [{section}] {nname}: {e}")
                continue
            try:
                defaults[(section, name)] = eval_default(mtype, init)
            except ValueError as e:
                fail(f"config/config.hpp: cannot read the default of [{section}] {name}: {e}")
    return defaults


# -- value shapes, as config.cpp and core/duration.cpp parse them -------------------------

DURATION_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}
SIZE_UNITS = {"": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}


def normalise(kind: str, value):
    """A TOML value of a key of `kind` as the code stores it, or None if it cannot be one."""
    if kind == "duration" and isinstance(value, str):
        m = re.fullmatch(r"(\d+)(ms|s|m|h|d)", value)
        return int(m.group(1)) * DURATION_MS[m.group(2)] if m else None
    if kind == "size":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        m = re.fullmatch(r"(\d+)(KiB|MiB|GiB|TiB)?", value) if isinstance(value, str) else None
        return int(m.group(1)) * SIZE_UNITS[m.group(2) or ""] if m else None
    if kind == "integer":
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    if kind == "number":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return float(value) if ok else None
    if kind == "text":
        return value if isinstance(value, str) else None
    return None


def shown(kind: str, value) -> str:
    """A normalised value as the docs write it ("21d", "4GiB"), for messages."""
    if kind == "duration" and isinstance(value, int):
        for suffix, scale in (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000)):
            if value % scale == 0:
                return f'"{value // scale}{suffix}"'
        return f'"{value}ms"'
    if kind == "size" and isinstance(value, int):
        for suffix, scale in (("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
            if value and value % scale == 0:
                return f'"{value // scale}{suffix}"'
    if isinstance(value, str):
        return '"' + value + '"'
    return repr(value)


def toml_literal(text: str):
    return tomllib.loads("v = " + text)["v"]


def env_name(section: str, key: str) -> str:
    return f"VOUCH_{section}_{key}".upper()


# -- the page -------------------------------------------------------------------------------


def split_row(line: str) -> list[str]:
    cells = re.split(r"(?<!\\)\|", line.strip())
    return [c.strip() for c in cells[1:-1]]


def first_code(cell: str) -> str | None:
    m = re.search(r"`([^`]*)`", cell)
    return m.group(1) if m else None


def read_tables(doc: str) -> dict[str, dict[str, dict[str, str]]]:
    """section -> key -> {column: cell} for the table under each '### [section]' heading."""
    tables: dict[str, dict[str, dict[str, str]]] = {}
    lines = doc.splitlines()
    i = 0
    while i < len(lines):
        m = re.fullmatch(r"###\s+\[(\w+)\]\s*", lines[i])
        i += 1
        if not m:
            continue
        section = m.group(1)
        rows: dict[str, dict[str, str]] = {}
        header: list[str] | None = None
        while i < len(lines) and not lines[i].startswith("#"):
            line = lines[i]
            i += 1
            if not line.lstrip().startswith("|"):
                if header is not None:
                    break  # the table ended
                continue
            cells = split_row(line)
            if header is None:
                header = [c.lower() for c in cells]
                continue
            if all(re.fullmatch(r":?-+:?", c) for c in cells):
                continue
            row = dict(zip(header, cells))
            key = first_code(row.get("key", "")) or ""
            if key in rows:
                fail(f"docs/configuration.md: [{section}] {key} is listed twice")
            rows[key] = row
        if section in tables:
            fail(f"docs/configuration.md: two tables for [{section}]")
        tables[section] = rows
    return tables


def column(row: dict[str, str], prefix: str) -> str:
    for name, cell in row.items():
        if name.startswith(prefix):
            return cell
    return ""


# -- the daemon -----------------------------------------------------------------------------


def clean_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOUCH")}
    store = tmp / "store"
    store.mkdir(exist_ok=True)
    env["VOUCH_STORAGE_PATH"] = str(store)
    env["VOUCH_MAIL_DIR"] = str(tmp / "mail")
    return env


def run_check(vouchd: str, config: Path, tmp: Path, what: str) -> None:
    r = subprocess.run([vouchd, "--config", str(config), "--check"], env=clean_env(tmp),
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0 or "config OK" not in r.stdout:
        fail(f"{what}: `vouchd --config {config.name} --check` exited {r.returncode}:\n"
             f"{r.stdout}{r.stderr}".rstrip())


def keys_vouchd_knows(vouchd: str, sections: list[str], tmp: Path) -> dict[str, list[str]]:
    """Asks vouchd for its sections and keys: an unknown section or key makes it list them."""
    probe = tmp / "probe.toml"
    probe.write_text("[no_such_section]\n" +
                     "".join(f"[{s}]\nno_such_key = 1\n" for s in sections))
    r = subprocess.run([vouchd, "--config", str(probe), "--check"], env=clean_env(tmp),
                       capture_output=True, text=True, timeout=60)
    known: dict[str, list[str]] = {}
    for m in re.finditer(r'\[(\w+)\] unknown key "no_such_key"; known keys: (.*)', r.stderr):
        known[m.group(1)] = [k.strip() for k in m.group(2).split(",")]
    m = re.search(r"unknown section \[no_such_section\]; known sections: (.*)", r.stderr)
    known["*sections*"] = re.findall(r"\[(\w+)\]", m.group(1)) if m else []
    return known


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    src = Path(sys.argv[1])
    vouchd = sys.argv[2]
    doc_path = src / "docs" / "configuration.md"
    doc = doc_path.read_text()

    fields = read_fields((src / "config" / "config.cpp").read_text())
    if len(fields) < 10:
        fail(f"config/config.cpp: found only {len(fields)} keys in fields(); the parser is stale")
    defaults = read_defaults((src / "config" / "config.hpp").read_text())
    sections = list(dict.fromkeys(s for s, _ in fields))

    with tempfile.TemporaryDirectory(prefix="vouch-docs-") as t:
        tmp = Path(t)

        # vouchd's own key list must be the one parsed from the source.
        known = keys_vouchd_knows(vouchd, sections, tmp)
        if sorted(known.get("*sections*", [])) != sorted(sections):
            fail(f"vouchd knows the sections {known.get('*sections*')}, config/config.cpp "
                 f"{sections} (is the build stale?)")
        for section in sections:
            from_code = [k for s, k in fields if s == section]
            if sorted(known.get(section, [])) != sorted(from_code):
                fail(f"vouchd knows the [{section}] keys {known.get(section)}, config/config.cpp "
                     f"{from_code} (is the build stale, or this test's parser?)")

        # Every key in its section's table, with its variable, default and secret mark.
        tables = read_tables(doc)
        examples: dict[str, list[str]] = {}
        for (section, key), f in fields.items():
            row = tables.get(section, {}).get(key)
            if row is None:
                fail(f"docs/configuration.md: [{section}] {key} is not documented "
                     f"(no `{key}` row in the [{section}] table)")
                continue
            env = env_name(section, key)
            if f"`{env}`" not in column(row, "environment"):
                fail(f"docs/configuration.md: [{section}] {key}: the environment variable "
                     f"`{env}` is not in its row")
            if f["secret"] != ("**secret**" in " ".join(row.values())):
                fail(f"docs/configuration.md: [{section}] {key} is "
                     f"{'a secret' if f['secret'] else 'not a secret'} in config/config.cpp "
                     f"but its row {'lacks' if f['secret'] else 'has'} the **secret** mark")
            doc_default = first_code(column(row, "default"))
            if (section, key) not in defaults:
                fail(f"config/config.hpp: no default found for [{section}] {key}")
            elif doc_default is None:
                fail(f"docs/configuration.md: [{section}] {key}: no default in its row")
            else:
                try:
                    got = normalise(f["kind"], toml_literal(doc_default))
                except tomllib.TOMLDecodeError:
                    got = None
                want = defaults[(section, key)]
                if got is None or got != (float(want) if f["kind"] == "number" else want):
                    fail(f"docs/configuration.md: [{section}] {key}: documented default "
                         f"{doc_default} is not the code's default {shown(f['kind'], want)}")
            example = first_code(column(row, "example"))
            if example is None:
                fail(f"docs/configuration.md: [{section}] {key}: no example in its row")
            else:
                if "readable" in f["expect"]:  # a file that must exist: use one that does
                    existing = tmp / "example-file"
                    existing.write_text("")
                    example = '"' + str(existing) + '"'
                examples.setdefault(section, []).append(f"{key} = {example}")
        for section, rows in tables.items():
            for key in rows:
                if (section, key) not in fields:
                    fail(f"docs/configuration.md: [{section}] {key} is documented but "
                         f"config/config.cpp has no such key")

        # The example column: every value accepted by the real loader.
        examples_file = tmp / "examples.toml"
        examples_file.write_text("".join(f"[{s}]\n" + "\n".join(v) + "\n"
                                         for s, v in examples.items()))
        run_check(vouchd, examples_file, tmp, "docs/configuration.md (the example column)")

        # The complete example: the last toml block, every key, every default, and it loads.
        blocks = re.findall(r"^```toml\n(.*?)^```", doc, re.S | re.M)
        if not blocks:
            fail("docs/configuration.md: no ```toml code block (the complete example)")
        else:
            example_file = tmp / "example.toml"
            example_file.write_text(blocks[-1])
            try:
                parsed = tomllib.loads(blocks[-1])
            except tomllib.TOMLDecodeError as e:
                fail(f"docs/configuration.md: the complete example is not TOML: {e}")
                parsed = {}
            for (section, key), f in fields.items():
                if key not in parsed.get(section, {}):
                    fail(f"docs/configuration.md: the complete example does not set "
                         f"[{section}] {key}")
                    continue
                got = normalise(f["kind"], parsed[section][key])
                want = defaults.get((section, key))
                if got != (float(want) if f["kind"] == "number" and want is not None else want):
                    fail(f"docs/configuration.md: the complete example sets [{section}] {key} = "
                         f"{parsed[section][key]!r}, not its default {shown(f['kind'], want)}")
            run_check(vouchd, example_file, tmp, "docs/configuration.md (the complete example)")

        # The configuration the package installs.
        run_check(vouchd, src / "packaging" / "vouch.toml", tmp, "packaging/vouch.toml")

    for f in failures:
        print("FAIL:", f)
    if failures:
        print(f"{len(failures)} problem(s) in docs/configuration.md or the configs it describes")
        return 1
    print(f"docs/configuration.md documents all {len(fields)} keys of {len(sections)} sections; "
          "its example and packaging/vouch.toml pass vouchd --check")
    return 0


if __name__ == "__main__":
    sys.exit(main())
