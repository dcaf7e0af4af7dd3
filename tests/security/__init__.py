"""Security: authorization matrix, CSRF, rate limits, headers, secrets, holder ids, fuzzing."""
