"""The bibliography's labels: "Baik, Ben Arous & Péché 2005" instead of pybtex's "[BBAPeche05]".

Registers a pybtex label style and a formatting style (``bibtex_default_style: rmtbook``) that
is pybtex's ``unsrt`` entry format with these readable labels, sorted by author and year, and
with the DOI or URL of each entry as a link.
"""

from pybtex.plugin import register_plugin
from pybtex.style.formatting.unsrt import Style as _Unsrt
from pybtex.style.labels import BaseLabelStyle
from pybtex.style.sorting.author_year_title import SortingStyle


def _surname(person):
    return " ".join(person.prelast_names + person.last_names).replace("{", "").replace("}", "")


class ReadableLabels(BaseLabelStyle):
    def format_labels(self, sorted_entries):
        seen = {}
        for entry in sorted_entries:
            people = entry.persons.get("author") or entry.persons.get("editor") or []
            names = [_surname(p) for p in people]
            if not names:
                who = entry.fields.get("title", entry.key)[:30]
            elif len(names) <= 3:
                who = ", ".join(names[:-1]) + (" & " if len(names) > 1 else "") + names[-1]
            else:
                who = f"{names[0]} et al."
            label = f"{who} {entry.fields.get('year', '')}".strip()
            count = seen.get(label, 0)
            seen[label] = count + 1
            yield label if count == 0 else f"{label}{'bcdefghij'[count - 1]}"


class BookStyle(_Unsrt):
    default_label_style = ReadableLabels
    default_sorting_style = SortingStyle


def setup(app):
    register_plugin("pybtex.style.formatting", "rmtbook", BookStyle)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
