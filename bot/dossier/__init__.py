"""The complaint dossier: a PDF of the whole ticket and a ZIP of its evidence, for the buyer to
take to 12315, a consumer association or a court, and for the agents' records."""
