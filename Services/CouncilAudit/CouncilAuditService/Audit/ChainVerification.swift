/// The result of walking the chain.
public struct ChainVerification: Sendable, Hashable {
    /// Entries read.
    public var entries: Int
    /// The first entry that does not verify, or nil when the whole chain does.
    public var firstBroken: BrokenEntry?
    /// Whether the chain verified.
    public var isValid: Bool { firstBroken == nil }

    /// Creates a result.
    public init(entries: Int, firstBroken: BrokenEntry?) {
        self.entries = entries
        self.firstBroken = firstBroken
    }
}
