"""What every web form shares."""

from tocsin.errors import DomainError


def add_domain_error(form, error: DomainError) -> None:
    """Show a service's refusal on the form: on its field when the form has one, else on top."""
    form.add_error(error.field if error.field in form.fields else None, error.message)
