#!/usr/bin/python3
"""Checks of the documentation: README.md and every page under docs/.

    python3 -m unittest interop/test_docs.py

- every relative link points to a file or folder inside the repository, and an anchor
  (`page.md#heading`) to a heading of that page;
- no link leaves the repository (users never have what lies beside it);
- every .md file under docs/ is reachable from README.md through links;
- README.md is under 250 lines (the rest belongs under docs/).
Standard library only.
"""
import pathlib
import re
import unittest
import urllib.parse

ROOT = pathlib.Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
README_MAX_LINES = 250

FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"`[^`\n]*`")
INLINE_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_LINK = re.compile(r"^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+\"[^\"]*\")?\s*$", re.MULTILINE)
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def pages():
    return [README] + sorted(DOCS.rglob("*.md"))


def without_code(text):
    """The text with fenced blocks and inline code blanked, so examples are not read as links."""
    return INLINE_CODE.sub("", FENCE.sub("", text))


def links(page):
    """The link targets of a page, in order."""
    text = without_code(page.read_text(encoding="utf-8"))
    return INLINE_LINK.findall(text) + REFERENCE_LINK.findall(text)


def is_external(target):
    return re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", target) is not None  # http:, https:, mailto:


def slug(heading):
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link in a heading keeps its text
    text = text.replace("`", "").strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page):
    """The anchors of a page's headings, with GitHub's -1, -2 suffixes for repeats."""
    seen = {}
    result = set()
    for heading in HEADING.findall(FENCE.sub("", page.read_text(encoding="utf-8"))):
        base = slug(heading)
        count = seen.get(base, 0)
        seen[base] = count + 1
        result.add(base if count == 0 else f"{base}-{count}")
    return result


def resolve(page, target):
    """(path, anchor) a relative link of a page points to; path is None for '#anchor'."""
    path, _, anchor = target.partition("#")
    path = urllib.parse.unquote(path)
    anchor = urllib.parse.unquote(anchor)
    if not path:
        return page, anchor
    if path.startswith("/"):
        return (ROOT / path.lstrip("/")).resolve(), anchor
    return (page.parent / path).resolve(), anchor


def link_problems(page):
    """What is wrong with the relative links of one page, as readable lines."""
    problems = []
    name = page.relative_to(ROOT)
    for target in links(page):
        if is_external(target):
            continue
        path, anchor = resolve(page, target)
        if path != ROOT and ROOT not in path.parents:
            problems.append(f"{name}: link '{target}' leaves the repository")
        elif not path.exists():
            problems.append(f"{name}: link '{target}': no such file {path.relative_to(ROOT)}")
        elif anchor and path.suffix == ".md" and anchor not in anchors(path):
            problems.append(f"{name}: link '{target}': {path.relative_to(ROOT)} has no heading "
                            f"with anchor '#{anchor}'")
    return problems


def reachable_from_readme():
    """Every .md file reached from README.md by following relative links."""
    seen = {README}
    todo = [README]
    while todo:
        page = todo.pop()
        for target in links(page):
            if is_external(target):
                continue
            path, _ = resolve(page, target)
            if path.suffix == ".md" and path.is_file() and ROOT in path.parents and path not in seen:
                seen.add(path)
                todo.append(path)
    return seen


class DocsTest(unittest.TestCase):

    def test_relative_links_resolve_inside_the_repository(self):
        problems = [p for page in pages() for p in link_problems(page)]
        self.assertEqual(problems, [], "\n" + "\n".join(problems))

    def test_every_docs_page_is_reachable_from_the_readme(self):
        reached = reachable_from_readme()
        orphans = [str(p.relative_to(ROOT)) for p in DOCS.rglob("*.md") if p.resolve() not in reached]
        self.assertEqual(orphans, [], "pages no link from README.md leads to")

    def test_no_page_points_beside_the_repository(self):
        # Also in code spans, which the link check skips: users never have ../shared/.
        for page in pages():
            self.assertNotIn("../shared/", page.read_text(encoding="utf-8"), page.relative_to(ROOT))

    def test_readme_is_short(self):
        lines = len(README.read_text(encoding="utf-8").splitlines())
        self.assertLess(lines, README_MAX_LINES,
                        f"README.md has {lines} lines; move detail into docs/")

    def test_the_checks_find_links_and_headings(self):
        # Guards against a regex that silently matches nothing.
        self.assertGreater(len(links(README)), 10)
        self.assertIn("walk-through-push-v2-watch-it-switch-roll-back",
                      anchors(DOCS / "getting-started.md"))
        self.assertEqual(slug("Scaling out (Kubernetes)"), "scaling-out-kubernetes")
        self.assertEqual(slug("INT8 vs FP32"), "int8-vs-fp32")


if __name__ == "__main__":
    unittest.main()
