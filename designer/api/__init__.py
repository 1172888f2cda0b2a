"""HTTP endpoints served next to the pages: sign-in forms and callbacks, and the REST API."""
