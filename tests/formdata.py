"""Read an HTML form as a browser would submit it (for tests that post what a page really carries)."""

from __future__ import annotations

from html.parser import HTMLParser


class _FormParser(HTMLParser):
    def __init__(self, marker: str):
        super().__init__(convert_charrefs=True)
        self.marker, self.forms, self._form, self._select, self._textarea = marker, [], None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"fields": [], "method": (a.get("method") or "get").lower()}
        elif self._form is None:
            return
        elif tag == "input":
            kind = (a.get("type") or "text").lower()
            if a.get("name") is None or kind in ("submit", "button", "file", "reset", "image"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self._form["fields"].append([a["name"], a.get("value", "on" if kind == "checkbox" else "")])
        elif tag == "select" and a.get("name"):
            self._select = {"name": a["name"], "chosen": None, "first": None}
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._select["first"] is None:
                self._select["first"] = value
            if "selected" in a:
                self._select["chosen"] = value
        elif tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if self._form is None:
            return
        if tag == "select" and self._select is not None:
            s = self._select
            value = s["chosen"] if s["chosen"] is not None else s["first"]
            self._form["fields"].append([s["name"], value or ""])
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self._form["fields"].append([self._textarea[0], self._textarea[1].lstrip("\n")])
            self._textarea = None
        elif tag == "form":
            self.forms.append(self._form)
            self._form = None


def form_data(html: str, marker: str = "row_version") -> dict[str, str]:
    """The fields of the first POST form that has a field named ``marker`` (the edit form)."""
    parser = _FormParser(marker)
    parser.feed(html)
    for form in parser.forms:
        names = [n for n, _v in form["fields"]]
        if form["method"] == "post" and marker in names:
            return {n: v for n, v in form["fields"]}
    raise AssertionError(f"no POST form with a {marker} field")
