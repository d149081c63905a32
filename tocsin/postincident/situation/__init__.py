"""The situation report: written from the incident's own data when it is resolved, kept with it,
e-mailed to its stakeholders and replied in its chat threads; regenerated on request.

`models` (reports, stakeholders), `facts` (the eight answers, and the Markdown they read as),
`services` (every write), `sending` (what is queued in the outbox), `reactions` (generated at
resolution), `card` (the incident page's card), `api`, `views`, `forms`, `urls`.
"""
