"""Jejak's shared package: event contracts and the delivery plumbing every service uses."""
