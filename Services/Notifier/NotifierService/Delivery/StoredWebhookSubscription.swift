import Foundation

/// A stored webhook subscription as operators see it (`open137 webhooks list`): never the secret.
public struct StoredWebhookSubscription: Sendable, Hashable {
    /// Its id (what `open137 webhooks remove ID` takes).
    public var id: Int64
    /// Where events are POSTed.
    public var url: String
    /// The topic patterns.
    public var events: [String]
    /// When it was first added.
    public var createdAt: Date

    /// Creates a listing row.
    public init(id: Int64, url: String, events: [String], createdAt: Date) {
        self.id = id
        self.url = url
        self.events = events
        self.createdAt = createdAt
    }
}
