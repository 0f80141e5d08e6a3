#!/usr/bin/python3
"""Checks the element pages of the manual against the built elements.

Every docs/elements/NAME.md describes the element NAME: its property table
must list exactly the element's own properties (name, type, range or
values, default, and when it may be set, as the GParamSpecs say), the
properties every async element inherits are in docs/elements/common.md
(checked the same way, against GstAsyncTransform's), its pad table the
pad templates (name, direction, media type, formats), and its signal
table, if the element has signals, their names. Every element of the
build's plugins needs a page.

  check_reference.py BUILD_ROOT DOCS_DIR

prints each mismatch and exits 1 if there is one. The GStreamer plugin
path must reach the build's plugins (meson's test environment does it).
"""

import os
import re
import sys

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GObject, Gst  # noqa: E402

BASE_CLASS = "GstAsyncTransform"
COMMON_PAGE = "common.md"
# GstObject's own, which a user never sets on these elements
SKIPPED = {"name", "parent"}

PROPERTY_HEADER = ["property", "type", "range / values", "default",
                   "set in", "description"]
PAD_HEADER = ["pad", "direction", "media type", "formats"]
SIGNAL_HEADER = ["signal", "arguments", "description"]
STATS_HEADER = ["field", "type", "description"]

FUNDAMENTAL_NAMES = {
    "gint": "int", "guint": "uint", "gint64": "int64", "guint64": "uint64",
    "glong": "long", "gulong": "ulong", "gboolean": "boolean",
    "gchararray": "string", "gdouble": "double", "gfloat": "float",
    "GstCaps": "caps", "GstStructure": "structure",
}

PARAM_MUTABLE_READY = 1 << 10     # GST_PARAM_MUTABLE_READY
PARAM_MUTABLE_PAUSED = 1 << 11    # GST_PARAM_MUTABLE_PAUSED
PARAM_MUTABLE_PLAYING = 1 << 12   # GST_PARAM_MUTABLE_PLAYING


def tables(text):
    """Yields (header, rows) of every markdown table; cells stripped."""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        if (lines[i].startswith("|") and i + 1 < len(lines)
                and re.match(r"^\|(\s*:?-+:?\s*\|)+\s*$", lines[i + 1])):
            header = split_row(lines[i])
            rows = []
            i += 2
            while i < len(lines) and lines[i].startswith("|"):
                rows.append(split_row(lines[i]))
                i += 1
            yield header, rows
        else:
            i += 1


def split_row(line):
    # a pipe inside backticks (a launch line) is not a cell border
    cells, cell, quoted = [], "", False
    for ch in line.strip()[1:-1] if line.strip().endswith("|") else \
            line.strip()[1:]:
        if ch == "`":
            quoted = not quoted
        if ch == "|" and not quoted:
            cells.append(cell.strip())
            cell = ""
        else:
            cell += ch
    cells.append(cell.strip())
    return cells


def find_table(text, header):
    found = [rows for h, rows in tables(text) if [c.lower() for c in h] == header]
    return found


def unquote(cell):
    return cell[1:-1] if len(cell) >= 2 and cell[0] == cell[-1] == "`" else cell


def number(text):
    """'2 147 483 647' or '-1' -> int; thousands are spaced for reading."""
    return int(text.replace(" ", "").replace("\u202f", "").replace("\u2009", ""))


# --- what the element says ----------------------------------------------

def type_name(pspec):
    if pspec.value_type.is_a(GObject.TYPE_ENUM):
        return "enum"
    if pspec.value_type.is_a(GObject.TYPE_FLAGS):
        return "flags"
    return FUNDAMENTAL_NAMES.get(pspec.value_type.name, pspec.value_type.name)


def enum_nicks(pspec):
    values = pspec.enum_class.__enum_values__
    return [v.value_nick for _, v in sorted(values.items())]


def default_text(pspec):
    kind = type_name(pspec)
    if not pspec.flags & GObject.ParamFlags.WRITABLE:
        return "—"
    default = pspec.default_value
    if kind == "enum":
        return default.value_nick
    if kind == "boolean":
        return "true" if default else "false"
    if kind == "string":
        return "NULL" if default is None else '"%s"' % default
    if kind in ("caps", "structure"):
        return "NULL"
    return str(default)


def set_in(pspec):
    if not pspec.flags & GObject.ParamFlags.WRITABLE:
        return "read-only"
    flags = int(pspec.flags)
    if flags & PARAM_MUTABLE_PLAYING:
        return "any state"
    if flags & PARAM_MUTABLE_PAUSED:
        return "NULL, READY, PAUSED"
    if flags & PARAM_MUTABLE_READY:
        return "NULL, READY"
    return "NULL"


