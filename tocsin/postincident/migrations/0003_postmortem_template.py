from django.db import migrations

# The default sections as they were when this migration was written; later changes to
# tocsin/postincident/postmortems/defaults.py do not change what this seeds.
SECTIONS = [
    ("Summary", "What happened, in a few sentences a newcomer understands."),
    ("Impact", "Who was impacted, how, for how long; numbers where there are any."),
    ("Detection", "How and when we found out; what could have told us sooner."),
    (
        "Timeline",
        "What happened when, from the incident's timeline; edit it to the steps that matter.",
    ),
    ("Contributing factors", "What made this possible or worse; causes, not culprits."),
    ("Mitigation and resolution", "What stopped the harm and what fixed it."),
    ("What went well", ""),
    ("What went wrong", ""),
    ("Where we got lucky", ""),
    ("Lessons", "What we now know that we did not."),
    ("Action items", "Follow-up work, each with an owner and a due date."),
]


def seed(apps, schema_editor):
    Template = apps.get_model("postincident", "PostmortemTemplate")
    TemplateSection = apps.get_model("postincident", "TemplateSection")
    template, created = Template.objects.get_or_create(name="Default")
    if created:
        for position, (title, guidance) in enumerate(SECTIONS, start=1):
            TemplateSection.objects.create(
                template=template, position=position, title=title, guidance=guidance
            )


class Migration(migrations.Migration):
    dependencies = [
        ("postincident", "0002_postmortems"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
