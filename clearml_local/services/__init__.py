"""The API's services: one module per ClearML service, each a set of thin handlers."""
