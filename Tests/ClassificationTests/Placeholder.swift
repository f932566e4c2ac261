// Placeholder until the classifier tests land.
