"""The Deliveries page: every message Tocsin sends, and what became of it; a kept e-mail read as
its recipient would see it."""
