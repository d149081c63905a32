"""Post-mortems: the reviewed learning document that a severity may require after an incident.

A draft is made when such an incident is resolved (or by hand for any incident), prefilled from
the incident; its author writes the sections, asks for reviews, reviewers comment per section and
approve or request changes; once approved it is published, written as a Markdown file into
TOCSIN_POSTMORTEM_DIR (committed on a branch when that folder is a git working tree).
"""
