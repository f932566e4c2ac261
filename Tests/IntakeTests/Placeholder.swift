// Placeholder until the intake tests land.
