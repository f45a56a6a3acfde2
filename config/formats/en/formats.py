"""The same formats as in Chinese: one format for dates on every page (see config.formats.zh_Hans)."""

from __future__ import annotations

from config.formats.zh_Hans.formats import *  # noqa: F403
