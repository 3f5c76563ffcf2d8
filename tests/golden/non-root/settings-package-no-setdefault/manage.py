#!/usr/bin/env python
"""DJANGO_SETTINGS_MODULE comes from the environment (compose sets it); no default here."""
import sys

from django.core.management import execute_from_command_line

if __name__ == "__main__":
    execute_from_command_line(sys.argv)
