"""What every HTTP API of the pipeline shares: API-key authentication, rate limits, problem details."""
