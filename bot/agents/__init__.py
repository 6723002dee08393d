"""The agents' side: the linked group, ticket cards and relayed answers."""
