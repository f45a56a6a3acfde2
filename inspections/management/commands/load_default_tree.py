from django.core.management.base import BaseCommand

from inspections.services.tree import default_tree_load


class Command(BaseCommand):
    help = "Load the default indicator tree as version 1, unless a scheme exists already (idempotent)."

    def handle(self, *args, **options):
        scheme, created = default_tree_load()
        self.stdout.write(f"v{scheme.version} {'created and activated' if created else 'already present'}")
