"""Adapters that deliver rendered notifications (console, Telegram) and the pure Vietnamese renderers."""
