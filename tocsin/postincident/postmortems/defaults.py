"""The sections a post-mortem has unless an admin changes the template (seeded by a migration)."""

DEFAULT_SECTIONS = [
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
