"""Signed webhooks: the store of subscriptions and their positions, signing, and the deliverer."""
