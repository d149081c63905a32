"""A runbook's steps: the items of the numbered lists at the top level of its Markdown body,
numbered from 1 in the order they are written (a second list goes on counting)."""

import difflib
from dataclasses import dataclass

from markdown_it import MarkdownIt

from tocsin.statuspage.markdown import render

_parser = MarkdownIt("commonmark")


@dataclass(frozen=True)
class Step:
    number: int
    text: str  # the item's Markdown source, without its number

    @property
    def html(self) -> str:
        return render(self.text)

    @property
    def title(self) -> str:
        """The step's first line, as the timeline quotes it."""
        return self.text.splitlines()[0].strip() if self.text else ""


def steps_of(body: str) -> list[Step]:
    lines = (body or "").splitlines()
    found = []
    depth = 0  # inside how many lists of any kind
    numbered = False  # whether the top-level list we are in is a numbered one
    for token in _parser.parse(body or ""):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            depth += 1
            if depth == 1:
                numbered = token.type == "ordered_list_open"
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
        elif token.type == "list_item_open" and depth == 1 and numbered and token.map:
            start, end = token.map
            text = _without_marker(lines[start:end], token.markup)
            found.append(Step(number=len(found) + 1, text=text))
    return found


def _without_marker(item: list[str], delimiter: str) -> str:
    first, rest = item[0].lstrip(), item[1:]
    number, _, first = first.partition(delimiter or ".")
    indent = len(number) + len(delimiter or ".") + 1
    rest = [line[indent:] if line[:indent].strip() == "" else line.strip() for line in rest]
    return "\n".join([first.strip(), *rest]).strip()


def unified_diff(before: str, after: str, *, old_name: str, new_name: str) -> str:
    """The change from `before` to `after` as a unified diff (empty when nothing changed)."""
    return "".join(
        difflib.unified_diff(
            _lines(before), _lines(after), fromfile=old_name, tofile=new_name, lineterm="\n"
        )
    )


def _lines(text: str) -> list[str]:
    return [line + "\n" for line in (text or "").splitlines()]


def diff_lines(diff: str) -> list[tuple[str, str]]:
    """Each line of a unified diff with what it is: added, removed, hunk, file or context."""
    kinds = []
    for line in diff.splitlines():
        if line.startswith(("+++", "---")):
            kinds.append(("file", line))
        elif line.startswith("@@"):
            kinds.append(("hunk", line))
        elif line.startswith("+"):
            kinds.append(("added", line))
        elif line.startswith("-"):
            kinds.append(("removed", line))
        else:
            kinds.append(("context", line))
    return kinds
