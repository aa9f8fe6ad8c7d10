"""Pages for people: the audit report today, the lineage explorer's files later."""
