import Foundation
import Logging
import Metrics
import ServiceLifecycle

/// Verifies the whole chain at start and then every `interval`, and exposes the result:
/// `open137_audit_chain_valid` (1 verified, 0 broken), `open137_audit_chain_entries`,
/// `open137_audit_chain_first_broken_seq` (0 when valid) and `open137_audit_chain_verified_seconds`
/// (Unix time of the last completed verification). A broken chain is also logged as an error.
public struct ChainVerifierService: Service {
    let log: AuditLog
    let interval: Duration
    let logger: Logger
    private let valid = Gauge(label: "open137_audit_chain_valid")
    private let entries = Gauge(label: "open137_audit_chain_entries")
    private let firstBroken = Gauge(label: "open137_audit_chain_first_broken_seq")
    private let verifiedAt = Gauge(label: "open137_audit_chain_verified_seconds")

    /// A verifier of `log` every `interval`.
    public init(log: AuditLog, interval: Duration = .seconds(300), logger: Logger) {
        self.log = log
        self.interval = interval
        self.logger = logger
    }

    /// Verifies until graceful shutdown.
    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await verifyOnce()
            _ = try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }

    /// One verification, recorded in the gauges; returns the result (nil when the database could not be read).
    @discardableResult
    public func verifyOnce() async -> ChainVerification? {
        do {
            let result = try await log.verify()
            valid.record(result.isValid ? 1 : 0)
            entries.record(result.entries)
            firstBroken.record(result.firstBroken?.seq ?? 0)
            verifiedAt.record(Int(Date().timeIntervalSince1970))
            if let broken = result.firstBroken {
                logger.error("the audit chain does not verify", metadata: ["first_broken": "\(broken)"])
            } else {
                logger.info("audit chain verified", metadata: ["entries": "\(result.entries)"])
            }
            return result
        } catch {
            logger.warning("could not verify the audit chain", metadata: ["error": "\(error)"])
            return nil
        }
    }
}
