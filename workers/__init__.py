"""Workers: decode, classify and route inbound webhooks; replay dead letters."""
