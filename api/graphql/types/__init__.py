"""The GraphQL object types, grouped by the thing they describe; types that refer to each other
share a module."""
