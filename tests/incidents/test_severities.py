"""The default severity ladder is data, seeded with real examples."""

from tocsin.incidents.models import Severity


def test_the_default_ladder_runs_from_p1_critical_to_p5_info(db):
    ladder = [(s.key, s.name) for s in Severity.objects.all()]
    assert ladder == [
        ("P1", "Critical"),
        ("P2", "High"),
        ("P3", "Moderate"),
        ("P4", "Low"),
        ("P5", "Info"),
    ]


def test_only_p1_and_p2_page_and_require_a_post_mortem(db):
    paging = set(Severity.objects.filter(pages_oncall=True).values_list("key", flat=True))
    postmortem = set(
        Severity.objects.filter(requires_postmortem=True).values_list("key", flat=True)
    )
    assert paging == postmortem == {"P1", "P2"}


def test_seed_descriptions_give_real_examples(db):
    p1 = Severity.objects.get(key="P1").description
    p3 = Severity.objects.get(key="P3").description
    assert "internal server error" in p1 and "502" in p1 and "primary" in p1
    assert "replica" in p3 and "SSL certificate expired" in p3
