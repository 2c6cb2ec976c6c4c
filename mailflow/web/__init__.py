"""The reviewer's page (Flask): queue, one draft beside the buyer's message, decisions, customers."""

from mailflow.web.app import create_app

__all__ = ["create_app"]
