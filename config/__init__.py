"""Deployment configuration: validated settings and default data files."""

from config.settings import Settings, get_settings

__all__ = ["Settings", "get_settings"]
