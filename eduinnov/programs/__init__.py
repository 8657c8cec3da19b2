"""Programs, cohorts and students."""
