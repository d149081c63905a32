"""The incident page's "Hot fixes" card: the incident's hot fixes with a checkbox per
merge-back target, and the form that records one (shown by `pages/`)."""

from tocsin.accounts.permissions import may_change_hot_fix, may_record_hot_fix

from .forms import RecordForm
from .selectors import hot_fixes_of


def incident_hot_fix_card(incident, user) -> dict:
    return {
        "hot_fixes": [
            {"hot_fix": hot_fix, "may_change": may_change_hot_fix(hot_fix, user)}
            for hot_fix in hot_fixes_of(incident)
        ],
        "may_record": may_record_hot_fix(incident, user),
        "form": RecordForm(initial={"owner": user.pk}, auto_id="hf_%s"),
    }
