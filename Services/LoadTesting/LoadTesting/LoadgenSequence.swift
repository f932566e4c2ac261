import Synchronization

/// The next report number, shared by the closed loop's submitters.
final class LoadgenSequence: Sendable {
    private let next = Atomic<Int>(0)

    /// Starts at 0.
    init() {}

    /// This submitter's next number.
    func take() -> Int { next.add(1, ordering: .relaxed).oldValue }
}
