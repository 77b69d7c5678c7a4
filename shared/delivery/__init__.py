"""At-least-once in, exactly-once in effect: outbox, relay, inbox, claimer, dead letters."""
