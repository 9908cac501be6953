"""The matching engine: pure Python over strings and small dataclasses (no ORM, no request)."""
