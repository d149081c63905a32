"""Escalation: who is paged for an incident, level by level, through which contact methods,
until someone acknowledges. Policies, personal notification rules, and the engine that keeps
their deadlines as rows (builds on schedules/ to know who is on call)."""
