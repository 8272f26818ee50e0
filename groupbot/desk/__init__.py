"""The service desk: members reach a person in service hours, through one topic per member in a
staff forum. Services only (no ``telegram`` import): hours, conversations, the relay, the topic
and its summary card, the idle and escalation clocks. Handlers live in ``handlers/desk*.py``.
"""
