"""followup: drafts polite follow-ups for quiet recruiting threads."""
