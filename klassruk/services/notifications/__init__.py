"""Notifications: events from a transactional outbox to e-mail and SMS, gated by consent."""
