"""The registry after departure, on screen: the contract and its extensions, absconding, the returnees and their
follow-ups, the suspension rules and the province's settings. The rules themselves live in ``workers.services``
(writes), ``workers.overstay`` and ``workers.selectors`` (reads)."""
