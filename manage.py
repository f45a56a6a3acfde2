#!/usr/bin/env python
"""Django's command-line utility for administrative tasks.

``DJANGO_ENV`` (local, production, test) picks the settings module unless
``DJANGO_SETTINGS_MODULE`` is set explicitly.
"""

import os
import sys


def main() -> None:
    env_name = os.environ.get("DJANGO_ENV", "local")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", f"config.settings.{env_name}")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
