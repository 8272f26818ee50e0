"""Know why (改善): claim and refund rates by product, batch, supplier, courier and group, each
with its denominator and a 95% interval; batch alerts; improvement records; service promises;
the report as text, a PNG chart and a CSV. Every number is aggregated in the database."""
