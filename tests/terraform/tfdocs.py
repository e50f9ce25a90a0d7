"""The inputs and outputs tables of a module README, from its variables.tf and outputs.tf.

test_static.py checks each README against what this reads from the .tf
files, so the tables cannot drift. After changing a variable or an output,
rewrite the tables with::

    python tests/terraform/tfdocs.py terraform/modules/presigner

Only what the tables need is parsed: top-level ``variable`` and ``output``
blocks and their top-level attributes. Strings, comments, heredocs and
brackets are skipped properly, so a ``}`` inside a description or a nested
``validation`` block cannot end a block early.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

BEGIN = "<!-- BEGIN_TF_DOCS -->"
END = "<!-- END_TF_DOCS -->"
_OPENERS, _CLOSERS = "{[(", "}])"
_HEREDOC = re.compile(r"<<-?([A-Za-z_][A-Za-z0-9_]*)\n")
_BLOCK = re.compile(r'^([a-z_]+)\s+"([^"]+)"\s*\{', re.MULTILINE)
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


@dataclass(frozen=True)
class Input:
    name: str
    description: str
    type: str
    default: str | None  # HCL text; None when the input is required

    @property
    def required(self) -> bool:
        return self.default is None


@dataclass(frozen=True)
class Output:
    name: str
    description: str


# --- a minimal HCL scanner -------------------------------------------------------------


def _skip_string(src: str, i: int) -> int:
    """From the opening quote at i to just past the closing one; ${...} may nest strings."""
    i += 1
    while i < len(src):
        if src[i] == "\\":
            i += 2
        elif src[i] == '"':
            return i + 1
        elif src.startswith(("${", "%{"), i):
            i = _skip_balanced(src, i + 1)
        else:
            i += 1
    raise ValueError("unterminated string")


def _skip_comment_or_heredoc(src: str, i: int) -> int | None:
    """Index past a comment or heredoc starting at i, or None if there is none."""
    if src[i] == "#" or src.startswith("//", i):
        end = src.find("\n", i)
        return len(src) if end < 0 else end
    if src.startswith("/*", i):
        return src.index("*/", i) + 2
    heredoc = _HEREDOC.match(src, i)
    if heredoc:
        closing = re.compile(rf"^[ \t]*{re.escape(heredoc.group(1))}[ \t]*$", re.MULTILINE)
        return closing.search(src, heredoc.end()).end()
    return None


def _skip_balanced(src: str, i: int) -> int:
    """From the bracket at i to just past its partner."""
    depth = 0
    while i < len(src):
        c = src[i]
        if c == '"':
            i = _skip_string(src, i)
            continue
        skipped = _skip_comment_or_heredoc(src, i)
        if skipped is not None:
            i = skipped
            continue
        if c in _OPENERS:
            depth += 1
        elif c in _CLOSERS:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise ValueError("unbalanced brackets")


def _expression_end(src: str, i: int) -> int:
    """End of the expression starting at i: the first newline outside brackets and strings."""
    while i < len(src) and src[i] != "\n":
        c = src[i]
        if c == '"':
            i = _skip_string(src, i)
        elif c in _OPENERS:
            i = _skip_balanced(src, i)
        elif c == "#" or src.startswith(("//", "/*"), i):
            break
        elif _HEREDOC.match(src, i):
            i = _skip_comment_or_heredoc(src, i)
        else:
            i += 1
    return i


def attributes(body: str) -> dict[str, str]:
    """Top-level ``name = expression`` pairs of a block body; nested blocks are skipped."""
    found: dict[str, str] = {}
    i = 0
    while i < len(body):
        if body[i].isspace():
            i += 1
            continue
        skipped = _skip_comment_or_heredoc(body, i)
        if skipped is not None:
            i = skipped
            continue
        ident = _IDENT.match(body, i)
        if ident is None:
            raise ValueError(f"cannot parse block body near {body[i : i + 40]!r}")
        j = ident.end()
        while j < len(body) and body[j] in " \t":
            j += 1
        if body.startswith("=", j) and not body.startswith("==", j):
            start = j + 1
            end = _expression_end(body, start)
            found[ident.group()] = body[start:end].strip()
            i = end
        else:  # a nested block, maybe with labels: skip to its closing brace
            i = _skip_balanced(body, body.index("{", j))
    return found


def blocks(src: str, kind: str) -> dict[str, dict[str, str]]:
    """{name: attributes} of the top-level one-label blocks of a kind (variable, output, module)."""
    found = {}
    for match in _BLOCK.finditer(src):
        if match.group(1) != kind:
            continue
        open_brace = match.end() - 1
        body = src[open_brace + 1 : _skip_balanced(src, open_brace) - 1]
        found[match.group(2)] = attributes(body)
    return found


def one_line(expression: str) -> str:
    """A multi-line HCL expression on one line, elements separated by commas."""
    parts = [re.sub(r"\s+", " ", line.strip()) for line in expression.strip().splitlines()]
    parts = [p for p in parts if p]
    text = parts[0] if parts else ""
    for part in parts[1:]:
        if text.endswith(tuple(_OPENERS)) or part.startswith(tuple(_CLOSERS)):
            text += part
        elif text.endswith(","):
            text += " " + part
        else:
            text += ", " + part
    return text


def string_value(expression: str) -> str:
    """The value of a quoted HCL string (HCL escapes are JSON's for what descriptions use)."""
    if not (expression.startswith('"') and expression.endswith('"')):
        raise ValueError(f"expected a quoted string, got {expression!r}")
    return json.loads(expression)


# --- the module's inputs and outputs ---------------------------------------------------


def module_inputs(module: Path) -> list[Input]:
    variables = blocks((module / "variables.tf").read_text(encoding="utf-8"), "variable")
    return [
        Input(
            name=name,
            description=string_value(attrs["description"]),
            type=one_line(attrs.get("type", "any")),
            default=one_line(attrs["default"]) if "default" in attrs else None,
        )
        for name, attrs in sorted(variables.items())
    ]


def module_outputs(module: Path) -> list[Output]:
    outputs = blocks((module / "outputs.tf").read_text(encoding="utf-8"), "output")
    return [Output(name, string_value(attrs["description"])) for name, attrs in sorted(outputs.items())]


# --- README tables -----------------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_tables(module: Path) -> str:
    lines = [
        BEGIN,
        "## Inputs",
        "",
        "| Name | Description | Type | Default | Required |",
        "|------|-------------|------|---------|:--------:|",
    ]
    for item in module_inputs(module):
        default = "n/a" if item.required else f"`{_cell(item.default)}`"
        required = "yes" if item.required else "no"
        lines.append(f"| `{item.name}` | {_cell(item.description)} | `{_cell(item.type)}` | {default} | {required} |")
    lines += ["", "## Outputs", "", "| Name | Description |", "|------|-------------|"]
    for item in module_outputs(module):
        lines.append(f"| `{item.name}` | {_cell(item.description)} |")
    lines.append(END)
    return "\n".join(lines)


def _split_row(row: str) -> list[str]:
    cells = re.split(r"(?<!\\)\|", row.strip())[1:-1]
    return [c.strip().replace("\\|", "|") for c in cells]


def _unquote(cell: str) -> str:
    return cell[1:-1] if len(cell) >= 2 and cell.startswith("`") and cell.endswith("`") else cell


def _table_rows(text: str, heading: str) -> list[list[str]]:
    """Data rows of the first table after a ``## heading`` line."""
    match = re.search(rf"^## {re.escape(heading)}\s*$", text, re.MULTILINE)
    if match is None:
        raise ValueError(f"no '## {heading}' section")
    rows = []
    for line in text[match.end() :].lstrip("\n").splitlines():
        if not line.startswith("|"):
            break
        rows.append(_split_row(line))
    return rows[2:]  # past the header and the separator


def readme_inputs(readme: str) -> list[Input]:
    inputs = []
    for row in _table_rows(readme, "Inputs"):
        name, description, type_, default, required = row
        inputs.append(
            Input(
                name=_unquote(name),
                description=description,
                type=_unquote(type_),
                default=None if required == "yes" else _unquote(default),
            )
        )
    return sorted(inputs, key=lambda i: i.name)


def readme_outputs(readme: str) -> list[Output]:
    return sorted((Output(_unquote(n), d) for n, d in _table_rows(readme, "Outputs")), key=lambda o: o.name)


def rewrite_readme(module: Path) -> None:
    readme = module / "README.md"
    text = readme.read_text(encoding="utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END)
    readme.write_text(text[:start] + render_tables(module) + text[end:], encoding="utf-8")


if __name__ == "__main__":
    for argument in sys.argv[1:]:
        rewrite_readme(Path(argument))
        print(f"rewrote the tables of {argument}/README.md")
