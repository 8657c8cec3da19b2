"""OBE achievement degrees: assessment plans, score sheets, achievement degrees, improvement records."""
