"""Changing a top-level value of a one-record YAML file in place, however its key is spelled.

``version: 1``, ``version : 1``, ``'version': 1`` and ``"version": 1`` are the same key to YAML, so the
key is found by parsing, not by a pattern, and only its value's characters are replaced (a block scalar,
``|-`` and its lines, becomes a plain value on the key's line): comments, key order and every other byte
stay as they were.
"""

from __future__ import annotations

from collections.abc import Mapping

import yaml
from yaml.nodes import MappingNode, ScalarNode

from ketdata._model.errors import UsageError


class YamlEditError(UsageError):
    """The text is not one YAML mapping whose keys can be told apart."""


def set_scalars(text: str, values: Mapping[str, str]) -> str:
    """``text`` with the top-level keys named given the scalar values written (YAML text) in ``values``.

    A key the mapping lacks is added at its end.

    Raises:
        YamlEditError: The text is not a single mapping document, or a key named appears twice.
    """
    try:
        # The pure-Python composer: its marks count characters of the str, which is what is sliced here.
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise YamlEditError(f"cannot be read as YAML ({exc})") from None
    if not isinstance(node, MappingNode):
        raise YamlEditError("is not one YAML mapping")
    spans: dict[str, tuple[int, int]] = {}
    for key, value in node.value:
        if isinstance(key, ScalarNode) and key.value in values:
            if key.value in spans:
                raise YamlEditError(f"has the key {key.value!r} twice")
            spans[key.value] = (value.start_mark.index, value.end_mark.index)
    for name, (start, end) in sorted(spans.items(), key=lambda item: -item[1][0]):
        # A block scalar (``|-``, ``>``) ends after its last line break, which the next key needs kept.
        tail = "\n" if text[start:end].endswith("\n") else ""
        text = text[:start] + values[name] + tail + text[end:]
    missing = [name for name in values if name not in spans]
    if missing:
        text = text if text.endswith("\n") or not text else text + "\n"
        text += "".join(f"{name}: {values[name]}\n" for name in missing)
    return text
