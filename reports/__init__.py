"""Renderers: findings JSON, HTML, SARIF, JUnit."""