def expected_row(pspec):
    """What the table's cells must say, as comparable values."""
    kind = type_name(pspec)
    if kind == "enum":
        values = ("values", enum_nicks(pspec))
    elif hasattr(pspec, "minimum") and kind not in ("boolean",):
        values = ("range", pspec.minimum, pspec.maximum)
    else:
        values = ("none",)
    return {"type": kind, "values": values, "default": default_text(pspec),
            "set in": set_in(pspec)}


# --- what the page says --------------------------------------------------

def parse_values(kind, cell):
    if kind == "enum":
        return ("values", [unquote(v.strip()) for v in cell.split(",")])
    m = re.match(r"^(-?[\d \u202f\u2009]+?)\s*(?:–|-|to)\s*(-?[\d \u202f\u2009]+?)"
                 r"(?:\s+(\D.*))?$", cell)
    if m:
        return ("range", number(m.group(1)), number(m.group(2)))
    if cell in ("", "—", "-"):
        return ("none",)
    return ("unreadable", cell)


def page_row(row):
    name, kind, values, default, when, _ = row
    kind = unquote(kind)
    return unquote(name), {
        "type": kind, "values": parse_values(kind, values),
        "default": unquote(default), "set in": when}


def check_properties(page, rows, pspecs, errors):
    documented = {}
    for row in rows:
        if len(row) != len(PROPERTY_HEADER):
            errors.append("%s: row %r has %d cells, not %d" %
                          (page, row, len(row), len(PROPERTY_HEADER)))
            continue
        name, said = page_row(row)
        if name in documented:
            errors.append("%s: `%s` is listed twice" % (page, name))
        documented[name] = said
    for name in sorted(set(documented) - set(pspecs)):
        errors.append("%s: `%s` is not a property of the element" % (page, name))
    for name in sorted(set(pspecs) - set(documented)):
        errors.append("%s: property `%s` is missing" % (page, name))
    for name in sorted(set(pspecs) & set(documented)):
        want = expected_row(pspecs[name])
        for key in ("type", "values", "default", "set in"):
            if documented[name][key] != want[key]:
                errors.append("%s: `%s` %s: the page says %r, the element %r" %
                              (page, name, key, documented[name][key], want[key]))


def template_formats(caps):
    if caps.is_any():
        return "any", "any"
    names, formats = [], []
    for i in range(caps.get_size()):
        s = caps.get_structure(i)
        names.append(s.get_name())
        value = s.get_value("format")
        if value is None:
            continue
        if isinstance(value, str):
            formats.append(value)
        else:
            formats.extend(value)
    return ", ".join(names), ", ".join(formats) if formats else "—"


def check_pads(page, rows, factory, errors):
    want = {}
    for tmpl in factory.get_static_pad_templates():
        direction = "sink" if tmpl.direction == Gst.PadDirection.SINK else "src"
        media, formats = template_formats(tmpl.get_caps())
        want[tmpl.name_template] = [direction, media, formats]
    said = {unquote(r[0]): [unquote(c) for c in r[1:]] for r in rows}
    for name in sorted(set(said) | set(want)):
        if name not in want:
            errors.append("%s: pad `%s` is not a pad template" % (page, name))
        elif name not in said:
            errors.append("%s: pad `%s` is missing" % (page, name))
        else:
            got = [said[name][0], said[name][1].replace("`", ""),
                   said[name][2]]
            if got != want[name]:
                errors.append("%s: pad `%s`: the page says %r, the element %r"
                              % (page, name, got, want[name]))


def check_stats(page, rows, element, errors):
    stats = element.get_property("stats")
    want = {}
    for i in range(stats.n_fields()):
        field = stats.nth_field_name(i)
        want[field] = FUNDAMENTAL_NAMES.get(stats.get_field_type(field).name,
                                            stats.get_field_type(field).name)
    said = {unquote(r[0]): unquote(r[1]) for r in rows}
    for field in sorted(set(said) | set(want)):
        if field not in want:
            errors.append("%s: `%s` is not a field of `stats`" % (page, field))
        elif field not in said:
            errors.append("%s: `stats` field `%s` is missing" % (page, field))
        elif said[field] != want[field]:
            errors.append("%s: `stats` field `%s` type: the page says %r, the "
                          "element %r" % (page, field, said[field], want[field]))


def own_signals(gtype):
    return set(GObject.signal_list_names(gtype))


# --- the manual ----------------------------------------------------------

