"""The Telegram notifier and bot (python-telegram-bot); the only package that imports `telegram`.

Modules, lowest first (each imports only those above it): callbacks, texts, ratelimit, limits,
keyboards, services, notifier, drain, common, buttons, inputs, handlers, webhook, bot. Nothing here imports the
composition root: the caller passes a `services.Services` (dondoc.bootstrap.App is one).
"""
