"""REST API v1: JSON in and out, bearer-token auth, errors as {"error": {code, message, details}}."""
