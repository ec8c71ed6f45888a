"""The upstream contract (ElkAPI's Suno endpoints): client, typed results, errors and a simulator.

Knows nothing about our models. See docs/upstream.md for the contract.
"""
