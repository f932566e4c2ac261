import Foundation
import Synchronization

/// Every submission's outcome during a run: the receipts of accepted reports, and how many were refused
/// or given up (with the first few reasons, for the table).
final class LoadgenLedger: Sendable {
    /// What the ledger holds.
    struct Contents: Sendable {
        /// Receipts of the accepted reports, in the order they were accepted.
        var receipts: [LoadgenReceipt] = []
        /// Submissions intake refused.
        var rejected = 0
        /// Submissions without an accepting answer before the give-up deadline.
        var gaveUp = 0
        /// The first distinct reasons of refusals and give-ups.
        var reasons: [String] = []
    }

    private let contents = Mutex(Contents())

    /// An empty ledger.
    init() {}

    /// Records the outcome of submitting `report`, which was due at `dueAt`.
    func record(_ outcome: LoadgenOutcome, of report: LoadgenReport, dueAt: Date) {
        contents.withLock { contents in
            switch outcome {
            case .accepted(var receipt):
                receipt.serviceCode = report.serviceCode
                receipt.child = report.child
                receipt.dueAt = dueAt
                contents.receipts.append(receipt)
            case .rejected(let reason):
                contents.rejected += 1
                if contents.reasons.count < 5, !contents.reasons.contains(reason) { contents.reasons.append(reason) }
            case .gaveUp(let reason):
                contents.gaveUp += 1
                if contents.reasons.count < 5, !contents.reasons.contains(reason) { contents.reasons.append(reason) }
            }
        }
    }

    /// Accepted reports so far.
    var acceptedCount: Int { contents.withLock { $0.receipts.count } }

    /// A copy of everything recorded.
    var snapshot: Contents { contents.withLock { $0 } }
}
