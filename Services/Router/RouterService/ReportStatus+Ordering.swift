import Contracts

/// The router's ordering of a unit's updates over the contract's state machine
/// (``ReportStatus/next``, in Contracts): which refused moves may still become legal when their
/// predecessors arrive.
extension ReportStatus {
    /// Where this status lies on a unit's way through the report (`assigned`, or `reopened` where the way
    /// starts again, then `acknowledged`, `in_progress`, `resolved`); nil for `rejected`, which may follow
    /// any open status and so has no place in the order, and outside ``lifecycle``.
    public var step: Int? {
        switch self {
        case .assigned, .reopened: 0
        case .acknowledged: 1
        case .inProgress: 2
        case .resolved: 3
        case .rejected: nil
        case .received, .classified, .routed, .referred: nil
        }
    }

    /// Whether a unit's `next`, not a legal move from this open status, lies further along the way than the
    /// next step (`assigned → resolved`, `acknowledged → resolved`): the unit must have sent the steps
    /// between, and updates are applied several at a time, so those may still be on the way. Such an
    /// update is out of order and waits; one backwards, repeated or from a closed status never becomes legal.
    public func awaitsPredecessor(of next: ReportStatus) -> Bool {
        guard isOpen, !self.next.contains(next), let from = step, let to = next.step else { return false }
        return to > from + 1
    }
}