def our_elements(build_root):
    """{element name: (factory, plugin name)} of the build's plugins."""
    build_root = os.path.realpath(build_root)
    found = {}
    registry = Gst.Registry.get()
    for plugin in registry.get_plugin_list():
        filename = plugin.get_filename()
        if not filename or not os.path.realpath(filename).startswith(
                build_root + os.sep):
            continue
        for feature in registry.get_feature_list_by_plugin(plugin.get_name()):
            if isinstance(feature, Gst.ElementFactory):
                found[feature.get_name()] = (feature, plugin.get_name())
    return found


def properties_of(element):
    return {p.name: p for p in element.list_properties()
            if p.name not in SKIPPED}


def check(build_root, docs_dir):
    errors, notes = [], []
    elements = our_elements(build_root)
    if not elements:
        return ["no plugin of the build under %s was found" % build_root], notes
    plugins = {plugin for _, plugin in elements.values()}
    pages_dir = os.path.join(docs_dir, "elements")
    common_rows = None
    with open(os.path.join(pages_dir, COMMON_PAGE)) as f:
        text = f.read()
    found = find_table(text, PROPERTY_HEADER)
    stats_found = find_table(text, STATS_HEADER)
    if len(found) != 1 or len(stats_found) != 1:
        errors.append("%s: needs one property table and one stats table" %
                      COMMON_PAGE)
    else:
        common_rows, common_stats = found[0], stats_found[0]
    common_checked = False

    pages = sorted(p[:-3] for p in os.listdir(pages_dir)
                   if p.endswith(".md") and p != COMMON_PAGE)
    for name in sorted(set(elements) - set(pages)):
        errors.append("element `%s` has no page docs/elements/%s.md" %
                      (name, name))
    for name in pages:
        page = "elements/%s.md" % name
        with open(os.path.join(pages_dir, name + ".md")) as f:
            text = f.read()
        m = re.search(r"^Plugin `([\w-]+)`", text, re.M)
        if not m:
            errors.append("%s: says no `Plugin `NAME`` line" % page)
            continue
        if name not in elements:
            if m.group(1) in plugins:
                errors.append("%s: plugin `%s` has no element `%s`" %
                              (page, m.group(1), name))
            else:
                notes.append("%s: plugin `%s` not built, page not checked" %
                             (page, m.group(1)))
            continue
        factory, plugin = elements[name]
        if m.group(1) != plugin:
            errors.append("%s: says plugin `%s`, the element is in `%s`" %
                          (page, m.group(1), plugin))
        element = factory.create(None)
        pspecs = properties_of(element)
        inherited = {n: p for n, p in pspecs.items()
                     if p.owner_type.name == BASE_CLASS}
        own = {n: p for n, p in pspecs.items() if n not in inherited}

        found = find_table(text, PROPERTY_HEADER)
        if len(found) != 1:
            errors.append("%s: needs one property table (%s), has %d" %
                          (page, " | ".join(PROPERTY_HEADER), len(found)))
        else:
            check_properties(page, found[0], own, errors)
        if inherited:
            if "(%s)" % COMMON_PAGE not in text and \
                    "(%s#" % COMMON_PAGE not in text:
                errors.append("%s: does not link to %s for the properties "
                              "of every async element" % (page, COMMON_PAGE))
            if common_rows is not None and not common_checked:
                check_properties("elements/" + COMMON_PAGE, common_rows,
                                 inherited, errors)
                check_stats("elements/" + COMMON_PAGE, common_stats, element,
                            errors)
                common_checked = True

        found = find_table(text, PAD_HEADER)
        if len(found) != 1:
            errors.append("%s: needs one pad table (%s)" %
                          (page, " | ".join(PAD_HEADER)))
        else:
            check_pads(page, found[0], factory, errors)

        signals = own_signals(type(element).__gtype__)
        found = find_table(text, SIGNAL_HEADER)
        if signals or found:
            said = {unquote(r[0]) for r in found[0]} if found else set()
            for s in sorted(said - signals):
                errors.append("%s: `%s` is not a signal of the element" %
                              (page, s))
            for s in sorted(signals - said):
                errors.append("%s: signal `%s` is missing" % (page, s))
    if common_rows is not None and not common_checked:
        errors.append("%s: no built element to check it against" % COMMON_PAGE)
    return errors, notes


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    Gst.init(None)
    errors, notes = check(argv[1], argv[2])
    for note in notes:
        print("note:", note)
    for error in errors:
        print("error:", error)
    if not errors:
        print("every element page matches its element")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
