from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone

from halls.demo import demo_org_build
from incentives.demo import demo_bonus_seed
from inspections.demo import demo_inspections_seed
from inspections.services.tree import default_tree_load
from scoring.demo import demo_grading_run
from scoring.services import default_policy_load
from surveys.demo import demo_evidence_seed


class Command(BaseCommand):
    # It lives in the top app because it seeds every app, from the halls up to the bonus.
    help = "Build the demo province (idempotent and deterministic for a given seed) and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--halls", type=int, default=120, help="number of halls (default 120)")
        parser.add_argument("--months", type=int, default=6, help="months of evidence to generate (default 6)")
        parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")

    def handle(self, *args, halls: int, months: int, seed: int, **options):
        today = timezone.localdate()
        scheme, created = default_tree_load()
        self.stdout.write(f"indicator scheme v{scheme.version} {'loaded' if created else 'present'}")
        policy, created = default_policy_load()
        self.stdout.write(f"grading policy v{policy.version} {'loaded' if created else 'present'}")
        org = demo_org_build(hall_count=halls, seed=seed, today=today)
        self.stdout.write(f"halls: {len(org.halls)}")
        inspections = demo_inspections_seed(halls=org.halls, months=months, seed=seed, today=today)
        self.stdout.write(f"inspections: {inspections} added")
        evidence = demo_evidence_seed(halls=org.halls, months=months, seed=seed, today=today)
        self.stdout.write("evidence: " + ", ".join(f"{name} {count}" for name, count in evidence.items()))
        # Grading comes after the evidence it reads, the bonus split after the grading it uses.
        runs = demo_grading_run(months=months, today=today)
        self.stdout.write(f"grading: {len(runs)} month(s) graded, the latest left as a draft")
        bonus = demo_bonus_seed(months=months, today=today)
        self.stdout.write(f"bonus pools: {bonus.pools_created} new; splits: {bonus.splits_made} new")
        self.stdout.write(self.style.SUCCESS("Demo logins (username / password / who):"))
        for username, password, who in org.logins:
            self.stdout.write(f"  {username:<10} {password}  {who}")
